package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.planner.DruidSqlException;
import io.sluice.planner.SqlPlanner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory TaskService: tasks, reports, payloads and segments put in by the test; records calls. */
final class FakeTaskService implements TaskService {
    /** Arguments of a {@link #tasks} call. */
    record TasksCall(String state, String dataSource, Integer max) {}

    final FakePlanner planner = new FakePlanner();
    final Map<String, QuerySpec> submitted = new ConcurrentHashMap<>();
    final Map<String, JsonNode> statuses = new ConcurrentHashMap<>();
    final Map<String, JsonNode> reports = new ConcurrentHashMap<>();
    final Map<String, JsonNode> payloads = new ConcurrentHashMap<>();
    final List<JsonNode> taskList = new CopyOnWriteArrayList<>();
    final List<String> shutdowns = new CopyOnWriteArrayList<>();
    final List<TasksCall> tasksCalls = new CopyOnWriteArrayList<>();
    final Map<String, List<JsonNode>> segments = new ConcurrentHashMap<>();
    volatile JsonNode workers;
    volatile RuntimeException workersFailure;

    @Override
    public CompletionStage<String> submit(String taskId, QuerySpec spec) {
        if (submitted.putIfAbsent(taskId, spec) != null) {
            return CompletableFuture.failedFuture(new DruidSqlException(
                    "general",
                    "DEVELOPER",
                    "UNCATEGORIZED",
                    "org.apache.druid.rpc.HttpResponseException: Server error [400 Bad Request]; body: "
                            + "{\"error\":\"Task [" + taskId + "] already exists.\"}",
                    Map.of()));
        }
        return CompletableFuture.completedFuture(taskId);
    }

    @Override
    public CompletionStage<Optional<JsonNode>> status(String taskId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(statuses.get(taskId)));
    }

    @Override
    public CompletionStage<Optional<JsonNode>> report(String taskId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(reports.get(taskId)));
    }

    @Override
    public CompletionStage<Optional<JsonNode>> payload(String taskId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(payloads.get(taskId)));
    }

    @Override
    public CompletionStage<Void> shutdown(String taskId) {
        shutdowns.add(taskId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<JsonNode>> tasks(String state, String dataSource, Integer max) {
        tasksCalls.add(new TasksCall(state, dataSource, max));
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode t : taskList) {
            boolean stateMatches = state == null
                    || (state.equals("complete")
                            ? !t.path("statusCode").asText().equals("RUNNING")
                            : t.path("runnerStatusCode").asText().equals(state.toUpperCase(Locale.ROOT)));
            boolean dsMatches = dataSource == null || dataSource.equals(t.path("dataSource").asText());
            if (stateMatches && dsMatches && (max == null || out.size() < max)) {
                out.add(t);
            }
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<JsonNode> workers() {
        RuntimeException failure = workersFailure;
        return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(workers);
    }

    @Override
    public CompletionStage<List<String>> dataSources() {
        return CompletableFuture.completedFuture(List.copyOf(new TreeSet<>(segments.keySet())));
    }

    @Override
    public CompletionStage<List<JsonNode>> segments(String dataSource) {
        return CompletableFuture.completedFuture(segments.getOrDefault(dataSource, List.of()));
    }

    @Override
    public SqlPlanner planner() {
        return planner;
    }
}
