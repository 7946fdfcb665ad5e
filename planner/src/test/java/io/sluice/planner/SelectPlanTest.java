package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.TableInputSpec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectPlanTest {
    private final PlannerFixtures f = new PlannerFixtures();

    /** Two workers or more: the pre-shuffle stage's groups are partial, a post-shuffle stage combines them. */
    private static final Map<String, Object> TWO_WORKERS = Map.of("maxNumTasks", 3);

    @Test
    void groupByOrderByLimitPlansPreShufflePostShuffleLimit() {
        QuerySpec spec = f.plan("SELECT channel, COUNT(*) AS cnt, SUM(added) AS s FROM wikipedia "
                + "WHERE page <> 'x' GROUP BY channel ORDER BY cnt DESC LIMIT 5", TWO_WORKERS);
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).extracting(s -> (Object) s.processor().getClass())
                .containsExactly(GroupByPreShuffleSpec.class, GroupByPostShuffleSpec.class, LimitProcessorSpec.class);

        StageDefinition pre = stages.get(0);
        assertThat(pre.inputs()).containsExactly(new TableInputSpec("wikipedia", List.of(Intervals.ETERNITY)));
        GroupByPreShuffleSpec preSpec = (GroupByPreShuffleSpec) pre.processor();
        assertThat(preSpec.filter()).isEqualTo(Call.of(Fn.NE, new ColumnRef("page"), Literal.of("x")));
        assertThat(preSpec.dimensions()).extracting(d -> d.name() + "=" + d.expr().toDruidString())
                .containsExactly("d0=\"channel\"");
        assertThat(preSpec.aggregations()).containsExactly(
                new AggregatorSpec("a0", AggKind.COUNT, null, null, ColumnType.LONG, false),
                new AggregatorSpec("a1", AggKind.SUM, new ColumnRef("added"), null, ColumnType.LONG, false));
        // the groups are sorted again (ORDER BY): as in Druid, one partition per worker the query may have
        assertThat(pre.shuffleSpec()).isEqualTo(
                new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("d0")), 0), 2, true));

        StageDefinition post = stages.get(1);
        assertThat(post.inputs()).containsExactly(new StageInputSpec(0));
        assertThat(post.shuffleSpec()).isEqualTo(
                new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.desc("a0")), 0), 1, false).withLimitHint(5));
        assertThat(post.signature().name(0)).isEqualTo("a0");

        StageDefinition limit = stages.get(2);
        assertThat(limit.processor()).isEqualTo(new LimitProcessorSpec(0, 5L));
        assertThat(limit.maxWorkerCount()).isEqualTo(1);
        assertThat(limit.inputs()).containsExactly(new StageInputSpec(1));

        assertThat(spec.dataSource()).isEqualTo("__query_select");
        assertThat(spec.destination()).isEqualTo(new Destination.TaskReport());
        assertThat(spec.columnMappings()).containsExactly(new ColumnMapping("d0", "channel"),
                new ColumnMapping("a0", "cnt"), new ColumnMapping("a1", "s"));
        assertThat(spec.resultSignature()).isEqualTo(RowSignature.builder().add("channel", ColumnType.STRING)
                .add("cnt", ColumnType.LONG).add("s", ColumnType.LONG).build());
        assertThat(spec.sqlTypeNames()).containsExactly("VARCHAR", "BIGINT", "BIGINT");
    }

    @Test
    void groupsNotSortedAgainStayInOnePartition() {
        List<StageDefinition> stages = f.plan("SELECT channel, COUNT(*) AS cnt FROM wikipedia GROUP BY channel",
                TWO_WORKERS).queryDefinition().stages();
        assertThat(stages).extracting(s -> (Object) s.processor().getClass())
                .containsExactly(GroupByPreShuffleSpec.class, GroupByPostShuffleSpec.class);
        assertThat(stages.get(0).shuffleSpec()).isEqualTo(
                new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("d0")), 0), 1, true));
        assertThat(stages.get(1).shuffleSpec()).isNull();
    }

    @Test
    void oneWorkerFinishesTheGroupsInTheGroupByStage() {
        String sql = "SELECT channel, COUNT(*) AS cnt, SUM(added) AS s FROM wikipedia "
                + "WHERE page <> 'x' GROUP BY channel ORDER BY cnt DESC LIMIT 5";
        List<StageDefinition> split = f.plan(sql, TWO_WORKERS).queryDefinition().stages();
        QuerySpec spec = f.plan(sql); // maxNumTasks 2: one worker
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).extracting(s -> (Object) s.processor().getClass())
                .containsExactly(GroupByPreShuffleSpec.class, LimitProcessorSpec.class);
        StageDefinition whole = stages.get(0);
        GroupByPreShuffleSpec g = (GroupByPreShuffleSpec) whole.processor();
        GroupByPreShuffleSpec splitPre = (GroupByPreShuffleSpec) split.get(0).processor();
        // the pre-shuffle stage's work, finished as the post-shuffle stage would, with its output and shuffle
        assertThat(g.completedBy(null)).isEqualTo(splitPre);
        assertThat(g.complete()).isEqualTo(split.get(1).processor());
        assertThat(whole.signature()).isEqualTo(split.get(1).signature());
        assertThat(whole.shuffleSpec()).isEqualTo(split.get(1).shuffleSpec());
        assertThat(whole.maxWorkerCount()).isEqualTo(1);
        assertThat(g.intermediateSignature()).isEqualTo(split.get(0).signature());
        assertThat(stages.get(1).inputs()).containsExactly(new StageInputSpec(0));
        assertThat(spec.columnMappings()).isEqualTo(f.plan(sql, TWO_WORKERS).columnMappings());
    }

    @Test
    void avgBecomesSumOverCountAndHavingGoesPostShuffle() {
        QuerySpec spec = f.plan("SELECT channel, AVG(added) AS a FROM wikipedia GROUP BY channel HAVING COUNT(*) > 1");
        GroupByPostShuffleSpec post =
                ((GroupByPreShuffleSpec) spec.queryDefinition().stage(0).processor()).complete();
        assertThat(post.aggregations()).extracting(AggregatorSpec::kind)
                .containsExactly(AggKind.SUM, AggKind.COUNT, AggKind.COUNT);
        assertThat(post.having()).isEqualTo(Call.of(Fn.GT, new ColumnRef("a2"), Literal.of(1L)));
        assertThat(post.postProjection()).anySatisfy(p -> assertThat(p.expr()).isEqualTo(Call.of(Fn.DIVIDE,
                Call.of(Fn.CAST, new ColumnRef("a0"), Literal.of("DOUBLE")), new ColumnRef("a1"))));
        assertThat(spec.sqlTypeNames()).containsExactly("VARCHAR", "DOUBLE");
    }

    @Test
    void countDistinctIsApproximateUnlessDisabled() {
        String sql = "SELECT COUNT(DISTINCT channel) AS c FROM wikipedia";
        AggregatorSpec approx = ((GroupByPreShuffleSpec) f.plan(sql).queryDefinition().stage(0).processor())
                .aggregations().get(0);
        assertThat(approx.kind()).isEqualTo(AggKind.APPROX_COUNT_DISTINCT_HLL);
        AggregatorSpec exact = ((GroupByPreShuffleSpec) f.plan(sql, Map.of("useApproximateCountDistinct", false))
                        .queryDefinition().stage(0).processor())
                .aggregations().get(0);
        assertThat(exact.kind()).isEqualTo(AggKind.COUNT);
        assertThat(exact.distinct()).isTrue();
    }

    @Test
    void limitWithoutOrderIsPerWorkerLimitPlusLimitStage() {
        QuerySpec spec = f.plan("SELECT channel, UPPER(page) AS p FROM wikipedia LIMIT 3 OFFSET 2");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).hasSize(2);
        ScanProcessorSpec scan = (ScanProcessorSpec) stages.get(0).processor();
        assertThat(scan.limit()).isEqualTo(5L);
        assertThat(scan.columns()).extracting(c -> c.expr().toDruidString())
                .containsExactly("\"channel\"", "upper(\"page\")");
        assertThat(stages.get(1).processor()).isEqualTo(new LimitProcessorSpec(2, 3L));
        assertThat(spec.columnMappings()).extracting(ColumnMapping::outputColumn).containsExactly("channel", "p");
    }

    @Test
    void orderByWithoutLimitSortsTheScan() {
        QuerySpec spec = f.plan("SELECT __time, page FROM wikipedia WHERE channel = '#en' ORDER BY __time");
        assertThat(spec.queryDefinition().stages()).hasSize(1);
        StageDefinition scan = spec.queryDefinition().stage(0);
        assertThat(scan.shuffleSpec()).isEqualTo(
                new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("__time")), 0), 1, false));
        assertThat(spec.sqlTypeNames()).containsExactly("TIMESTAMP", "VARCHAR");
        assertThat(spec.resultSignature().type(0)).isEqualTo(ColumnType.LONG);
    }

    @Test
    void valuesAndNoFromUseInlineRows() {
        QuerySpec spec = f.plan("SELECT x * 2 AS y FROM (VALUES (1), (2)) AS t(x)");
        StageDefinition st = spec.queryDefinition().stage(0);
        InlineRowsInputSpec in = (InlineRowsInputSpec) st.inputs().get(0);
        assertThat(in.rows()).containsExactly(List.of(1L), List.of(2L));
        assertThat(spec.columnMappings()).extracting(ColumnMapping::outputColumn).containsExactly("y");
    }

    @Test
    void timeFunctionsAndCastTranslateToEngineFunctions() {
        QuerySpec spec = f.plan("SELECT TIME_FLOOR(__time, 'PT1H') AS h, TIME_FORMAT(__time, 'yyyy') AS y, "
                + "CAST(added AS DOUBLE) AS d, CASE WHEN added > 1 THEN 'big' ELSE 'small' END AS c, "
                + "TIMESTAMP_TO_MILLIS(__time) AS ms FROM wikipedia "
                + "WHERE __time >= TIMESTAMP '2015-09-12 00:00:00' AND channel IN ('#en', '#fr')");
        ScanProcessorSpec scan = (ScanProcessorSpec) spec.queryDefinition().stage(0).processor();
        assertThat(scan.columns()).extracting(c -> c.expr().toDruidString()).containsExactly(
                "timestamp_floor(\"__time\",'PT1H')",
                "timestamp_format(\"__time\",'yyyy')",
                "cast(\"added\",'DOUBLE')",
                "case_searched(>(\"added\",1),'big','small')",
                "\"__time\"");
        assertThat(scan.filter().toDruidString()).contains(">=(\"__time\",1442016000000)").contains("#en")
                .contains("#fr");
        assertThat(spec.sqlTypeNames()).containsExactly("TIMESTAMP", "VARCHAR", "DOUBLE", "VARCHAR", "BIGINT");
    }

    @Test
    void setStatementsGoIntoTheContextAndOverrideTheRequest() {
        QuerySpec spec = f.planner.plan("SET maxNumTasks = 3;\nSET sqlQueryId = 'abc'; SET finalize = TRUE;\n"
                + "SELECT channel FROM wikipedia", Map.of("maxNumTasks", 9, "other", "x"), List.of(), "q");
        assertThat(spec.context()).containsEntry("maxNumTasks", 3L).containsEntry("sqlQueryId", "abc")
                .containsEntry("finalize", true).containsEntry("other", "x");
        assertThat(spec.queryDefinition().stage(0).maxWorkerCount()).isEqualTo(2);
    }

    @Test
    void catalogIsResolvedAtEachPlan() {
        String sql = "SELECT x FROM fresh";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.plan(sql))
                .isInstanceOf(DruidSqlException.class);
        f.catalog.with("fresh", RowSignature.builder().add("__time", ColumnType.LONG).add("x", ColumnType.DOUBLE)
                .build());
        assertThat(f.plan(sql).sqlTypeNames()).containsExactly("DOUBLE");
    }

    @Test
    void dynamicParametersAreBound() {
        QuerySpec spec = f.planner.plan("SELECT page FROM wikipedia WHERE channel = ? AND added > ?", Map.of(),
                List.of(new SqlParameter("VARCHAR", "#en"), new SqlParameter("BIGINT", 10)), "q");
        assertThat(((ScanProcessorSpec) spec.queryDefinition().stage(0).processor()).filter().toDruidString())
                .contains("'#en'").contains("10");
    }

    @Test
    void querySpecRoundTripsThroughJackson() throws Exception {
        ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        for (String sql : List.of(PlannerFixtures.SEED_INSERT,
                "SELECT channel, COUNT(*) AS cnt FROM wikipedia GROUP BY channel ORDER BY cnt DESC LIMIT 5",
                "REPLACE INTO t OVERWRITE ALL SELECT __time, channel, SUM(added) AS s FROM wikipedia GROUP BY 1, 2 "
                        + "PARTITIONED BY DAY CLUSTERED BY channel")) {
            QuerySpec spec = f.plan(sql);
            String json = mapper.writeValueAsString(spec);
            QuerySpec back = mapper.readValue(json, QuerySpec.class);
            assertThat(back).as(sql).isEqualTo(spec);
        }
    }

    @Test
    void repeatedSelectAliasesKeepTheirNamesInTheMappings() {
        QuerySpec spec = f.plan("SELECT added AS x, page AS x FROM wikipedia");
        assertThat(spec.columnMappings()).extracting(ColumnMapping::outputColumn).containsExactly("x", "x");
        assertThat(spec.columnMappings()).extracting(ColumnMapping::queryColumn).containsExactly("added", "page");
        assertThat(spec.resultSignature().names()).containsExactly("x", "x1");
        assertThat(spec.sqlTypeNames()).containsExactly("BIGINT", "VARCHAR");
    }

    @Test
    void timeBoundsOfTheFilterNarrowTheTableIntervals() {
        QuerySpec spec = f.plan("SELECT page FROM wikipedia WHERE __time >= TIMESTAMP '2015-09-12' "
                + "AND __time < TIMESTAMP '2015-09-13' AND channel = '#en'");
        StageDefinition scan = spec.queryDefinition().stage(0);
        assertThat(scan.inputs()).containsExactly(new TableInputSpec("wikipedia",
                List.of("2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z")));
        assertThat(((ScanProcessorSpec) scan.processor()).filter().toDruidString()).contains("__time");
    }

    @Test
    void druidFunctionsMapToEngineFunctions() {
        QuerySpec spec = f.plan("SELECT STRLEN(page) AS a, CONTAINS_STRING(page, 'x') AS b, "
                + "ICONTAINS_STRING(page, 'x') AS c, REGEXP_EXTRACT(page, 'a(.)', 1) AS d, REGEXP_LIKE(page, 'a') AS e, "
                + "LPAD(page, 5, '-') AS g, STRPOS(page, 'a') AS h, NVL(page, 'none') AS i, "
                + "SAFE_DIVIDE(added, 2) AS j, MV_TO_ARRAY(channel) AS k, TIME_SHIFT(__time, 'P1D', 1) AS l, "
                + "TIME_EXTRACT(__time, 'HOUR') AS m, MILLIS_TO_TIMESTAMP(added) AS n, TIME_CEIL(__time, 'PT1H') AS o, "
                + "TIME_PARSE(page, 'yyyy', 'UTC') AS p, page || channel AS q, CHAR_LENGTH(page) AS r, "
                + "EXTRACT(YEAR FROM __time) AS s, FLOOR(__time TO DAY) AS t, LOWER(page) AS u, "
                + "POSITION('a' IN page) AS v FROM wikipedia");
        ScanProcessorSpec scan = (ScanProcessorSpec) spec.queryDefinition().stage(0).processor();
        assertThat(scan.columns()).extracting(c -> c.expr().toDruidString()).containsExactly(
                "strlen(\"page\")",
                "contains_string(\"page\",'x')",
                "icontains_string(\"page\",'x')",
                "regexp_extract(\"page\",'a(.)',1)",
                "regexp_like(\"page\",'a')",
                "lpad(\"page\",5,'-')",
                "strpos(\"page\",'a')",
                "coalesce(\"page\",'none')",
                "safe_divide(\"added\",2)",
                "mv_to_array(\"channel\")",
                "timestamp_shift(\"__time\",'P1D',1)",
                "timestamp_extract(\"__time\",'HOUR')",
                "\"added\"",
                "timestamp_ceil(\"__time\",'PT1H')",
                "timestamp_parse(\"page\",'yyyy','UTC')",
                "concat(\"page\",\"channel\")",
                "strlen(\"page\")",
                "timestamp_extract(\"__time\",'YEAR')",
                "timestamp_floor(\"__time\",'P1D')",
                "lower(\"page\")",
                "strpos(\"page\",'a')");
        assertThat(spec.sqlTypeNames()).containsExactly("BIGINT", "BOOLEAN", "BOOLEAN", "VARCHAR", "BOOLEAN",
                "VARCHAR", "BIGINT", "VARCHAR", "BIGINT", "VARCHAR ARRAY", "TIMESTAMP", "BIGINT", "TIMESTAMP",
                "TIMESTAMP", "TIMESTAMP", "VARCHAR", "INTEGER", "BIGINT", "TIMESTAMP", "VARCHAR", "INTEGER");
    }

    @Test
    void druidAggregatesMapToAggKinds() {
        QuerySpec spec = f.plan("SELECT EARLIEST(page) AS e, LATEST(page) AS l, ANY_VALUE(page) AS v, "
                + "APPROX_COUNT_DISTINCT(page) AS a, APPROX_COUNT_DISTINCT_DS_HLL(page) AS h, "
                + "APPROX_COUNT_DISTINCT_DS_THETA(page) AS t, MIN(delta) AS mn, MAX(added) AS mx, "
                + "COUNT(*) FILTER (WHERE added > 0) AS c FROM wikipedia");
        GroupByPreShuffleSpec pre = (GroupByPreShuffleSpec) spec.queryDefinition().stage(0).processor();
        assertThat(pre.aggregations()).extracting(AggregatorSpec::kind).containsExactly(AggKind.EARLIEST,
                AggKind.LATEST, AggKind.ANY_VALUE, AggKind.APPROX_COUNT_DISTINCT_HLL,
                AggKind.APPROX_COUNT_DISTINCT_HLL, AggKind.APPROX_COUNT_DISTINCT_THETA, AggKind.MIN, AggKind.MAX,
                AggKind.COUNT);
        assertThat(pre.aggregations().get(8).filter()).isNotNull();
        assertThat(pre.dimensions()).isEmpty();
        assertThat(spec.sqlTypeNames()).containsExactly("VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "BIGINT",
                "DOUBLE", "BIGINT", "BIGINT");
    }
}
