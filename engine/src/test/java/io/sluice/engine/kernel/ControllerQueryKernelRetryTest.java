package io.sluice.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.kernel.ControllerQueryKernel.LossDecision;
import io.sluice.engine.kernel.ControllerQueryKernel.OrderToIssue;
import io.sluice.engine.kernel.ControllerQueryKernel.RetryLimits;
import io.sluice.engine.plan.ClusterBy;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.ProcessorSpec;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Fault tolerance in the pure kernel: which work runs again after a lost worker, limits, stale reports. */
class ControllerQueryKernelRetryTest {
    private static final RowSignature SIG = RowSignature.builder().add("x", ColumnType.LONG).build();
    private static final ShuffleSpec RANGE =
            new ShuffleSpec.MaxCount(new ClusterBy(List.of(KeyColumn.asc("x")), 0), 4, false);
    private static final ShuffleSpec HASH = new ShuffleSpec.Hash(new ClusterBy(List.of(KeyColumn.asc("x")), 0), 2);
    private static final Fault LOST = Faults.workerFailed("q-worker1_0", "node lost");

    /** A chain of stages: stage 0 reads literal rows, stage i reads stage i-1; each runs on 2 workers. */
    private static QueryDefinition chain(List<ShuffleSpec> shuffles, ProcessorSpec last) {
        List<StageDefinition> stages = new ArrayList<>();
        for (int i = 0; i < shuffles.size() + 1; i++) {
            boolean isLast = i == shuffles.size();
            stages.add(new StageDefinition(
                    i,
                    "q_" + i,
                    List.of(i == 0 ? new InlineRowsInputSpec(SIG, List.of(List.of(1L))) : new StageInputSpec(i - 1)),
                    Set.of(),
                    isLast && last != null ? last : scan(),
                    isLast && last instanceof SegmentGeneratorSpec ? RowSignature.empty() : SIG,
                    isLast ? null : shuffles.get(i),
                    2));
        }
        return new QueryDefinition("q", stages);
    }

    private static ProcessorSpec scan() {
        return new ScanProcessorSpec(null, List.of(new NamedExpr("x", new ColumnRef("x"), ColumnType.LONG)), null);
    }

    private static SegmentGeneratorSpec segments() {
        return new SegmentGeneratorSpec("ds", Granularity.of("DAY"), List.of(new ColumnMapping("x", "__time")),
                List.of(new ColumnSignature("x", ColumnType.LONG)), List.of(), List.of("ETERNITY"), List.of(),
                3_000_000, 100_000);
    }

    private static ControllerQueryKernel<String, String> ft(QueryDefinition q, RetryLimits limits) {
        return new ControllerQueryKernel<>(q, (stage, stats) -> String.join("+", stats), true, limits);
    }

    /** Runs a stage to RESULTS_READY on its 2 workers (statistics and boundaries when it needs them). */
    private static void complete(ControllerQueryKernel<String, String> k, int stage, long now) {
        k.startStage(stage, 2, now);
        finish(k, stage, 0, now);
        finish(k, stage, 1, now);
        assertThat(k.phase(stage)).isEqualTo(ControllerStagePhase.RESULTS_READY);
    }

    private static void finish(ControllerQueryKernel<String, String> k, int stage, int worker, long now) {
        int gen = k.generation(stage, worker);
        if (ControllerQueryKernel.needsStatistics(k.query().stage(stage))) {
            k.onKeyStatistics(stage, worker, gen, "s" + worker);
            k.stagesNeedingBoundaries().forEach(s -> k.setPartitionCount(s, 4));
        }
        if (k.boundaries(stage).isPresent() || !ControllerQueryKernel.needsStatistics(k.query().stage(stage))) {
            assertThat(k.onResultsReady(stage, worker, gen, now)).isTrue();
        }
    }

    private static void relaunch(ControllerQueryKernel<String, String> k, int worker, int attempt) {
        LossDecision d = k.onWorkerLost(worker, attempt, "q-worker" + worker + "_" + attempt, LOST);
        assertThat(d).isEqualTo(new LossDecision.Relaunch(worker, attempt + 1));
        assertThat(k.ordersToIssue()).as("nothing goes out before the replacement is up").isEmpty();
        k.onWorkerRelaunched(worker);
    }

