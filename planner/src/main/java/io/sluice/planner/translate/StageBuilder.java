package io.sluice.planner.translate;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.ExternalInputSpec;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.InputSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.ProcessorSpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.TableInputSpec;
import io.sluice.engine.plan.UnnestSpec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.PlannerContext;
import io.sluice.planner.calcite.DruidTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Correlate;
import org.apache.calcite.rel.core.CorrelationId;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Uncollect;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.core.Window;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexFieldAccess;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.sql.SqlKind;

/**
 * The one visitor from an optimised logical plan to stages. Scan, filter and project fold into a pending stage;
 * aggregates, sorts, limits and windows ({@link WindowTranslator}) close it and open the next, in the shapes Druid's
 * MSQ planner makes.
 */
public final class StageBuilder {
    /** A stage not emitted yet: its input, a filter and the projected fields, all over the input's columns. */
    public static final class Pending {
        List<InputSpec> inputs;
        Expr filter;
        List<Expr> fields;
        List<ColumnType> types;
        Long limit;
        /** CROSS JOIN UNNEST in this scan: fields and filter may refer to its column. */
        UnnestSpec unnest;
        /** A broadcast join in this scan (input 1 is the broadcast side): fields and filter are over the joined row. */
        io.sluice.engine.plan.JoinSpec join;
        /** For a post-aggregation stage: the pre-shuffle stage, dimension names and aggregators. */
        Integer preStage;
        List<String> dims;
        List<AggregatorSpec> aggs;
        RowSignature postSignature;

        boolean isPostAgg() {
            return preStage != null;
        }

        /** The aggregators when this is a post-aggregation stage, else null. */
        public List<AggregatorSpec> aggregators() {
            return aggs;
        }
    }

    /** A stage emitted: its number and, for each field of the pending it came from, the column name. */
    public record Emitted(int stage, List<String> names) {}

    private final String queryId;
    private final PlannerContext context;
    private final RexTranslator rex;
    private final List<StageDefinition> stages = new ArrayList<>();
    private int unnests;

    public StageBuilder(String queryId, PlannerContext context, RexTranslator rex) {
        this.queryId = queryId;
        this.context = context;
        this.rex = rex;
    }

    public List<StageDefinition> stages() {
        return List.copyOf(stages);
    }

    public int workers() {
        return context.maxWorkers();
    }

    /** Translates a whole query and emits its last stage (unless it would only copy an emitted stage). */
    public Emitted finish(RelNode rel) {
        Pending p = visit(rel);
        if (isPassThrough(p)) {
            List<String> names = new ArrayList<>();
            p.fields.forEach(f -> names.add(((ColumnRef) f).column()));
            return new Emitted(((StageInputSpec) p.inputs.get(0)).stage(), names);
        }
        return emit(p, null, List.of(), null);
    }

    /** Translates a query and leaves its last stage open, for the ingestion tail. */
    public Pending pending(RelNode rel) {
        return open(visit(rel));
    }

    /** The expression of a field of a pending stage. */
    public Expr field(Pending p, int index) {
        return p.fields.get(index);
    }

    /** The column names {@link #emitFinal} will give the pending's fields. */
    public List<String> previewNames(Pending p, List<NamedExpr> extra) {
        return names(p, extra);
    }

    /** Emits the last stage of an ingestion with extra columns and a given shuffle. */
    public Emitted emitFinal(Pending p, List<NamedExpr> extra, ShuffleSpec shuffle) {
        return emit(p, null, extra, shuffle);
    }

    public void add(StageDefinition stage) {
        stages.add(stage);
    }

    /**
     * True while translating the Project/Filter chain right under an Aggregate: a broadcast join found there stays
     * open, so the pre-shuffle aggregation joins and folds the rows itself instead of a scan stage shuffling every
     * joined row to it.
     */
    private boolean keepJoinOpen;

    Pending visit(RelNode rel) {
        boolean saved = keepJoinOpen;
        keepJoinOpen = saved && (rel instanceof Project || rel instanceof Filter);
        try {
            return visitNode(rel);
        } finally {
            keepJoinOpen = saved;
        }
    }

    private Pending visitNode(RelNode rel) {
        if (rel instanceof TableScan scan) {
            return scan(scan);
        }
        if (rel instanceof Values values) {
            return values(values);
        }
        if (rel instanceof Filter filter) {
            Pending p = open(visit(filter.getInput()));
            Expr cond = rex.translate(filter.getCondition(), p.fields);
            p.filter = p.filter == null ? cond : io.sluice.engine.expr.Call.of(io.sluice.engine.expr.Fn.AND, p.filter, cond);
            narrowIntervals(p, cond);
            return p;
        }
        if (rel instanceof Project project) {
            Pending p = open(visit(project.getInput()));
            List<Expr> fields = new ArrayList<>();
            for (RexNode e : project.getProjects()) {
                fields.add(rex.translate(e, p.fields));
            }
            if (p.isPostAgg() && p.preStage != null) {
                markExpressionDimensions(p, fields);
            }
            p.fields = fields;
            p.types = types(rel);
            return p;
        }
        if (rel instanceof Aggregate agg) {
            return aggregate(agg);
        }
        if (rel instanceof Sort sort) {
            return sort(sort);
        }
        if (rel instanceof Correlate correlate && uncollectOf(correlate.getRight()) != null) {
            return joinUnnest(correlate.getLeft(), correlate.getRight(), correlate.getJoinType(),
                    correlate.getCorrelationId());
        }
        if (rel instanceof Join join && join.getCondition().isAlwaysTrue() && uncollectOf(join.getRight()) != null) {
            // UNNEST of an array that does not depend on the left row
            return joinUnnest(join.getLeft(), join.getRight(), join.getJoinType(), null);
        }
        if (rel instanceof Uncollect uncollect) {
            return unnest(uncollect);
        }
        if (rel instanceof Window window) {
            return new WindowTranslator(this, context, rex).translate(window, visit(window.getInput()));
        }
        if (rel instanceof Join join && (join.getJoinType() == JoinRelType.RIGHT
                || join.getJoinType() == JoinRelType.FULL || "sortMerge".equals(context.sqlJoinAlgorithm()))) {
            Pending shuffled = shuffleJoin(join);
            if (shuffled != null) {
                return shuffled;
            }
        }
        if (rel instanceof Join join
                && (join.getJoinType() == JoinRelType.INNER || join.getJoinType() == JoinRelType.LEFT)) {
            return broadcastJoin(join);
        }
        if (rel instanceof org.apache.calcite.rel.core.Union union && union.all) {
            return unionAll(union);
        }
        String what = rel.getRelTypeName().replace("Logical", "").toUpperCase(Locale.ROOT);
        if (rel instanceof Correlate c && org.apache.calcite.plan.RelOptUtil.toString(c).contains("Uncollect")) {
            what = "UNCOLLECT";
        }
        throw RexTranslator.unsupported(switch (what) {
            case "JOIN", "CORRELATE" -> "JOIN";
            case "UNCOLLECT" -> "UNNEST";
            default -> what;
        });
    }

