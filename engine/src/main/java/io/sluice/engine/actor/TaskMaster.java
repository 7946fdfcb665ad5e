package io.sluice.engine.actor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.engine.fault.Fault;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.storage.DeepStorage;
import io.sluice.engine.storage.DuplicateTaskException;
import io.sluice.engine.storage.MetadataStore;
import io.sluice.engine.storage.TaskHeader;
import io.sluice.engine.storage.TaskRecord;
import io.sluice.engine.task.TaskJson;
import io.sluice.engine.task.TaskStore;
import io.sluice.engine.types.Intervals;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The task registry (a Cluster Singleton on an overlord node): records each task in the metadata store before it
 * answers the submit, spawns one {@link Controller} per task, routes live-report and shutdown requests to it, and
 * on start marks tasks left RUNNING by a previous life FAILED.
 */
public final class TaskMaster extends AbstractBehavior<TaskMaster.Command> {
    public sealed interface Command extends CborSerializable {}

    public record Submit(String taskId, QuerySpec spec, ActorRef<SubmitReply> replyTo) implements Command {}

    /** {@code error} is null when accepted; otherwise Druid's message (e.g. task already exists). */
    public record SubmitReply(String taskId, String error) implements CborSerializable {}

    public record GetLiveReport(String taskId, ActorRef<LiveReportReply> replyTo) implements Command {}

    /** {@code report} null when the task is not running here. */
    public record LiveReportReply(JsonNode report) implements CborSerializable {}

    public record IsRunning(String taskId, ActorRef<RunningReply> replyTo) implements Command {}

    public record RunningReply(boolean running) implements CborSerializable {}

    public record Shutdown(String taskId, ActorRef<ShutdownReply> replyTo) implements Command {}

    public record ShutdownReply(String taskId) implements CborSerializable {}

    private record Registered(TaskHeader header, QuerySpec spec, long createdMillis, ActorRef<SubmitReply> replyTo,
            Throwable error) implements Command {
        String taskId() {
            return header.id();
        }
    }

    private record ControllerEnded(String taskId) implements Command {}

    private record LiveReportFrom(String taskId, JsonNode report, ActorRef<LiveReportReply> replyTo)
            implements Command {}

    /** Local settings for building controllers (not serialisable; given at spawn). */
    public record Settings(
            MetadataStore metadata,
            Executor blocking,
            Clock clock,
            String host,
            int port,
            Duration workerStartTimeout,
            int maxPartitions,
            int maxResultRows,
            DeepStorage deepStorage) {}

    private final ActorContext<Command> ctx;
    private final Settings settings;
    private final Map<String, ActorRef<Controller.Command>> running = new HashMap<>();

    public static Behavior<Command> create(Settings settings) {
        return Behaviors.setup(ctx -> {
            List<String> orphaned = settings.metadata().failRunningTasks(
                    "UnknownError: Task was running on a node that stopped; it did not complete.");
            if (!orphaned.isEmpty()) {
                ctx.getLog().warn("Marked {} task(s) left RUNNING by a previous run as FAILED: {}",
                        orphaned.size(), orphaned);
            }
            return new TaskMaster(ctx, settings);
        });
    }

