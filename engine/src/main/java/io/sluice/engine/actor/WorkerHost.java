package io.sluice.engine.actor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.sluice.engine.worker.WorkerResources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One per node with the {@code worker} role: advertises the node's worker slots through the Receptionist and spawns
 * {@link Worker}s for controllers while slots are free.
 */
public final class WorkerHost extends AbstractBehavior<WorkerHost.Command> {
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "sluice-worker-host");

    public sealed interface Command extends CborSerializable {}

    /** Start worker {@code workerNumber} of a task; {@code attempt} is 0, or the relaunch number under fault tolerance. */
    public record StartWorker(
            String taskId,
            int workerNumber,
            int attempt,
            ActorRef<Controller.Command> controller,
            ActorRef<StartWorkerReply> replyTo)
            implements Command {}

    /** Reply to {@link StartWorker}: the worker, or null with {@code reason} when the node has no free slot. */
    public record StartWorkerReply(
            int workerNumber, int attempt, ActorRef<Worker.Command> worker, String host, String reason)
            implements CborSerializable {}

    public record GetCapacity(ActorRef<Capacity> replyTo) implements Command {}

    /** A node's worker capacity and the tasks using it, for {@code GET /druid/indexer/v1/workers}. */
    public record Capacity(String host, int capacity, int used, List<String> runningTasks, String lastCompletedTaskTime)
            implements CborSerializable {}

    private record WorkerStopped(String taskId, ActorRef<Worker.Command> worker) implements Command {}

    private final ActorContext<Command> ctx;
    private final WorkerResources resources;
    private final int capacity;
    private final String host;
    private final Map<ActorRef<Worker.Command>, String> running = new HashMap<>();
    private String lastCompleted;

    public static Behavior<Command> create(WorkerResources resources, int capacity, String host) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return new WorkerHost(ctx, resources, capacity, host);
        });
    }

    private WorkerHost(ActorContext<Command> ctx, WorkerResources resources, int capacity, String host) {
        super(ctx);
        this.ctx = ctx;
        this.resources = resources;
        this.capacity = capacity;
        this.host = host;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StartWorker.class, this::onStartWorker)
                .onMessage(GetCapacity.class, this::onGetCapacity)
                .onMessage(WorkerStopped.class, this::onWorkerStopped)
                .build();
    }

    private Behavior<Command> onStartWorker(StartWorker msg) {
        if (running.size() >= capacity) {
            msg.replyTo().tell(new StartWorkerReply(
                    msg.workerNumber(), msg.attempt(), null, host, "no free worker slot on " + host));
            return this;
        }
        String name = "worker-" + msg.taskId() + "-" + msg.workerNumber() + "_" + msg.attempt();
        ActorRef<Worker.Command> w = ctx.spawn(
                Worker.create(msg.taskId(), msg.workerNumber(), msg.attempt(), msg.controller(), resources),
                name.replaceAll("[^A-Za-z0-9_\\-]", "_"));
        ctx.watchWith(w, new WorkerStopped(msg.taskId(), w));
        running.put(w, msg.taskId());
        msg.replyTo().tell(new StartWorkerReply(msg.workerNumber(), msg.attempt(), w, host, null));
        return this;
    }

    private Behavior<Command> onGetCapacity(GetCapacity msg) {
        List<String> tasks = new ArrayList<>(new java.util.TreeSet<>(running.values()));
        msg.replyTo().tell(new Capacity(host, capacity, running.size(), tasks, lastCompleted));
        return this;
    }

    private Behavior<Command> onWorkerStopped(WorkerStopped msg) {
        running.remove(msg.worker());
        lastCompleted = java.time.Instant.ofEpochMilli(System.currentTimeMillis()).toString();
        return this;
    }
}
