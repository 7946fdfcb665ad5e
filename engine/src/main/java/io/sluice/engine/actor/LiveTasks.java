package io.sluice.engine.actor;

import static java.util.Objects.requireNonNull;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.sluice.engine.storage.TaskHeader;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks whose controllers run on this node (one {@link ActorSystem}), with the header their record was stored
 * with, so that a status poll on the node that runs the task answers at once: no metadata read, no ask of the
 * {@link TaskMaster}. The TaskMaster adds a task once its record is stored and its controller spawned, and removes it
 * once the controller has ended (after it stored the final status); a task found nowhere here takes the usual path.
 */
public final class LiveTasks implements Extension {
    private static final Id ID = new Id();

    private final ConcurrentHashMap<String, TaskHeader> tasks = new ConcurrentHashMap<>();

    private LiveTasks() {}

    /** The registry of {@code system}'s tasks. */
    public static LiveTasks get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    void add(TaskHeader running) {
        requireNonNull(running, "running is null");
        tasks.put(running.id(), running);
    }

    void remove(String taskId) {
        tasks.remove(taskId);
    }

    /** The stored header of a task whose controller runs on this node, if any. */
    public Optional<TaskHeader> running(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    private static final class Id extends ExtensionId<LiveTasks> {
        @Override
        public LiveTasks createExtension(ActorSystem<?> system) {
            return new LiveTasks();
        }
    }
}
