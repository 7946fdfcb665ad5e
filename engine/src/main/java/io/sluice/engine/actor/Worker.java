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
import io.sluice.engine.worker.FrameWire;
import io.sluice.engine.worker.StageFaults;
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

    /** Run one stage. */
    public record RunWorkOrder(WorkOrder order) implements Command {}

    /** Range boundaries for a stage whose statistics this worker sent. */
    public record PostBoundaries(int stage, PartitionBoundaries boundaries) implements Command {}

    /** A consumer asks for one output partition of a stage. */
    public record GetPartition(int stage, int partition, ActorRef<PartitionStream> replyTo) implements Command {}

    /** Reply to {@link GetPartition}: the frames of the partition as a stream reference. */
    public record PartitionStream(int stage, int partition, SourceRef<ByteString> frames) implements CborSerializable {}

    /** A stage's output is no longer needed. */
    public record CleanupStage(int stage) implements Command {}

    /** Stop now (cancel or query end): abandon work, delete temp files. */
    public record Stop(String reason) implements Command {}

    private record PhaseDone(int stage, boolean phaseOne, KeyStatistics statistics, Throwable error)
            implements Command {}

    private final ActorContext<Command> ctx;
    private final String taskId;
    private final int workerNumber;
    private final ActorRef<Controller.Command> controller;
    private final WorkerResources resources;
    private final AtomicBoolean canceled = new AtomicBoolean();
    private final Map<Integer, WorkerStageRunner> runners = new HashMap<>();

    public static Behavior<Command> create(
            String taskId, int workerNumber, ActorRef<Controller.Command> controller, WorkerResources resources) {
        return Behaviors.setup(ctx -> new Worker(ctx, taskId, workerNumber, controller, resources));
    }

    private Worker(
            ActorContext<Command> ctx,
            String taskId,
            int workerNumber,
            ActorRef<Controller.Command> controller,
            WorkerResources resources) {
        super(ctx);
        this.ctx = ctx;
        this.taskId = taskId;
        this.workerNumber = workerNumber;
        this.controller = controller;
        this.resources = resources;
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
        return taskId + "-worker" + workerNumber + "_0";
    }

    private Behavior<Command> onRunWorkOrder(RunWorkOrder msg) {
        startPhaseOne(msg.order());
        return this;
    }

    private void startPhaseOne(WorkOrder order) {
        WorkerStageRunner runner = new WorkerStageRunner(
                order, resources, resources.tempRoot().resolve(taskId).resolve("worker" + workerNumber), canceled,
                ctx.getSystem());
        runners.put(order.stageNumber(), runner);
        CompletableFuture<KeyStatistics> work =
                CompletableFuture.supplyAsync(() -> runner.runPhaseOne(), resources.blocking());
        ctx.pipeToSelf(work, (stats, err) -> new PhaseDone(order.stageNumber(), true, stats, err));
    }

    private Behavior<Command> onPhaseDone(PhaseDone msg) {
        WorkerStageRunner runner = runners.get(msg.stage());
        if (runner == null || canceled.get()) {
            return this;
        }
        if (msg.error() != null) {
            reportFault(msg.stage(), StageFaults.fromThrowable(msg.error(), runner.describe()));
            return this;
        }
        if (msg.phaseOne() && runner.needsBoundaries()) {
            controller.tell(new Controller.WorkerKeyStatistics(
                    msg.stage(), workerNumber, msg.statistics(), runner.counters()));
            return this;
        }
        if (msg.phaseOne()) {
            // No range boundaries needed: partition at once.
            CompletableFuture<KeyStatistics> part = CompletableFuture.supplyAsync(
                    () -> {
                        runner.runPhaseTwo(null);
                        return null;
                    },
                    resources.blocking());
            ctx.pipeToSelf(part, (v, err) -> new PhaseDone(msg.stage(), false, null, err));
            return this;
        }
        controller.tell(new Controller.WorkerResultsReady(
                msg.stage(), workerNumber, runner.partitionCount(), runner.counters(), runner.segments(),
                runner.warnings()));
        return this;
    }

    private Behavior<Command> onPostBoundaries(PostBoundaries msg) {
        WorkerStageRunner runner = runners.get(msg.stage());
        if (runner == null) {
            return this;
        }
        CompletableFuture<KeyStatistics> part = CompletableFuture.supplyAsync(
                () -> {
                    runner.runPhaseTwo(msg.boundaries());
                    return null;
                },
                resources.blocking());
        ctx.pipeToSelf(part, (v, err) -> new PhaseDone(msg.stage(), false, null, err));
        return this;
    }

    private Behavior<Command> onGetPartition(GetPartition msg) {
        WorkerStageRunner runner = runners.get(msg.stage());
        Source<ByteString, akka.NotUsed> frames;
        if (runner == null) {
            frames = Source.failed(new IllegalStateException(
                    "worker " + workerNumber + " has no output for stage " + msg.stage()));
        } else {
            frames = Source.fromIterator(() -> runner.readPartition(msg.partition()))
                    .mapConcat(FrameWire::encode)
                    .withAttributes(ActorAttributes.dispatcher("akka.actor.default-blocking-io-dispatcher"));
        }
        SourceRef<ByteString> ref = frames.runWith(StreamRefs.sourceRef(), ctx.getSystem());
        msg.replyTo().tell(new PartitionStream(msg.stage(), msg.partition(), ref));
        return this;
    }

    private Behavior<Command> onCleanupStage(CleanupStage msg) {
        WorkerStageRunner runner = runners.remove(msg.stage());
        if (runner != null) {
            runner.close();
        }
        return this;
    }

    private Behavior<Command> onStop(Stop msg) {
        ctx.getLog().debug("Worker {} stopping: {}", workerId(), msg.reason());
        return Behaviors.stopped();
    }

    private Behavior<Command> onPostStop() {
        canceled.set(true);
        for (WorkerStageRunner r : runners.values()) {
            r.close();
        }
        runners.clear();
        java.nio.file.Path taskDir = resources.tempRoot().resolve(taskId);
        WorkerStageRunner.deleteQuietly(taskDir.resolve("worker" + workerNumber));
        try {
            java.nio.file.Files.deleteIfExists(taskDir); // the last worker of the task on this node removes it
        } catch (java.io.IOException e) {
            // another worker of the same task still has files here; it removes the folder when it stops
        }
        return this;
    }

    private void reportFault(int stage, Fault fault) {
        controller.tell(new Controller.WorkerFailed(stage, workerNumber, workerId(), fault));
    }
}
