package io.sluice.planner;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.catalog.DataSourceCatalog;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.ExportProcessorSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.calcite.DruidOperators;
import io.sluice.planner.calcite.DruidSchema;
import io.sluice.planner.sql.ExternRewriter;
import io.sluice.planner.sql.MsqStatement;
import io.sluice.planner.sql.MsqStatementParser;
import io.sluice.planner.sql.OverwriteWhere;
import io.sluice.planner.sql.SqlTokenizer;
import io.sluice.planner.translate.RexTranslator;
import io.sluice.planner.translate.SqlTypes;
import io.sluice.planner.translate.StageBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.plan.hep.HepPlanner;
import org.apache.calcite.plan.hep.HepProgram;
import org.apache.calcite.plan.hep.HepProgramBuilder;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.impl.ParseException;
import org.apache.calcite.sql.parser.impl.Token;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorUtil;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.tools.FrameworkConfig;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.Planner;
import org.apache.calcite.tools.ValidationException;

/**
 * The MSQ SQL planner: Druid's dialect is peeled off by {@link MsqStatementParser}, EXTERN calls become synthetic
 * tables, Calcite parses, validates and converts the rest against the catalog as it is now, a few Hep rules tidy the
 * logical plan, and {@link StageBuilder} turns it into stages.
 */
public final class CalcitePlanner implements SqlPlanner {
    public static final String SELECT_DATASOURCE = "__query_select";
    public static final String BUCKET_COLUMN = "__bucket";
    private static final Pattern UNNAMED = Pattern.compile("EXPR\\$\\d+");

    /**
     * Calcite's lenient conformance, except that GROUP BY does not resolve select-list aliases (as in Druid): in
     * {@code SELECT f(x) AS x … GROUP BY f(x)} the {@code x} inside the GROUP BY is the column, not the alias.
     */
    static final org.apache.calcite.sql.validate.SqlConformance DRUID_CONFORMANCE =
            new org.apache.calcite.sql.validate.SqlDelegatingConformance(SqlConformanceEnum.LENIENT) {
                @Override
                public boolean isGroupByAlias() {
                    return false;
                }
            };

    private static final org.apache.calcite.config.CalciteConnectionConfig CONNECTION_CONFIG = connectionConfig();

    private static org.apache.calcite.config.CalciteConnectionConfig connectionConfig() {
        java.util.Properties props = new java.util.Properties();
        // both set, so that Calcite's planner keeps this config (it copies one that lacks them, losing the override)
        props.setProperty(org.apache.calcite.config.CalciteConnectionProperty.CASE_SENSITIVE.camelName(), "true");
        props.setProperty(org.apache.calcite.config.CalciteConnectionProperty.CONFORMANCE.camelName(), "LENIENT");
        return new org.apache.calcite.config.CalciteConnectionConfigImpl(props) {
            @Override
            public org.apache.calcite.sql.validate.SqlConformance conformance() {
                return DRUID_CONFORMANCE;
            }
        };
    }

    private static final SqlParser.Config PARSER_CONFIG = SqlParser.config()
            .withQuoting(Quoting.DOUBLE_QUOTE)
            .withQuotedCasing(Casing.UNCHANGED)
            .withUnquotedCasing(Casing.UNCHANGED)
            .withCaseSensitive(true)
            .withConformance(SqlConformanceEnum.LENIENT);

    public static final String EXPORT_DATASOURCE = "__query_export";
    /** Druid's default rows per export file (context {@code rowsPerPage}). */
    public static final long DEFAULT_ROWS_PER_PAGE = 100_000L;

    private final DataSourceCatalog catalog;
    private final List<Path> exportBaseDirs;

    /** A planner whose exports are disabled. */
    public CalcitePlanner(DataSourceCatalog catalog) {
        this(catalog, List.of());
    }

