package io.sluice.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.actor.LiveTasks;
import io.sluice.engine.actor.TaskMaster;
import io.sluice.engine.actor.WorkerHost;
import io.sluice.engine.json.Json;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.segment.DataSegment;
import io.sluice.engine.storage.MetadataStore;
import io.sluice.engine.storage.TaskHeader;
import io.sluice.engine.task.TaskJson;
import io.sluice.http.TaskService;
import io.sluice.planner.CalcitePlanner;
import io.sluice.planner.DruidSqlException;
import io.sluice.planner.SqlPlanner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The HTTP routes' view of the node: asks the TaskMaster singleton for live tasks, reads the rest from metadata. */
final class TaskServiceImpl implements TaskService {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ActorSystem<?> system;
    private final CompletableFuture<ActorRef<TaskMaster.Command>> taskMasterRef;
    private final MetadataStore metadata;
    private final Executor blocking;
    private final SqlPlanner planner;

    TaskServiceImpl(
            ActorSystem<?> system,
            CompletableFuture<ActorRef<TaskMaster.Command>> taskMaster,
            MetadataStore metadata,
            Executor blocking,
            List<Path> exportBaseDirs) {
        this.system = system;
        this.taskMasterRef = taskMaster;
        this.metadata = metadata;
        this.blocking = blocking;
        this.planner = new CalcitePlanner(metadata, exportBaseDirs);
    }

