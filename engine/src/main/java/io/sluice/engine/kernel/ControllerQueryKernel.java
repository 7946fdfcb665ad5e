package io.sluice.engine.kernel;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.InputSpec;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
    private final boolean faultTolerant;
    private final RetryLimits limits;
    private final Map<Integer, Integer> attempts = new HashMap<>();
    private final Set<Integer> relaunching = new TreeSet<>();
    private int relaunches;
    private Fault failure;
    private Integer failedStage;

    /** Druid's relaunch limits: per worker (the initial run is not a relaunch) and for the whole query. */
    public record RetryLimits(int maxRelaunchesPerWorker, int maxRelaunchesPerQuery) {
        public static final RetryLimits DRUID = new RetryLimits(2, 100);

        public RetryLimits {
            if (maxRelaunchesPerWorker < 0 || maxRelaunchesPerQuery < 0) {
                throw new IllegalArgumentException("relaunch limits must be >= 0");
            }
        }
    }

    /** What to do about a lost worker. */
    public sealed interface LossDecision {
        /** A stale report (an earlier attempt), or the query no longer needs the worker. */
        record Ignore() implements LossDecision {}

        /** The query fails with this fault (no fault tolerance, or a relaunch limit reached). */
        record Fail(Fault fault) implements LossDecision {}

        /** Start worker {@code worker} again as attempt {@code attempt}; its pending work follows once it is up. */
        record Relaunch(int worker, int attempt) implements LossDecision {}
    }

    /** A work order to send (again): stage and worker number. */
    public record OrderToIssue(int stage, int worker) {}

    /** Where one worker's work order of a stage stands. */
    private enum WorkState {
        /** Sent; the worker is reading its input. */
        RUNNING,
        /** Input read, key statistics sent. */
        READ,
        /** Results ready. */
        DONE,
        /** Must be (re)sent: the worker was lost, or it was reading from a lost worker. */
        PENDING
    }

    /**
     * @param boundaryCalculator computes partition boundaries from every worker's key statistics of a stage (may
     *     throw {@code FaultException}, e.g. TooManyPartitions)
     */
    public ControllerQueryKernel(QueryDefinition query, BiFunction<StageDefinition, List<S>, B> boundaryCalculator) {
        this(query, boundaryCalculator, false, RetryLimits.DRUID);
    }

    /**
     * @param faultTolerant Druid's {@code faultTolerance} context flag: relaunch lost workers and re-run their work
     * @param limits relaunch limits (Druid's: {@link RetryLimits#DRUID})
     */
    public ControllerQueryKernel(
            QueryDefinition query,
            BiFunction<StageDefinition, List<S>, B> boundaryCalculator,
            boolean faultTolerant,
            RetryLimits limits) {
        this.query = requireNonNull(query, "query is null");
        this.boundaryCalculator = requireNonNull(boundaryCalculator, "boundaryCalculator is null");
        this.faultTolerant = faultTolerant;
        this.limits = requireNonNull(limits, "limits is null");
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
        if (failure != null || !relaunching.isEmpty()) {
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
        t.work = new WorkState[workerCount];
        Arrays.fill(t.work, WorkState.RUNNING);
        t.generation = new int[workerCount];
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

    /** A worker finished reading its input and sent its key statistics (current generation). */
    public void onKeyStatistics(int stage, int worker, S statistics) {
        onKeyStatistics(stage, worker, generation(stage, worker), statistics);
    }

    /**
     * A worker finished reading its input and sent its key statistics. Returns the stage's boundaries when they are
     * already known (a re-run worker joining a stage whose boundaries were computed before it was lost): the actor
     * posts them to that worker at once. A stale generation is ignored.
     */
    public Optional<B> onKeyStatistics(int stage, int worker, int generation, S statistics) {
        StageTracker<S, B> t = tracker(stage);
        if (!isCurrentOrder(stage, worker, generation)) {
            return Optional.empty();
        }
        boolean expecting = t.phase == ControllerStagePhase.READING_INPUT
                || t.phase == ControllerStagePhase.POST_READING
                || t.phase == ControllerStagePhase.RETRYING;
        if (!expecting || !needsStatistics(t.definition) || t.work[worker] != WorkState.RUNNING) {
            throw new IllegalStateException("stage " + stage + " does not expect statistics from worker " + worker
                    + " in " + t.phase);
        }
        t.stats.set(worker, requireNonNull(statistics, "statistics is null"));
        t.work[worker] = WorkState.READ;
        return Optional.ofNullable(t.boundaries);
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
                    && t.boundaries == null
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

    /** A worker's output for the stage is complete and can be read (current generation). */
    public void onResultsReady(int stage, int worker, long nowMillis) {
        onResultsReady(stage, worker, generation(stage, worker), nowMillis);
    }

    /** A worker's output for the stage is complete and can be read. Returns false (and ignores it) when stale. */
    public boolean onResultsReady(int stage, int worker, int generation, long nowMillis) {
        StageTracker<S, B> t = tracker(stage);
        if (!isCurrentOrder(stage, worker, generation)) {
            return false;
        }
        if (t.phase != ControllerStagePhase.READING_INPUT
                && t.phase != ControllerStagePhase.POST_READING
                && t.phase != ControllerStagePhase.RETRYING) {
            throw new IllegalStateException("stage " + stage + " got results in phase " + t.phase);
        }
        if (needsStatistics(t.definition) && t.boundaries == null) {
            throw new IllegalStateException("stage " + stage + " got results before boundaries");
        }
        t.resultsReady.set(worker);
        t.work[worker] = WorkState.DONE;
        settle(t, nowMillis);
        return true;
    }

    /**
     * Stages with results whose consumers have all finished reading (every consuming stage has results itself),
     * excluding the final stage, whose output the controller still reads. The actor tells workers to clean up.
     */
    public List<Integer> stagesReadyToFinish() {
        List<Integer> out = new ArrayList<>();
        if (faultTolerant) {
            return out; // a re-run after a lost worker may need any stage's output until the query ends
        }
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

    // ---- fault tolerance ---------------------------------------------------------------------------------------

    public boolean isFaultTolerant() {
        return faultTolerant;
    }

    /** The current attempt of a worker number (0 until it is relaunched). */
    public int workerAttempt(int worker) {
        return attempts.getOrDefault(worker, 0);
    }

    /** Relaunches so far, over all workers. */
    public int relaunchCount() {
        return relaunches;
    }

    /** True while some lost worker has not been started again. */
    public boolean hasPendingRelaunch() {
        return !relaunching.isEmpty();
    }

    /** The generation of a worker's current work order of a started stage. */
    public int generation(int stage, int worker) {
        StageTracker<S, B> t = tracker(stage);
        if (t.generation == null || worker < 0 || worker >= t.workerCount) {
            throw new IllegalArgumentException("worker " + worker + " has no work order in stage " + stage);
        }
        return t.generation[worker];
    }

    /** True when a message about this work order run is current: not superseded, not waiting to be re-sent. */
    public boolean isCurrentOrder(int stage, int worker, int generation) {
        StageTracker<S, B> t = tracker(stage);
        return failure == null
                && t.generation != null
                && worker >= 0
                && worker < t.workerCount
                && t.generation[worker] == generation
                && t.work[worker] != WorkState.PENDING;
    }

    /**
     * Worker {@code worker} (attempt {@code attempt}) is gone: its node died or left, or a reader could not reach
     * it. Decides: ignore (an earlier attempt, or nothing needs it any more), fail (no fault tolerance, or a
     * relaunch limit: {@code TooManyAttemptsForWorker}, {@code TooManyAttemptsForJob}), or relaunch it, marking the
     * work that must run again.
     *
     * @param workerTaskId the lost attempt's task id ({@code <query>-worker<N>_<attempt>}), for the faults
     * @param rootFault why it was lost; the query's fault without fault tolerance
     */
    public LossDecision onWorkerLost(int worker, int attempt, String workerTaskId, Fault rootFault) {
        requireNonNull(rootFault, "rootFault is null");
        if (failure != null || attempt != workerAttempt(worker) || relaunching.contains(worker)) {
            return new LossDecision.Ignore();
        }
        StageTracker<S, B> last = tracker(query.stages().size() - 1);
        if (last.phase.hasResults() && isDurable(last.definition)) {
            return new LossDecision.Ignore(); // segments are in deep storage; only publishing is left
        }
        if (!faultTolerant) {
            return new LossDecision.Fail(rootFault);
        }
        String root = rootFault.errorMessage() == null ? rootFault.errorCode() : rootFault.errorMessage();
        if (attempt >= limits.maxRelaunchesPerWorker()) {
            return new LossDecision.Fail(Faults.tooManyAttemptsForWorker(
                    limits.maxRelaunchesPerWorker(), workerTaskId, worker, root));
        }
        if (relaunches >= limits.maxRelaunchesPerQuery()) {
            return new LossDecision.Fail(Faults.tooManyAttemptsForJob(
                    limits.maxRelaunchesPerQuery(), relaunches + 1, workerTaskId, root));
        }
        relaunches++;
        attempts.put(worker, attempt + 1);
        relaunching.add(worker);
        markLostWork(worker);
        return new LossDecision.Relaunch(worker, attempt + 1);
    }

    /** The relaunched worker is up: its pending work orders may be issued. */
    public void onWorkerRelaunched(int worker) {
        relaunching.remove(worker);
    }

    /**
     * Pending work orders that can be sent now, in stage order: the worker is up and every input stage has
     * results. The actor sends each and calls {@link #issueOrder}.
     */
    public List<OrderToIssue> ordersToIssue() {
        List<OrderToIssue> out = new ArrayList<>();
        if (failure != null) {
            return out;
        }
        for (StageDefinition s : query.stages()) {
            StageTracker<S, B> t = tracker(s.stageNumber());
            if (t.work == null || !inputsHaveResults(s)) {
                continue;
            }
            for (int w = 0; w < t.workerCount; w++) {
                if (t.work[w] == WorkState.PENDING && !relaunching.contains(w)) {
                    out.add(new OrderToIssue(s.stageNumber(), w));
                }
            }
        }
        return out;
    }

    /** Every work order waiting to be sent again, ready or not, in stage order (for logs and tests). */
    public List<OrderToIssue> pendingOrders() {
        List<OrderToIssue> out = new ArrayList<>();
        for (StageDefinition s : query.stages()) {
            StageTracker<S, B> t = tracker(s.stageNumber());
            for (int w = 0; t.work != null && w < t.workerCount; w++) {
                if (t.work[w] == WorkState.PENDING) {
                    out.add(new OrderToIssue(s.stageNumber(), w));
                }
            }
        }
        return out;
    }

    /** A pending work order was sent again; returns the generation its messages carry. */
    public int issueOrder(int stage, int worker, long nowMillis) {
        StageTracker<S, B> t = tracker(stage);
        if (t.work == null || t.work[worker] != WorkState.PENDING) {
            throw new IllegalStateException("stage " + stage + " worker " + worker + " has no pending work order");
        }
        t.work[worker] = WorkState.RUNNING;
        settle(t, nowMillis);
        return t.generation[worker];
    }

    private boolean inputsHaveResults(StageDefinition s) {
        for (InputSpec in : s.inputs()) {
            if (in instanceof StageInputSpec si && !tracker(si.stage()).phase.hasResults()) {
                return false;
            }
        }
        return true;
    }

    /** Segment generation pushes to deep storage, which outlives any node: its finished parts survive a loss. */
    private static boolean isDurable(StageDefinition s) {
        return s.processor() instanceof SegmentGeneratorSpec;
    }

    private boolean started(StageTracker<S, B> t) {
        return t.work != null && t.phase != ControllerStagePhase.FAILED && t.phase != ControllerStagePhase.FINISHED;
    }

    /** Is the stage's output still to be read: the stage is incomplete, final, or a consumer lacks results? */
    private boolean outputNeeded(StageDefinition s) {
        StageTracker<S, B> t = tracker(s.stageNumber());
        if (s.stageNumber() == query.stages().size() - 1 || t.resultsReady.cardinality() < t.workerCount) {
            return true;
        }
        for (StageDefinition c : query.stages()) {
            for (InputSpec in : c.inputs()) {
                if (in instanceof StageInputSpec si
                        && si.stage() == s.stageNumber()
                        && !tracker(c.stageNumber()).phase.hasResults()) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean lostPartMatters(StageTracker<S, B> t, int worker) {
        return started(t)
                && worker < t.workerCount
                && !(isDurable(t.definition) && t.work[worker] == WorkState.DONE);
    }

    private void markLostWork(int lost) {
        // 1. The lost worker's part of every stage whose output is still needed ...
        Set<Integer> redo = new TreeSet<>();
        for (StageDefinition s : query.stages()) {
            StageTracker<S, B> t = tracker(s.stageNumber());
            if (lostPartMatters(t, lost) && outputNeeded(s)) {
                redo.add(s.stageNumber());
            }
        }
        // 2. ... and of the stages those re-runs read (their outputs on the lost node are gone too).
        boolean grew = true;
        while (grew) {
            grew = false;
            for (int stage : List.copyOf(redo)) {
                for (InputSpec in : query.stage(stage).inputs()) {
                    if (in instanceof StageInputSpec si
                            && lostPartMatters(tracker(si.stage()), lost)
                            && redo.add(si.stage())) {
                        grew = true;
                    }
                }
            }
        }
        for (int stage : redo) {
            invalidate(tracker(stage), lost);
        }
        // 3. Workers still reading an input the lost worker held start their work order again once it is back.
        for (StageDefinition c : query.stages()) {
            StageTracker<S, B> t = tracker(c.stageNumber());
            if (!started(t) || !readsAnyOf(c, redo)) {
                continue;
            }
            for (int w = 0; w < t.workerCount; w++) {
                if (w != lost && t.work[w] == WorkState.RUNNING) {
                    invalidate(t, w);
                }
            }
        }
    }

    private static boolean readsAnyOf(StageDefinition s, Set<Integer> stages) {
        for (InputSpec in : s.inputs()) {
            if (in instanceof StageInputSpec si && stages.contains(si.stage())) {
                return true;
            }
        }
        return false;
    }

    private void invalidate(StageTracker<S, B> t, int worker) {
        t.work[worker] = WorkState.PENDING;
        t.generation[worker]++;
        t.resultsReady.clear(worker);
        t.stats.set(worker, null);
        if (t.phase != ControllerStagePhase.RETRYING) {
            t.phase = t.phase.checkTransition(ControllerStagePhase.RETRYING);
        }
    }

    /** Moves a started stage to the phase its workers' states imply. */
    private void settle(StageTracker<S, B> t, long nowMillis) {
        if (t.phase.isTerminal()) {
            return;
        }
        boolean pending = false;
        boolean allDone = true;
        for (WorkState w : t.work) {
            pending |= w == WorkState.PENDING;
            allDone &= w == WorkState.DONE;
        }
        ControllerStagePhase to;
        if (pending) {
            to = ControllerStagePhase.RETRYING;
        } else if (allDone) {
            to = ControllerStagePhase.RESULTS_READY;
        } else if (needsStatistics(t.definition) && t.boundaries != null) {
            to = ControllerStagePhase.POST_READING;
        } else {
            to = ControllerStagePhase.READING_INPUT;
        }
        if (to != t.phase) {
            t.phase = t.phase.checkTransition(to);
            if (to == ControllerStagePhase.RESULTS_READY) {
                t.endTime = nowMillis;
            }
        }
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
        WorkState[] work;
        int[] generation;
        B boundaries;
        Long startTime;
        Long endTime;

        StageTracker(StageDefinition definition) {
            this.definition = definition;
        }
    }
}
