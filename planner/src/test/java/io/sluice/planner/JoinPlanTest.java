package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.TableInputSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JOINs plan as broadcast hash joins: the right side is its own stage, read whole by the join stage. */
class JoinPlanTest {
    private final PlannerFixtures f = new PlannerFixtures();

    @Test
    void innerEquiJoinIsABroadcastHashJoin() {
        QuerySpec spec = f.plan("SELECT a.page, b.channel FROM wikipedia a JOIN wikipedia b"
                + " ON a.page = b.page WHERE b.added > 10");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        StageDefinition join = stages.stream()
                .filter(s -> s.processor() instanceof ScanProcessorSpec sc && sc.join() != null)
                .findFirst()
                .orElseThrow();
        ScanProcessorSpec scan = (ScanProcessorSpec) join.processor();
        assertThat(join.broadcastInputs()).containsExactly(1);
        assertThat(join.inputs().get(1)).isInstanceOf(StageInputSpec.class);
        assertThat(scan.join().joinType()).isEqualTo("INNER");
        assertThat(scan.join().leftKeys()).hasSize(1);
        assertThat(scan.join().rightKeys()).hasSize(1);
        int rightStage = ((StageInputSpec) join.inputs().get(1)).stage();
        assertThat(rightStage).isLessThan(join.stageNumber());
    }

    @Test
    void groupByOverAJoinJoinsInThePreShuffleStage() {
        QuerySpec spec = f.plan("SELECT a.channel, COUNT(*) AS c FROM wikipedia a JOIN wikipedia b"
                + " ON a.page = b.page WHERE b.added > 10 GROUP BY a.channel");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(stages).noneMatch(s -> s.processor() instanceof ScanProcessorSpec sc && sc.join() != null);
        StageDefinition pre = stages.stream()
                .filter(s -> s.processor() instanceof GroupByPreShuffleSpec g && g.join() != null)
                .findFirst()
                .orElseThrow();
        GroupByPreShuffleSpec g = (GroupByPreShuffleSpec) pre.processor();
        assertThat(pre.broadcastInputs()).containsExactly(1);
        assertThat(pre.inputs().get(0)).isInstanceOf(TableInputSpec.class);
        assertThat(g.join().joinType()).isEqualTo("INNER");
        assertThat(g.filter().toDruidString()).contains("j0.added");
        assertThat(g.dimensions()).extracting(d -> d.expr().toDruidString()).containsExactly("\"channel\"");
    }

    @Test
    void leftJoinKeepsItsType() {
        QuerySpec spec = f.plan("SELECT a.page, b.channel FROM wikipedia a LEFT JOIN wikipedia b ON a.page = b.page");
        assertThat(spec.queryDefinition().stages())
                .anySatisfy(s -> assertThat(s.processor()).isInstanceOfSatisfying(ScanProcessorSpec.class,
                        sc -> assertThat(sc.join()).isNotNull().extracting(j -> j.joinType()).isEqualTo("LEFT")));
    }

    @Test
    void unionAllReadsEveryBranchStage() {
        QuerySpec spec = f.plan("SELECT page, added FROM wikipedia UNION ALL SELECT channel, added FROM wikipedia");
        StageDefinition last = spec.queryDefinition().finalStage();
        assertThat(last.inputs()).hasSize(2).allMatch(i -> i instanceof StageInputSpec);
        assertThat(last.broadcastInputs()).isEmpty();
        assertThat(spec.resultSignature().names()).containsExactly("page", "added");
    }