    /**
     * An ask's answer as a plain future whose continuations run on the thread that completes it. Akka's javadsl ask
     * answers with a future that runs even a plain {@code thenApply} asynchronously on the JDK's default executor,
     * and on a machine of two cores that executor starts a new thread for every continuation (the common pool has
     * fewer than two threads there): a thread started per submitted query, status poll and report. The
     * continuations here only map the answer, so they run where it arrives.
     */
    static <T> CompletableFuture<T> replied(CompletionStage<T> ask) {
        CompletableFuture<T> out = new CompletableFuture<>();
        ask.whenCompleteAsync((v, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(v);
            }
        }, Runnable::run);
        return out;
    }

    /** The singleton proxy; set while the node starts, right after the HTTP API binds. */
    private ActorRef<TaskMaster.Command> taskMaster() {
        return taskMasterRef.join();
    }

    @Override
    public SqlPlanner planner() {
        return planner;
    }

    @Override
    public CompletionStage<String> submit(String taskId, QuerySpec spec) {
        return replied(AskPattern.<TaskMaster.Command, TaskMaster.SubmitReply>ask(
                        taskMaster(), r -> new TaskMaster.Submit(taskId, spec, r), TIMEOUT, system.scheduler()))
                .thenApply(reply -> {
                    if (reply.error() != null) {
                        throw DruidSqlException.invalidInput(reply.error());
                    }
                    return taskId;
                });
    }

    private CompletionStage<Boolean> isRunning(String taskId) {
        return replied(AskPattern.<TaskMaster.Command, TaskMaster.RunningReply>ask(
                        taskMaster(), r -> new TaskMaster.IsRunning(taskId, r), TIMEOUT, system.scheduler()))
                .thenApply(TaskMaster.RunningReply::running)
                .exceptionally(e -> false);
    }

    private CompletionStage<Optional<TaskHeader>> find(String taskId) {
        return CompletableFuture.supplyAsync(() -> metadata.findTaskHeader(taskId), blocking);
    }

    private CompletionStage<Optional<String>> storedReport(String taskId) {
        return CompletableFuture.supplyAsync(() -> metadata.findReport(taskId), blocking);
    }

    @Override
    public CompletionStage<Optional<JsonNode>> status(String taskId) {
        // a task whose controller runs on this node, or that just ended here: answered from memory (polls are
        // frequent; they need no read)
        Optional<TaskHeader> here = LiveTasks.get(system).header(taskId);
        if (here.isPresent()) {
            return CompletableFuture.completedFuture(
                    Optional.of(TaskJson.status(here.get(), "RUNNING".equals(here.get().status()))));
        }
        return find(taskId).thenCompose(rec -> {
            if (rec.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            if (!"RUNNING".equals(rec.get().status())) {
                return CompletableFuture.completedFuture(Optional.of(TaskJson.status(rec.get(), false)));
            }
            return isRunning(taskId).thenApply(live -> Optional.of(TaskJson.status(rec.get(), live)));
        });
    }

    @Override
    public CompletionStage<Optional<JsonNode>> report(String taskId) {
        Optional<JsonNode> ended = LiveTasks.get(system).endedReport(taskId);
        if (ended.isPresent()) {
            return CompletableFuture.completedFuture(ended);
        }
        return storedReport(taskId).thenCompose(stored -> {
            if (stored.isPresent()) {
                return CompletableFuture.completedFuture(Optional.of(TaskJson.parse(stored.get())));
            }
            return replied(AskPattern.<TaskMaster.Command, TaskMaster.LiveReportReply>ask(
                            taskMaster(), r -> new TaskMaster.GetLiveReport(taskId, r), TIMEOUT, system.scheduler()))
                    .thenCompose(live -> {
                        if (live.report() != null) {
                            return CompletableFuture.completedFuture(Optional.of(live.report()));
                        }
                        // It may have just finished: read the stored report once more (empty for no such task).
                        return storedReport(taskId).thenApply(again -> again.map(TaskJson::parse));
                    });
        });
    }

    @Override
    public CompletionStage<Optional<JsonNode>> payload(String taskId) {
        return CompletableFuture.supplyAsync(() -> metadata.findPayload(taskId), blocking)
                .thenApply(p -> p.map(TaskJson::parse));
    }

    @Override
    public CompletionStage<Void> shutdown(String taskId) {
        return replied(AskPattern.<TaskMaster.Command, TaskMaster.ShutdownReply>ask(
                        taskMaster(), r -> new TaskMaster.Shutdown(taskId, r), TIMEOUT, system.scheduler()))
                .thenApply(r -> null);
    }

    @Override
    public CompletionStage<List<JsonNode>> tasks(String state, String dataSource, Integer max) {
        return CompletableFuture.supplyAsync(
                () -> {
                    String s = state == null ? null : state.toLowerCase(Locale.ROOT);
                    int limit = max == null ? 10_000 : max;
                    List<JsonNode> out = new ArrayList<>();
                    if ("waiting".equals(s) || "pending".equals(s)) {
                        return out;
                    }
                    for (TaskHeader t : metadata.listTaskHeaders(null, dataSource, 10_000)) {
                        boolean running = "RUNNING".equals(t.status());
                        if (("running".equals(s) && !running) || ("complete".equals(s) && running)) {
                            continue;
                        }
                        if (out.size() >= limit) {
                            break;
                        }
                        out.add(TaskJson.status(t, running));
                    }
                    return out;
                },
                blocking);
    }

    @Override
    public CompletionStage<JsonNode> workers() {
        return replied(AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                        system.receptionist(), r -> Receptionist.find(WorkerHost.KEY, r), TIMEOUT, system.scheduler()))
                .thenCompose(listing -> {
                    Set<ActorRef<WorkerHost.Command>> hosts = listing.getServiceInstances(WorkerHost.KEY);
                    List<CompletableFuture<WorkerHost.Capacity>> asks = new ArrayList<>();
                    for (ActorRef<WorkerHost.Command> h : hosts) {
                        asks.add(replied(AskPattern.<WorkerHost.Command, WorkerHost.Capacity>ask(
                                        h, WorkerHost.GetCapacity::new, TIMEOUT, system.scheduler()))
                                .toCompletableFuture());
                    }
                    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        ArrayNode arr = Json.MAPPER.createArrayNode();
                        for (CompletableFuture<WorkerHost.Capacity> f : asks) {
                            WorkerHost.Capacity c = f.join();
                            ObjectNode n = arr.addObject();
                            ObjectNode w = n.putObject("worker");
                            w.put("scheme", "http");
                            w.put("host", c.host());
                            w.put("ip", c.host().contains(":") ? c.host().substring(0, c.host().indexOf(':')) : c.host());
                            w.put("capacity", c.capacity());
                            w.put("version", "0");
                            w.put("category", "_default_worker_category");
                            n.put("currCapacityUsed", c.used());
                            n.put("currParallelIndexCapacityUsed", 0);
                            n.putArray("availabilityGroups");
                            ArrayNode rt = n.putArray("runningTasks");
                            c.runningTasks().forEach(rt::add);
                            if (c.lastCompletedTaskTime() == null) {
                                n.putNull("lastCompletedTaskTime");
                            } else {
                                n.put("lastCompletedTaskTime", c.lastCompletedTaskTime());
                            }
                            n.putNull("blacklistedUntil");
                        }
                        return (JsonNode) arr;
                    });
                });
    }

    @Override
    public CompletionStage<List<String>> dataSources() {
        return CompletableFuture.supplyAsync(() -> new ArrayList<>(new java.util.TreeSet<>(metadata.dataSources())),
                blocking);
    }

    @Override
    public CompletionStage<List<JsonNode>> segments(String dataSource) {
        return CompletableFuture.supplyAsync(
                () -> {
                    List<JsonNode> out = new ArrayList<>();
                    for (DataSegment s : metadata.usedSegments(dataSource)) {
                        out.add(s.toDruidJson(Json.MAPPER));
                    }
                    return out;
                },
                blocking);
    }
}
