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
import io.sluice.engine.storage.UnpublishedSegments;
import io.sluice.engine.worker.InputSlice;
import io.sluice.engine.worker.InputSlicer;
import io.sluice.engine.worker.PartitionSource;
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

    /** Every report from a worker names its attempt and the generation of the work order run it is about. */
    public record WorkerKeyStatistics(
            int stage, int worker, int attempt, int generation, KeyStatistics statistics, ObjectNode counters)
            implements Command {}

    public record WorkerResultsReady(
            int stage,
            int worker,
            int attempt,
            int generation,
            int partitionCount,
            ObjectNode counters,
            List<GeneratedSegment> segments,
            List<JsonNode> warnings)
            implements Command {}

    /**
     * A work order run failed. When it failed because it could not read from upstream worker
     * {@code upstreamWorker} (attempt {@code upstreamAttempt}), those are set (else -1): under fault tolerance that
     * worker is taken for lost.
     */
    public record WorkerFailed(
            int stage,
            int worker,
            int attempt,
            int generation,
            String workerId,
            Fault fault,
            int upstreamWorker,
            int upstreamAttempt)
            implements Command {}

    /** Shutdown request; {@code reason} is a Canceled reason (TASK_SHUTDOWN, USER_REQUEST …). */
    public record Cancel(String reason) implements Command {}

    public record GetLiveReport(ActorRef<LiveReport> replyTo) implements Command {}

    public record LiveReport(JsonNode report) implements CborSerializable {}

    private record HostsListed(Receptionist.Listing listing) implements Command {}

    private record WorkerStarted(WorkerHost.StartWorkerReply reply) implements Command {}

    private record WorkerGone(int worker, int attempt) implements Command {}

    /** A cluster member became unreachable (or left, or was downed); {@code address} is its Akka address. */
    private record NodeLost(String address, String how) implements Command {}

    private record StartTimeout() implements Command {}

    /** The query cannot run as asked (checked at start). */
    private record Refused(Fault fault) implements Command {}

    private record RetryStart(int worker, int attempt) implements Command {}

    /** A relaunched worker did not start within the start timeout. */
    private record RelaunchTimeout(int worker, int attempt) implements Command {}

    private record SlicesReady(int stage, List<WorkOrder> orders, Throwable error) implements Command {}

    private record Finalized(int round, List<List<Object>> rows, Throwable error) implements Command {}

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
    private record StageWorker(int stage, int worker) {}

    /** Segments reported per (stage, worker): a re-run's report replaces the lost attempt's. */
    private final Map<StageWorker, List<GeneratedSegment>> segments = new java.util.TreeMap<>(
            java.util.Comparator.comparingInt(StageWorker::stage).thenComparingInt(StageWorker::worker));
    /** Each started stage's work orders, kept to send them again after a lost worker (fault tolerance). */
    private final Map<Integer, List<WorkOrder>> orders = new java.util.HashMap<>();
    /** Akka addresses of nodes found unreachable or removed: no relaunch goes there. */
    private final java.util.Set<String> lostNodes = new java.util.HashSet<>();
    private final int wantedWorkers;
    private final java.util.Set<Integer> slicing = new java.util.HashSet<>();
    private boolean finishing;
    private boolean workersStopped;
    private String endStatus; // SUCCESS or FAILED, once the end is being recorded
    private int finalizeRound;

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
                spec.queryDefinition(),
                (stage, stats) -> BoundaryCalculator.compute(
                        stage.shuffleSpec(), stats.stream().reduce(new KeyStatistics(), KeyStatistics::merge),
                        cc.maxPartitions()),
                flag(spec.context(), "faultTolerance").orElse(false),
                ControllerQueryKernel.RetryLimits.DRUID);
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
        if (kernel.isFaultTolerant() && !flag(spec.context(), "durableShuffleStorage").orElse(true)) {
            // Druid's check: fault tolerance implies durable shuffle (here: outputs kept until the query ends).
            ctx.getSelf().tell(new Refused(Faults.unknownError(
                    "Context param[durableShuffleStorage] cannot be explicitly set to false when context"
                            + " param[faultTolerance] is set to true. Either remove the context"
                            + " param[durableShuffleStorage] or explicitly set it to true.")));
        }
    }

    /** A boolean context flag as given (JSON boolean or "true"/"false" text), empty when absent. */
    private static java.util.Optional<Boolean> flag(Map<String, Object> context, String key) {
        Object v = context.get(key);
        if (v instanceof Boolean b) {
            return java.util.Optional.of(b);
        }
        if (v instanceof String str && !str.isBlank()) {
            return java.util.Optional.of(Boolean.parseBoolean(str.trim()));
        }
        return java.util.Optional.empty();
    }

    private String workerId(int worker) {
        return taskId + "-worker" + worker + "_" + kernel.workerAttempt(worker);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(HostsListed.class, this::onHostsListed)
                .onMessage(WorkerStarted.class, this::onWorkerStarted)
                .onMessage(StartTimeout.class, this::onStartTimeout)
                .onMessage(RetryStart.class, this::onRetryStart)
                .onMessage(RelaunchTimeout.class, this::onRelaunchTimeout)
                .onMessage(SlicesReady.class, this::onSlicesReady)
                .onMessage(WorkerKeyStatistics.class, this::onKeyStatistics)
                .onMessage(WorkerResultsReady.class, this::onResultsReady)
                .onMessage(WorkerFailed.class, this::onWorkerFailed)
                .onMessage(WorkerGone.class, this::onWorkerGone)
                .onMessage(NodeLost.class, this::onNodeLost)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(Refused.class, this::onRefused)
                .onMessage(GetLiveReport.class, this::onGetLiveReport)
                .onMessage(Finalized.class, this::onFinalized)
                .onMessage(Persisted.class, this::onPersisted)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    // ---- worker start-up ------------------------------------------------------------------------------------

    private Behavior<Command> onHostsListed(HostsListed msg) {
        if (finishing) {
            return this;
        }
        List<ActorRef<WorkerHost.Command>> hosts =
                new ArrayList<>(msg.listing().getServiceInstances(WorkerHost.KEY));
        hosts.sort(java.util.Comparator.comparing(a -> a.path().toString()));
        if (!workerHostRefs.isEmpty()) {
            // Placed already: keep the list current for relaunches (nodes come and go).
            if (!hosts.isEmpty()) {
                workerHostRefs.clear();
                workerHostRefs.addAll(hosts);
            }
            return this;
        }
        if (hosts.isEmpty()) {
            // A node that has just started may not be listed yet: wait for one, until the TaskStartTimeout.
            subscribeToHosts();
            return this;
        }
        workerHostRefs.addAll(hosts);
        if (kernel.isFaultTolerant()) {
            subscribeToHosts(); // a relaunch picks from the hosts of the moment
        }
        startAdapter = ctx.messageAdapter(WorkerHost.StartWorkerReply.class, WorkerStarted::new);
        for (int i = 0; i < wantedWorkers; i++) {
            workers.add(null);
            workerHosts.add(null);
            startAttempts.add(0);
            askToStart(i);
        }
        return this;
    }

    private void subscribeToHosts() {
        if (!waitingForHosts) {
            waitingForHosts = true;
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(WorkerHost.KEY,
                    ctx.messageAdapter(Receptionist.Listing.class, HostsListed::new)));
        }
    }

    /**
     * Worker {@code i} goes round-robin over the hosts; a host without a free slot passes it to the next one. Hosts
     * on nodes found lost are skipped (a relaunch never goes back to the node that died).
     */
    private void askToStart(int worker) {
        int attempt = kernel.workerAttempt(worker);
        for (int tried = 0; tried < workerHostRefs.size(); tried++) {
            ActorRef<WorkerHost.Command> host =
                    workerHostRefs.get((worker + startAttempts.get(worker)) % workerHostRefs.size());
            if (!lostNodes.contains(host.path().address().toString())) {
                host.tell(new WorkerHost.StartWorker(taskId, worker, attempt, ctx.getSelf(), startAdapter));
                return;
            }
            startAttempts.set(worker, startAttempts.get(worker) + 1);
        }
        // Every known host is on a lost node: look again shortly (until the start timeout).
        timers.startSingleTimer(new RetryStart(worker, attempt), new RetryStart(worker, attempt),
                Duration.ofMillis(250));
    }

    private Behavior<Command> onRetryStart(RetryStart msg) {
        if (!finishing && workers.get(msg.worker()) == null && msg.attempt() == kernel.workerAttempt(msg.worker())) {
            askToStart(msg.worker());
        }
        return this;
    }

    private Behavior<Command> onWorkerStarted(WorkerStarted msg) {
        WorkerHost.StartWorkerReply r = msg.reply();
        boolean stale = r.attempt() != kernel.workerAttempt(r.workerNumber()) || workers.get(r.workerNumber()) != null;
        if (finishing || stale) {
            if (r.worker() != null) {
                r.worker().tell(new Worker.Stop(finishing ? "query already ended" : "superseded attempt"));
            }
            return this;
        }
        if (r.worker() == null) {
            // No free slot there: try the next host; once every host said no, wait a little and go round again
            // (slots free up as other queries end), until the TaskStartTimeout.
            int attempt = startAttempts.get(r.workerNumber()) + 1;
            startAttempts.set(r.workerNumber(), attempt);
            if (attempt % workerHostRefs.size() == 0) {
                timers.startSingleTimer(new RetryStart(r.workerNumber(), r.attempt()),
                        new RetryStart(r.workerNumber(), r.attempt()), Duration.ofMillis(250));
            } else {
                askToStart(r.workerNumber());
            }
            return this;
        }
        int n = r.workerNumber();
        workers.set(n, r.worker());
        workerHosts.set(n, r.host());
        ctx.watchWith(r.worker(), new WorkerGone(n, r.attempt()));
        report.workerStarted(n, workerId(n), r.host(), cc.clock().millis());
        if (r.attempt() > 0) {
            // A relaunched worker: its pending work follows below.
            timers.cancel(new RelaunchTimeout(n, r.attempt()));
            kernel.onWorkerRelaunched(n);
            ctx.getLog().info("Task {}: worker {} relaunched on {}", taskId, workerId(n), r.host());
        }
        if (!workers.contains(null)) {
            if (report.startMillis() == null) {
                timers.cancel(StartTimeout.class);
                report.started(cc.clock().millis());
            }
            advance();
        }
        return this;
    }

    private Behavior<Command> onStartTimeout(StartTimeout msg) {
        if (workerHostRefs.isEmpty()) {
            return fail(Faults.unknownError("No worker nodes are available to run the query (waited "
                    + cc.workerStartTimeout().toSeconds() + " seconds)"), null);
        }
        if (workers.contains(null) && report.startMillis() == null) {
            return fail(startTimeout(workers.stream().filter(java.util.Objects::isNull).count()), null);
        }
        return this;
    }

    private Behavior<Command> onRelaunchTimeout(RelaunchTimeout msg) {
        if (workers.get(msg.worker()) == null && msg.attempt() == kernel.workerAttempt(msg.worker())) {
            return fail(startTimeout(1), null);
        }
        return this;
    }

    private Fault startTimeout(long pending) {
        return new Fault(
                "TaskStartTimeout",
                "Unable to launch " + pending + " worker tasks within " + cc.workerStartTimeout().toSeconds()
                        + " seconds. There might be insufficient available slots to start all worker tasks"
                        + " simultaneously.",
                Map.of("pendingTasks", pending, "totalTasks", workers.size() + 1, "timeout",
                        cc.workerStartTimeout().toMillis()));
    }

    // ---- stage progression ----------------------------------------------------------------------------------

    private void advance() {
        if (finishing) {
            return;
        }
        for (int stage : kernel.stagesReadyToFinish()) {
            kernel.finishStage(stage);
            for (ActorRef<Worker.Command> w : workers) {
                if (w != null) {
                    w.tell(new Worker.CleanupStage(stage));
                }
            }
        }
        // Work orders to send again after a lost worker, once it is back and their inputs are complete.
        for (ControllerQueryKernel.OrderToIssue o : kernel.ordersToIssue()) {
            WorkOrder order = rebind(orders.get(o.stage()).get(o.worker()));
            int generation = kernel.issueOrder(o.stage(), o.worker(), cc.clock().millis());
            workers.get(o.worker()).tell(new Worker.RunWorkOrder(order, generation));
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

    /** The order with its upstream pieces pointing at the current attempt of each upstream worker. */
    private WorkOrder rebind(WorkOrder order) {
        List<InputSlice> inputs = new ArrayList<>();
        for (InputSlice in : order.inputs()) {
            if (in instanceof InputSlice.Stage st) {
                List<List<PartitionSource>> parts = new ArrayList<>();
                for (List<PartitionSource> pieces : st.partitions()) {
                    List<PartitionSource> now = new ArrayList<>();
                    for (PartitionSource p : pieces) {
                        now.add(p.withWorker(kernel.workerAttempt(p.workerNumber()), workers.get(p.workerNumber())));
                    }
                    parts.add(now);
                }
                inputs.add(new InputSlice.Stage(st.stage(), st.signature(), st.sortKey(), parts));
            } else {
                inputs.add(in);
            }
        }
        return new WorkOrder(order.queryId(), order.workerNumber(), order.stage(), inputs, order.context(),
                order.segmentVersion());
    }

    private Behavior<Command> onSlicesReady(SlicesReady msg) {
        if (finishing) {
            return this;
        }
        if (msg.error() != null) {
            return fail(StageFaults.fromThrowable(msg.error(), "planning input of stage " + msg.stage()), msg.stage());
        }
        if (kernel.hasPendingRelaunch()) {
            // A worker was lost while the orders were prepared: prepare them again once it is back.
            slicing.remove(msg.stage());
            return this;
        }
        orders.put(msg.stage(), List.copyOf(msg.orders()));
        kernel.startStage(msg.stage(), msg.orders().size(), cc.clock().millis());
        report.stageStarted(msg.stage(), msg.orders().size(), cc.clock().millis());
        for (WorkOrder order : msg.orders()) {
            int generation = kernel.generation(msg.stage(), order.workerNumber());
            workers.get(order.workerNumber()).tell(new Worker.RunWorkOrder(rebind(order), generation));
        }
        return this;
    }

    /** True when a worker's report is about its current attempt and current run of the stage. */
    private boolean isCurrent(int stage, int worker, int attempt, int generation) {
        return attempt == kernel.workerAttempt(worker)
                && workers.get(worker) != null
                && kernel.isCurrentOrder(stage, worker, generation);
    }

    private Behavior<Command> onKeyStatistics(WorkerKeyStatistics msg) {
        if (finishing || !isCurrent(msg.stage(), msg.worker(), msg.attempt(), msg.generation())) {
            return this;
        }
        report.counters(msg.stage(), msg.worker(), msg.counters());
        try {
            java.util.Optional<PartitionBoundaries> known =
                    kernel.onKeyStatistics(msg.stage(), msg.worker(), msg.generation(), msg.statistics());
            // A re-run joining a stage whose boundaries were set before the loss gets them at once.
            known.ifPresent(b -> workers.get(msg.worker()).tell(
                    new Worker.PostBoundaries(msg.stage(), msg.generation(), b)));
            for (int stage : kernel.stagesNeedingBoundaries()) {
                PartitionBoundaries b = kernel.boundaries(stage).orElseThrow();
                kernel.setPartitionCount(stage, b.partitionCount());
                for (int w = 0; w < kernel.workerCount(stage); w++) {
                    if (workers.get(w) != null) {
                        workers.get(w).tell(new Worker.PostBoundaries(stage, kernel.generation(stage, w), b));
                    }
                }
            }
        } catch (FaultException e) {
            return fail(e.fault(), msg.stage());
        }
        return this;
    }

    private Behavior<Command> onResultsReady(WorkerResultsReady msg) {
        if (finishing || !isCurrent(msg.stage(), msg.worker(), msg.attempt(), msg.generation())) {
            return this;
        }
        report.counters(msg.stage(), msg.worker(), msg.counters());
        report.warnings(msg.warnings());
        segments.put(new StageWorker(msg.stage(), msg.worker()), List.copyOf(msg.segments()));
        kernel.onResultsReady(msg.stage(), msg.worker(), msg.generation(), cc.clock().millis());
        if (kernel.phase(msg.stage()).hasResults()) {
            report.stageResultsReady(msg.stage(), kernel.partitionCount(msg.stage()), cc.clock().millis());
        }
        advance();
        return this;
    }

    private Behavior<Command> onWorkerFailed(WorkerFailed msg) {
        if (!isCurrent(msg.stage(), msg.worker(), msg.attempt(), msg.generation())) {
            return this; // about a run that was replaced or abandoned
        }
        if (msg.upstreamWorker() >= 0) {
            // It could not read from another worker: that one is lost (or is about to be found so). Without fault
            // tolerance the query fails naming that worker rather than its reader.
            int u = msg.upstreamWorker();
            String id = taskId + "-worker" + u + "_" + msg.upstreamAttempt();
            return onLost(u, msg.upstreamAttempt(), Faults.workerRpcFailed(id));
        }
        return fail(msg.fault(), msg.stage(), msg.workerId());
    }

    private Behavior<Command> onWorkerGone(WorkerGone msg) {
        if (report.isPersisting() || msg.attempt() != kernel.workerAttempt(msg.worker())) {
            return this;
        }
        String id = workerId(msg.worker());
        return onLost(msg.worker(), msg.attempt(), Faults.workerFailed(id, "Worker " + id + " on "
                + workerHosts.get(msg.worker()) + " stopped unexpectedly"));
    }

    private Behavior<Command> onNodeLost(NodeLost msg) {
        lostNodes.add(msg.address());
        if (report.isPersisting()) {
            return this;
        }
        for (int i = 0; i < workers.size(); i++) {
            ActorRef<Worker.Command> w = workers.get(i);
            if (w != null && w.path().address().toString().equals(msg.address())) {
                String id = workerId(i);
                onLost(i, kernel.workerAttempt(i), Faults.workerFailed(id, "Worker " + id + " on "
                        + workerHosts.get(i) + " (" + msg.address() + ") is lost: its node " + msg.how()));
                if (kernel.failure().isPresent()) {
                    break;
                }
            }
        }
        return this;
    }

    /**
     * A worker is lost: the kernel decides. Without fault tolerance (or past the relaunch limits) the query
     * fails; otherwise the worker is started again elsewhere and the work the kernel marked is sent again.
     */
    private Behavior<Command> onLost(int worker, int attempt, Fault why) {
        String id = taskId + "-worker" + worker + "_" + attempt;
        ControllerQueryKernel.LossDecision d = kernel.onWorkerLost(worker, attempt, id, why);
        if (d instanceof ControllerQueryKernel.LossDecision.Fail f) {
            return fail(f.fault(), null, id);
        }
        if (d instanceof ControllerQueryKernel.LossDecision.Relaunch r) {
            StringBuilder rerun = new StringBuilder();
            for (ControllerQueryKernel.OrderToIssue o : kernel.pendingOrders()) {
                rerun.append(rerun.length() == 0 ? "" : ", ").append("stage ").append(o.stage())
                        .append(" worker ").append(o.worker());
            }
            ctx.getLog().warn("Task {}: worker {} lost ({}); relaunching it as attempt {}; to run again: [{}]",
                    taskId, id, why.errorMessage(), r.attempt(), rerun);
            ActorRef<Worker.Command> old = workers.get(worker);
            if (old != null) {
                ctx.unwatch(old);
                old.tell(new Worker.Stop("lost; relaunched")); // in case it is alive after all
            }
            workers.set(worker, null);
            report.workerLost(worker, cc.clock().millis());
            if (finishing && !report.isPersisting() && !kernel.finalStageHasResults()) {
                finishing = false; // the final stage's output is being re-run: fetch it again after
                finalizeRound++;
            }
            startAttempts.set(worker, startAttempts.get(worker) + 1); // begin with the next host
            askToStart(worker);
            timers.startSingleTimer(new RelaunchTimeout(worker, r.attempt()), new RelaunchTimeout(worker, r.attempt()),
                    cc.workerStartTimeout());
        }
        return this;
    }

    private Behavior<Command> onRefused(Refused msg) {
        return fail(msg.fault(), null);
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
        List<GeneratedSegment> published = new ArrayList<>();
        segments.values().forEach(published::addAll);
        if (spec.isIngestion()) {
            f = CompletableFuture.supplyAsync(
                    () -> {
                        new SegmentPublisher(cc.metadata(), spec).publish(published, cc.segmentVersion(report));
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
            List<Integer> attempts = new ArrayList<>();
            for (int w = 0; w < workers.size(); w++) {
                attempts.add(kernel.workerAttempt(w));
            }
            f = new ResultFetcher(ctx.getSystem(), spec, kernel.partitionCount(last), List.copyOf(workers), attempts,
                            last, cc.maxResultRows())
                    .fetch(cc.blocking(), kernel.workerCount(last));
        }
        int round = finalizeRound;
        ctx.pipeToSelf(f, (rows, err) -> new Finalized(round, rows, err));
    }

    private Behavior<Command> onFinalized(Finalized msg) {
        if (kernel.failure().isPresent() || msg.round() != finalizeRound) {
            return this; // failed meanwhile, or a worker holding the final output was lost and is being re-run
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
        if (workersStopped) {
            return; // once: a second Stop would reach stopped workers as dead letters
        }
        workersStopped = true;
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
        endStatus = status;
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
        if (!"SUCCESS".equals(endStatus) && spec.isIngestion()) {
            removeUnpublishedSegments();
        }
        stopWorkers("query ended");
        cc.onFinished().accept(taskId);
        return Behaviors.stopped();
    }

    /** A failed ingestion's pushed segments: their files go, unless a recorded segment names them. */
    private void removeUnpublishedSegments() {
        List<String> pushed = new ArrayList<>();
        segments.values().forEach(list -> list.forEach(g -> pushed.add(g.loadSpecPath())));
        if (pushed.isEmpty() || !(spec.destination() instanceof Destination.DataSource dest)) {
            return;
        }
        org.slf4j.Logger log = ctx.getLog();
        CompletableFuture.runAsync(() -> {
            try {
                int n = UnpublishedSegments.delete(cc.metadata(), cc.deepStorage(), dest.dataSource(), pushed);
                log.info("Task {}: removed {} unpublished segment file(s) from deep storage", taskId, n);
            } catch (RuntimeException e) {
                log.warn("Task {}: could not remove its unpublished segment files", taskId, e);
            }
        }, cc.blocking());
    }

    private Behavior<Command> onPostStop() {
        stopWorkers("controller stopped");
        return this;
    }
}