    /**
     * @param exportBaseDirs absolute directories under which {@code local(exportPath => ...)} may write (config
     *     {@code sluice.export.base-dirs}); empty disables export
     */
    public CalcitePlanner(DataSourceCatalog catalog, List<Path> exportBaseDirs) {
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.exportBaseDirs = exportBaseDirs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    @Override
    public QuerySpec plan(String sql, Map<String, Object> context, List<SqlParameter> parameters, String queryId) {
        requireNonNull(sql, "sql is null");
        requireNonNull(queryId, "queryId is null");
        // Parameters first: they may stand in the OVERWRITE WHERE clause as well as in the query.
        String bound = bindParameters(sql, parameters == null ? List.of() : parameters);
        MsqStatement st = MsqStatementParser.parse(bound);
        PlannerContext ctx = PlannerContext.merge(context == null ? Map.of() : context, st.setContext());
        String body = renameDateTrunc(st.body());
        ExternRewriter.Result rewritten = ExternRewriter.rewrite(body);

        SchemaPlus root = Frameworks.createRootSchema(false);
        SchemaPlus druid = root.add("druid", new DruidSchema(catalog, rewritten.externs()));
        FrameworkConfig config = Frameworks.newConfigBuilder()
                .parserConfig(PARSER_CONFIG)
                .defaultSchema(druid)
                .typeSystem(io.sluice.planner.calcite.DruidTypeSystem.INSTANCE)
                .operatorTable(DruidOperators.table())
                .sqlValidatorConfig(SqlValidator.Config.DEFAULT
                        .withConformance(DRUID_CONFORMANCE)
                        .withIdentifierExpansion(true))
                .sqlToRelConverterConfig(SqlToRelConverter.config()
                        .withInSubQueryThreshold(Integer.MAX_VALUE)
                        .withExpand(true))
                // Calcite's planner takes the validator's conformance from the connection config
                .context(org.apache.calcite.plan.Contexts.of(CONNECTION_CONFIG))
                .build();
        Planner planner = Frameworks.getPlanner(config);
        SqlNode parsed;
        try {
            parsed = planner.parse(rewritten.sql());
        } catch (SqlParseException e) {
            throw parseError(e);
        }
        if (!parsed.isA(SqlKind.QUERY)) {
            throw new DruidSqlException("general", "DEVELOPER", "UNCATEGORIZED",
                    "Unable to parse the SQL, unrecognized error from calcite: [Non-query expression encountered in "
                            + "illegal context]",
                    Map.of());
        }
        if (st.isIngestion()) {
            if (st.kind() == MsqStatement.Kind.REPLACE && st.overwrite() == null) {
                throw DruidSqlException.invalidSqlInput("Missing time chunk information in OVERWRITE clause for REPLACE. "
                        + "Use OVERWRITE WHERE <__time based condition> or OVERWRITE ALL to overwrite the entire table.");
            }
            if (st.granularity() == null) {
                throw DruidSqlException.invalidSqlInput("Operation [" + st.kind() + "] requires a PARTITIONED BY to be "
                        + "explicitly defined, but none was found.");
            }
        }
        SqlNode validated;
        try {
            validated = planner.validate(parsed);
        } catch (ValidationException e) {
            throw validationError(e);
        } catch (CalciteContextException e) {
            throw validationError(e);
        }
        RelRoot relRoot;
        try {
            relRoot = planner.rel(validated);
        } catch (org.apache.calcite.tools.RelConversionException e) {
            throw new DruidSqlException("general", "DEVELOPER", "UNCATEGORIZED", e.getMessage(), Map.of());
        }
        List<Map.Entry<Integer, String>> fields = relRoot.fields;
        RelDataType outType = relRoot.validatedRowType;
        if (st.isIngestion()) {
            checkIngestColumns(st, validated, outType);
        }
        RelNode rel = optimize(relRoot.rel);
        StageBuilder builder = new StageBuilder(queryId, ctx, new RexTranslator(rel.getCluster().getRexBuilder()));
        Map<String, Object> outContext = ctx.asMap();
        if (st.isExport()) {
            return export(sql, queryId, st, ctx, builder, rel, fields, outContext);
        }
        if (!st.isIngestion()) {
            StageBuilder.Emitted out = builder.finish(rel);
            List<ColumnMapping> mappings = new ArrayList<>();
            RowSignature.Builder sig = RowSignature.builder();
            List<String> sqlTypes = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < fields.size(); i++) {
                RelDataTypeField f = outType.getFieldList().get(i);
                String alias = fields.get(i).getValue();
                mappings.add(new ColumnMapping(out.names().get(fields.get(i).getKey()), alias));
                // RowSignature names are unique; a repeated SELECT alias keeps its name in the column mappings.
                String unique = alias;
                for (int n = 1; !seen.add(unique); n++) {
                    unique = alias + n;
                }
                sig.add(unique, SqlTypes.nativeType(f.getType()));
                sqlTypes.add(SqlTypes.sqlTypeName(f.getType()));
            }
            return new QuerySpec(sql, SELECT_DATASOURCE, new QueryDefinition(queryId, builder.stages()), mappings,
                    sig.build(), sqlTypes, new Destination.TaskReport(), outContext);
        }
        return ingest(sql, queryId, st, ctx, builder, rel, fields, outType, outContext);
    }

