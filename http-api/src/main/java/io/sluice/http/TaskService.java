package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.engine.plan.QuerySpec;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the HTTP routes need from the rest of the node. Implemented in cluster-config by asking the TaskMaster
 * singleton and the metadata store. All JSON returned is already in Druid's wire shape; the routes only wrap it.
 */
public interface TaskService {
    /**
     * Registers and starts the task {@code taskId} (= {@code "query-" + queryId}). Completes exceptionally with a
     * {@code io.sluice.planner.DruidSqlException} when the task id already exists or the cluster cannot take it.
     */
    CompletionStage<String> submit(String taskId, QuerySpec spec);

    /** The inner {@code status} object of GET .../status (id, groupId, type, createdTime, …), or empty if unknown. */
    CompletionStage<Optional<JsonNode>> status(String taskId);

    /** The whole report document {@code {"multiStageQuery": {...}}} (live or final), or empty if unknown. */
    CompletionStage<Optional<JsonNode>> report(String taskId);

    /** The task payload (the {@code payload} of GET /task/{id}), or empty if unknown. */
    CompletionStage<Optional<JsonNode>> payload(String taskId);

    /** Asks the task to stop (idempotent; a finished or unknown task is a no-op). Completes once recorded. */
    CompletionStage<Void> shutdown(String taskId);

    /**
     * TaskStatusPlus objects (same fields as the status object), newest first.
     *
     * @param state null, or one of running, complete, waiting, pending
     * @param dataSource null or a datasource to filter on
     * @param max null or the maximum number of complete tasks to return
     */
    CompletionStage<List<JsonNode>> tasks(String state, String dataSource, Integer max);

    /** GET /druid/indexer/v1/workers: one entry per worker node, Druid's shape. */
    CompletionStage<JsonNode> workers();

    /** Names of datasources with visible segments. */
    CompletionStage<List<String>> dataSources();

    /** Druid's full DataSegment JSON objects of the used segments of a datasource (empty list if none). */
    CompletionStage<List<JsonNode>> segments(String dataSource);

    /** The planner bound to the current catalog. */
    io.sluice.planner.SqlPlanner planner();
}
