package io.sluice.engine.actor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.stream.ActorAttributes;
import akka.stream.SourceRef;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamRefs;
import akka.util.ByteString;
import io.sluice.engine.exec.KeyStatistics;
import io.sluice.engine.exec.PartitionBoundaries;
import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.worker.FrameWire;
import io.sluice.engine.worker.LocalPartitions;
import io.sluice.engine.worker.StageFaults;
import io.sluice.engine.worker.UpstreamReadException;
import io.sluice.engine.worker.WorkOrder;
import io.sluice.engine.worker.WorkerResources;
import io.sluice.engine.worker.WorkerStageRunner;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the work orders of one query on one node. Thin: the reading, processing, sorting and partitioning happen in a
 * {@link WorkerStageRunner} on the blocking executor; this actor only sequences them, reports to the controller,
 * and serves its stages' output partitions to consumers as {@link SourceRef}s of frames.
 */
public final class Worker extends AbstractBehavior<Worker.Command> {
    public sealed interface Command extends CborSerializable {}

    /**
     * Run one stage. {@code generation} numbers the controller's sends of this worker's order for the stage: a
     * higher one replaces a run in progress (its reading was cut off by a lost worker), and every report about the
     * run carries it.
     */
    public record RunWorkOrder(WorkOrder order, int generation) implements Command {}

    /** Range boundaries for a stage whose statistics this worker sent (for that run of the stage). */
    public record PostBoundaries(int stage, int generation, PartitionBoundaries boundaries) implements Command {}

    /** A consumer asks for one output partition of a stage. */
    public record GetPartition(int stage, int partition, ActorRef<PartitionStream> replyTo) implements Command {}

    /** Reply to {@link GetPartition}: the frames of the partition as a stream reference. */
    public record PartitionStream(int stage, int partition, SourceRef<ByteString> frames) implements CborSerializable {}

    /** A stage's output is no longer needed. */
    public record CleanupStage(int stage) implements Command {}

    /** Stop now (cancel or query end): abandon work, delete temp files. */
    public record Stop(String reason) implements Command {}

    private record PhaseDone(int stage, int generation, boolean phaseOne, KeyStatistics statistics, Throwable error)
            implements Command {}

    /** One run of a stage's work order: the runner, its generation and its own cancel flag. */
    private record Run(WorkerStageRunner runner, int generation, AtomicBoolean canceled, LocalPartitions.Output published) {
        Run(WorkerStageRunner runner, int generation, AtomicBoolean canceled) {
            // read in place by PartitionReader, which decodes a frame before it asks for the next
            this(runner, generation, canceled, runner::readPartitionReusingBuffer);
        }
    }

    private final ActorContext<Command> ctx;
    private final String taskId;
    private final int workerNumber;
    private final int attempt;
    private final ActorRef<Controller.Command> controller;
    private final WorkerResources resources;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Map<Integer, Run> runs = new HashMap<>();

    public static Behavior<Command> create(
            String taskId,
            int workerNumber,
            int attempt,
            ActorRef<Controller.Command> controller,
            WorkerResources resources) {
        return Behaviors.setup(ctx -> new Worker(ctx, taskId, workerNumber, attempt, controller, resources));
    }