    private QuerySpec ingest(
            String sql,
            String queryId,
            MsqStatement st,
            PlannerContext ctx,
            StageBuilder builder,
            RelNode rel,
            List<Map.Entry<Integer, String>> fields,
            RelDataType outType,
            Map<String, Object> outContext) {
        Granularity granularity = st.granularity();
        List<RelFieldCollation> clusterKeys = List.of();
        RelNode query = rel;
        if (!st.clusteredBy().isEmpty() && rel instanceof Sort sort) {
            clusterKeys = sort.getCollation().getFieldCollations();
            if (sort.fetch == null && sort.offset == null) {
                query = sort.getInput();
            }
        }
        StageBuilder.Pending p = builder.pending(query);
        int timeIndex = -1;
        for (Map.Entry<Integer, String> f : fields) {
            if (f.getValue().equals("__time")) {
                timeIndex = f.getKey();
            }
        }
        List<NamedExpr> extra = new ArrayList<>();
        Expr time = timeIndex >= 0 ? builder.field(p, timeIndex) : Literal.of(0L);
        if (timeIndex < 0) {
            extra.add(new NamedExpr("__time", time, ColumnType.LONG));
        }
        Expr bucket = granularity.isAll()
                ? Literal.of(0L)
                : Call.of(Fn.TIMESTAMP_FLOOR, time, Literal.of(granularity.period()));
        extra.add(0, new NamedExpr(BUCKET_COLUMN, bucket, ColumnType.LONG));
        List<String> placeholderNames = builder.previewNames(p, extra);
        List<KeyColumn> keys = new ArrayList<>();
        keys.add(KeyColumn.asc(BUCKET_COLUMN));
        List<String> clusteredBy = new ArrayList<>();
        for (RelFieldCollation c : clusterKeys) {
            keys.add(KeyColumn.asc(placeholderNames.get(c.getFieldIndex())));
            String alias = placeholderNames.get(c.getFieldIndex());
            for (Map.Entry<Integer, String> f : fields) {
                if (f.getKey() == c.getFieldIndex()) {
                    alias = f.getValue();
                }
            }
            clusteredBy.add(alias);
        }
        ShuffleSpec shuffle = new ShuffleSpec.TargetSize(new ClusterBy(keys, 1), ctx.rowsPerSegment());
        StageBuilder.Emitted last = builder.emitFinal(p, extra, shuffle);
        StageDefinition lastStage = builder.stages().get(last.stage());

        List<ColumnMapping> mappings = new ArrayList<>();
        List<ColumnSignature> dimensions = new ArrayList<>();
        List<AggregatorSpec> metrics = new ArrayList<>();
        Map<String, AggregatorSpec> aggsByColumn = new LinkedHashMap<>();
        if (!ctx.finalizeAggregations() && p.aggregators() != null) {
            for (AggregatorSpec a : p.aggregators()) {
                aggsByColumn.put(a.name(), a);
            }
        }
        boolean mvd = ctx.arrayIngestMode().equals("mvd");
        java.util.Set<String> excluded = ctx.columnsExcludedFromTypeVerification();
        List<io.sluice.engine.plan.ColumnTypeCheck> typeChecks = new ArrayList<>();
        if (timeIndex < 0) {
            mappings.add(new ColumnMapping("__time", "__time"));
        }
        for (Map.Entry<Integer, String> f : fields) {
            String column = last.names().get(f.getKey());
            mappings.add(new ColumnMapping(column, f.getValue()));
            if (f.getValue().equals("__time")) {
                continue;
            }
            Expr e = builder.field(p, f.getKey());
            if (e instanceof ColumnRef ref && aggsByColumn.containsKey(ref.column())) {
                AggregatorSpec a = aggsByColumn.get(ref.column());
                metrics.add(new AggregatorSpec(f.getValue(), a.kind(), a.input(), a.filter(), a.outputType(),
                        a.distinct(), a.sketchSize(), a.hllType()));
            } else {
                ColumnType stored = lastStage.signature().typeOf(column).orElseThrow();
                if (stored == ColumnType.STRING_ARRAY && mvd) {
                    stored = ColumnType.STRING; // a string array is stored as a multi-value string
                }
                dimensions.add(new ColumnSignature(f.getValue(), stored));
                if (!excluded.contains(f.getValue())) {
                    String sqlType = SqlTypes.sqlTypeName(rel.getRowType().getFieldList().get(f.getKey()).getType());
                    typeChecks.add(new io.sluice.engine.plan.ColumnTypeCheck(
                            f.getValue(), sqlType, stored, ctx.arrayIngestMode()));
                }
            }
        }
        List<String> replaceTimeChunks = null;
        if (st.kind() == MsqStatement.Kind.REPLACE) {
            replaceTimeChunks = "ALL".equals(st.overwrite())
                    ? List.of(Intervals.ETERNITY)
                    : OverwriteWhere.intervals(st.overwrite(), granularity, PARSER_CONFIG);
        }
        SegmentGeneratorSpec gen = new SegmentGeneratorSpec(st.target(), granularity, mappings, dimensions, metrics,
                replaceTimeChunks, clusteredBy, ctx.rowsPerSegment(), ctx.maxRowsInMemory(), typeChecks);
        int n = builder.stages().size();
        builder.add(new StageDefinition(n, queryId + "_" + n, List.of(new StageInputSpec(last.stage())), null, gen,
                RowSignature.empty(), null, builder.workers()));
        return new QuerySpec(sql, st.target(), new QueryDefinition(queryId, builder.stages()), mappings,
                RowSignature.empty(), List.of(), new Destination.DataSource(st.target(), granularity, replaceTimeChunks),
                outContext);
    }

