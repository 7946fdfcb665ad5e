package io.sluice.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ControllerQueryKernelTest {
    private static final RowSignature SIG = RowSignature.builder().add("x", ColumnType.LONG).build();

    private static QueryDefinition twoStages(ShuffleSpec firstShuffle) {
        StageDefinition s0 = new StageDefinition(
                0,
                "q_0",
                List.of(new InlineRowsInputSpec(SIG, List.of(List.of(1L)))),
                Set.of(),
                new ScanProcessorSpec(null, List.of(new NamedExpr("x", new ColumnRef("x"), ColumnType.LONG)), null),
                SIG,
                firstShuffle,
                2);
        StageDefinition s1 = new StageDefinition(
                1, "q_1", List.of(new StageInputSpec(0)), Set.of(), new LimitProcessorSpec(0, 10L), SIG, null, 1);
        return new QueryDefinition("q", List.of(s0, s1));
    }

    @Test
    void rangeShuffleWaitsForEveryWorkersStatisticsBeforeBoundaries() {
        ShuffleSpec range = new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("x")), 0), 3, false);
        ControllerQueryKernel<String, String> k =
                new ControllerQueryKernel<>(twoStages(range), (stage, stats) -> String.join("+", stats));

        assertThat(k.stagesReadyToStart()).containsExactly(0);
        k.startStage(0, 2, 100);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.READING_INPUT);
        assertThat(k.stagesReadyToStart()).isEmpty();

        k.onKeyStatistics(0, 1, "b");
        assertThat(k.stagesNeedingBoundaries()).isEmpty();
        assertThatThrownBy(() -> k.onResultsReady(0, 1, 110)).isInstanceOf(IllegalStateException.class);
        k.onKeyStatistics(0, 0, "a");
        assertThat(k.stagesNeedingBoundaries()).containsExactly(0);
        assertThat(k.boundaries(0)).contains("a+b");
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.POST_READING);

        k.setPartitionCount(0, 3);
        k.onResultsReady(0, 0, 120);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.POST_READING);
        k.onResultsReady(0, 1, 130);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RESULTS_READY);
        assertThat(k.endTime(0)).contains(130L);
        assertThat(k.partitionCount(0)).isEqualTo(3);

        assertThat(k.stagesReadyToStart()).containsExactly(1);
        assertThat(k.stagesReadyToFinish()).isEmpty();
        k.startStage(1, 1, 140);
        k.onResultsReady(1, 0, 150);
        assertThat(k.stagesReadyToFinish()).containsExactly(0);
        k.finishStage(0);
        assertThat(k.isSuccessful()).isFalse();
        assertThat(k.finalStageHasResults()).isTrue();
        k.finishQuery();
        assertThat(k.isSuccessful()).isTrue();
    }

    @Test
    void singlePartitionShuffleNeedsNoStatistics() {
        ShuffleSpec one = new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("x")), 0), 1, false);
        ControllerQueryKernel<String, String> k = new ControllerQueryKernel<>(twoStages(one), (s, st) -> "x");
        k.startStage(0, 2, 0);
        assertThat(k.partitionCount(0)).isEqualTo(1);
        assertThatThrownBy(() -> k.onKeyStatistics(0, 0, "a")).isInstanceOf(IllegalStateException.class);
        k.onResultsReady(0, 0, 1);
        k.onResultsReady(0, 1, 2);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RESULTS_READY);
    }

    @Test
    void firstFaultWinsAndRunningStagesFail() {
        ControllerQueryKernel<String, String> k = new ControllerQueryKernel<>(twoStages(null), (s, st) -> "x");
        k.startStage(0, 1, 0);
        k.fail(Faults.insertTimeNull(), 0);
        k.fail(Faults.canceled("TASK_SHUTDOWN"), null);
        assertThat(k.failure()).get().extracting(f -> f.errorCode()).isEqualTo("InsertTimeNull");
        assertThat(k.failedStage()).contains(0);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.FAILED);
        assertThat(k.phase(1)).isEqualTo(ControllerStagePhase.NEW);
        assertThat(k.stagesReadyToStart()).isEmpty();
        assertThat(k.isSuccessful()).isFalse();
    }

    @Test
    void phasesRefuseIllegalTransitions() {
        assertThatThrownBy(() -> ControllerStagePhase.NEW.checkTransition(ControllerStagePhase.FINISHED))
                .isInstanceOf(IllegalStateException.class);
        assertThat(ControllerStagePhase.READING_INPUT.checkTransition(ControllerStagePhase.RESULTS_READY))
                .isEqualTo(ControllerStagePhase.RESULTS_READY);
    }
}
