package io.sluice.engine.actor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.cluster.ClusterEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.exec.BoundaryCalculator;
import io.sluice.engine.exec.KeyStatistics;
import io.sluice.engine.exec.PartitionBoundaries;
import io.sluice.engine.export.CsvExporter;
import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.kernel.ControllerQueryKernel;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.report.ReportBuilder;
import io.sluice.engine.report.ReportState;
import io.sluice.engine.segment.GeneratedSegment;
import io.sluice.engine.worker.InputSlicer;
import io.sluice.engine.worker.StageFaults;
import io.sluice.engine.worker.WorkOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One per query. Starts workers on the worker nodes, then drives the stages with its pure
 * {@link ControllerQueryKernel}: work orders out, key statistics and results in, boundaries out; at the end it
 * fetches SELECT results or publishes segments atomically, records status and report, and stops every worker.
 * Every wait has a deadline; a lost worker is a typed fault; the first fault wins.
 */
public final class Controller extends AbstractBehavior<Controller.Command> {
    public sealed interface Command extends CborSerializable {}

    public record WorkerKeyStatistics(int stage, int worker, KeyStatistics statistics, ObjectNode counters)
            implements Command {}

    public record WorkerResultsReady(
            int stage,
            int worker,
            int partitionCount,
            ObjectNode counters,
            List<GeneratedSegment> segments,
            List<JsonNode> warnings)
            implements Command {}

    public record WorkerFailed(int stage, int worker, String workerId, Fault fault) implements Command {}

    /** Shutdown request; {@code reason} is a Canceled reason (TASK_SHUTDOWN, USER_REQUEST …). */
    public record Cancel(String reason) implements Command {}

    public record GetLiveReport(ActorRef<LiveReport> replyTo) implements Command {}

    public record LiveReport(JsonNode report) implements CborSerializable {}

    private record HostsListed(Receptionist.Listing listing) implements Command {}

    private record WorkerStarted(WorkerHost.StartWorkerReply reply) implements Command {}

    private record WorkerGone(int worker) implements Command {}

    /** A cluster member became unreachable (or left, or was downed); {@code address} is its Akka address. */
    private record NodeLost(String address, String how) implements Command {}

    private record StartTimeout() implements Command {}

    private record RetryStart(int worker) implements Command {}

    private record SlicesReady(int stage, List<WorkOrder> orders, Throwable error) implements Command {}

    private record Finalized(List<List<Object>> rows, Throwable error) implements Command {}

    private record Persisted(Throwable error) implements Command {}

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ControllerContext cc;
    private final String taskId;
    private final QuerySpec spec;
    private final ControllerQueryKernel<KeyStatistics, PartitionBoundaries> kernel;
    private final ReportState report;
    private final List<ActorRef<Worker.Command>> workers = new ArrayList<>();
    private final List<String> workerHosts = new ArrayList<>();
    private final List<ActorRef<WorkerHost.Command>> workerHostRefs = new ArrayList<>();
    private final List<Integer> startAttempts = new ArrayList<>();
    private ActorRef<WorkerHost.StartWorkerReply> startAdapter;
    private boolean waitingForHosts;
    private final List<GeneratedSegment> segments = new ArrayList<>();
    private final int wantedWorkers;
    private final java.util.Set<Integer> slicing = new java.util.HashSet<>();
    private boolean finishing;

    public static Behavior<Command> create(String taskId, QuerySpec spec, ControllerContext cc, long createdMillis) {
        return Behaviors.setup(
                ctx -> Behaviors.withTimers(timers -> new Controller(ctx, timers, taskId, spec, cc, createdMillis)));
    }