    /**
     * An export: the query's stages, then an export stage whose workers write CSV files into the destination (the
     * controller writes the manifest when they are done).
     */
    private QuerySpec export(
            String sql,
            String queryId,
            MsqStatement st,
            PlannerContext ctx,
            StageBuilder builder,
            RelNode rel,
            List<Map.Entry<Integer, String>> fields,
            Map<String, Object> outContext) {
        Path dir = checkExportPath(st.export().exportPath());
        StageBuilder.Emitted out = builder.finish(rel);
        List<ColumnMapping> mappings = new ArrayList<>();
        for (Map.Entry<Integer, String> f : fields) {
            mappings.add(new ColumnMapping(out.names().get(f.getKey()), f.getValue()));
        }
        long rowsPerPage = ctx.getLong("rowsPerPage", DEFAULT_ROWS_PER_PAGE);
        if (rowsPerPage < 1) {
            throw DruidSqlException.invalidInput("Context parameter [rowsPerPage] must be a positive number, got ["
                    + rowsPerPage + "]");
        }
        String format = st.export().format().toLowerCase(java.util.Locale.ROOT);
        ExportProcessorSpec exporter = new ExportProcessorSpec(dir.toString(), format, mappings, rowsPerPage);
        int n = builder.stages().size();
        builder.add(new StageDefinition(n, queryId + "_" + n, List.of(new StageInputSpec(out.stage())), null, exporter,
                RowSignature.empty(), null, builder.workers()));
        return new QuerySpec(sql, EXPORT_DATASOURCE, new QueryDefinition(queryId, builder.stages()), mappings,
                RowSignature.empty(), List.of(),
                new Destination.Export(new Destination.LocalExportStorage(dir.toString()), format), outContext);
    }