    private TaskMaster(ActorContext<Command> ctx, Settings settings) {
        super(ctx);
        this.ctx = ctx;
        this.settings = settings;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, this::onSubmit)
                .onMessage(Registered.class, this::onRegistered)
                .onMessage(GetLiveReport.class, this::onGetLiveReport)
                .onMessage(LiveReportFrom.class, this::onLiveReportFrom)
                .onMessage(IsRunning.class, this::onIsRunning)
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessage(ControllerEnded.class, this::onControllerEnded)
                .onSignal(PostStop.class, signal -> {
                    // the controllers stop with this actor: their tasks are no longer live here
                    running.keySet().forEach(LiveTasks.get(ctx.getSystem())::remove);
                    return this;
                })
                .build();
    }

    private Behavior<Command> onSubmit(Submit msg) {
        if (running.containsKey(msg.taskId())) {
            msg.replyTo().tell(new SubmitReply(msg.taskId(), "Task [" + msg.taskId() + "] already exists."));
            return this;
        }
        long created = settings.clock().millis();
        TaskHeader header = new TaskHeader(msg.taskId(), "query_controller", msg.spec().dataSource(),
                Intervals.formatInstant(created), "RUNNING", -1, null, settings.host(), settings.port());
        // The payload (the whole plan as JSON) is built on the blocking pool with the insert, not on this actor.
        CompletableFuture<Void> f = CompletableFuture.runAsync(
                () -> settings.metadata().insertTask(
                        TaskRecord.of(header, TaskJson.payload(msg.taskId(), msg.spec()).toString(), null)),
                settings.blocking());
        ctx.pipeToSelf(f, (v, err) -> new Registered(header, msg.spec(), created, msg.replyTo(), err));
        return this;
    }

    private Behavior<Command> onRegistered(Registered msg) {
        Throwable err = msg.error() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                ? ce.getCause()
                : msg.error();
        if (err instanceof DuplicateTaskException) {
            msg.replyTo().tell(new SubmitReply(msg.taskId(), "Task [" + msg.taskId() + "] already exists."));
            return this;
        }
        if (err != null) {
            ctx.getLog().error("Could not register task {}", msg.taskId(), err);
            msg.replyTo().tell(new SubmitReply(msg.taskId(), "Could not register task: " + err.getMessage()));
            return this;
        }
        ActorRef<Command> self = ctx.getSelf();
        TaskHeader started = msg.header();
        LiveTasks live = LiveTasks.get(ctx.getSystem());
        TaskStore store = (taskId, status, durationMs, fault, report) -> {
            String text = report.toString();
            settings.metadata().completeTask(taskId, status, durationMs, errorMsg(fault), text);
            // stored: status polls and the report read that follow answer from memory
            live.ended(new TaskHeader(taskId, started.type(), started.dataSource(), started.createdTime(), status,
                    durationMs, errorMsg(fault), started.locationHost(), started.locationPort()), report, text.length());
        };
        ControllerContext cc = new ControllerContext(
                settings.metadata(),
                store,
                settings.blocking(),
                settings.clock(),
                settings.host(),
                settings.workerStartTimeout(),
                settings.maxPartitions(),
                settings.maxResultRows(),
                settings.deepStorage(),
                taskId -> self.tell(new ControllerEnded(taskId)));
        ActorRef<Controller.Command> controller = ctx.spawn(
                Controller.create(msg.taskId(), msg.spec(), cc, msg.createdMillis()),
                "controller-" + msg.taskId().replaceAll("[^A-Za-z0-9_\\-]", "_"));
        ctx.watchWith(controller, new ControllerEnded(msg.taskId()));
        running.put(msg.taskId(), controller);
        LiveTasks.get(ctx.getSystem()).add(msg.header());
        msg.replyTo().tell(new SubmitReply(msg.taskId(), null));
        return this;
    }

    private static String errorMsg(Fault fault) {
        return fault == null ? null : fault.codeAndMessage();
    }

    private Behavior<Command> onGetLiveReport(GetLiveReport msg) {
        ActorRef<Controller.Command> c = running.get(msg.taskId());
        if (c == null) {
            msg.replyTo().tell(new LiveReportReply(null));
            return this;
        }
        ctx.ask(
                Controller.LiveReport.class,
                c,
                Duration.ofSeconds(5),
                Controller.GetLiveReport::new,
                (r, err) -> new LiveReportFrom(msg.taskId(), r == null ? null : r.report(), msg.replyTo()));
        return this;
    }

    private Behavior<Command> onLiveReportFrom(LiveReportFrom msg) {
        msg.replyTo().tell(new LiveReportReply(msg.report()));
        return this;
    }

    private Behavior<Command> onIsRunning(IsRunning msg) {
        msg.replyTo().tell(new RunningReply(running.containsKey(msg.taskId())));
        return this;
    }

    private Behavior<Command> onShutdown(Shutdown msg) {
        ActorRef<Controller.Command> c = running.get(msg.taskId());
        if (c != null) {
            c.tell(new Controller.Cancel("TASK_SHUTDOWN"));
        }
        msg.replyTo().tell(new ShutdownReply(msg.taskId()));
        return this;
    }

    private Behavior<Command> onControllerEnded(ControllerEnded msg) {
        LiveTasks.get(ctx.getSystem()).remove(msg.taskId());
        if (running.remove(msg.taskId()) != null) {
            // A controller that stopped without recording its end (it crashed) must not leave its task RUNNING.
            String taskId = msg.taskId();
            CompletableFuture.runAsync(
                    () -> settings.metadata().findTaskHeader(taskId)
                            .filter(t -> "RUNNING".equals(t.status()))
                            .ifPresent(t -> settings.metadata().updateTaskStatus(taskId, "FAILED", -1,
                                    "UnknownError: the query's controller stopped unexpectedly")),
                    settings.blocking());
        }
        return this;
    }
}
