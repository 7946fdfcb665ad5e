package io.sluice.engine.kernel;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.fault.Fault;
import io.sluice.engine.plan.InputSpec;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The controller's pure state machine for one query: which stages may start, which workers have reported key
 * statistics and results, when a stage's partition boundaries can be computed, when a stage's output may be
 * cleaned up, and whether the query is done or failed. No Akka, no I/O, no clock: times come in with the events.
 *
 * <p>The actor feeds events ({@code start…}, {@code on…}) and asks what to do next ({@link #stagesReadyToStart()},
 * {@link #stagesNeedingBoundaries()}, {@link #stagesReadyToFinish()}).
 *
 * @param <S> key statistics type (opaque to the kernel)
 * @param <B> partition boundaries type (opaque to the kernel)
 */
public final class ControllerQueryKernel<S, B> {
    private final QueryDefinition query;
    private final BiFunction<StageDefinition, List<S>, B> boundaryCalculator;
    private final Map<Integer, StageTracker<S, B>> trackers = new HashMap<>();
    private Fault failure;
    private Integer failedStage;

    /**
     * @param boundaryCalculator computes partition boundaries from every worker's key statistics of a stage (may
     *     throw {@code FaultException}, e.g. TooManyPartitions)
     */
    public ControllerQueryKernel(QueryDefinition query, BiFunction<StageDefinition, List<S>, B> boundaryCalculator) {
        this.query = requireNonNull(query, "query is null");
        this.boundaryCalculator = requireNonNull(boundaryCalculator, "boundaryCalculator is null");
        for (StageDefinition s : query.stages()) {
            trackers.put(s.stageNumber(), new StageTracker<>(s));
        }
    }

    public QueryDefinition query() {
        return query;
    }

    public ControllerStagePhase phase(int stage) {
        return tracker(stage).phase;
    }

    public int workerCount(int stage) {
        return tracker(stage).workerCount;
    }

    /** Number of output partitions once known, else -1. */
    public int partitionCount(int stage) {
        return tracker(stage).partitionCount;
    }

    public Optional<B> boundaries(int stage) {
        return Optional.ofNullable(tracker(stage).boundaries);
    }

    public Optional<Long> startTime(int stage) {
        return Optional.ofNullable(tracker(stage).startTime);
    }

    public Optional<Long> endTime(int stage) {
        return Optional.ofNullable(tracker(stage).endTime);
    }

    /** Stages in NEW whose every input stage has results. */
    public List<Integer> stagesReadyToStart() {
        if (failure != null) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (StageDefinition s : query.stages()) {
            if (tracker(s.stageNumber()).phase != ControllerStagePhase.NEW) {
                continue;
            }
            boolean ready = true;
            for (InputSpec in : s.inputs()) {
                if (in instanceof StageInputSpec si && !tracker(si.stage()).phase.hasResults()) {
                    ready = false;
                }
            }
            if (ready) {
                out.add(s.stageNumber());
            }
        }
        return out;
    }

    /** The actor has sent work orders for the stage to {@code workerCount} workers. */
    public void startStage(int stage, int workerCount, long nowMillis) {
        if (workerCount < 1) {
            throw new IllegalArgumentException("workerCount must be >= 1");
        }
        StageTracker<S, B> t = tracker(stage);
        t.phase = t.phase.checkTransition(ControllerStagePhase.READING_INPUT);
        t.workerCount = workerCount;
        t.startTime = nowMillis;
        t.stats = new ArrayList<>(Collections.nCopies(workerCount, null));
        t.resultsReady = new BitSet(workerCount);
        if (!needsStatistics(t.definition)) {
            t.partitionCount = fixedPartitionCount(t.definition, workerCount);
        }
    }

    /** True when this stage's partitions are range-based and need key statistics from every worker. */
    public static boolean needsStatistics(StageDefinition s) {
        if (s.shuffleSpec() == null) {
            return false;
        }
        ShuffleSpec spec = s.shuffleSpec();
        if (spec instanceof ShuffleSpec.MaxCount m) {
            return m.partitions() > 1;
        }
        return spec instanceof ShuffleSpec.TargetSize;
    }

    private static int fixedPartitionCount(StageDefinition s, int workerCount) {
        if (s.shuffleSpec() == null) {
            return workerCount; // each worker's output is its own partition
        }
        ShuffleSpec spec = s.shuffleSpec();
        if (spec instanceof ShuffleSpec.Hash h) {
            return h.partitions();
        }
        if (spec instanceof ShuffleSpec.TargetSize) {
            throw new IllegalStateException("stage " + s.stageNumber() + " needs statistics");
        }
        return 1; // MaxCount(1) and Mix
    }

    /** A worker finished reading its input and sent its key statistics. */
    public void onKeyStatistics(int stage, int worker, S statistics) {
        StageTracker<S, B> t = tracker(stage);
        if (t.phase != ControllerStagePhase.READING_INPUT || !needsStatistics(t.definition)) {
            throw new IllegalStateException("stage " + stage + " does not expect statistics in " + t.phase);
        }
        t.stats.set(worker, requireNonNull(statistics, "statistics is null"));
    }

    /**
     * Stages whose every worker has sent statistics: computes their boundaries (moving them to POST_READING) and
     * returns the stage numbers, so the actor can post the boundaries to the workers.
     */
    public List<Integer> stagesNeedingBoundaries() {
        List<Integer> out = new ArrayList<>();
        for (StageTracker<S, B> t : trackers.values()) {
            if (t.phase == ControllerStagePhase.READING_INPUT
                    && needsStatistics(t.definition)
                    && !t.stats.contains(null)) {
                t.boundaries = boundaryCalculator.apply(t.definition, List.copyOf(t.stats));
                t.phase = t.phase.checkTransition(ControllerStagePhase.POST_READING);
                out.add(t.definition.stageNumber());
            }
        }
        Collections.sort(out);
        return out;
    }

    /** Sets the partition count of a range-partitioned stage once the boundaries are known. */
    public void setPartitionCount(int stage, int partitions) {
        tracker(stage).partitionCount = partitions;
    }

    /** A worker's output for the stage is complete and can be read. */
    public void onResultsReady(int stage, int worker, long nowMillis) {
        StageTracker<S, B> t = tracker(stage);
        if (t.phase != ControllerStagePhase.READING_INPUT && t.phase != ControllerStagePhase.POST_READING) {
            throw new IllegalStateException("stage " + stage + " got results in phase " + t.phase);
        }
        if (needsStatistics(t.definition) && t.phase != ControllerStagePhase.POST_READING) {
            throw new IllegalStateException("stage " + stage + " got results before boundaries");
        }
        t.resultsReady.set(worker);
        if (t.resultsReady.cardinality() == t.workerCount) {
            t.phase = t.phase.checkTransition(ControllerStagePhase.RESULTS_READY);
            t.endTime = nowMillis;
        }
    }

    /**
     * Stages with results whose consumers have all finished reading (every consuming stage has results itself),
     * excluding the final stage, whose output the controller still reads. The actor tells workers to clean up.
     */
    public List<Integer> stagesReadyToFinish() {
        List<Integer> out = new ArrayList<>();
        int last = query.stages().size() - 1;
        for (StageDefinition s : query.stages()) {
            StageTracker<S, B> t = tracker(s.stageNumber());
            if (t.phase != ControllerStagePhase.RESULTS_READY || s.stageNumber() == last) {
                continue;
            }
            boolean consumersDone = true;
            for (StageDefinition c : query.stages()) {
                for (InputSpec in : c.inputs()) {
                    if (in instanceof StageInputSpec si
                            && si.stage() == s.stageNumber()
                            && !tracker(c.stageNumber()).phase.hasResults()) {
                        consumersDone = false;
                    }
                }
            }
            if (consumersDone) {
                out.add(s.stageNumber());
            }
        }
        return out;
    }

    public void finishStage(int stage) {
        StageTracker<S, B> t = tracker(stage);
        t.phase = t.phase.checkTransition(ControllerStagePhase.FINISHED);
    }

    /** The final stage's output has been consumed (results read or segments published). */
    public void finishQuery() {
        for (StageDefinition s : query.stages()) {
            StageTracker<S, B> t = tracker(s.stageNumber());
            if (t.phase == ControllerStagePhase.RESULTS_READY) {
                t.phase = t.phase.checkTransition(ControllerStagePhase.FINISHED);
            }
        }
    }

    public boolean finalStageHasResults() {
        return tracker(query.stages().size() - 1).phase.hasResults();
    }

    /**
     * Records a fault. The first one wins; running stages become FAILED. {@code stage} may be null when the fault
     * is not tied to a stage (cancel, controller error).
     */
    public void fail(Fault fault, Integer stage) {
        if (failure == null) {
            failure = requireNonNull(fault, "fault is null");
            failedStage = stage;
        }
        for (StageTracker<S, B> t : trackers.values()) {
            if (t.phase != ControllerStagePhase.NEW && !t.phase.isTerminal()) {
                t.phase = t.phase.checkTransition(ControllerStagePhase.FAILED);
            }
        }
    }

    public Optional<Fault> failure() {
        return Optional.ofNullable(failure);
    }

    public Optional<Integer> failedStage() {
        return Optional.ofNullable(failedStage);
    }

    public boolean isSuccessful() {
        return failure == null
                && query.stages().stream()
                        .allMatch(s -> tracker(s.stageNumber()).phase == ControllerStagePhase.FINISHED);
    }

    private StageTracker<S, B> tracker(int stage) {
        StageTracker<S, B> t = trackers.get(stage);
        if (t == null) {
            throw new IllegalArgumentException("No stage " + stage);
        }
        return t;
    }

    private static final class StageTracker<S, B> {
        final StageDefinition definition;
        ControllerStagePhase phase = ControllerStagePhase.NEW;
        int workerCount;
        int partitionCount = -1;
        List<S> stats;
        BitSet resultsReady;
        B boundaries;
        Long startTime;
        Long endTime;

        StageTracker(StageDefinition definition) {
            this.definition = definition;
        }
    }
}