    /** The export directory, which must be absolute and under one of the configured base directories. */
    private Path checkExportPath(String exportPath) {
        if (exportBaseDirs.isEmpty()) {
            throw new DruidSqlException("notFound", "OPERATOR", "NOT_FOUND",
                    "Export to local storage is disabled: the configuration key `sluice.export.base-dirs` (Druid's "
                            + "runtime property `druid.export.storage.baseDir`) must be configured for local export.",
                    Map.of());
        }
        Path dir;
        try {
            dir = Path.of(exportPath).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            dir = null;
        }
        if (dir == null || !dir.isAbsolute() || exportBaseDirs.stream().noneMatch(dir::startsWith)) {
            throw DruidSqlException.invalidInput("The provided destination [" + exportPath + "] must be within the "
                    + "path configured by runtime property `druid.export.storage.baseDir` Please reach out to the "
                    + "cluster admin for the allowed path. ");
        }
        return dir;
    }

    private static void checkIngestColumns(MsqStatement st, SqlNode validated, RelDataType outType) {
        SqlNode q = validated;
        if (q instanceof SqlOrderBy ob) {
            q = ob.query;
        }
        if (q instanceof SqlWith w) {
            q = w.body;
            if (q instanceof SqlOrderBy ob) {
                q = ob.query;
            }
        }
        if (q instanceof SqlSelect select) {
            Set<String> seen = new HashSet<>();
            int i = 0;
            for (SqlNode item : select.getSelectList()) {
                String alias = SqlValidatorUtil.alias(item, i++);
                if (alias != null && !seen.add(alias)) {
                    throw DruidSqlException.invalidSqlInput("Duplicate field in SELECT: [" + alias + "]");
                }
            }
        }
        boolean hasTime = false;
        for (RelDataTypeField f : outType.getFieldList()) {
            if (UNNAMED.matcher(f.getName()).matches()) {
                throw DruidSqlException.invalidSqlInput("Insertion requires columns to be named, but at least one of "
                        + "the columns was unnamed.  This is usually the result of applying a function without having "
                        + "an alias.");
            }
            if (f.getName().equals("__time")) {
                hasTime = true;
                if (f.getType().getSqlTypeName() != SqlTypeName.TIMESTAMP) {
                    throw DruidSqlException.invalidSqlInput("Field[__time] was the wrong type["
                            + SqlTypes.sqlTypeName(f.getType()) + "], expected TIMESTAMP");
                }
            }
        }
        if (!hasTime && !st.granularity().isAll()) {
            throw DruidSqlException.invalidInput("The granularity [" + st.granularity().describe() + "] specified in "
                    + "the PARTITIONED BY clause of the " + st.kind() + " query is different from ALL. Therefore, the "
                    + "query must specify a time column (named __time).");
        }
    }

    private static RelNode optimize(RelNode rel) {
        HepProgram program = new HepProgramBuilder()
                // RexOver in a projection → Project, LogicalWindow (one group per distinct window), Project
                .addRuleInstance(CoreRules.PROJECT_TO_LOGICAL_PROJECT_AND_WINDOW)
                // only the columns used above or by the window go through its sort
                .addRuleInstance(CoreRules.PROJECT_WINDOW_TRANSPOSE)
                .addRuleInstance(CoreRules.PROJECT_MERGE)
                .addRuleInstance(CoreRules.FILTER_MERGE)
                .addRuleInstance(CoreRules.PROJECT_REMOVE)
                .build();
        HepPlanner hep = new HepPlanner(program);
        hep.setRoot(rel);
        return hep.findBestExp();
    }

