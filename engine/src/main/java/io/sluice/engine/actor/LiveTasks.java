package io.sluice.engine.actor;

import static java.util.Objects.requireNonNull;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.engine.storage.TaskHeader;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks whose controllers run on this node (one {@link ActorSystem}), with the header their record was stored
 * with, so that a status poll on the node that runs the task answers at once: no metadata read, no ask of the
 * {@link TaskMaster}. The TaskMaster adds a task once its record is stored and its controller spawned, and removes it
 * once the controller has ended; a task found nowhere here takes the usual path.
 *
 * <p>It also keeps the last tasks that ended here, as their final record was stored: the header and the report. A
 * client polls a task until it ends and then reads its report, often at once; these answer from memory instead of
 * reading the metadata store and parsing the stored report text. They are copies of what is stored, kept only after
 * the store took them, so either answer is the same. At most {@link #MAX_FINISHED} tasks and
 * {@link #MAX_FINISHED_REPORT_CHARS} characters of reports are kept; the oldest go first.
 */
public final class LiveTasks implements Extension {
    static final int MAX_FINISHED = 256;
    static final long MAX_FINISHED_REPORT_CHARS = 16L << 20;
    private static final Id ID = new Id();

    private final ConcurrentHashMap<String, TaskHeader> tasks = new ConcurrentHashMap<>();
    /** Guarded by itself; in the order the tasks ended. */
    private final LinkedHashMap<String, Finished> finished = new LinkedHashMap<>();
    private long finishedChars;

    private record Finished(TaskHeader header, JsonNode report, long chars) {}

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

    /**
     * Records a task's end as just stored: its final header and report ({@code reportChars} long as stored text). A
     * report larger than the whole budget is not kept; the header always is.
     */
    void ended(TaskHeader header, JsonNode report, long reportChars) {
        requireNonNull(header, "header is null");
        requireNonNull(report, "report is null");
        if ("RUNNING".equals(header.status())) {
            throw new IllegalArgumentException("Task [" + header.id() + "] has not ended");
        }
        boolean keepReport = reportChars <= MAX_FINISHED_REPORT_CHARS;
        synchronized (finished) {
            Finished old = finished.put(header.id(),
                    new Finished(header, keepReport ? report : null, keepReport ? reportChars : 0));
            if (old != null) {
                finishedChars -= old.chars();
            }
            finishedChars += keepReport ? reportChars : 0;
            Iterator<Finished> oldest = finished.values().iterator();
            while (finished.size() > MAX_FINISHED || finishedChars > MAX_FINISHED_REPORT_CHARS) {
                finishedChars -= oldest.next().chars();
                oldest.remove();
            }
        }
        tasks.remove(header.id());
    }

    /** The stored header of a task whose controller runs on this node, if any. */
    public Optional<TaskHeader> running(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    /** The header of a task that runs here or recently ended here, if any: as its stored record holds it. */
    public Optional<TaskHeader> header(String taskId) {
        TaskHeader live = tasks.get(taskId);
        if (live != null) {
            return Optional.of(live);
        }
        synchronized (finished) {
            Finished f = finished.get(taskId);
            return f == null ? Optional.empty() : Optional.of(f.header());
        }
    }

    /** The stored final report of a task that recently ended here, if still kept. Callers must not modify it. */
    public Optional<JsonNode> endedReport(String taskId) {
        synchronized (finished) {
            Finished f = finished.get(taskId);
            return f == null ? Optional.empty() : Optional.ofNullable(f.report());
        }
    }

    /** How many ended tasks are kept (for tests). */
    int endedCount() {
        synchronized (finished) {
            return finished.size();
        }
    }

    private static final class Id extends ExtensionId<LiveTasks> {
        @Override
        public LiveTasks createExtension(ActorSystem<?> system) {
            return new LiveTasks();
        }
    }
}