    @Test
    void aWorkerLostWhileReadingRunsItsOrderAgainAndKeepsTheOthersStatistics() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(RANGE), new LimitProcessorSpec(0, 10L)),
                RetryLimits.DRUID);
        k.startStage(0, 2, 0);
        k.onKeyStatistics(0, 0, 0, "a");
        assertThat(k.stagesReadyToStart()).isEmpty();

        assertThat(k.onWorkerLost(1, 0, "q-worker1_0", LOST)).isEqualTo(new LossDecision.Relaunch(1, 1));
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RETRYING);
        assertThat(k.workerAttempt(1)).isEqualTo(1);
        assertThat(k.hasPendingRelaunch()).isTrue();
        // A second report of the same loss (unreachable, then DeathWatch) changes nothing.
        assertThat(k.onWorkerLost(1, 0, "q-worker1_0", LOST)).isEqualTo(new LossDecision.Ignore());
        assertThat(k.ordersToIssue()).isEmpty();
        // The lost run's late statistics are stale.
        assertThat(k.isCurrentOrder(0, 1, 0)).isFalse();
        assertThat(k.onKeyStatistics(0, 1, 0, "stale")).isEmpty();

        k.onWorkerRelaunched(1);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(0, 1));
        int gen = k.issueOrder(0, 1, 5);
        assertThat(gen).isEqualTo(1);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.READING_INPUT);
        assertThat(k.ordersToIssue()).isEmpty();

        k.onKeyStatistics(0, 1, gen, "b");
        assertThat(k.stagesNeedingBoundaries()).containsExactly(0);
        assertThat(k.boundaries(0)).contains("a+b"); // not the stale statistics
        assertThat(k.onResultsReady(0, 0, 0, 6)).isTrue();
        assertThat(k.onResultsReady(0, 1, gen, 7)).isTrue();
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RESULTS_READY);
        assertThat(k.stagesReadyToStart()).containsExactly(1);
        assertThat(k.relaunchCount()).isEqualTo(1);
    }

    @Test
    void aReRunAfterBoundariesWereSetGetsTheSameBoundaries() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(RANGE), new LimitProcessorSpec(0, 10L)),
                RetryLimits.DRUID);
        k.startStage(0, 2, 0);
        k.onKeyStatistics(0, 0, 0, "a");
        k.onKeyStatistics(0, 1, 0, "b");
        assertThat(k.stagesNeedingBoundaries()).containsExactly(0);
        assertThat(k.onResultsReady(0, 0, 0, 1)).isTrue();

        relaunch(k, 1, 0);
        int gen = k.issueOrder(0, 1, 2);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.POST_READING);
        // Its statistics are answered with the boundaries already posted to the others; none are computed again.
        assertThat(k.onKeyStatistics(0, 1, gen, "b2")).contains("a+b");
        assertThat(k.stagesNeedingBoundaries()).isEmpty();
        assertThat(k.onResultsReady(0, 1, gen, 3)).isTrue();
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RESULTS_READY);
    }

    @Test
    void aLostWorkersFinishedOutputRunsAgainAndItsReadersRestartOnceItIsBack() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH), new LimitProcessorSpec(0, 10L)),
                RetryLimits.DRUID);
        complete(k, 0, 10);
        k.startStage(1, 2, 20);
        int oldGen0 = k.generation(1, 0);

        relaunch(k, 1, 0);
        // Stage 0's output on worker 1 is gone and stage 1 still reads it: worker 1's stage-0 part first ...
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RETRYING);
        assertThat(k.phase(1)).isEqualTo(ControllerStagePhase.RETRYING);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(0, 1));
        // ... while worker 0's reading of stage 0 was cut off: its report of the interrupted run is stale.
        assertThat(k.onResultsReady(1, 0, oldGen0, 25)).isFalse();

        int g = k.issueOrder(0, 1, 30);
        assertThat(k.ordersToIssue()).isEmpty();
        assertThat(k.onResultsReady(0, 1, g, 31)).isTrue();
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RESULTS_READY);
        assertThat(k.endTime(0)).contains(31L);

        // ... then both readers of stage 0 start again.
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(1, 0), new OrderToIssue(1, 1));
        int r0 = k.issueOrder(1, 0, 32);
        int r1 = k.issueOrder(1, 1, 32);
        assertThat(r0).isGreaterThan(oldGen0);
        assertThat(k.onResultsReady(1, 0, r0, 40)).isTrue();
        assertThat(k.onResultsReady(1, 1, r1, 41)).isTrue();
        assertThat(k.finalStageHasResults()).isTrue();
        k.finishQuery();
        assertThat(k.isSuccessful()).isTrue();
    }

    @Test
    void aReaderThatHadFinishedKeepsItsResults() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH), new LimitProcessorSpec(0, 10L)),
                RetryLimits.DRUID);
        complete(k, 0, 10);
        k.startStage(1, 2, 20);
        assertThat(k.onResultsReady(1, 0, 0, 21)).isTrue();

        relaunch(k, 1, 0);
        k.onResultsReady(0, 1, k.issueOrder(0, 1, 30), 31);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(1, 1));
    }

    @Test
    void theClosureReachesBackThroughFinishedStagesAReRunReads() {
        // 0 -> 1 -> 2: stages 0 and 1 have results, 2 is running. Worker 1's part of 1 is needed by 2, and re-running
        // it needs worker 1's part of stage 0, whose consumers all had results.
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH, HASH), new LimitProcessorSpec(0, 10L)),
                RetryLimits.DRUID);
        complete(k, 0, 10);
        complete(k, 1, 20);
        k.startStage(2, 2, 30);
        assertThat(k.stagesReadyToFinish()).as("outputs are kept until the end under fault tolerance").isEmpty();

        relaunch(k, 1, 0);
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.RETRYING);
        assertThat(k.phase(1)).isEqualTo(ControllerStagePhase.RETRYING);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(0, 1));
        k.onResultsReady(0, 1, k.issueOrder(0, 1, 40), 41);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(1, 1)); // worker 0 had finished stage 1
        k.onResultsReady(1, 1, k.issueOrder(1, 1, 42), 43);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(2, 0), new OrderToIssue(2, 1));
    }

    @Test
    void pushedSegmentsSurviveTheLossOfTheWorkerThatPushedThem() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH), segments()), RetryLimits.DRUID);
        complete(k, 0, 10);
        k.startStage(1, 2, 20);
        assertThat(k.onResultsReady(1, 1, 0, 21)).isTrue(); // worker 1's segments are in deep storage

        relaunch(k, 1, 0);
        // Worker 0 still reads stage 0, part of which was on worker 1: that part runs again, then worker 0 restarts.
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(0, 1));
        k.onResultsReady(0, 1, k.issueOrder(0, 1, 30), 31);
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(1, 0));
        assertThat(k.isCurrentOrder(1, 1, 0)).as("worker 1's segment run stands").isTrue();

        k.onResultsReady(1, 0, k.issueOrder(1, 0, 32), 33);
        assertThat(k.finalStageHasResults()).isTrue();
        // Once every segment is pushed, a loss no longer matters: only publishing is left.
        assertThat(k.onWorkerLost(0, 0, "q-worker0_0", LOST)).isEqualTo(new LossDecision.Ignore());
    }

    @Test
    void aWorkerIsRelaunchedTwiceThenTooManyAttemptsForWorker() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH), null), RetryLimits.DRUID);
        k.startStage(0, 2, 0);
        relaunch(k, 1, 0);
        k.issueOrder(0, 1, 1);
        relaunch(k, 1, 1);
        k.issueOrder(0, 1, 2);

        LossDecision d = k.onWorkerLost(1, 2, "q-worker1_2", LOST);
        assertThat(d).isInstanceOf(LossDecision.Fail.class);
        Fault f = ((LossDecision.Fail) d).fault();
        assertThat(f.errorCode()).isEqualTo("TooManyAttemptsForWorker");
        assertThat(f.errorMessage()).isEqualTo("Worker[1] exceeded max relaunch count of 2 for task[q-worker1_2]."
                + " Latest failure reason: " + LOST.errorMessage() + ".");
        assertThat(f.fields()).containsEntry("maxPerWorkerRelaunchCount", 2).containsEntry("workerNumber", 1)
                .containsEntry("taskId", "q-worker1_2").containsEntry("rootErrorMessage", LOST.errorMessage());
    }

    @Test
    void relaunchesOverTheQueryLimitFailWithTooManyAttemptsForJob() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH), null), new RetryLimits(2, 1));
        k.startStage(0, 2, 0);
        relaunch(k, 0, 0);
        k.issueOrder(0, 0, 1);

        LossDecision d = k.onWorkerLost(1, 0, "q-worker1_0", LOST);
        Fault f = ((LossDecision.Fail) d).fault();
        assertThat(f.errorCode()).isEqualTo("TooManyAttemptsForJob");
        assertThat(f.errorMessage()).isEqualTo("Total relaunch count across all workers 2 exceeded max relaunch limit"
                + " 1 . Latest task[q-worker1_0] failure reason: " + LOST.errorMessage());
        assertThat(f.fields()).containsEntry("maxRelaunchCount", 1).containsEntry("currentRelaunchCount", 2);
    }

    @Test
    void withoutFaultToleranceALostWorkerFailsTheQuery() {
        ControllerQueryKernel<String, String> k =
                new ControllerQueryKernel<>(chain(List.of(HASH), null), (s, st) -> "x");
        k.startStage(0, 2, 0);
        assertThat(k.onWorkerLost(1, 0, "q-worker1_0", LOST)).isEqualTo(new LossDecision.Fail(LOST));
        assertThat(k.workerAttempt(1)).isZero();
        assertThat(k.phase(0)).isEqualTo(ControllerStagePhase.READING_INPUT);
    }

    @Test
    void noNewStageStartsWhileAWorkerIsBeingRelaunched() {
        ControllerQueryKernel<String, String> k = ft(chain(List.of(HASH), null), RetryLimits.DRUID);
        complete(k, 0, 10);
        assertThat(k.stagesReadyToStart()).containsExactly(1);
        assertThat(k.onWorkerLost(0, 0, "q-worker0_0", LOST)).isInstanceOf(LossDecision.Relaunch.class);
        assertThat(k.stagesReadyToStart()).isEmpty();
        k.onWorkerRelaunched(0);
        // Stage 1 has not started, but it will read stage 0: worker 0's part runs again first.
        assertThat(k.ordersToIssue()).containsExactly(new OrderToIssue(0, 0));
        assertThat(k.stagesReadyToStart()).isEmpty();
        k.onResultsReady(0, 0, k.issueOrder(0, 0, 20), 21);
        assertThat(k.stagesReadyToStart()).containsExactly(1);
    }
}