    /**
     * Calcite's parser gives DATE_TRUNC a fixed syntax of its own ({@code DATE_TRUNC(ts, unit)}); Druid's is
     * {@code DATE_TRUNC('unit', ts)}. Calls are renamed to the same-length DATE_FLOOR, which we define, so positions in
     * error messages stay right.
     */
    private static String renameDateTrunc(String body) {
        List<SqlTokenizer.Token> toks = SqlTokenizer.tokenize(body);
        StringBuilder out = null;
        // Right to left, so replacements of a different length do not move the tokens still to be replaced.
        for (int i = toks.size() - 2; i >= 0; i--) {
            SqlTokenizer.Token t = toks.get(i);
            SqlTokenizer.Token next = toks.get(i + 1);
            if (t.kind() == SqlTokenizer.Kind.WORD && t.text().equalsIgnoreCase("DATE_TRUNC") && next.isSymbol("(")) {
                out = out == null ? new StringBuilder(body) : out;
                out.replace(t.start(), t.end(), "DATE_FLOOR");
            } else if (t.kind() == SqlTokenizer.Kind.WORD && t.text().equalsIgnoreCase("TIMESTAMP")
                    && next.kind() == SqlTokenizer.Kind.STRING) {
                // Druid accepts TIMESTAMP '2000-01-01' and '2000-01-01T10:00:00'; Calcite wants 'yyyy-MM-dd HH:mm:ss'.
                String v = next.text().substring(1, next.text().length() - 1);
                if (v.matches("\\d{4}-\\d{2}-\\d{2}") || v.matches("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z?")) {
                    out = out == null ? new StringBuilder(body) : out;
                    out.replace(next.start(), next.end(), "'" + sqlTimestamp(v) + "'");
                }
            }
        }
        return out == null ? body : out.toString();
    }

    private static String bindParameters(String body, List<SqlParameter> parameters) {
        List<SqlTokenizer.Token> toks = SqlTokenizer.tokenize(body);
        StringBuilder out = new StringBuilder();
        int last = 0;
        int index = 0;
        for (SqlTokenizer.Token t : toks) {
            if (!t.isSymbol("?")) {
                continue;
            }
            if (index >= parameters.size()) {
                throw DruidSqlException.invalidSqlInput("No value bound for parameter (position [" + (index + 1) + "])");
            }
            out.append(body, last, t.start()).append(literal(parameters.get(index++)));
            last = t.end();
        }
        return index == 0 ? body : out.append(body.substring(last)).toString();
    }

