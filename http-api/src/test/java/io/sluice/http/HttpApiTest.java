package io.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.planner.DruidSqlException;
import io.sluice.planner.SqlParameter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drives a real server on 127.0.0.1 with a fake TaskService and compares bodies byte for byte with responses
 * captured from Druid (src/test/resources/druid-responses), where Sluice returns the same thing.
 */
class HttpApiTest {
    private static final String SQL_TASK = "/druid/v2/sql/task";

    private static ActorSystem<Void> system;
    private static ServerBinding binding;
    private static FakeTaskService service;
    private static HttpClient client;
    private static String base;

    @BeforeAll
    static void startServer() throws Exception {
        system = ActorSystem.create(Behaviors.empty(), "http-api-test");
        service = new FakeTaskService();
        binding = HttpApi.start(system, "127.0.0.1", 0, service).toCompletableFuture().get(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + binding.localAddress().getPort();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (binding != null) {
            binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- POST /druid/v2/sql/task

    @Test
    void submitAnswers202WithQueryPrefixedTaskIdThenDuplicateFailsLikeDruid() {
        String body = "{\"query\":\"SELECT 1 AS x\",\"context\":{\"sqlQueryId\":\"peer-fixed-id-1\"}}";

        HttpResponse<String> first = postJson(SQL_TASK, body);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(contentType(first)).isEqualTo("application/json");
        assertThat(first.body()).isEqualTo(fixture("107-fixed-sqlqueryid-submit"));
        assertThat(service.submitted).containsKey("query-peer-fixed-id-1");
        assertThat(service.submitted.get("query-peer-fixed-id-1").queryDefinition().queryId())
                .isEqualTo("peer-fixed-id-1");

        HttpResponse<String> second = postJson(SQL_TASK, body);
        assertThat(second.statusCode()).isEqualTo(500);
        assertThat(contentType(second)).isEqualTo("application/json");
        assertThat(second.body()).isEqualTo(fixture("108-fixed-sqlqueryid-duplicate-submit"));
    }

    @Test
    void submitWithoutSqlQueryIdUsesARandomUuidAndPassesContextAndParametersToThePlanner() {
        HttpResponse<String> response = postJson(SQL_TASK,
                "{\"query\":\"SELECT ?\",\"resultFormat\":\"array\",\"header\":true,"
                        + "\"context\":{\"maxNumTasks\":2,\"dropped\":null},"
                        + "\"parameters\":[{\"type\":\"VARCHAR\",\"value\":\"a.csv\"},"
                        + "{\"type\":\"BIGINT\",\"value\":7}]}");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode json = parse(response.body());
        assertThat(json.fieldNames()).toIterable().containsExactly("taskId", "state");
        assertThat(json.get("state").asText()).isEqualTo("RUNNING");
        String taskId = json.get("taskId").asText();
        assertThat(taskId).matches("query-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

        String queryId = taskId.substring("query-".length());
        FakePlanner.Call call = service.planner.calls.get(queryId);
        assertThat(call.sql()).isEqualTo("SELECT ?");
        assertThat(call.context()).containsEntry("maxNumTasks", 2).containsEntry("sqlQueryId", queryId)
                .doesNotContainKey("dropped");
        assertThat(call.parameters())
                .containsExactly(new SqlParameter("VARCHAR", "a.csv"), new SqlParameter("BIGINT", 7));
        assertThat(call.thread()).contains("blocking-io-dispatcher");
        assertThat(service.submitted).containsKey(taskId);
    }

    @Test
    void planningErrorIsTheFailedTaskEnvelopeWithTheBareQueryIdAndTheCategoryStatus() {
        service.planner.failOn("INSERT INTO t SELECT 1", DruidSqlException.invalidSqlInput(
                "Operation [INSERT] requires a PARTITIONED BY to be explicitly defined, but none was found."));

        HttpResponse<String> response = postJson(SQL_TASK, "{\"query\":\"INSERT INTO t SELECT 1\","
                + "\"context\":{\"sqlQueryId\":\"a96aea5e-0bfa-4496-a7c9-102130d051ce\"}}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(contentType(response)).isEqualTo("application/json");
        assertThat(response.body()).isEqualTo(fixture("53-err-missing-partitioned-by"));
        assertThat(service.submitted).doesNotContainKey("query-a96aea5e-0bfa-4496-a7c9-102130d051ce");
    }

    @Test
    void legacyErrorIsWrappedAsDruidDoesForABadContextValue() {
        service.planner.failOn("SELECT COUNT(*) FROM wikipedia", new DruidSqlException(
                "legacyQueryException",
                "OPERATOR",
                "INVALID_INPUT",
                "Expected key [maxNumTasks] to be in integer format, but got [abc]",
                Map.of(),
                "Query context parse failed",
                "org.apache.druid.query.BadQueryContextException"));

        HttpResponse<String> response = postJson(SQL_TASK, "{\"query\":\"SELECT COUNT(*) FROM wikipedia\","
                + "\"context\":{\"maxNumTasks\":\"abc\",\"sqlQueryId\":\"94ad748f-f578-4c54-b4e2-37aa07728e8a\"}}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo(fixture("103-err-context-bad-type"));
    }

    @Test
    void unexpectedPlanningExceptionIsA500GeneralErrorWithoutStackTrace() {
        service.planner.failOn("SELEC channel FROM wikipedia", new IllegalStateException(
                "Unable to parse the SQL, unrecognized error from calcite: "
                        + "[Non-query expression encountered in illegal context]"));

        HttpResponse<String> response = postJson(SQL_TASK, "{\"query\":\"SELEC channel FROM wikipedia\","
                + "\"context\":{\"sqlQueryId\":\"504162bc-6530-4db9-b46f-a0ccb1e21fc0\"}}");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo(fixture("50-err-bad-sql"));
    }

    @Test
    void errorCategoryDecidesTheStatus() {
        service.planner.failOn("SELECT * FROM sys.tasks", new DruidSqlException(
                "general", "USER", "UNSUPPORTED", "Not supported", Map.of("k", "v")));

        HttpResponse<String> response = postJson(SQL_TASK,
                "{\"query\":\"SELECT * FROM sys.tasks\",\"context\":{\"sqlQueryId\":\"unsupported-1\"}}");

        assertThat(response.statusCode()).isEqualTo(501);
        assertThat(response.body()).isEqualTo("{\"taskId\":\"unsupported-1\",\"state\":\"FAILED\",\"error\":{"
                + "\"error\":\"druidException\",\"errorCode\":\"general\",\"persona\":\"USER\","
                + "\"category\":\"UNSUPPORTED\",\"errorMessage\":\"Not supported\",\"context\":{\"k\":\"v\"}}}");
    }

    @Test
    void bodyThatIsNotJsonIsA400JacksonEnvelope() {
        HttpResponse<String> response = postJson(SQL_TASK, "{not json");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(contentType(response)).isEqualTo("application/json");
        assertSameEnvelope(response.body(), fixture("59-err-body-not-json"));
    }

    @Test
    void bodyWithoutQueryIsA400ValueInstantiationEnvelope() {
        HttpResponse<String> response = postJson(SQL_TASK, "{\"nope\": 1}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertSameEnvelope(response.body(), fixture("58-err-missing-query-field"));
        assertThat(parse(response.body()).get("errorMessage").asText())
                .startsWith("Cannot construct instance of `io.sluice.http.SqlTaskRequest`, problem: query\n"
                        + " at [Source: ")
                .endsWith("line: 1, column: 11]");
    }

    @Test
    void otherMethodsOnSqlTaskAre405WithAllowAndNoBody() {
        for (String method : List.of("GET", "PUT", "DELETE")) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri(SQL_TASK))
                    .method(method, HttpRequest.BodyPublishers.noBody()));
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).as(method).hasValue("POST,OPTIONS");
            assertThat(response.body()).as(method).isEmpty();
        }
        HttpResponse<String> get = get(SQL_TASK);
        assertThat(get.headers().firstValue("Cache-Control")).hasValue("no-cache, no-store, max-age=0");
        assertThat(get.headers().firstValue("Content-Security-Policy")).hasValue("frame-ancestors 'none'");

        HttpResponse<String> options = send(HttpRequest.newBuilder(uri(SQL_TASK))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(options.statusCode()).isEqualTo(200);
        assertThat(options.headers().firstValue("Allow")).hasValue("POST,OPTIONS");

        HttpResponse<String> getOnPostOnly = get("/druid/indexer/v1/task/x/shutdown");
        assertThat(getOnPostOnly.statusCode()).isEqualTo(405);
        assertThat(getOnPostOnly.headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void nonJsonContentTypeIs415() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(SQL_TASK))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"SELECT 1\"}")));

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(service.planner.calls.values()).noneMatch(c -> c.sql().equals("SELECT 1"));

        HttpResponse<String> withCharset = send(HttpRequest.newBuilder(uri(SQL_TASK))
                .header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"query\":\"SELECT 2\",\"context\":{\"sqlQueryId\":\"charset-1\"}}")));
        assertThat(withCharset.statusCode()).isEqualTo(202);
        assertThat(withCharset.body()).isEqualTo("{\"taskId\":\"query-charset-1\",\"state\":\"RUNNING\"}");
    }

    @Test
    void sqlTaskEnabled() {
        HttpResponse<String> response = get("/druid/v2/sql/task/enabled");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"enabled\":true}");
    }

    // ---------------------------------------------------------------- /druid/indexer/v1/task/{id}

    @Test
    void statusWrapsTheServiceStatusAndIs404ForAnUnknownTask() {
        JsonNode captured = parse(fixture("11-ingest-status-running-running"));
        String id = captured.get("task").asText();
        service.statuses.put(id, captured.get("status"));

        HttpResponse<String> found = get("/druid/indexer/v1/task/" + id + "/status");
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(contentType(found)).isEqualTo("application/json");
        assertThat(found.headers().firstValue("Cache-Control")).hasValue("no-cache, no-store, max-age=0");
        assertThat(found.body()).isEqualTo(fixture("11-ingest-status-running-running"));

        HttpResponse<String> missing = get("/druid/indexer/v1/task/no-such-task/status");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"task\":\"no-such-task\"}");
    }

    @Test
    void reportsPassThroughAndAre404TextForAnUnknownTask() {
        JsonNode report = parse(fixture("13-ingest-reports"));
        service.reports.put("query-with-report", report);

        HttpResponse<String> found = get("/druid/indexer/v1/task/query-with-report/reports");
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).isEqualTo(fixture("13-ingest-reports"));

        HttpResponse<String> missing = get("/druid/indexer/v1/task/no-such-task/reports");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(contentType(missing)).startsWith("text/plain");
        assertThat(missing.body()).isEqualTo("No task reports were found for this task. "
                + "The task may not exist, or it may not have begun yet.");
    }

    @Test
    void payloadWrapsTheServicePayloadAndIs404WithNullPayloadForAnUnknownTask() {
        JsonNode captured = parse(fixture("12-ingest-task-payload"));
        service.payloads.put(captured.get("task").asText(), captured.get("payload"));

        HttpResponse<String> found = get("/druid/indexer/v1/task/" + captured.get("task").asText());
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).isEqualTo(fixture("12-ingest-task-payload"));

        HttpResponse<String> missing = get("/druid/indexer/v1/task/no-such-task");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"task\":\"no-such-task\",\"payload\":null}");
    }

    @Test
    void shutdownAlwaysAnswers200WithTheTaskId() {
        String id = "query-0f7a3add-d7f9-48ae-9699-a320999fe202";

        HttpResponse<String> response = post("/druid/indexer/v1/task/" + id + "/shutdown");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(contentType(response)).isEqualTo("application/json");
        assertThat(response.body()).isEqualTo(fixture("42-shutdown-response"));
        assertThat(service.shutdowns).contains(id);

        HttpResponse<String> unknown = post("/druid/indexer/v1/task/no-such-task/shutdown");
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(unknown.body()).isEqualTo("{\"task\":\"no-such-task\"}");
    }

    @Test
    void statusOfATaskIdNeedingPercentEncodingIsDecoded() {
        service.statuses.put("query-a b", parse("{\"id\":\"query-a b\"}"));

        HttpResponse<String> response = get("/druid/indexer/v1/task/query-a%20b/status");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"task\":\"query-a b\",\"status\":{\"id\":\"query-a b\"}}");
    }

    // ---------------------------------------------------------------- task lists and bulk calls

    @Test
    void tasksListFiltersAndRejectsAnInvalidState() {
        loadTaskList();

        HttpResponse<String> byDataSource = get("/druid/indexer/v1/tasks?datasource=wikipedia");
        assertThat(byDataSource.statusCode()).isEqualTo(200);
        assertThat(byDataSource.body()).isEqualTo(fixture("17-tasks-list"));

        HttpResponse<String> controllers = get("/druid/indexer/v1/tasks?state=COMPLETE&max=5&type=query_controller");
        assertThat(controllers.statusCode()).isEqualTo(200);
        assertThat(parse(controllers.body())).hasSize(1);
        assertThat(parse(controllers.body()).get(0).get("type").asText()).isEqualTo("query_controller");
        assertThat(service.tasksCalls).contains(new FakeTaskService.TasksCall("complete", null, 5));

        HttpResponse<String> invalid = get("/druid/indexer/v1/tasks?state=bogus");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(contentType(invalid)).startsWith("text/plain");
        assertThat(invalid.body())
                .isEqualTo("Invalid task state[bogus]. Must be one of [pending, waiting, running, complete].");

        assertThat(get("/druid/indexer/v1/tasks?max=lots").statusCode()).isEqualTo(404);
    }

    @Test
    void tasksListFiltersOnCreatedTimeInterval() {
        loadTaskList();

        HttpResponse<String> window = get(
                "/druid/indexer/v1/tasks?datasource=wikipedia&createdTimeInterval=2026-11-24T16:04:55Z_2026-11-25");
        assertThat(window.statusCode()).isEqualTo(200);
        JsonNode tasks = parse(window.body());
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).get("type").asText()).isEqualTo("query_worker");

        assertThat(parse(get("/druid/indexer/v1/tasks?datasource=wikipedia&createdTimeInterval=2026-11-24_2026-11-25")
                        .body())).hasSize(2);
        assertThat(get("/druid/indexer/v1/tasks?createdTimeInterval=yesterday").statusCode()).isEqualTo(400);
    }

    @Test
    void taskListShortcutsAskForTheirState() {
        loadTaskList();

        assertThat(get("/druid/indexer/v1/runningTasks").body()).isEqualTo("[]");
        assertThat(get("/druid/indexer/v1/waitingTasks").body()).isEqualTo("[]");
        assertThat(get("/druid/indexer/v1/pendingTasks").body()).isEqualTo("[]");
        HttpResponse<String> complete = get("/druid/indexer/v1/completeTasks?n=1");
        assertThat(complete.statusCode()).isEqualTo(200);
        assertThat(parse(complete.body())).hasSize(1);
        assertThat(service.tasksCalls).contains(
                new FakeTaskService.TasksCall("running", null, null),
                new FakeTaskService.TasksCall("waiting", null, null),
                new FakeTaskService.TasksCall("pending", null, null),
                new FakeTaskService.TasksCall("complete", null, 1));
    }

    @Test
    void multiTaskStatusReturnsTaskStatusObjectsForKnownIdsOnly() {
        service.statuses.put("query-multi-1", parse(
                "{\"id\":\"query-multi-1\",\"statusCode\":\"FAILED\",\"status\":\"FAILED\",\"duration\":12,"
                        + "\"location\":{\"host\":\"127.0.0.1\",\"port\":8100,\"tlsPort\":-1},"
                        + "\"errorMsg\":\"Canceled: Query canceled due to task shutdown\"}"));

        HttpResponse<String> response = postJson("/druid/indexer/v1/taskStatus", "[\"query-multi-1\",\"nope\"]");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"query-multi-1\":{\"id\":\"query-multi-1\",\"status\":\"FAILED\","
                + "\"duration\":12,\"errorMsg\":\"Canceled: Query canceled due to task shutdown\","
                + "\"location\":{\"host\":\"127.0.0.1\",\"port\":8100,\"tlsPort\":-1}}}");

        HttpResponse<String> empty = postJson("/druid/indexer/v1/taskStatus", "");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(postJson("/druid/indexer/v1/taskStatus", "[]").statusCode()).isEqualTo(400);
        assertThat(postJson("/druid/indexer/v1/taskStatus", "{\"a\":1}").statusCode()).isEqualTo(400);
    }

    @Test
    void shutdownAllTasksStopsTheDataSourcesRunningTasksOr404() {
        service.taskList.add(parse("{\"id\":\"query-running-ds\",\"statusCode\":\"RUNNING\","
                + "\"runnerStatusCode\":\"RUNNING\",\"dataSource\":\"busy_ds\"}"));
        service.taskList.add(parse("{\"id\":\"query-done-ds\",\"statusCode\":\"SUCCESS\","
                + "\"runnerStatusCode\":\"NONE\",\"dataSource\":\"busy_ds\"}"));

        HttpResponse<String> response = post("/druid/indexer/v1/datasources/busy_ds/shutdownAllTasks");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"dataSource\":\"busy_ds\"}");
        assertThat(service.shutdowns).contains("query-running-ds").doesNotContain("query-done-ds");

        assertThat(post("/druid/indexer/v1/datasources/idle_ds/shutdownAllTasks").statusCode()).isEqualTo(404);
    }

    @Test
    void workersPassThrough() {
        service.workers = parse(fixture("01-workers"));

        HttpResponse<String> response = get("/druid/indexer/v1/workers");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(fixture("01-workers"));
    }

    // ---------------------------------------------------------------- status, coordinator, fallbacks

    @Test
    void healthAndStatus() {
        HttpResponse<String> health = get("/status/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(contentType(health)).isEqualTo("application/json");
        assertThat(health.body()).isEqualTo("true");

        HttpResponse<String> status = get("/status");
        assertThat(status.statusCode()).isEqualTo(200);
        JsonNode json = parse(status.body());
        assertThat(json.fieldNames()).toIterable().containsExactly("version", "modules", "memory");
        assertThat(json.get("version").asText()).isEqualTo("sluice-0.1.0");
        assertThat(json.get("modules").isArray()).isTrue();
        assertThat(json.get("memory").fieldNames()).toIterable()
                .containsExactlyElementsOf(() -> parse(fixture("00-status")).get("memory").fieldNames());
        assertThat(json.get("memory").get("maxMemory").asLong()).isPositive();
    }

    @Test
    void coordinatorDataSourcesSummaryAndSegments() {
        JsonNode segment = parse("{\"dataSource\":\"wikipedia\","
                + "\"interval\":\"2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z\","
                + "\"version\":\"2026-11-24T16:05:01.000Z\",\"shardSpec\":{\"type\":\"numbered\",\"partitionNum\":0},"
                + "\"size\":5469451}");
        service.segments.put("wikipedia", List.of(segment));

        assertThat(get("/druid/coordinator/v1/datasources").body()).isEqualTo("[\"wikipedia\"]");

        HttpResponse<String> summary = get("/druid/coordinator/v1/datasources/wikipedia");
        assertThat(summary.statusCode()).isEqualTo(200);
        assertThat(summary.body()).isEqualTo(fixture("16-coordinator-datasource"));

        HttpResponse<String> full = get("/druid/coordinator/v1/metadata/datasources/wikipedia/segments?full");
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(parse(full.body()).get(0)).isEqualTo(segment);

        HttpResponse<String> ids = get("/druid/coordinator/v1/metadata/datasources/wikipedia/segments");
        assertThat(ids.body()).isEqualTo("[\"wikipedia_2015-09-12T00:00:00.000Z_2015-09-13T00:00:00.000Z_"
                + "2026-11-24T16:05:01.000Z\"]");

        assertThat(get("/druid/coordinator/v1/loadstatus").body()).contains("\"wikipedia\":100.0");

        HttpResponse<String> unknown = get("/druid/coordinator/v1/datasources/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEmpty();
        assertThat(get("/druid/coordinator/v1/metadata/datasources/nope/segments?full").statusCode()).isEqualTo(404);
    }

    @Test
    void unknownPathIs404() {
        assertThat(get("/druid/v2/nothing-here").statusCode()).isEqualTo(404);
        assertThat(get("/druid/indexer/v1/task/x/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    void serviceFailureIsA500UnknownExceptionWithoutStackTrace() {
        service.workersFailure = new IllegalStateException("metadata store unavailable");
        try {
            HttpResponse<String> response = get("/druid/indexer/v1/workers");

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(contentType(response)).isEqualTo("application/json");
            assertThat(response.body())
                    .isEqualTo("{\"error\":\"Unknown exception\",\"errorMessage\":\"metadata store unavailable\"}");
        } finally {
            service.workersFailure = null;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void loadTaskList() {
        if (service.taskList.stream().noneMatch(t -> t.path("dataSource").asText().equals("wikipedia"))) {
            parse(fixture("17-tasks-list")).forEach(service.taskList::add);
        }
    }

    /** Same keys in the same order, same values, except the location suffix of Jackson's message. */
    private static void assertSameEnvelope(String actualBody, String expectedBody) {
        JsonNode actual = parse(actualBody);
        JsonNode expected = parse(expectedBody);
        assertThat(actual.fieldNames()).toIterable()
                .containsExactly("error", "errorMessage", "errorClass", "host");
        assertThat(actual.get("error")).isEqualTo(expected.get("error"));
        assertThat(actual.get("errorClass")).isEqualTo(expected.get("errorClass"));
        assertThat(actual.get("host").isNull()).isTrue();
        String expectedMessage = expected.get("errorMessage").asText();
        String messageHead = expectedMessage.substring(0, expectedMessage.indexOf("\n at [Source: "));
        String location = expectedMessage.substring(expectedMessage.indexOf("; line: "));
        String actualMessage = actual.get("errorMessage").asText();
        if (!messageHead.startsWith("Cannot construct instance of")) {
            assertThat(actualMessage).startsWith(messageHead + "\n at [Source: ");
        }
        assertThat(actualMessage).endsWith(location);
    }

    private static String fixture(String name) {
        try (InputStream in = HttpApiTest.class.getResourceAsStream("/druid-responses/" + name + ".json")) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return DruidJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private static URI uri(String path) {
        return URI.create(base + path);
    }

    private static HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private static HttpResponse<String> post(String path) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpResponse<String> postJson(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
