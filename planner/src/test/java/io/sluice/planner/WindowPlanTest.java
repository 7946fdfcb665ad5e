package io.sluice.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.WindowProcessorSpec;
import io.sluice.engine.plan.WindowProcessorSpec.Frame;
import io.sluice.engine.plan.WindowProcessorSpec.Function;
import io.sluice.engine.plan.WindowProcessorSpec.Kind;
import io.sluice.engine.types.ColumnType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowPlanTest {
    private final PlannerFixtures f = new PlannerFixtures();

    private static List<Object> processors(QuerySpec spec) {
        return spec.queryDefinition().stages().stream().map(s -> (Object) s.processor().getClass()).toList();
    }

    private static WindowProcessorSpec window(StageDefinition stage) {
        return (WindowProcessorSpec) stage.processor();
    }

    @Test
    void partitionedWindowSortsItsInputIntoOnePartitionThenRunsOneWindowWorker() {
        QuerySpec spec = f.plan("SELECT channel, added, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY added DESC) "
                + "AS rn FROM wikipedia");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(processors(spec)).containsExactly(ScanProcessorSpec.class, WindowProcessorSpec.class);

        StageDefinition sorted = stages.get(0);
        assertThat(sorted.shuffleSpec()).isEqualTo(new ShuffleSpec.MaxCount(
                new ClusterBy(List.of(KeyColumn.asc("channel"), KeyColumn.desc("added")), 0), 1, false));

        StageDefinition win = stages.get(1);
        assertThat(win.inputs()).containsExactly(new StageInputSpec(0));
        assertThat(win.maxWorkerCount()).isEqualTo(1);
        assertThat(win.shuffleSpec()).isNull();
        assertThat(window(win)).isEqualTo(new WindowProcessorSpec(List.of("channel"), List.of(KeyColumn.desc("added")),
                List.of(new Function("w0", Kind.ROW_NUMBER, null, 0, null, null, ColumnType.LONG)), 100_000));
        assertThat(win.signature().names()).containsExactly("channel", "added", "w0");

        assertThat(spec.columnMappings()).extracting(m -> m.queryColumn() + "->" + m.outputColumn())
                .containsExactly("channel->channel", "added->added", "w0->rn");
        assertThat(spec.resultSignature().type(2)).isEqualTo(ColumnType.LONG);
    }

    @Test
    void windowOverGroupByShufflesThePostAggregationByThePartitionColumns() {
        QuerySpec spec = f.plan("SELECT channel, page, SUM(added) AS s, "
                + "RANK() OVER (PARTITION BY channel ORDER BY SUM(added)) AS r FROM wikipedia GROUP BY channel, page",
                java.util.Map.of("maxNumTasks", 3));
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(processors(spec)).containsExactly(
                GroupByPreShuffleSpec.class, GroupByPostShuffleSpec.class, WindowProcessorSpec.class);
        assertThat(stages.get(1).shuffleSpec()).isEqualTo(new ShuffleSpec.MaxCount(
                new ClusterBy(List.of(KeyColumn.asc("d0"), KeyColumn.asc("a0")), 0), 1, false));
        WindowProcessorSpec w = window(stages.get(2));
        assertThat(w.partitionColumns()).containsExactly("d0");
        assertThat(w.orderColumns()).containsExactly(KeyColumn.asc("a0"));
        assertThat(w.functions()).extracting(Function::kind).containsExactly(Kind.RANK);
        assertThat(spec.columnMappings()).extracting(m -> m.queryColumn() + "->" + m.outputColumn())
                .containsExactly("d0->channel", "d1->page", "a0->s", "w0->r");
    }

    @Test
    void eachDistinctWindowGetsItsOwnStageAndAnEmptyOverReadsThePreviousWindowDirectly() {
        QuerySpec spec = f.plan("SELECT channel, COUNT(*) OVER (PARTITION BY channel) AS c, "
                + "MAX(added) OVER () AS m FROM wikipedia");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(processors(spec)).containsExactly(
                ScanProcessorSpec.class, WindowProcessorSpec.class, WindowProcessorSpec.class);
        WindowProcessorSpec byChannel = window(stages.get(1));
        assertThat(byChannel.partitionColumns()).containsExactly("channel");
        assertThat(byChannel.functions()).containsExactly(
                new Function("w0", Kind.COUNT, null, 0, null, new Frame(WindowProcessorSpec.FrameUnit.RANGE,
                        WindowProcessorSpec.Bound.unboundedPreceding(), WindowProcessorSpec.Bound.unboundedFollowing()),
                        ColumnType.LONG));
        StageDefinition whole = stages.get(2);
        assertThat(whole.inputs()).containsExactly(new StageInputSpec(1));
        assertThat(window(whole).partitionColumns()).isEmpty();
        assertThat(window(whole).functions()).extracting(Function::name, Function::kind, Function::input)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("w1", Kind.MAX, new ColumnRef("added")));
        // columns the query does not use are pruned before the sort
        assertThat(whole.signature().names()).containsExactly("channel", "added", "w0", "w1");
    }

    @Test
    void offsetsAndBucketsAreConstantsAndFramesFollowCalcite() {
        QuerySpec spec = f.plan("SELECT page, LAG(added, 2, 0) OVER (ORDER BY __time) AS l, NTILE(3) OVER "
                + "(ORDER BY __time) AS n, SUM(added) OVER (ORDER BY __time ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) "
                + "AS s FROM wikipedia");
        List<WindowProcessorSpec> windows = spec.queryDefinition().stages().stream()
                .filter(s -> s.processor() instanceof WindowProcessorSpec).map(WindowPlanTest::window).toList();
        List<Function> all = windows.stream().flatMap(w -> w.functions().stream()).toList();
        assertThat(all).filteredOn(fn -> fn.kind() == Kind.LAG).singleElement().satisfies(fn -> {
            assertThat(fn.argument()).isEqualTo(2);
            assertThat(fn.defaultValue()).isEqualTo(Literal.of(0L));
            assertThat(fn.input()).isEqualTo(new ColumnRef("added"));
            assertThat(fn.frame()).isNull();
        });
        assertThat(all).filteredOn(fn -> fn.kind() == Kind.NTILE).singleElement()
                .satisfies(fn -> assertThat(fn.argument()).isEqualTo(3));
        assertThat(all).filteredOn(fn -> fn.kind() == Kind.SUM0 || fn.kind() == Kind.SUM).allSatisfy(fn ->
                assertThat(fn.frame()).isEqualTo(new Frame(WindowProcessorSpec.FrameUnit.ROWS,
                        WindowProcessorSpec.Bound.preceding(1), WindowProcessorSpec.Bound.following(2))));
        assertThat(windows).allSatisfy(w -> assertThat(w.orderColumns()).containsExactly(KeyColumn.asc("__time")));
    }

    @Test
    void theRowLimitComesFromTheContext() {
        QuerySpec spec = f.plan("SELECT page, ROW_NUMBER() OVER (PARTITION BY page) AS r FROM wikipedia",
                Map.of("maxRowsMaterializedInWindow", 7));
        assertThat(window(spec.queryDefinition().stages().get(1)).maxRowsMaterializedInWindow()).isEqualTo(7);
    }

    @Test
    void orderByAndLimitAfterTheWindowRunAsToday() {
        QuerySpec spec = f.plan("SELECT page, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY added) AS r "
                + "FROM wikipedia ORDER BY r DESC LIMIT 3");
        List<StageDefinition> stages = spec.queryDefinition().stages();
        assertThat(processors(spec)).containsExactly(ScanProcessorSpec.class, WindowProcessorSpec.class,
                ScanProcessorSpec.class, LimitProcessorSpec.class);
        assertThat(stages.get(2).inputs()).containsExactly(new StageInputSpec(1));
        assertThat(stages.get(2).shuffleSpec().clusterBy().columns()).containsExactly(KeyColumn.desc("w0"));
        assertThat(stages.get(3).processor()).isEqualTo(new LimitProcessorSpec(0, 3L));
    }

    @Test
    void rangeFramesWithOffsetsAreRefused() {
        assertThatThrownBy(() -> f.plan("SELECT SUM(added) OVER (ORDER BY added RANGE BETWEEN 5 PRECEDING AND "
                + "CURRENT ROW) AS s FROM wikipedia"))
                .isInstanceOfSatisfying(DruidSqlException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Order By with RANGE clause currently supports only UNBOUNDED or CURRENT ROW. "
                                + "Use ROWS clause instead."));
    }
}