    private Controller(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            String taskId,
            QuerySpec spec,
            ControllerContext cc,
            long createdMillis) {
        super(ctx);
        this.ctx = ctx;
        this.timers = timers;
        this.cc = cc;
        this.taskId = taskId;
        this.spec = spec;
        int maxStageWorkers = spec.queryDefinition().stages().stream()
                .mapToInt(StageDefinition::maxWorkerCount)
                .max()
                .orElse(1);
        this.wantedWorkers = Math.max(1, maxStageWorkers);
        this.kernel = new ControllerQueryKernel<>(
                spec.queryDefinition(), (stage, stats) -> BoundaryCalculator.compute(
                        stage.shuffleSpec(), stats.stream().reduce(new KeyStatistics(), KeyStatistics::merge), cc.maxPartitions()));
        this.report = new ReportState(taskId, spec, createdMillis, cc.host());
        ActorRef<Receptionist.Listing> adapter = ctx.messageAdapter(Receptionist.Listing.class, HostsListed::new);
        ctx.getSystem().receptionist().tell(Receptionist.find(WorkerHost.KEY, adapter));
        // DeathWatch on a remote worker fires only once its node is downed and removed; reachability tells sooner.
        akka.cluster.typed.Cluster cluster = akka.cluster.typed.Cluster.get(ctx.getSystem());
        cluster.subscriptions().tell(akka.cluster.typed.Subscribe.create(
                ctx.messageAdapter(ClusterEvent.UnreachableMember.class,
                        e -> new NodeLost(e.member().address().toString(), "became unreachable")),
                ClusterEvent.UnreachableMember.class));
        cluster.subscriptions().tell(akka.cluster.typed.Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberRemoved.class,
                        e -> new NodeLost(e.member().address().toString(), "left the cluster")),
                ClusterEvent.MemberRemoved.class));
        timers.startSingleTimer(new StartTimeout(), cc.workerStartTimeout());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(HostsListed.class, this::onHostsListed)
                .onMessage(WorkerStarted.class, this::onWorkerStarted)
                .onMessage(StartTimeout.class, this::onStartTimeout)
                .onMessage(RetryStart.class, this::onRetryStart)
                .onMessage(SlicesReady.class, this::onSlicesReady)
                .onMessage(WorkerKeyStatistics.class, this::onKeyStatistics)
                .onMessage(WorkerResultsReady.class, this::onResultsReady)
                .onMessage(WorkerFailed.class, this::onWorkerFailed)
                .onMessage(WorkerGone.class, this::onWorkerGone)
                .onMessage(NodeLost.class, this::onNodeLost)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(GetLiveReport.class, this::onGetLiveReport)
                .onMessage(Finalized.class, this::onFinalized)
                .onMessage(Persisted.class, this::onPersisted)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    // ---- worker start-up ------------------------------------------------------------------------------------

    private Behavior<Command> onHostsListed(HostsListed msg) {
        if (!workers.isEmpty() || finishing) {
            return this; // workers already requested
        }
        List<ActorRef<WorkerHost.Command>> hosts =
                new ArrayList<>(msg.listing().getServiceInstances(WorkerHost.KEY));
        if (!workerHostRefs.isEmpty() || finishing) {
            return this; // placed already; later listings come from the subscription below
        }
        if (hosts.isEmpty()) {
            // A node that has just started may not be listed yet: wait for one, until the TaskStartTimeout.
            if (!waitingForHosts) {
                waitingForHosts = true;
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(WorkerHost.KEY,
                        ctx.messageAdapter(Receptionist.Listing.class, HostsListed::new)));
            }
            return this;
        }
        hosts.sort(java.util.Comparator.comparing(a -> a.path().toString()));
        workerHostRefs.addAll(hosts);
        startAdapter = ctx.messageAdapter(WorkerHost.StartWorkerReply.class, WorkerStarted::new);
        for (int i = 0; i < wantedWorkers; i++) {
            workers.add(null);
            workerHosts.add(null);
            startAttempts.add(0);
            askToStart(i);
        }
        return this;
    }

    /** Worker {@code i} goes round-robin over the hosts; a host without a free slot passes it to the next one. */
    private void askToStart(int worker) {
        ActorRef<WorkerHost.Command> host =
                workerHostRefs.get((worker + startAttempts.get(worker)) % workerHostRefs.size());
        host.tell(new WorkerHost.StartWorker(taskId, worker, ctx.getSelf(), startAdapter));
    }

    private Behavior<Command> onRetryStart(RetryStart msg) {
        if (!finishing && workers.get(msg.worker()) == null) {
            askToStart(msg.worker());
        }
        return this;
    }

    private Behavior<Command> onWorkerStarted(WorkerStarted msg) {
        WorkerHost.StartWorkerReply r = msg.reply();
        if (finishing) {
            if (r.worker() != null) {
                r.worker().tell(new Worker.Stop("query already ended"));
            }
            return this;
        }
        if (r.worker() == null) {
            // No free slot there: try the next host; once every host said no, wait a little and go round again
            // (slots free up as other queries end), until the TaskStartTimeout.
            int attempt = startAttempts.get(r.workerNumber()) + 1;
            startAttempts.set(r.workerNumber(), attempt);
            if (attempt % workerHostRefs.size() == 0) {
                timers.startSingleTimer(new RetryStart(r.workerNumber()), new RetryStart(r.workerNumber()),
                        Duration.ofMillis(250));
            } else {
                askToStart(r.workerNumber());
            }
            return this;
        }
        workers.set(r.workerNumber(), r.worker());
        workerHosts.set(r.workerNumber(), r.host());
        ctx.watchWith(r.worker(), new WorkerGone(r.workerNumber()));
        report.workerStarted(r.workerNumber(), taskId + "-worker" + r.workerNumber() + "_0", r.host(),
                cc.clock().millis());
        if (!workers.contains(null)) {
            timers.cancel(StartTimeout.class);
            report.started(cc.clock().millis());
            advance();
        }
        return this;
    }

    private Behavior<Command> onStartTimeout(StartTimeout msg) {
        if (workerHostRefs.isEmpty()) {
            return fail(Faults.unknownError("No worker nodes are available to run the query (waited "
                    + cc.workerStartTimeout().toSeconds() + " seconds)"), null);
        }
        if (workers.contains(null)) {
            long pending = workers.stream().filter(java.util.Objects::isNull).count();
            return fail(new Fault(
                    "TaskStartTimeout",
                    "Unable to launch " + pending + " worker tasks within " + cc.workerStartTimeout().toSeconds()
                            + " seconds. There might be insufficient available slots to start all worker tasks"
                            + " simultaneously.",
                    Map.of("pendingTasks", pending, "totalTasks", workers.size() + 1, "timeout",
                            cc.workerStartTimeout().toMillis())), null);
        }
        return this;
    }

    // ---- stage progression ----------------------------------------------------------------------------------

    private void advance() {
        if (finishing) {
            return;
        }
        for (int stage : kernel.stagesReadyToFinish()) {
            kernel.finishStage(stage);
            for (ActorRef<Worker.Command> w : workers) {
                w.tell(new Worker.CleanupStage(stage));
            }
        }
        for (int stage : kernel.stagesReadyToStart()) {
            if (!slicing.add(stage)) {
                continue; // its work orders are being prepared
            }
            StageDefinition def = spec.queryDefinition().stage(stage);
            InputSlicer slicer = new InputSlicer(
                    cc.metadata(), taskId, spec, kernel, List.copyOf(workers), cc.segmentVersion(report));
            CompletableFuture<List<WorkOrder>> f =
                    CompletableFuture.supplyAsync(() -> slicer.workOrders(def), cc.blocking());
            ctx.pipeToSelf(f, (orders, err) -> new SlicesReady(stage, orders, err));
        }
        if (kernel.finalStageHasResults()) {
            finishing = true;
            finalizeQuery();
        }
    }

    private Behavior<Command> onSlicesReady(SlicesReady msg) {
        if (finishing) {
            return this;
        }
        if (msg.error() != null) {
            return fail(StageFaults.fromThrowable(msg.error(), "planning input of stage " + msg.stage()), msg.stage());
        }
        kernel.startStage(msg.stage(), msg.orders().size(), cc.clock().millis());
        report.stageStarted(msg.stage(), msg.orders().size(), cc.clock().millis());
        for (WorkOrder order : msg.orders()) {
            workers.get(order.workerNumber()).tell(new Worker.RunWorkOrder(order));
        }
        return this;
    }

    private Behavior<Command> onKeyStatistics(WorkerKeyStatistics msg) {
        if (finishing) {
            return this;
        }
        report.counters(msg.stage(), msg.worker(), msg.counters());
        try {
            kernel.onKeyStatistics(msg.stage(), msg.worker(), msg.statistics());
            for (int stage : kernel.stagesNeedingBoundaries()) {
                PartitionBoundaries b = kernel.boundaries(stage).orElseThrow();
                kernel.setPartitionCount(stage, b.partitionCount());
                for (int w = 0; w < kernel.workerCount(stage); w++) {
                    workers.get(w).tell(new Worker.PostBoundaries(stage, b));
                }
            }
        } catch (FaultException e) {
            return fail(e.fault(), msg.stage());
        }
        return this;
    }

    private Behavior<Command> onResultsReady(WorkerResultsReady msg) {
        if (finishing) {
            return this;
        }
        report.counters(msg.stage(), msg.worker(), msg.counters());
        report.warnings(msg.warnings());
        segments.addAll(msg.segments());
        kernel.onResultsReady(msg.stage(), msg.worker(), cc.clock().millis());
        if (kernel.phase(msg.stage()).hasResults()) {
            report.stageResultsReady(msg.stage(), kernel.partitionCount(msg.stage()), cc.clock().millis());
        }
        advance();
        return this;
    }

    private Behavior<Command> onWorkerFailed(WorkerFailed msg) {
        Fault f = msg.fault();
        return fail(f, msg.stage(), msg.workerId());
    }

    private Behavior<Command> onWorkerGone(WorkerGone msg) {
        if (finishing) {
            return this;
        }
        String id = taskId + "-worker" + msg.worker() + "_0";
        return fail(Faults.workerFailed(id, "Worker " + id + " on " + workerHosts.get(msg.worker())
                + " stopped unexpectedly"), null, id);
    }

    private Behavior<Command> onNodeLost(NodeLost msg) {
        if (finishing) {
            return this;
        }
        for (int i = 0; i < workers.size(); i++) {
            ActorRef<Worker.Command> w = workers.get(i);
            if (w != null && w.path().address().toString().equals(msg.address())) {
                String id = taskId + "-worker" + i + "_0";
                return fail(Faults.workerFailed(id, "Worker " + id + " on " + workerHosts.get(i) + " (" + msg.address()
                        + ") is lost: its node " + msg.how()), null, id);
            }
        }
        return this;
    }

    private Behavior<Command> onCancel(Cancel msg) {
        if (finishing && kernel.failure().isEmpty() && report.isPersisting()) {
            return this; // already completing successfully; the result stands
        }
        return fail(Faults.canceled(msg.reason()), null);
    }

    private Behavior<Command> onGetLiveReport(GetLiveReport msg) {
        msg.replyTo().tell(new LiveReport(ReportBuilder.build(report, kernel, cc.clock().millis())));
        return this;
    }

    // ---- ending ---------------------------------------------------------------------------------------------

    private void finalizeQuery() {
        CompletableFuture<List<List<Object>>> f;
        if (spec.isIngestion()) {
            f = CompletableFuture.supplyAsync(
                    () -> {
                        new SegmentPublisher(cc.metadata(), spec).publish(segments, cc.segmentVersion(report));
                        return List.of();
                    },
                    cc.blocking());
        } else if (spec.destination() instanceof Destination.Export export) {
            // The workers wrote the CSV files; the manifest lists them.
            f = CompletableFuture.supplyAsync(
                    () -> {
                        CsvExporter.writeManifest(Path.of(export.exportPath()), taskId);
                        return List.of();
                    },
                    cc.blocking());
        } else {
            int last = spec.queryDefinition().stages().size() - 1;
            f = new ResultFetcher(ctx.getSystem(), spec, kernel.partitionCount(last), List.copyOf(workers),
                            last, cc.maxResultRows())
                    .fetch(cc.blocking(), kernel.workerCount(last));
        }
        ctx.pipeToSelf(f, Finalized::new);
    }

    private Behavior<Command> onFinalized(Finalized msg) {
        if (kernel.failure().isPresent()) {
            return this;
        }
        if (msg.error() != null) {
            finishing = false;
            return fail(StageFaults.fromThrowable(msg.error(), "finalizing the query"), null);
        }
        kernel.finishQuery();
        report.results(msg.rows());
        persistAndStop("SUCCESS", null);
        return this;
    }

    private Behavior<Command> fail(Fault fault, Integer stage) {
        return fail(fault, stage, null);
    }

    private Behavior<Command> fail(Fault fault, Integer stage, String workerId) {
        if (kernel.failure().isPresent()) {
            return this;
        }
        kernel.fail(fault, stage);
        report.failed(fault, stage, workerId == null ? taskId : workerId, cc.clock().millis());
        finishing = true;
        stopWorkers("query failed: " + fault.errorCode());
        persistAndStop("FAILED", fault);
        return this;
    }

    private void stopWorkers(String reason) {
        for (ActorRef<Worker.Command> w : workers) {
            if (w != null) {
                ctx.unwatch(w);
                w.tell(new Worker.Stop(reason));
            }
        }
    }

    private void persistAndStop(String status, Fault fault) {
        if (report.isPersisting()) {
            return;
        }
        long now = cc.clock().millis();
        report.ended(status, now);
        JsonNode finalReport = ReportBuilder.build(report, kernel, now);
        long duration = now - report.createdMillis();
        CompletableFuture<Void> f = CompletableFuture.runAsync(
                () -> cc.taskStore().complete(taskId, status, duration, fault, finalReport), cc.blocking());
        ctx.pipeToSelf(f, (v, err) -> new Persisted(err));
    }

    private Behavior<Command> onPersisted(Persisted msg) {
        if (msg.error() != null) {
            ctx.getLog().error("Could not record the end of task {}", taskId, msg.error());
        }
        stopWorkers("query ended");
        cc.onFinished().accept(taskId);
        return Behaviors.stopped();
    }

    private Behavior<Command> onPostStop() {
        stopWorkers("controller stopped");
        return this;
    }
}