    private static String literal(SqlParameter p) {
        Object v = p.value();
        String type = p.type() == null ? "VARCHAR" : p.type().toUpperCase(java.util.Locale.ROOT);
        if (v == null) {
            return "CAST(NULL AS " + (type.equals("VARCHAR") ? "VARCHAR" : type) + ")";
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object o : list) {
                items.add(o instanceof Number || o instanceof Boolean ? String.valueOf(o) : quote(String.valueOf(o)));
            }
            return "ARRAY[" + String.join(", ", items) + "]";
        }
        return switch (type) {
            case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL" ->
                    "CAST(" + v + " AS " + type + ")";
            case "BOOLEAN" -> String.valueOf(v).toUpperCase(java.util.Locale.ROOT);
            case "TIMESTAMP" -> "TIMESTAMP " + quote(sqlTimestamp(v));
            case "DATE" -> "DATE " + quote(String.valueOf(v));
            default -> quote(String.valueOf(v));
        };
    }

    /** A TIMESTAMP parameter as SQL literal text: epoch millis or ISO-8601 become 'yyyy-MM-dd HH:mm:ss.SSS'. */
    private static String sqlTimestamp(Object v) {
        long millis;
        if (v instanceof Number n) {
            millis = n.longValue();
        } else {
            String s = String.valueOf(v).trim();
            if (s.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d+)?")) {
                return s;
            }
            try {
                millis = io.sluice.engine.types.TimeParsing.parseIsoMillis(s);
            } catch (IllegalArgumentException e) {
                return s; // let Calcite report the bad literal
            }
        }
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
                .withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochMilli(millis));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    static DruidSqlException parseError(SqlParseException e) {
        if (e.getCause() instanceof ParseException pe && pe.currentToken != null && pe.expectedTokenSequences != null) {
            int max = 0;
            for (int[] seq : pe.expectedTokenSequences) {
                max = Math.max(max, seq.length);
            }
            Token first = pe.currentToken.next;
            StringBuilder token = new StringBuilder();
            Token t = first;
            for (int i = 0; i < Math.max(1, max) && t != null; i++) {
                if (i > 0) {
                    token.append(' ');
                }
                if (t.kind == 0) {
                    token.append("<EOF>");
                    break;
                }
                token.append(t.image);
                t = t.next;
            }
            List<String> options = new ArrayList<>();
            for (int[] seq : pe.expectedTokenSequences) {
                StringBuilder o = new StringBuilder();
                for (int k : seq) {
                    o.append(o.length() == 0 ? "" : " ").append(pe.tokenImage[k]);
                }
                options.add(o.toString());
            }
            String expected = "[" + String.join(", ", options) + "]";
            Map<String, String> ctx = new LinkedHashMap<>();
            ctx.put("sourceType", "sql");
            ctx.put("line", String.valueOf(first.beginLine));
            ctx.put("column", String.valueOf(first.beginColumn));
            ctx.put("endLine", String.valueOf(first.endLine));
            ctx.put("endColumn", String.valueOf(first.endColumn));
            ctx.put("token", token.toString());
            ctx.put("expected", expected);
            return new DruidSqlException("invalidInput", "USER", "INVALID_INPUT",
                    "Received an unexpected token [" + token + "] (line [" + first.beginLine + "], column ["
                            + first.beginColumn + "]), acceptable options: " + expected,
                    ctx);
        }
        String msg = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
                : e.getMessage();
        if (e.getPos() != null && e.getPos().getLineNum() > 0) {
            Map<String, String> ctx = positionContext(e.getPos().getLineNum(), e.getPos().getColumnNum(),
                    e.getPos().getEndLineNum(), e.getPos().getEndColumnNum());
            return new DruidSqlException("invalidInput", "USER", "INVALID_INPUT", firstLine(msg) + " (line ["
                    + e.getPos().getLineNum() + "], column [" + e.getPos().getColumnNum() + "])", ctx);
        }
        return new DruidSqlException("general", "DEVELOPER", "UNCATEGORIZED",
                "Unable to parse the SQL, unrecognized error from calcite: [" + firstLine(msg) + "]", Map.of());
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static Map<String, String> positionContext(int line, int column, int endLine, int endColumn) {
        Map<String, String> ctx = new LinkedHashMap<>();
        ctx.put("sourceType", "sql");
        ctx.put("line", String.valueOf(line));
        ctx.put("column", String.valueOf(column));
        ctx.put("endLine", String.valueOf(endLine));
        ctx.put("endColumn", String.valueOf(endColumn));
        return ctx;
    }

    private static DruidSqlException validationError(Throwable e) {
        Throwable t = e;
        while (t != null && !(t instanceof CalciteContextException)) {
            if (t instanceof DruidSqlException d) {
                return d;
            }
            t = t.getCause();
        }
        if (t instanceof CalciteContextException c) {
            String msg = c.getCause() != null ? c.getCause().getMessage() : c.getMessage();
            return new DruidSqlException("invalidInput", "USER", "INVALID_INPUT",
                    msg + " (line [" + c.getPosLine() + "], column [" + c.getPosColumn() + "])",
                    positionContext(c.getPosLine(), c.getPosColumn(), c.getEndPosLine(), c.getEndPosColumn()));
        }
        Throwable root = e.getCause() != null ? e.getCause() : e;
        return new DruidSqlException("general", "USER", "UNCATEGORIZED",
                "Uncategorized calcite error message: [" + root.getMessage() + "]", Map.of());
    }
}