    private static StageDefinition joinStage(QuerySpec spec) {
        return spec.queryDefinition().stages().stream()
                .filter(s -> s.processor() instanceof ScanProcessorSpec sc && sc.join() != null)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void sortMergeHashPartitionsBothSidesOnCastKeys() {
        QuerySpec spec = f.plan("SELECT a.channel, b.page FROM wikipedia a JOIN wikipedia b ON a.added = b.delta",
                java.util.Map.of("sqlJoinAlgorithm", "sortMerge"));
        StageDefinition join = joinStage(spec);
        ScanProcessorSpec scan = (ScanProcessorSpec) join.processor();
        assertThat(scan.join().shuffled()).isTrue();
        assertThat(join.broadcastInputs()).isEmpty();
        assertThat(join.inputs()).hasSize(2).allMatch(i -> i instanceof StageInputSpec);
        for (io.sluice.engine.plan.InputSpec in : join.inputs()) {
            StageDefinition side = spec.queryDefinition().stage(((StageInputSpec) in).stage());
            assertThat(side.shuffleSpec()).isInstanceOfSatisfying(io.sluice.engine.plan.ShuffleSpec.Hash.class,
                    h -> assertThat(h.clusterBy().columns()).extracting(k -> k.columnName()).containsExactly("__jk0"));
            // LONG = DOUBLE: both sides hash the key as DOUBLE
            assertThat(side.signature().typeOf("__jk0")).contains(io.sluice.engine.types.ColumnType.DOUBLE);
        }
        int p0 = ((io.sluice.engine.plan.ShuffleSpec.Hash) spec.queryDefinition()
                .stage(((StageInputSpec) join.inputs().get(0)).stage()).shuffleSpec()).partitions();
        int p1 = ((io.sluice.engine.plan.ShuffleSpec.Hash) spec.queryDefinition()
                .stage(((StageInputSpec) join.inputs().get(1)).stage()).shuffleSpec()).partitions();
        assertThat(p0).isEqualTo(p1);
    }

    @Test
    void rightAndFullJoinsAreShuffledWhateverTheAlgorithm() {
        for (String type : List.of("RIGHT", "FULL")) {
            QuerySpec spec = f.plan("SELECT a.page, b.channel FROM wikipedia a " + type
                    + " JOIN wikipedia b ON a.page = b.page");
            ScanProcessorSpec scan = (ScanProcessorSpec) joinStage(spec).processor();
            assertThat(scan.join().joinType()).isEqualTo(type);
            assertThat(scan.join().shuffled()).isTrue();
        }
    }

    @Test
    void badJoinAlgorithmIsInvalidInput() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.plan("SELECT 1",
                        java.util.Map.of("sqlJoinAlgorithm", "nestedLoop")))
                .isInstanceOf(DruidSqlException.class)
                .hasMessageContaining("sqlJoinAlgorithm");
    }

    @Test
    void aggregationOverAShuffledJoinAggregatesTheJoinStagesRows() {
        QuerySpec spec = f.plan("SELECT COUNT(*), COUNT(b.page) FROM wikipedia a FULL JOIN wikipedia b ON a.page = b.page");
        StageDefinition join = joinStage(spec);
        assertThat(spec.queryDefinition().stages())
                .filteredOn(s -> s.processor() instanceof io.sluice.engine.plan.GroupByPreShuffleSpec)
                .singleElement()
                .satisfies(g -> assertThat(g.inputs()).containsExactly(new StageInputSpec(join.stageNumber())));
    }

    @Test
    void aggregationOverABroadcastJoinJoinsInTheGroupByStage() {
        QuerySpec spec = f.plan("SELECT COUNT(*), COUNT(b.page) FROM wikipedia a INNER JOIN wikipedia b ON a.page = b.page");
        assertThat(spec.queryDefinition().stages())
                .filteredOn(s -> s.processor() instanceof io.sluice.engine.plan.GroupByPreShuffleSpec)
                .singleElement()
                .satisfies(g -> {
                    io.sluice.engine.plan.GroupByPreShuffleSpec gb = (io.sluice.engine.plan.GroupByPreShuffleSpec) g.processor();
                    assertThat(gb.join()).isNotNull();
                    assertThat(gb.join().joinType()).isEqualTo("INNER");
                    assertThat(gb.join().shuffled()).isFalse();
                    assertThat(g.broadcastInputs()).containsExactly(gb.join().broadcastInput());
                });
    }
}