    /**
     * The Uncollect on the right of a Correlate, under filters and projections that only pass its one column
     * through; null when the right side is something else.
     */
    private static Uncollect uncollectOf(RelNode rel) {
        if (rel.getRowType().getFieldCount() != 1) {
            return null;
        }
        RelNode r = rel;
        while (true) {
            if (r instanceof org.apache.calcite.plan.hep.HepRelVertex v) {
                r = v.getCurrentRel();
            } else if (r instanceof Project p && p.getProjects().size() == 1
                    && p.getProjects().get(0) instanceof RexInputRef) {
                r = p.getInput();
            } else if (r instanceof Filter f) {
                r = f.getInput();
            } else {
                return r instanceof Uncollect u ? u : null;
            }
        }
    }

    /** The conditions of the filters between a Correlate's right side and its Uncollect. */
    private static List<RexNode> rightFilters(RelNode rel) {
        List<RexNode> out = new ArrayList<>();
        RelNode r = rel;
        while (!(r instanceof Uncollect)) {
            if (r instanceof org.apache.calcite.plan.hep.HepRelVertex v) {
                r = v.getCurrentRel();
                continue;
            }
            if (r instanceof Filter f) {
                out.add(f.getCondition());
            }
            r = r.getInput(0);
        }
        return out;
    }

    /**
     * {@code FROM t CROSS JOIN UNNEST(expr) AS u(col)}: Calcite's Correlate (or, when the array does not depend on
     * the left row, a cross Join) whose right side uncollects a projection of the correlated row. The left side's
     * scan gets an unnest step; the correlated fields become its columns.
     *
     * @param id the correlation id, null for an uncorrelated cross join
     */
    private Pending joinUnnest(RelNode left, RelNode right, JoinRelType joinType, CorrelationId id) {
        if (joinType != JoinRelType.INNER) {
            throw RexTranslator.unsupported("UNNEST with a " + joinType + " join");
        }
        Uncollect uncollect = uncollectOf(right);
        RexNode arrayRex = uncollectedExpression(uncollect);
        Pending p = visit(left);
        if (p.isPostAgg() || p.limit != null || p.unnest != null) {
            p = overStage(emit(p, null, List.of(), null));
        }
        int leftWidth = p.fields.size();
        // Over the right side, $0 is the unnested element (which follows the left fields) and $cor.x a left field.
        RexShuttle toLocal = new RexShuttle() {
            @Override
            public RexNode visitInputRef(RexInputRef ref) {
                return new RexInputRef(leftWidth + ref.getIndex(), ref.getType());
            }

            @Override
            public RexNode visitFieldAccess(RexFieldAccess access) {
                if (access.getReferenceExpr() instanceof RexCorrelVariable v && id != null && v.id.equals(id)) {
                    return new RexInputRef(access.getField().getIndex(), access.getType());
                }
                return super.visitFieldAccess(access);
            }

            @Override
            public RexNode visitCorrelVariable(RexCorrelVariable variable) {
                throw RexTranslator.unsupported("UNNEST of a whole correlated row");
            }
        };
        Expr array = rex.translate(arrayRex.accept(toLocal), p.fields);
        Pending out = withUnnest(p, array, types(uncollect).get(0));
        for (RexNode condition : rightFilters(right)) {
            Expr cond = rex.translate(condition.accept(toLocal), out.fields);
            out.filter = out.filter == null ? cond : io.sluice.engine.expr.Call.of(io.sluice.engine.expr.Fn.AND,
                    out.filter, cond);
        }
        return out;
    }

    /** {@code FROM UNNEST(expr)} without a correlated table: unnest over the single row of the projection. */
    private Pending unnest(Uncollect uncollect) {
        uncollectedExpression(uncollect);
        Pending p = open(visit(uncollect.getInput()));
        if (p.isPostAgg() || p.unnest != null) {
            p = overStage(emit(p, null, List.of(), null));
        }
        Expr array = p.fields.get(0);
        Pending out = withUnnest(p, array, types(uncollect).get(0));
        out.fields = new ArrayList<>(out.fields.subList(out.fields.size() - 1, out.fields.size()));
        out.types = new ArrayList<>(out.types.subList(out.types.size() - 1, out.types.size()));
        return out;
    }

