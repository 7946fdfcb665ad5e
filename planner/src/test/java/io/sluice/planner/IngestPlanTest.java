package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.ExternalInputSpec;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestPlanTest {
    private final PlannerFixtures f = new PlannerFixtures();

    @Test
    void seedIngestionPlansIntoScanAndSegmentGenerator() {
        QuerySpec spec = f.planner.plan(PlannerFixtures.SEED_INSERT, Map.of("maxNumTasks", 2), List.of(), "abc");

        assertThat(spec.isIngestion()).isTrue();
        assertThat(spec.dataSource()).isEqualTo("wikipedia");
        assertThat(spec.destination()).isEqualTo(new Destination.DataSource("wikipedia", Granularity.of("DAY"), null));
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).hasSize(2);

        StageDefinition scan = stages.get(0);
        assertThat(scan.id()).isEqualTo("abc_0");
        assertThat(scan.maxWorkerCount()).isEqualTo(1);
        ExternalInputSpec in = (ExternalInputSpec) scan.inputs().get(0);
        assertThat(in.inputSource().get("type").asText()).isEqualTo("local");
        assertThat(in.inputSource().get("filter").asText()).isEqualTo("wikiticker-2015-09-12-sampled.json.gz");
        assertThat(in.signature().size()).isEqualTo(20);
        assertThat(in.signature().typeOf("metroCode")).contains(ColumnType.LONG);
        assertThat(scan.shuffleSpec()).isEqualTo(new ShuffleSpec.TargetSize(
                new ClusterBy(List.of(KeyColumn.asc("__bucket")), 1), 3_000_000L));
        assertThat(scan.signature().name(0)).isEqualTo("__bucket");
        ScanProcessorSpec proc = (ScanProcessorSpec) scan.processor();
        Call parse = Call.of(io.sluice.engine.expr.Fn.TIMESTAMP_PARSE, new ColumnRef("time"),
                Literal.ofNull(ColumnType.STRING), Literal.of("UTC"));
        assertThat(proc.columns().get(0).expr())
                .isEqualTo(Call.of(io.sluice.engine.expr.Fn.TIMESTAMP_FLOOR, parse, Literal.of("P1D")));
        assertThat(proc.filter()).isNull();

        StageDefinition gen = stages.get(1);
        assertThat(gen.inputs()).containsExactly(new StageInputSpec(0));
        assertThat(gen.signature().size()).isZero();
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) gen.processor();
        assertThat(sg.dataSource()).isEqualTo("wikipedia");
        assertThat(sg.replaceTimeChunks()).isNull();
        assertThat(sg.rowsPerSegment()).isEqualTo(3_000_000L);
        assertThat(sg.maxRowsInMemory()).isEqualTo(100_000);
        assertThat(sg.dimensions()).hasSize(19);
        assertThat(sg.dimensions().get(0)).isEqualTo(new ColumnSignature("channel", ColumnType.STRING));
        assertThat(sg.dimensions()).contains(new ColumnSignature("metroCode", ColumnType.LONG));
        assertThat(sg.dimensions().get(15)).isEqualTo(new ColumnSignature("user", ColumnType.STRING));
        assertThat(sg.columnMappings()).hasSize(20);
        ColumnMapping time = sg.columnMappings().get(0);
        assertThat(time.outputColumn()).isEqualTo("__time");
        assertThat(scan.signature().typeOf(time.queryColumn())).contains(ColumnType.LONG);
        assertThat(proc.columns().stream().filter(c -> c.name().equals(time.queryColumn())).findFirst().orElseThrow()
                .expr()).isEqualTo(parse);
        assertThat(sg.columnMappings()).contains(new ColumnMapping("channel", "channel"));
    }

    @Test
    void maxNumTasksGivesWorkersAndRowsPerSegmentGivesTargetSize() {
        QuerySpec spec = f.plan(PlannerFixtures.SEED_INSERT, Map.of("maxNumTasks", 5, "rowsPerSegment", 1000));
        StageDefinition scan = spec.queryDefinition().stage(0);
        assertThat(scan.maxWorkerCount()).isEqualTo(4);
        assertThat(((ShuffleSpec.TargetSize) scan.shuffleSpec()).targetSize()).isEqualTo(1000);
        assertThat(((SegmentGeneratorSpec) spec.queryDefinition().stage(1).processor()).rowsPerSegment())
                .isEqualTo(1000);
    }

    @Test
    void clusteredByAddsSortKeysAfterBucket() {
        QuerySpec spec = f.plan("INSERT INTO t SELECT TIME_PARSE(\"time\") AS __time, dim1, m1 FROM "
                + PlannerFixtures.SMALL_EXTERN + " PARTITIONED BY HOUR CLUSTERED BY dim1, 3");
        StageDefinition scan = spec.queryDefinition().stage(0);
        assertThat(scan.shuffleSpec().clusterBy()).isEqualTo(new ClusterBy(
                List.of(KeyColumn.asc("__bucket"), KeyColumn.asc("dim1"), KeyColumn.asc("m1")), 1));
        assertThat(scan.signature().names().subList(0, 3)).containsExactly("__bucket", "dim1", "m1");
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) spec.queryDefinition().stage(1).processor();
        assertThat(sg.clusteredBy()).containsExactly("dim1", "m1");
        assertThat(sg.segmentGranularity()).isEqualTo(Granularity.of("HOUR"));
    }

    @Test
    void partitionedByForms() {
        String base = "INSERT INTO t SELECT TIME_PARSE(\"time\") AS __time, dim1 FROM " + PlannerFixtures.SMALL_EXTERN
                + " PARTITIONED BY ";
        Map<String, String> forms = Map.of(
                "DAY", "P1D",
                "'PT1H'", "PT1H",
                "'FIVE_MINUTE'", "PT5M",
                "TIME_FLOOR(__time, 'P1M')", "P1M",
                "FLOOR(__time TO YEAR)", "P1Y",
                "MONTH", "P1M");
        forms.forEach((text, period) -> assertThat(
                        ((Destination.DataSource) f.plan(base + text).destination()).segmentGranularity().period())
                .as(text)
                .isEqualTo(period));
        assertThat(((Destination.DataSource) f.plan(base + "ALL TIME").destination()).segmentGranularity().isAll())
                .isTrue();
    }

    @Test
    void partitionedByAllAllowsNoTimeAndLimit() {
        QuerySpec spec = f.plan("INSERT INTO t SELECT dim1 FROM " + PlannerFixtures.SMALL_EXTERN
                + " LIMIT 10 PARTITIONED BY ALL");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages.get(stages.size() - 2).shuffleSpec().clusterBy().columns())
                .containsExactly(KeyColumn.asc("__bucket"));
        assertThat(stages).extracting(s -> s.processor().getClass().getSimpleName())
                .containsExactly("ScanProcessorSpec", "LimitProcessorSpec", "ScanProcessorSpec",
                        "SegmentGeneratorSpec");
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) stages.get(3).processor();
        assertThat(sg.columnMappings()).contains(new ColumnMapping("__time", "__time"));
        ScanProcessorSpec last = (ScanProcessorSpec) stages.get(2).processor();
        assertThat(last.columns()).anySatisfy(c -> {
            assertThat(c.name()).isEqualTo("__time");
            assertThat(c.expr()).isEqualTo(Literal.of(0L));
        });
    }

    @Test
    void replaceOverwriteAllAndWhere() {
        String select = " SELECT TIME_PARSE(\"time\") AS __time, dim1 FROM " + PlannerFixtures.SMALL_EXTERN
                + " PARTITIONED BY DAY";
        SegmentGeneratorSpec all = (SegmentGeneratorSpec) f.plan("REPLACE INTO t OVERWRITE ALL" + select)
                .queryDefinition().finalStage().processor();
        assertThat(all.replaceTimeChunks()).containsExactly(Intervals.ETERNITY);

        QuerySpec where = f.plan("REPLACE INTO t OVERWRITE WHERE __time >= TIMESTAMP '2015-09-12' AND __time < "
                + "TIMESTAMP '2015-09-14'" + select);
        assertThat(((Destination.DataSource) where.destination()).replaceTimeChunks())
                .containsExactly("2015-09-12T00:00:00.000Z/2015-09-14T00:00:00.000Z");
        assertThat(((SegmentGeneratorSpec) where.queryDefinition().finalStage().processor()).replaceTimeChunks())
                .containsExactly("2015-09-12T00:00:00.000Z/2015-09-14T00:00:00.000Z");
    }

    @Test
    void rollupGroupByKeepsAggregatorsAsMetricsWhenNotFinalizing() {
        String sql = "SET finalizeAggregations = false;\nINSERT INTO r SELECT FLOOR(__time TO HOUR) AS "
                + "__time, channel, SUM(added) AS added, COUNT(*) AS cnt FROM wikipedia GROUP BY 1, 2 "
                + "PARTITIONED BY DAY";
        QuerySpec spec = f.plan(sql, Map.of("maxNumTasks", 3));
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).hasSize(3);
        GroupByPostShuffleSpec post = (GroupByPostShuffleSpec) stages.get(1).processor();
        assertThat(post.finalizeAggregations()).isFalse();
        assertThat(stages.get(1).shuffleSpec()).isInstanceOf(ShuffleSpec.TargetSize.class);
        // the groups go to the segments' time chunks after the post-shuffle stage: one partition per worker before it
        assertThat(((ShuffleSpec.MaxCount) stages.get(0).shuffleSpec()).partitions()).isEqualTo(2);
        // one worker: the GROUP BY stage finishes its groups and is shuffled for the segments itself
        List<StageDefinition> one = f.plan(sql).queryDefinition().stages();
        assertThat(one).hasSize(2);
        assertThat(((io.sluice.engine.plan.GroupByPreShuffleSpec) one.get(0).processor()).complete()).isEqualTo(post);
        assertThat(one.get(0).shuffleSpec()).isEqualTo(stages.get(1).shuffleSpec());
        assertThat(one.get(1).processor()).isEqualTo(stages.get(2).processor());
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) stages.get(2).processor();
        assertThat(sg.dimensions()).containsExactly(new ColumnSignature("channel", ColumnType.STRING));
        assertThat(sg.metrics()).extracting(m -> m.name() + ":" + m.kind())
                .containsExactly("added:" + AggKind.SUM, "cnt:" + AggKind.COUNT);
        assertThat(spec.context()).containsEntry("finalizeAggregations", false);
    }

    @Test
    void targetMayBeQualifiedWithDruidSchemaOrQuoted() {
        String select = " SELECT dim1 FROM " + PlannerFixtures.SMALL_EXTERN + " PARTITIONED BY ALL";
        assertThat(f.plan("INSERT INTO druid.\"my ds\"" + select).dataSource()).isEqualTo("my ds");
    }

    @Test
    void externWithExtendClause() {
        QuerySpec spec = f.plan("INSERT INTO t SELECT TIME_PARSE(ts) AS __time, x, y FROM TABLE(EXTERN(inputSource "
                + "=> '{\"type\":\"inline\",\"data\":\"a\"}', inputFormat => '{\"type\":\"csv\"}')) "
                + "EXTEND (ts VARCHAR, x VARCHAR, y BIGINT) PARTITIONED BY DAY");
        ExternalInputSpec in = (ExternalInputSpec) spec.queryDefinition().stage(0).inputs().get(0);
        assertThat(in.signature().columns()).containsExactly(new ColumnSignature("ts", ColumnType.STRING),
                new ColumnSignature("x", ColumnType.STRING), new ColumnSignature("y", ColumnType.LONG));
        assertThat(in.inputFormat().get("type").asText()).isEqualTo("csv");
    }

    @Test
    void outerLimitWithClusteredByKeepsBothWithPartitionedByAll() {
        QuerySpec spec = f.plan("INSERT INTO t SELECT dim1, m1 FROM " + PlannerFixtures.SMALL_EXTERN
                + "\nLIMIT 5\nPARTITIONED BY ALL\nCLUSTERED BY dim1");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).extracting(s -> s.processor().getClass().getSimpleName())
                .containsExactly("ScanProcessorSpec", "LimitProcessorSpec", "ScanProcessorSpec",
                        "SegmentGeneratorSpec");
        assertThat(stages.get(1).processor()).isEqualTo(new io.sluice.engine.plan.LimitProcessorSpec(0, 5L));
        assertThat(stages.get(2).shuffleSpec().clusterBy().columns())
                .containsExactly(KeyColumn.asc("__bucket"), KeyColumn.asc("dim1"));
        assertThat(((SegmentGeneratorSpec) stages.get(3).processor()).clusteredBy()).containsExactly("dim1");
    }

    @Test
    void unquotedUserIsAColumnAsInDruid() {
        QuerySpec spec = f.plan("INSERT INTO t SELECT TIME_PARSE(\"time\") AS __time, user FROM TABLE(EXTERN("
                + "'{\"type\":\"inline\",\"data\":\"x\"}', '{\"type\":\"json\"}', "
                + "'[{\"name\":\"time\",\"type\":\"string\"},{\"name\":\"user\",\"type\":\"string\"}]')) "
                + "PARTITIONED BY HOUR");
        SegmentGeneratorSpec sg = (SegmentGeneratorSpec) spec.queryDefinition().finalStage().processor();
        assertThat(sg.dimensions()).containsExactly(new ColumnSignature("user", ColumnType.STRING));
        assertThat(sg.columnMappings()).contains(new ColumnMapping("user", "user"));
    }
}