    private Worker(
            ActorContext<Command> ctx,
            String taskId,
            int workerNumber,
            int attempt,
            ActorRef<Controller.Command> controller,
            WorkerResources resources) {
        super(ctx);
        this.ctx = ctx;
        this.taskId = taskId;
        this.workerNumber = workerNumber;
        this.attempt = attempt;
        this.controller = controller;
        this.resources = resources;
        resources.memory().reserveShare();
        ctx.watchWith(controller, new Stop("controller gone"));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(RunWorkOrder.class, this::onRunWorkOrder)
                .onMessage(PhaseDone.class, this::onPhaseDone)
                .onMessage(PostBoundaries.class, this::onPostBoundaries)
                .onMessage(GetPartition.class, this::onGetPartition)
                .onMessage(CleanupStage.class, this::onCleanupStage)
                .onMessage(Stop.class, this::onStop)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private String workerId() {
        return taskId + "-worker" + workerNumber + "_" + attempt;
    }

    /** This attempt's temp directory; each run of a stage works in its own {@code g<generation>} below it. */
    private java.nio.file.Path attemptDir() {
        return resources.tempRoot().resolve(taskId).resolve("worker" + workerNumber + "_" + attempt);
    }

    private Behavior<Command> onRunWorkOrder(RunWorkOrder msg) {
        WorkOrder order = msg.order();
        Run previous = runs.remove(order.stageNumber());
        if (previous != null) {
            previous.canceled().set(true); // its thread notices between rows; its late reports are ignored
            withdraw(order.stageNumber(), previous);
            previous.runner().close();
        }
        AtomicBoolean canceled = new AtomicBoolean(stopped.get());
        WorkerStageRunner runner = new WorkerStageRunner(
                order, attempt, resources, attemptDir().resolve("g" + msg.generation()), canceled, ctx.getSystem());
        Run run = new Run(runner, msg.generation(), canceled);
        runs.put(order.stageNumber(), run);
        CompletableFuture<KeyStatistics> work =
                CompletableFuture.supplyAsync(() -> runner.runPhaseOne(), resources.blocking());
        ctx.pipeToSelf(work, (stats, err) -> new PhaseDone(order.stageNumber(), run.generation(), true, stats, err));
        return this;
    }

    /** The current run of a stage if it is the given generation and still live, else null. */
    private Run current(int stage, int generation) {
        Run run = runs.get(stage);
        if (run == null || run.generation() != generation || run.canceled().get()) {
            return null;
        }
        return run;
    }

    private Behavior<Command> onPhaseDone(PhaseDone msg) {
        Run run = current(msg.stage(), msg.generation());
        if (run == null) {
            return this; // a replaced or abandoned run
        }
        WorkerStageRunner runner = run.runner();
        if (msg.error() != null) {
            reportFault(msg.stage(), msg.generation(), msg.error(), runner.describe());
            return this;
        }
        if (msg.phaseOne() && runner.needsBoundaries()) {
            controller.tell(new Controller.WorkerKeyStatistics(
                    msg.stage(), workerNumber, attempt, msg.generation(), msg.statistics(), runner.counters()));
            return this;
        }
        if (msg.phaseOne()) {
            startPhaseTwo(msg.stage(), run, null); // no range boundaries needed: partition at once
            return this;
        }
        // readers on this node take the partitions from the file in place; others ask for a stream (GetPartition)
        LocalPartitions.get(ctx.getSystem()).publish(ctx.getSelf(), msg.stage(), run.published());
        controller.tell(new Controller.WorkerResultsReady(
                msg.stage(), workerNumber, attempt, msg.generation(), runner.partitionCount(), runner.counters(),
                runner.segments(), runner.warnings()));
        return this;
    }

    private void startPhaseTwo(int stage, Run run, PartitionBoundaries boundaries) {
        CompletableFuture<KeyStatistics> part = CompletableFuture.supplyAsync(
                () -> {
                    run.runner().runPhaseTwo(boundaries);
                    return null;
                },
                resources.blocking());
        ctx.pipeToSelf(part, (v, err) -> new PhaseDone(stage, run.generation(), false, null, err));
    }

    private Behavior<Command> onPostBoundaries(PostBoundaries msg) {
        Run run = current(msg.stage(), msg.generation());
        if (run != null) {
            startPhaseTwo(msg.stage(), run, msg.boundaries());
        }
        return this;
    }

    private Behavior<Command> onGetPartition(GetPartition msg) {
        Run run = runs.get(msg.stage());
        Source<ByteString, akka.NotUsed> frames;
        if (run == null) {
            frames = Source.failed(new IllegalStateException(
                    "worker " + workerId() + " has no output for stage " + msg.stage()));
        } else {
            WorkerStageRunner runner = run.runner();
            frames = Source.fromIterator(() -> runner.readPartition(msg.partition()))
                    .mapConcat(FrameWire::encode)
                    .withAttributes(ActorAttributes.dispatcher("akka.actor.default-blocking-io-dispatcher"));
        }
        SourceRef<ByteString> ref = frames.runWith(StreamRefs.sourceRef(), ctx.getSystem());
        msg.replyTo().tell(new PartitionStream(msg.stage(), msg.partition(), ref));
        return this;
    }

    private Behavior<Command> onCleanupStage(CleanupStage msg) {
        Run run = runs.remove(msg.stage());
        if (run != null) {
            run.canceled().set(true);
            withdraw(msg.stage(), run);
            run.runner().close();
        }
        return this;
    }

    private Behavior<Command> onStop(Stop msg) {
        ctx.getLog().debug("Worker {} stopping: {}", workerId(), msg.reason());
        return Behaviors.stopped();
    }

    private Behavior<Command> onPostStop() {
        stopped.set(true);
        resources.memory().releaseShare();
        for (Map.Entry<Integer, Run> e : runs.entrySet()) {
            e.getValue().canceled().set(true);
            withdraw(e.getKey(), e.getValue());
            e.getValue().runner().close();
        }
        runs.clear();
        WorkerStageRunner.deleteQuietly(attemptDir());
        try {
            java.nio.file.Files.deleteIfExists(attemptDir().getParent()); // the last worker of the task here
        } catch (java.io.IOException e) {
            // another worker of the same task still has files here; it removes the folder when it stops
        }
        return this;
    }

    /** Withdraws the run's output from in-place reading (a no-op when it was never published). */
    private void withdraw(int stage, Run run) {
        LocalPartitions.get(ctx.getSystem()).withdraw(ctx.getSelf(), stage, run.published());
    }

    /** A run failed: the fault, and which upstream worker it could not read from, if that was the cause. */
    private void reportFault(int stage, int generation, Throwable error, String doing) {
        Fault fault = StageFaults.fromThrowable(error, doing);
        if (StageFaults.unexpected(error)) {
            // not a user's mistake nor a cancel: the operator needs the stack (the report has the message only)
            ctx.getLog().error("Worker {} failed {}", workerId(), doing, error);
        }
        int upstream = -1;
        int upstreamAttempt = -1;
        for (Throwable c = error; c != null; c = c.getCause()) {
            if (c instanceof UpstreamReadException u) {
                upstream = u.workerNumber();
                upstreamAttempt = u.attempt();
                fault = Faults.workerRpcFailed(taskId + "-worker" + upstream + "_" + upstreamAttempt);
                break;
            }
        }
        controller.tell(new Controller.WorkerFailed(
                stage, workerNumber, attempt, generation, workerId(), fault, upstream, upstreamAttempt));
    }
}