    /** The one array expression an Uncollect unnests (one column, without ordinality). */
    private static RexNode uncollectedExpression(Uncollect uncollect) {
        if (uncollect.withOrdinality) {
            throw RexTranslator.unsupported("UNNEST WITH ORDINALITY");
        }
        RelNode in = uncollect.getInput();
        if (in instanceof org.apache.calcite.plan.hep.HepRelVertex v) {
            in = v.getCurrentRel();
        }
        if (uncollect.getRowType().getFieldCount() != 1 || !(in instanceof Project project)
                || project.getProjects().size() != 1) {
            throw RexTranslator.unsupported("UNNEST of more than one array");
        }
        return project.getProjects().get(0);
    }

    private Pending withUnnest(Pending p, Expr array, ColumnType elementType) {
        String name = "j" + unnests++ + ".unnest";
        boolean mvd = array instanceof io.sluice.engine.expr.Call call
                && call.function().equals(io.sluice.engine.expr.Fn.MV_TO_ARRAY.id());
        p.unnest = new UnnestSpec(name, array, elementType, mvd);
        p.fields = new ArrayList<>(p.fields);
        p.fields.add(new ColumnRef(name));
        p.types = new ArrayList<>(p.types);
        p.types.add(elementType);
        return p;
    }

    /** A pending that may take another filter/projection: one with a per-worker limit must be emitted first. */
    private int joins;

    /**
     * UNION ALL: every branch becomes a stage with the union's columns in order; one stage then reads all of their
     * outputs, row by row in column position (the branches' rows are concatenated), and goes on like any scan.
     */
    private Pending unionAll(org.apache.calcite.rel.core.Union union) {
        List<Emitted> branches = new ArrayList<>();
        for (RelNode in : union.getInputs()) {
            branches.add(emit(open(visit(in)), null, List.of(), null));
        }
        Pending p = overStage(branches.get(0));
        List<InputSpec> inputs = new ArrayList<>();
        for (Emitted e : branches) {
            inputs.add(new StageInputSpec(e.stage()));
        }
        p.inputs = inputs;
        p.types = types(union);
        return p;
    }

    /**
     * INNER / LEFT / CROSS join as a broadcast hash join (Druid's default sqlJoinAlgorithm): the right side becomes a
     * stage whose whole output every worker of the join stage reads; the left side streams. Equality conditions on
     * input columns are the hash keys; other conditions of an INNER join filter the joined rows.
     */
    private Pending broadcastJoin(Join join) {
        Pending left = visit(join.getLeft());
        if (left.isPostAgg() || left.limit != null || left.unnest != null || left.join != null
                || left.inputs.size() != 1) {
            left = overStage(emit(left, null, List.of(), null));
        }
        Emitted right = emit(open(visit(join.getRight())), null, List.of(), null);
        String prefix = "j" + (joins++) + ".";
        org.apache.calcite.rel.core.JoinInfo info = join.analyzeCondition();
        List<Expr> fields = new ArrayList<>(left.fields);
        for (String n : right.names()) {
            fields.add(new ColumnRef(prefix + n));
        }
        List<Expr> leftKeys = new ArrayList<>();
        List<String> rightKeys = new ArrayList<>();
        for (int i = 0; i < info.leftKeys.size(); i++) {
            leftKeys.add(left.fields.get(info.leftKeys.get(i)));
            rightKeys.add(right.names().get(info.rightKeys.get(i)));
        }
        Expr filter = left.filter;
        if (!info.isEqui()) {
            if (join.getJoinType() != JoinRelType.INNER) {
                throw RexTranslator.unsupported("LEFT JOIN with a condition other than column equalities");
            }
            Expr rest = rex.translate(info.getRemaining(join.getCluster().getRexBuilder()), fields);
            filter = filter == null ? rest : io.sluice.engine.expr.Call.of(io.sluice.engine.expr.Fn.AND, filter, rest);
        }
        Pending p = new Pending();
        List<InputSpec> inputs = new ArrayList<>(left.inputs);
        inputs.add(new StageInputSpec(right.stage()));
        p.inputs = inputs;
        p.fields = fields;
        p.types = types(join);
        p.filter = filter;
        p.join = new io.sluice.engine.plan.JoinSpec(1, prefix, leftKeys, rightKeys, join.getJoinType().name());
        return p;
    }

    /** Records on the pre-shuffle GROUP BY which dimensions the projection reads inside an expression. */
    private void markExpressionDimensions(Pending p, List<Expr> fields) {
        Set<String> used = new java.util.LinkedHashSet<>();
        for (Expr f : fields) {
            if (!(f instanceof ColumnRef)) {
                collectColumns(f, used);
            }
        }
        used.retainAll(p.dims);
        StageDefinition pre = stages.get(p.preStage);
        if (used.isEmpty() || !(pre.processor() instanceof GroupByPreShuffleSpec g)) {
            return;
        }
        Set<String> all = new java.util.LinkedHashSet<>(g.expressionDimensions());
        all.addAll(used);
        stages.set(p.preStage, new StageDefinition(pre.stageNumber(), pre.id(), pre.inputs(), pre.broadcastInputs(),
                new GroupByPreShuffleSpec(g.filter(), g.dimensions(), g.aggregations(), g.join(), List.copyOf(all),
                        g.complete()),
                pre.signature(), pre.shuffleSpec(), pre.maxWorkerCount()));
    }

    private static void collectColumns(Expr e, Set<String> out) {
        if (e instanceof ColumnRef c) {
            out.add(c.column());
        } else if (e instanceof io.sluice.engine.expr.Call call) {
            for (Expr a : call.args()) {
                collectColumns(a, out);
            }
        }
    }

    /**
     * A join with both sides hash-partitioned on the join keys (Druid's {@code sqlJoinAlgorithm: sortMerge}; also
     * every RIGHT and FULL join): each side becomes a stage whose output is hash-partitioned on its key expressions
     * (cast to one common type, so equal keys hash alike), and the join stage's workers each join the matching
     * partitions of both. The keys are the condition's conjuncts {@code leftExpr = rightExpr}; other conjuncts filter
     * the joined rows of an INNER join. Returns null when the condition has no such equality (the caller then uses
     * a broadcast join, or refuses).
     */
    private Pending shuffleJoin(Join join) {
        int nLeft = join.getLeft().getRowType().getFieldCount();
        List<RexNode> rest = new ArrayList<>();
        List<RexNode[]> pairs = new ArrayList<>();
        for (RexNode c : org.apache.calcite.plan.RelOptUtil.conjunctions(join.getCondition())) {
            RexNode[] pair = equiPair(c, nLeft);
            if (pair != null) {
                pairs.add(pair);
            } else {
                rest.add(c);
            }
        }
        if (pairs.isEmpty()) {
            if (join.getJoinType() == JoinRelType.RIGHT || join.getJoinType() == JoinRelType.FULL) {
                throw RexTranslator.unsupported(join.getJoinType() + " JOIN without an equality condition");
            }
            return null;
        }
        if (!rest.isEmpty() && join.getJoinType() != JoinRelType.INNER) {
            throw RexTranslator.unsupported(join.getJoinType() + " JOIN with a condition other than equalities");
        }
        Pending left = open(visit(join.getLeft()));
        Pending right = open(visit(join.getRight()));
        List<Expr> both = new ArrayList<>(left.fields);
        both.addAll(right.fields);
        List<NamedExpr> leftKeyCols = new ArrayList<>();
        List<NamedExpr> rightKeyCols = new ArrayList<>();
        List<KeyColumn> leftClusterBy = new ArrayList<>();
        List<KeyColumn> rightClusterBy = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            ColumnType lt = SqlTypes.nativeType(pairs.get(i)[0].getType());
            ColumnType rt = SqlTypes.nativeType(pairs.get(i)[1].getType());
            ColumnType common = lt == rt ? lt
                    : lt.isNumeric() && rt.isNumeric() ? ColumnType.DOUBLE : ColumnType.STRING;
            String name = "__jk" + i;
            leftKeyCols.add(new NamedExpr(name, castTo(rex.translate(pairs.get(i)[0], both), lt, common), common));
            rightKeyCols.add(new NamedExpr(name, castTo(rex.translate(pairs.get(i)[1], both), rt, common), common));
            leftClusterBy.add(KeyColumn.asc(name));
            rightClusterBy.add(KeyColumn.asc(name));
        }
        int partitions = workers();
        Emitted l = emit(left, null, leftKeyCols, new ShuffleSpec.Hash(new ClusterBy(leftClusterBy, 0), partitions));
        Emitted r = emit(right, null, rightKeyCols,
                new ShuffleSpec.Hash(new ClusterBy(rightClusterBy, 0), partitions));
        String prefix = "j" + (joins++) + ".";
        List<Expr> fields = new ArrayList<>();
        for (String n : l.names()) {
            fields.add(new ColumnRef(n));
        }
        for (String n : r.names()) {
            fields.add(new ColumnRef(prefix + n));
        }
        List<Expr> leftKeys = new ArrayList<>();
        List<String> rightKeys = new ArrayList<>();
        for (NamedExpr k : leftKeyCols) {
            leftKeys.add(new ColumnRef(k.name()));
            rightKeys.add(k.name());
        }
        Pending p = new Pending();
        p.inputs = List.of(new StageInputSpec(l.stage()), new StageInputSpec(r.stage()));
        p.fields = fields;
        p.types = types(join);
        if (!rest.isEmpty()) {
            p.filter = rex.translate(org.apache.calcite.rex.RexUtil.composeConjunction(
                    join.getCluster().getRexBuilder(), rest), fields);
        }
        p.join = new io.sluice.engine.plan.JoinSpec(1, prefix, leftKeys, rightKeys, join.getJoinType().name(), true);
        return p;
    }

    /** {@code [leftSide, rightSide]} of a conjunct {@code a = b} with each side over one join input, else null. */
    private static RexNode[] equiPair(RexNode c, int nLeft) {
        if (c.getKind() != SqlKind.EQUALS || !(c instanceof org.apache.calcite.rex.RexCall call)) {
            return null;
        }
        RexNode a = call.getOperands().get(0);
        RexNode b = call.getOperands().get(1);
        org.apache.calcite.util.ImmutableBitSet ua = org.apache.calcite.plan.RelOptUtil.InputFinder.bits(a);
        org.apache.calcite.util.ImmutableBitSet ub = org.apache.calcite.plan.RelOptUtil.InputFinder.bits(b);
        if (ua.isEmpty() || ub.isEmpty()) {
            return null;
        }
        if (ua.nextSetBit(nLeft) < 0 && ub.nextSetBit(0) >= nLeft) {
            return new RexNode[] {a, b};
        }
        if (ub.nextSetBit(nLeft) < 0 && ua.nextSetBit(0) >= nLeft) {
            return new RexNode[] {b, a};
        }
        return null;
    }

    private static Expr castTo(Expr e, ColumnType from, ColumnType to) {
        return from == to ? e : io.sluice.engine.expr.Call.of(io.sluice.engine.expr.Fn.CAST, e, Literal.of(to.name()));
    }

    private Pending open(Pending p) {
        if (p.limit == null && (p.join == null || keepJoinOpen)) {
            return p;
        }
        return overStage(emit(p, null, List.of(), null));
    }

    private Pending scan(TableScan scan) {
        DruidTable table = scan.getTable().unwrap(DruidTable.class);
        Pending p = new Pending();
        RowSignature sig = table.signature();
        p.inputs = List.of(table.extern() != null
                ? new ExternalInputSpec(table.extern().inputSource(), table.extern().inputFormat(), sig)
                : new TableInputSpec(table.dataSource(), List.of(Intervals.ETERNITY)));
        p.fields = new ArrayList<>();
        for (String n : sig.names()) {
            p.fields.add(new ColumnRef(n));
        }
        p.types = types(scan);
        return p;
    }

    private Pending values(Values values) {
        List<RelDataTypeField> fs = values.getRowType().getFieldList();
        RowSignature.Builder sb = RowSignature.builder();
        List<ColumnType> types = types(values);
        for (int i = 0; i < fs.size(); i++) {
            sb.add(fs.get(i).getName(), types.get(i));
        }
        List<List<Object>> rows = new ArrayList<>();
        for (List<RexLiteral> tuple : values.getTuples()) {
            List<Object> row = new ArrayList<>();
            for (RexLiteral l : tuple) {
                row.add(rex.literal(l).value());
            }
            rows.add(java.util.Collections.unmodifiableList(row));
        }
        Pending p = new Pending();
        RowSignature sig = sb.build();
        p.inputs = List.of(new InlineRowsInputSpec(sig, rows));
        p.fields = new ArrayList<>();
        for (String n : sig.names()) {
            p.fields.add(new ColumnRef(n));
        }
        p.types = types;
        return p;
    }

    private Pending aggregate(Aggregate agg) {
        if (agg.getGroupType() != Aggregate.Group.SIMPLE) {
            throw RexTranslator.unsupported("GROUPING SETS, ROLLUP and CUBE");
        }
        boolean saved = keepJoinOpen;
        keepJoinOpen = true;
        Pending in;
        try {
            in = visit(agg.getInput());
        } finally {
            keepJoinOpen = saved;
        }
        // a shuffled (sort-merge) join runs in a stage of its own; a broadcast join is done by the GROUP BY stage
        if (in.isPostAgg() || in.limit != null || in.unnest != null || (in.join != null && in.join.shuffled())) {
            in = overStage(emit(in, null, List.of(), null));
        }
        List<ColumnType> outTypes = types(agg);
        List<NamedExpr> dims = new ArrayList<>();
        List<String> dimNames = new ArrayList<>();
        RowSignature.Builder preSig = RowSignature.builder();
        RowSignature.Builder postSig = RowSignature.builder();
        int k = 0;
        for (int g : agg.getGroupSet()) {
            String name = "d" + k;
            dims.add(new NamedExpr(name, in.fields.get(g), in.types.get(g)));
            dimNames.add(name);
            preSig.add(name, in.types.get(g));
            postSig.add(name, in.types.get(g));
            k++;
        }
        List<AggregatorSpec> aggs = new ArrayList<>();
        List<Expr> fields = new ArrayList<>();
        for (String d : dimNames) {
            fields.add(new ColumnRef(d));
        }
        int j = 0;
        int ci = 0;
        for (AggregateCall call : agg.getAggCallList()) {
            ColumnType outType = outTypes.get(k + ci++);
            List<AggregatorSpec> specs = new ArrayList<>();
            if (call.getAggregation().getKind() == SqlKind.AVG) {
                if (call.isDistinct()) {
                    throw RexTranslator.unsupported("AVG(DISTINCT ...)");
                }
                Expr input = in.fields.get(call.getArgList().get(0));
                Expr filter = call.filterArg >= 0 ? in.fields.get(call.filterArg) : null;
                ColumnType sumType = in.types.get(call.getArgList().get(0)) == ColumnType.LONG
                        ? ColumnType.LONG
                        : ColumnType.DOUBLE;
                specs.add(new AggregatorSpec("a" + j, AggKind.SUM, input, filter, sumType, false));
                specs.add(new AggregatorSpec("a" + (j + 1), AggKind.COUNT, input, filter, ColumnType.LONG, false));
                fields.add(io.sluice.engine.expr.Call.of(io.sluice.engine.expr.Fn.DIVIDE,
                        io.sluice.engine.expr.Call.of(io.sluice.engine.expr.Fn.CAST, new ColumnRef("a" + j),
                                Literal.of("DOUBLE")),
                        new ColumnRef("a" + (j + 1))));
            } else {
                AggregatorSpec spec = aggregator("a" + j, call, in, outType);
                specs.add(spec);
                fields.add(new ColumnRef("a" + j));
                if (!context.finalizeAggregations()) {
                    // the column carries the aggregator's state (a sketch, …), not its finalized value
                    outTypes.set(k + ci - 1, spec.intermediateType());
                }
            }
            for (AggregatorSpec spec : specs) {
                aggs.add(spec);
                preSig.add(spec.name(), spec.intermediateType());
                postSig.add(spec.name(), context.finalizeAggregations() ? spec.outputType() : spec.intermediateType());
                j++;
            }
        }
        int pre = stages.size();
        List<KeyColumn> keys = new ArrayList<>();
        for (String d : dimNames) {
            keys.add(KeyColumn.asc(d));
        }
        stages.add(new StageDefinition(pre, stageId(pre), in.inputs,
                in.join == null ? null : Set.of(in.join.broadcastInput()),
                new GroupByPreShuffleSpec(in.filter, dims, aggs, in.join, List.of()), preSig.build(),
                new ShuffleSpec.MaxCount(new ClusterBy(keys, 0), 1, true), workers()));
        Pending p = new Pending();
        p.inputs = List.of(new StageInputSpec(pre));
        p.preStage = pre;
        p.dims = dimNames;
        p.aggs = aggs;
        p.postSignature = postSig.build();
        p.fields = fields;
        p.types = outTypes;
        return p;
    }

    private static final java.util.Set<String> SKETCH_AGGREGATES = java.util.Set.of("DS_HLL", "DS_THETA",
            "APPROX_COUNT_DISTINCT_DS_HLL", "APPROX_COUNT_DISTINCT_DS_THETA");

    /** A sketch aggregate's constant parameter (lgK, size or tgtHllType). */
    private static <T> T sketchParam(String fn, Expr e, Class<T> type) {
        if (!(e instanceof Literal lit)) {
            throw RexTranslator.invalidInput("Function [" + fn + "] needs literal parameters after its first argument");
        }
        Object v = lit.value();
        if (v == null) {
            return null;
        }
        if (type == Integer.class && v instanceof Number n) {
            return type.cast(n.intValue());
        }
        if (type == String.class && v instanceof String s) {
            return type.cast(s);
        }
        throw RexTranslator.invalidInput("Function [" + fn + "] got a parameter of the wrong type: [" + v + "]");
    }

    private AggregatorSpec aggregator(String name, AggregateCall call, Pending in, ColumnType outType) {
        String fn = call.getAggregation().getName().toUpperCase(Locale.ROOT);
        SqlKind kind = call.getAggregation().getKind();
        List<Integer> args = call.getArgList();
        Expr input = args.isEmpty() ? null : in.fields.get(args.get(0));
        Expr filter = call.filterArg >= 0 ? in.fields.get(call.filterArg) : null;
        boolean sketch = SKETCH_AGGREGATES.contains(fn);
        if (args.size() > 1 && !fn.startsWith("EARLIEST") && !fn.startsWith("LATEST") && !sketch) {
            throw RexTranslator.unsupported("aggregate [" + fn + "] with " + args.size() + " arguments");
        }
        AggKind k;
        boolean distinct = false;
        switch (fn) {
            case "APPROX_COUNT_DISTINCT", "APPROX_COUNT_DISTINCT_DS_HLL" -> k = AggKind.APPROX_COUNT_DISTINCT_HLL;
            case "APPROX_COUNT_DISTINCT_DS_THETA" -> k = AggKind.APPROX_COUNT_DISTINCT_THETA;
            case "DS_HLL" -> k = AggKind.HLL_SKETCH;
            case "DS_THETA" -> k = AggKind.THETA_SKETCH;
            case "BIG_SUM" -> k = AggKind.BIG_SUM;
            case "EARLIEST", "EARLIEST_BY" -> k = AggKind.EARLIEST;
            case "LATEST", "LATEST_BY" -> k = AggKind.LATEST;
            case "ANY_VALUE" -> k = AggKind.ANY_VALUE;
            default -> {
                switch (kind) {
                    case COUNT -> {
                        if (call.isApproximate() || (call.isDistinct() && context.useApproximateCountDistinct())) {
                            k = AggKind.APPROX_COUNT_DISTINCT_HLL;
                        } else {
                            k = AggKind.COUNT;
                            distinct = call.isDistinct();
                        }
                    }
                    case SUM, SUM0 -> k = AggKind.SUM;
                    case MIN -> k = AggKind.MIN;
                    case MAX -> k = AggKind.MAX;
                    case ANY_VALUE -> k = AggKind.ANY_VALUE;
                    default -> throw RexTranslator.unsupported("aggregate function [" + fn + "]");
                }
            }
        }
        if (call.isDistinct() && k != AggKind.COUNT && k != AggKind.APPROX_COUNT_DISTINCT_HLL
                && k != AggKind.MIN && k != AggKind.MAX) {
            throw RexTranslator.unsupported("DISTINCT in aggregate [" + fn + "]");
        }
        if (sketch) {
            Integer size = args.size() > 1 ? sketchParam(fn, in.fields.get(args.get(1)), Integer.class) : null;
            String hllType = args.size() > 2 ? sketchParam(fn, in.fields.get(args.get(2)), String.class) : null;
            boolean hll = k == AggKind.HLL_SKETCH || k == AggKind.APPROX_COUNT_DISTINCT_HLL;
            if (args.size() > (hll ? 3 : 2)) {
                throw RexTranslator.invalidInput("Function [" + fn + "] takes at most " + (hll ? 3 : 2)
                        + " arguments, got " + args.size());
            }
            if (hllType != null) {
                try {
                    io.sluice.engine.agg.SketchAggregators.hllType(hllType);
                } catch (IllegalArgumentException e) {
                    throw RexTranslator.invalidInput(e.getMessage());
                }
            }
            if (size != null && hll && (size < 4 || size > 21)) {
                throw RexTranslator.invalidInput("Invalid lgK value [" + size + "] for [" + fn
                        + "]: it must be between 4 and 21");
            }
            if (size != null && !hll && (size < 16 || Integer.bitCount(size) != 1)) {
                throw RexTranslator.invalidInput("Invalid size [" + size + "] for [" + fn
                        + "]: it must be a power of 2 of at least 16");
            }
            return new AggregatorSpec(name, k, input, filter, outType, false, size, hllType);
        }
        return new AggregatorSpec(name, k, input, filter, outType, distinct);
    }

    private Pending sort(Sort sort) {
        Pending in = visit(sort.getInput());
        long offset = sort.offset == null ? 0 : ((RexLiteral) sort.offset).getValueAs(Long.class);
        Long fetch = sort.fetch == null ? null : ((RexLiteral) sort.fetch).getValueAs(Long.class);
        List<RelFieldCollation> coll = sort.getCollation().getFieldCollations();
        Emitted e;
        if (coll.isEmpty()) {
            if (fetch == null && offset == 0) {
                return in;
            }
            if (fetch != null && !in.isPostAgg()) {
                Pending open = in.limit == null ? in : overStage(emit(in, null, List.of(), null));
                open.limit = offset + fetch;
                in = open;
            }
            e = emit(in, null, List.of(), null);
        } else {
            e = emit(in, coll, List.of(), null);
            if (fetch != null) {
                limitHint(e.stage(), offset + fetch);
            }
        }
        if (fetch == null && offset == 0) {
            return overStage(e);
        }
        int n = stages.size();
        StageDefinition prev = stages.get(e.stage());
        stages.add(new StageDefinition(n, stageId(n), List.of(new StageInputSpec(e.stage())), null,
                new LimitProcessorSpec(offset, fetch), prev.signature(), null, 1));
        return overStage(new Emitted(n, e.names()));
    }

    /** ORDER BY … LIMIT: the sorting stage keeps only the first {@code rows} rows per worker (a top-N). */
    private void limitHint(int stage, long rows) {
        StageDefinition st = stages.get(stage);
        if (st.shuffleSpec() instanceof ShuffleSpec.MaxCount mc && !mc.aggregate()) {
            stages.set(stage, new StageDefinition(st.stageNumber(), st.id(), st.inputs(), st.broadcastInputs(),
                    st.processor(), st.signature(), mc.withLimitHint(rows), st.maxWorkerCount()));
        }
    }

    /**
     * Narrows a table input's intervals by the {@code __time} bounds among the filter's top-level conjuncts (the
     * filter itself stays, so this only saves reading segments that cannot match).
     */
    private static void narrowIntervals(Pending p, Expr cond) {
        if (p.inputs.size() != 1 || !(p.inputs.get(0) instanceof TableInputSpec table)
                || table.intervals().size() != 1) {
            return;
        }
        long[] range = Intervals.parse(table.intervals().get(0));
        long lo = range[0];
        long hi = range[1];
        List<Expr> conjuncts = new ArrayList<>();
        flattenAnd(cond, conjuncts);
        for (Expr c : conjuncts) {
            if (!(c instanceof io.sluice.engine.expr.Call call) || call.args().size() != 2) {
                continue;
            }
            Expr a = call.args().get(0);
            Expr b = call.args().get(1);
            if (!(a instanceof ColumnRef ref) || !ref.column().equals("__time")
                    || !(b instanceof Literal lit) || !(lit.value() instanceof Long t)) {
                continue;
            }
            switch (call.function()) {
                case ">=" -> lo = Math.max(lo, t);
                case ">" -> lo = Math.max(lo, t + 1);
                case "<" -> hi = Math.min(hi, t);
                case "<=" -> hi = Math.min(hi, t + 1);
                case "==" -> {
                    lo = Math.max(lo, t);
                    hi = Math.min(hi, t + 1);
                }
                default -> {}
            }
        }
        if (hi < lo) {
            hi = lo;
        }
        p.inputs = List.of(new TableInputSpec(table.dataSource(), List.of(Intervals.format(lo, hi))));
    }

    private static void flattenAnd(Expr e, List<Expr> out) {
        if (e instanceof io.sluice.engine.expr.Call c && c.function().equals(io.sluice.engine.expr.Fn.AND.id())) {
            c.args().forEach(a -> flattenAnd(a, out));
        } else {
            out.add(e);
        }
    }

    /** A pending that reads an emitted stage's columns as they are. */
    Pending overStage(Emitted e) {
        StageDefinition st = stages.get(e.stage());
        Pending p = new Pending();
        p.inputs = List.of(new StageInputSpec(e.stage()));
        p.fields = new ArrayList<>();
        p.types = new ArrayList<>();
        for (String n : e.names()) {
            p.fields.add(new ColumnRef(n));
            p.types.add(st.signature().typeOf(n).orElseThrow());
        }
        return p;
    }

    /** True when the pending reads an emitted stage's columns unchanged, so no stage needs to be added. */
    static boolean isPassThrough(Pending p) {
        if (p.isPostAgg() || p.filter != null || p.limit != null || p.unnest != null || p.inputs.size() != 1
                || !(p.inputs.get(0) instanceof StageInputSpec)) {
            return false;
        }
        return p.fields.stream().allMatch(f -> f instanceof ColumnRef);
    }

    /**
     * Emits the pending as a stage. {@code sortKeys} (field collations) become a MaxCount sort shuffle unless
     * {@code shuffle} is given; {@code extra} adds named columns (e.g. {@code __bucket}); key columns lead the
     * signature.
     */
    Emitted emit(Pending p, List<RelFieldCollation> sortKeys, List<NamedExpr> extra, ShuffleSpec shuffle) {
        List<String> names = names(p, extra);
        List<NamedExpr> columns = new ArrayList<>();
        for (int i = 0; i < p.fields.size(); i++) {
            columns.add(new NamedExpr(names.get(i), p.fields.get(i), p.types.get(i)));
        }
        columns.addAll(extra);
        return emitColumns(p, columns, names, sortKeys, extra, shuffle);
    }

    private List<String> names(Pending p, List<NamedExpr> extra) {
        List<String> names = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (NamedExpr x : extra) {
            used.add(x.name());
        }
        Set<String> baseNames = new HashSet<>();
        for (Expr f : p.fields) {
            if (f instanceof ColumnRef c) {
                baseNames.add(c.column());
            }
        }
        int v = 0;
        for (int i = 0; i < p.fields.size(); i++) {
            Expr f = p.fields.get(i);
            String name;
            if (f instanceof ColumnRef c && !used.contains(c.column())) {
                name = c.column();
            } else {
                String prefix = p.isPostAgg() ? "p" : "v";
                do {
                    name = prefix + v++;
                } while (used.contains(name) || baseNames.contains(name));
            }
            used.add(name);
            names.add(name);
        }
        return names;
    }

    private Emitted emitColumns(Pending p, List<NamedExpr> columns, List<String> names,
            List<RelFieldCollation> sortKeys, List<NamedExpr> extra, ShuffleSpec shuffle) {
        List<KeyColumn> keys = new ArrayList<>();
        if (shuffle == null && sortKeys != null) {
            for (RelFieldCollation c : sortKeys) {
                String n = names.get(c.getFieldIndex());
                keys.add(c.getDirection().isDescending() ? KeyColumn.desc(n) : KeyColumn.asc(n));
            }
            shuffle = new ShuffleSpec.MaxCount(new ClusterBy(keys, 0), 1, false);
        } else if (shuffle != null) {
            keys = shuffle.clusterBy().columns();
        }
        // Key columns first, as the frame sort requires; then the rest in order.
        List<NamedExpr> ordered = new ArrayList<>();
        Set<String> keyNames = new HashSet<>();
        for (KeyColumn kc : keys) {
            if (keyNames.add(kc.columnName())) {
                columns.stream().filter(c -> c.name().equals(kc.columnName())).findFirst().ifPresent(ordered::add);
            }
        }
        for (NamedExpr c : columns) {
            if (!keyNames.contains(c.name())) {
                ordered.add(c);
            }
        }
        RowSignature.Builder sig = RowSignature.builder();
        int n = stages.size();
        ProcessorSpec processor;
        if (p.isPostAgg()) {
            boolean identity = extra.isEmpty() && keys.isEmpty() && names.size() == p.dims.size() + p.aggs.size();
            List<String> natural = new ArrayList<>(p.dims);
            p.aggs.forEach(a -> natural.add(a.name()));
            identity = identity && names.equals(natural) && p.fields.stream().allMatch(f -> f instanceof ColumnRef);
            if (identity) {
                p.postSignature.columns().forEach(c -> sig.add(c.name(), c.type()));
            } else {
                for (NamedExpr c : ordered) {
                    sig.add(c.name(), c.type());
                }
            }
            GroupByPostShuffleSpec post = new GroupByPostShuffleSpec(p.dims, p.aggs, context.finalizeAggregations(),
                    p.filter, identity ? null : ordered);
            StageDefinition pre = stages.get(p.preStage);
            if (pre.maxWorkerCount() == 1 && p.preStage == n - 1 && p.inputs.size() == 1
                    && p.inputs.get(0) instanceof StageInputSpec in && in.stage() == p.preStage
                    && pre.processor() instanceof GroupByPreShuffleSpec g && g.complete() == null) {
                // one worker reads all of the GROUP BY's input: it finishes the groups itself (no shuffle of every
                // group to a post-shuffle stage); the stage takes the post-shuffle stage's place and output
                stages.set(p.preStage, new StageDefinition(p.preStage, pre.id(), pre.inputs(), pre.broadcastInputs(),
                        g.completedBy(post), sig.build(), shuffle, pre.maxWorkerCount()));
                return new Emitted(p.preStage, names);
            }
            if (shuffle != null && pre.shuffleSpec() instanceof ShuffleSpec.MaxCount m && m.partitions() == 1
                    && workers() > 1) {
                // the groups are sorted again after the post-shuffle stage (ORDER BY, or an INSERT's time chunks):
                // as in Druid's GroupByQueryKit, the groups are then range-partitioned over as many partitions as the
                // query may have workers, so that many post-shuffle workers finish them side by side
                stages.set(p.preStage, new StageDefinition(p.preStage, pre.id(), pre.inputs(), pre.broadcastInputs(),
                        pre.processor(), pre.signature(),
                        new ShuffleSpec.MaxCount(m.clusterBy(), workers(), m.aggregate(), m.limitHint()),
                        pre.maxWorkerCount()));
            }
            processor = post;
        } else {
            for (NamedExpr c : ordered) {
                sig.add(c.name(), c.type());
            }
            processor = new ScanProcessorSpec(p.unnest, p.filter, ordered, p.limit, p.join);
        }
        Set<Integer> broadcast = p.join == null || p.join.shuffled() ? null : Set.of(p.join.broadcastInput());
        stages.add(new StageDefinition(n, stageId(n), p.inputs, broadcast, processor, sig.build(), shuffle, workers()));
        return new Emitted(n, names);
    }

    /** The stages emitted so far. */
    StageDefinition stage(int n) {
        return stages.get(n);
    }

    int nextStageNumber() {
        return stages.size();
    }

    String stageId(int n) {
        return queryId + "_" + n;
    }

    private static List<ColumnType> types(RelNode rel) {
        List<ColumnType> out = new ArrayList<>();
        for (RelDataTypeField f : rel.getRowType().getFieldList()) {
            out.add(SqlTypes.nativeType(f.getType()));
        }
        return out;
    }
}
