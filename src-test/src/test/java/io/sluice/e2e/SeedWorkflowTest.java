package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.sluice.engine.storage.TaskHeader;
import io.sluice.node.SluiceNode;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed page's workflow against a real node over HTTP, as a Druid user would run it: submit an ingestion of the
 * wikipedia sample (through the {@code http} and the {@code local} input sources), poll its status, read its report,
 * query the new datasource, cancel a running task, make mistakes, and restart the node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedWorkflowTest {
    static final int SAMPLE_ROWS = 39_244;

    static final String SIGNATURE = "[{\"name\": \"time\", \"type\": \"string\"}, {\"name\": \"channel\", \"type\": \"string\"},"
            + " {\"name\": \"cityName\", \"type\": \"string\"}, {\"name\": \"comment\", \"type\": \"string\"},"
            + " {\"name\": \"countryIsoCode\", \"type\": \"string\"}, {\"name\": \"countryName\", \"type\": \"string\"},"
            + " {\"name\": \"isAnonymous\", \"type\": \"string\"}, {\"name\": \"isMinor\", \"type\": \"string\"},"
            + " {\"name\": \"isNew\", \"type\": \"string\"}, {\"name\": \"isRobot\", \"type\": \"string\"},"
            + " {\"name\": \"isUnpatrolled\", \"type\": \"string\"}, {\"name\": \"metroCode\", \"type\": \"long\"},"
            + " {\"name\": \"namespace\", \"type\": \"string\"}, {\"name\": \"page\", \"type\": \"string\"},"
            + " {\"name\": \"regionIsoCode\", \"type\": \"string\"}, {\"name\": \"regionName\", \"type\": \"string\"},"
            + " {\"name\": \"user\", \"type\": \"string\"}, {\"name\": \"delta\", \"type\": \"long\"},"
            + " {\"name\": \"added\", \"type\": \"long\"}, {\"name\": \"deleted\", \"type\": \"long\"}]";

    static final String COLUMNS = "channel, cityName, comment, countryIsoCode, countryName, isAnonymous, isMinor, isNew,"
            + " isRobot, isUnpatrolled, metroCode, namespace, page, regionIsoCode, regionName, \"user\", delta, added,"
            + " deleted";

    @TempDir
    static Path temp;

    static Path dataDir;
    static Path sample;
    static SluiceNode node;
    static SluiceClient client;
    static HttpServer files;
    static String httpIngestTaskId;

    @BeforeAll
    static void start() throws Exception {
        dataDir = temp.resolve("var");
        sample = TestNodes.wikipediaSample(temp.resolve("input"));
        node = TestNodes.start(dataDir);
        client = new SluiceClient(node.httpPort());
        files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        files.createContext("/wikiticker.json.gz", ex -> {
            byte[] body = Files.readAllBytes(sample);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        // Serves the sample very slowly, so that a task reading it is still running when we cancel it.
        TestNodes.serveSlowly(files, "/slow.json.gz", sample, 4096);
        files.start();
    }

    @AfterAll
    static void stop() {
        if (files != null) {
            files.stop(0);
        }
        if (node != null) {
            node.close();
        }
    }

    static String externHttp(String path) {
        return "TABLE(EXTERN('{\"type\": \"http\", \"uris\": [\"http://127.0.0.1:" + files.getAddress().getPort() + path
                + "\"]}', '{\"type\":\"json\"}', '" + SIGNATURE + "'))";
    }

    static String externLocal() {
        return "TABLE(EXTERN('{\"type\": \"local\", \"baseDir\": \"" + sample.getParent() + "\", \"filter\": \""
                + sample.getFileName() + "\"}', '{\"type\":\"json\"}', '" + SIGNATURE + "'))";
    }

    @Test
    @Order(1)
    void ingestsTheSampleThroughTheHttpInputSource() {
        String sql = "INSERT INTO wikipedia\nSELECT TIME_PARSE(\"time\") AS __time, " + COLUMNS + "\nFROM "
                + externHttp("/wikiticker.json.gz") + "\nPARTITIONED BY DAY";
        SluiceClient.Response submit = client.submit(sql, Map.of("maxNumTasks", 3));
        assertThat(submit.status()).isEqualTo(202);
        httpIngestTaskId = submit.json().get("taskId").asText();
        assertThat(httpIngestTaskId).startsWith("query-");
        assertThat(submit.json().get("state").asText()).isEqualTo("RUNNING");

        JsonNode status = client.await(httpIngestTaskId, Duration.ofSeconds(90));
        JsonNode report = client.report(httpIngestTaskId);
        assertThat(status.get("statusCode").asText()).as(report.toPrettyString()).isEqualTo("SUCCESS");
        assertThat(status.get("type").asText()).isEqualTo("query_controller");
        assertThat(status.get("dataSource").asText()).isEqualTo("wikipedia");
        assertThat(status.get("duration").asLong()).isGreaterThan(0);
        assertThat(status.get("errorMsg").isNull()).isTrue();

        JsonNode payload = report.at("/multiStageQuery/payload");
        assertThat(payload.at("/status/status").asText()).isEqualTo("SUCCESS");
        assertThat(payload.at("/stages/0/definition/processor/type").asText()).isEqualTo("scan");
        assertThat(payload.at("/stages/0/phase").asText()).isEqualTo("FINISHED");
        assertThat(payload.at("/stages/1/definition/processor/type").asText()).isEqualTo("segmentGenerator");
        long inputRows = 0;
        for (JsonNode worker : payload.at("/counters/0")) {
            inputRows += worker.at("/input0/rows/0").asLong();
        }
        assertThat(inputRows).isEqualTo(SAMPLE_ROWS);
        long pushed = 0;
        for (JsonNode worker : payload.at("/counters/1")) {
            pushed += worker.at("/segmentGenerationProgress/rowsPushed").asLong();
        }
        assertThat(pushed).isEqualTo(SAMPLE_ROWS);

        // SUCCESS means queryable: no wait, no retry.
        assertThat(client.select("SELECT COUNT(*) AS cnt FROM wikipedia").get(0).get(0).asLong())
                .isEqualTo(SAMPLE_ROWS);
    }

    @Test
    @Order(2)
    void groupByOrderByLimitOverTheNewDatasource() {
        JsonNode rows = client.select(
                "SELECT channel, COUNT(*) AS cnt, SUM(added) AS added FROM wikipedia GROUP BY 1 ORDER BY 2 DESC LIMIT 5");
        // The same rows Apache Druid 27 returned for this query over the same sample.
        assertThat(rows.toString())
                .isEqualTo("[[\"#en.wikipedia\",11549,3045299],[\"#vi.wikipedia\",9747,295972],"
                        + "[\"#de.wikipedia\",2523,522625],[\"#fr.wikipedia\",2099,642555],"
                        + "[\"#ru.wikipedia\",1386,640698]]");
        JsonNode filtered = client.select("SELECT page, added FROM wikipedia WHERE countryName = 'Australia'"
                + " AND added > 100 ORDER BY added DESC, page LIMIT 3");
        assertThat(filtered.size()).isEqualTo(3);
        assertThat(filtered.get(0).get(1).asLong()).isGreaterThanOrEqualTo(filtered.get(1).get(1).asLong());
    }

    @Test
    @Order(3)
    void ingestsTheSampleThroughTheLocalInputSourceWithTheSeedsSelectStar() {
        String sql = "INSERT INTO wiki_local\nSELECT TIME_PARSE(\"time\") AS __time, *\nFROM " + externLocal()
                + "\nPARTITIONED BY DAY";
        String id = client.submitOk(sql, Map.of());
        JsonNode status = client.await(id, Duration.ofSeconds(90));
        assertThat(status.get("statusCode").asText()).as(client.report(id).toPrettyString()).isEqualTo("SUCCESS");
        assertThat(client.select("SELECT COUNT(*), SUM(delta), COUNT(DISTINCT channel) FROM wiki_local").get(0)
                        .get(0)
                        .asLong())
                .isEqualTo(SAMPLE_ROWS);
        JsonNode segments = client.get("/druid/coordinator/v1/metadata/datasources/wiki_local/segments?full").json();
        assertThat(segments.size()).isEqualTo(1);
        assertThat(segments.get(0).get("interval").asText())
                .isEqualTo("2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z");
    }

    @Test
    @Order(4)
    void shutdownEndsARunningTaskWithinTwoSecondsAndCleansUp() {
        String sql = "REPLACE INTO wikipedia_shutdown OVERWRITE ALL\nSELECT TIME_PARSE(\"time\") AS __time, "
                + COLUMNS + "\nFROM " + externHttp("/slow.json.gz") + "\nPARTITIONED BY DAY";
        String id = client.submitOk(sql, Map.of());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!reading(id) && System.nanoTime() < deadline) {
            SluiceClient.sleep(50);
        }
        JsonNode running = client.status(id);
        assertThat(running.get("statusCode").asText()).isEqualTo("RUNNING");
        // answered from this node's live tasks, the same fields as the stored record gives
        assertThat(io.sluice.engine.actor.LiveTasks.get(node.system()).running(id)).isPresent();
        JsonNode stored = io.sluice.engine.task.TaskJson.status(
                node.metadata().findTaskHeader(id).orElseThrow(), true);
        assertThat(running.toString()).isEqualTo(stored.toString());
        JsonNode live = client.report(id);
        assertThat(live.at("/multiStageQuery/payload/status/status").asText()).isEqualTo("RUNNING");

        long t0 = System.nanoTime();
        SluiceClient.Response r = client.post("/druid/indexer/v1/task/" + id + "/shutdown", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("task").asText()).isEqualTo(id);
        JsonNode status = client.await(id, Duration.ofSeconds(2));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(tookMs).as("cancel took %d ms", tookMs).isLessThanOrEqualTo(2000);
        assertThat(status.get("statusCode").asText()).isEqualTo("FAILED");
        assertThat(status.get("errorMsg").asText()).startsWith("Canceled");
        assertThat(io.sluice.engine.actor.LiveTasks.get(node.system()).running(id)).isEmpty();
        JsonNode error = client.report(id).at("/multiStageQuery/payload/status/errorReport/error");
        assertThat(error.get("errorCode").asText()).isEqualTo("Canceled");
        assertThat(error.get("reason").asText()).isEqualTo("TASK_SHUTDOWN");

        // Workers stopped and their temp files are gone; the slot is free again.
        deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (Files.exists(dataDir.resolve("tmp").resolve(id)) && System.nanoTime() < deadline) {
            SluiceClient.sleep(50);
        }
        assertThat(dataDir.resolve("tmp").resolve(id)).doesNotExist();
        JsonNode workers = client.get("/druid/indexer/v1/workers").json();
        assertThat(workers.get(0).get("currCapacityUsed").asInt()).isZero();
        // Idempotent.
        assertThat(client.post("/druid/indexer/v1/task/" + id + "/shutdown", "").status()).isEqualTo(200);
        assertThat(client.status(id).get("statusCode").asText()).isEqualTo("FAILED");
    }

    private boolean reading(String id) {
        JsonNode counters = client.report(id).at("/multiStageQuery/payload/counters/0");
        return counters.isObject() && counters.size() > 0
                || client.report(id).at("/multiStageQuery/payload/stages/0/phase").asText().equals("READING_INPUT");
    }

    @Test
    @Order(5)
    void badInputGetsDruidErrors() {
        SluiceClient.Response syntax = client.submit("SELECT channel FROM wikipedia WHERE", Map.of());
        assertThat(syntax.status()).isEqualTo(400);
        assertThat(syntax.json().at("/error/errorCode").asText()).isEqualTo("invalidInput");
        assertThat(syntax.json().at("/error/errorMessage").asText()).startsWith("Received an unexpected token");
        assertThat(syntax.json().at("/error/context/line").asText()).isEqualTo("1");
        assertThat(syntax.json().get("state").asText()).isEqualTo("FAILED");

        SluiceClient.Response table = client.submit("SELECT * FROM no_such_table", Map.of());
        assertThat(table.status()).isEqualTo(400);
        assertThat(table.json().at("/error/errorMessage").asText())
                .isEqualTo("Object 'no_such_table' not found (line [1], column [15])");

        SluiceClient.Response column = client.submit("SELECT nosuchcol FROM wikipedia", Map.of());
        assertThat(column.status()).isEqualTo(400);
        assertThat(column.json().at("/error/errorMessage").asText())
                .isEqualTo("Column 'nosuchcol' not found in any table (line [1], column [8])");

        SluiceClient.Response noPartition = client.submit(
                "INSERT INTO t3 SELECT TIME_PARSE(\"time\") AS __time, channel FROM " + externLocal(), Map.of());
        assertThat(noPartition.status()).isEqualTo(400);
        assertThat(noPartition.json().at("/error/errorMessage").asText())
                .isEqualTo("Operation [INSERT] requires a PARTITIONED BY to be explicitly defined, but none was found.");

        SluiceClient.Response badExtern = client.submit("INSERT INTO t4 SELECT TIME_PARSE(\"time\") AS __time FROM "
                + "TABLE(EXTERN('{\"type\":\"local\", \"baseDir\": ', '{\"type\":\"json\"}', '" + SIGNATURE
                + "')) PARTITIONED BY DAY", Map.of());
        assertThat(badExtern.status()).isEqualTo(400);
        assertThat(badExtern.json().at("/error/errorMessage").asText())
                .startsWith("Invalid value for the field [inputSource]. Reason: [");

        SluiceClient.Response badContext = client.submit("SELECT 1", Map.of("maxNumTasks", "abc"));
        assertThat(badContext.status()).isEqualTo(400);
        assertThat(badContext.json().at("/error/errorMessage").asText())
                .isEqualTo("Expected key [maxNumTasks] to be in integer format, but got [abc]");

        assertThat(client.get("/druid/v2/sql/task").status()).isEqualTo(405);
        assertThat(client.post("/druid/v2/sql/task", "{not json").status()).isEqualTo(400);
        assertThat(client.get("/druid/indexer/v1/task/query-nope/status").status()).isEqualTo(404);
        assertThat(client.get("/druid/indexer/v1/task/query-nope/reports").status()).isEqualTo(404);

        String fixed = "fixed-" + System.nanoTime();
        assertThat(client.submit("SELECT 1 AS x", Map.of("sqlQueryId", fixed)).status()).isEqualTo(202);
        SluiceClient.Response dup = client.submit("SELECT 1 AS x", Map.of("sqlQueryId", fixed));
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.json().at("/error/errorMessage").asText()).contains("already exists");
        client.await("query-" + fixed, Duration.ofSeconds(30));
    }

    @Test
    @Order(6)
    void executionFaultsEndTheTaskFailedWithTheirCode() {
        String nullTime = nullTimeInsert("t_null_time");
        String id = client.submitOk(nullTime, Map.of());
        JsonNode status = client.await(id, Duration.ofSeconds(30));
        assertThat(status.get("statusCode").asText()).isEqualTo("FAILED");
        assertThat(client.report(id).at("/multiStageQuery/payload/status/errorReport/error/errorCode").asText())
                .isEqualTo("InsertTimeNull");

        String unparseable = "INSERT INTO t_parse SELECT TIME_PARSE(\"t\") AS __time, x FROM "
                + "TABLE(EXTERN('{\"type\":\"inline\",\"data\":\"{\\\"t\\\":\\\"2020-01-01\\\",\\\"x\\\":1}\\n{oops\"}',"
                + " '{\"type\":\"json\"}', '[{\"name\":\"t\",\"type\":\"string\"},{\"name\":\"x\",\"type\":\"long\"}]'))"
                + " PARTITIONED BY DAY";
        String id2 = client.submitOk(unparseable, Map.of());
        assertThat(client.await(id2, Duration.ofSeconds(30)).get("statusCode").asText()).isEqualTo("FAILED");
        JsonNode err = client.report(id2).at("/multiStageQuery/payload/status/errorReport/error");
        assertThat(err.get("errorCode").asText()).isEqualTo("CannotParseExternalData");
        assertThat(err.get("errorMessage").asText()).contains("Line: 2");

        // Refused at publish, after its segments were pushed: the files go too, nothing of it stays in deep storage.
        String tooMany = "INSERT INTO t_too_many SELECT TIME_PARSE(\"t\") AS __time, x FROM "
                + "TABLE(EXTERN('{\"type\":\"inline\",\"data\":\"{\\\"t\\\":\\\"2020-01-01\\\",\\\"x\\\":1}\\n"
                + "{\\\"t\\\":\\\"2020-01-01T01:00:00\\\",\\\"x\\\":2}\\n"
                + "{\\\"t\\\":\\\"2020-01-01T02:00:00\\\",\\\"x\\\":3}\"}',"
                + " '{\"type\":\"json\"}', '[{\"name\":\"t\",\"type\":\"string\"},{\"name\":\"x\",\"type\":\"long\"}]'))"
                + " PARTITIONED BY DAY";
        String id3 = client.submitOk(tooMany, Map.of("rowsPerSegment", 1, "maxNumSegments", 1));
        assertThat(client.await(id3, Duration.ofSeconds(30)).get("statusCode").asText()).isEqualTo("FAILED");
        assertThat(client.report(id3).at("/multiStageQuery/payload/status/errorReport/error/errorCode").asText())
                .isEqualTo("TooManySegmentsInTimeChunk");
        Path pushedDir = dataDir.resolve("deep-storage").resolve("t_too_many");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.exists(pushedDir) && System.nanoTime() < deadline) {
            SluiceClient.sleep(50);
        }
        assertThat(pushedDir).doesNotExist();

        String tolerated = client.submitOk(unparseable.replace("t_parse", "t_parse_ok"), Map.of("maxParseExceptions", 1));
        assertThat(client.await(tolerated, Duration.ofSeconds(30)).get("statusCode").asText()).isEqualTo("SUCCESS");
        assertThat(client.report(tolerated).at("/multiStageQuery/payload/status/warnings/0/error/errorCode").asText())
                .isEqualTo("CannotParseExternalData");
    }

    @Test
    @Order(7)
    void aRestartKeepsFinishedTasksAndData() throws Exception {
        JsonNode before = client.report(httpIngestTaskId);
        String interrupted = client.submitOk("INSERT INTO wikipedia_interrupted SELECT TIME_PARSE(\"time\") AS __time, "
                + COLUMNS + " FROM " + externHttp("/slow.json.gz") + " PARTITIONED BY DAY", Map.of());
        assertThat(client.status(interrupted).get("statusCode").asText()).isEqualTo("RUNNING");
        node.close();
        node = TestNodes.start(dataDir);
        client = new SluiceClient(node.httpPort());
        assertThat(client.status(httpIngestTaskId).get("statusCode").asText()).isEqualTo("SUCCESS");
        assertThat(client.report(httpIngestTaskId)).isEqualTo(before);
        // A task that was running when its node went away is FAILED, never left RUNNING.
        JsonNode lost = client.status(interrupted);
        assertThat(lost.get("statusCode").asText()).isEqualTo("FAILED");
        assertThat(lost.get("errorMsg").asText()).isNotBlank();
        assertThat(client.select("SELECT COUNT(*) FROM wikipedia").get(0).get(0).asLong()).isEqualTo(SAMPLE_ROWS);
        try (Stream<Path> leftovers = Files.exists(dataDir.resolve("tmp")) ? Files.list(dataDir.resolve("tmp"))
                : Stream.empty()) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    @Order(8)
    void aFilteredIngestCountsEveryRowItReadAndKeepsTheMatchingOnes() {
        // the filter and projection run on the file's parsing thread: the input counters still count every row read
        String sql = "INSERT INTO wiki_en\nSELECT TIME_PARSE(\"time\") AS __time, channel, page, added\nFROM "
                + externLocal() + "\nWHERE channel = '#en.wikipedia'\nPARTITIONED BY DAY";
        assertThat(ingestAndCountInputRows(sql)).isEqualTo(SAMPLE_ROWS);
        JsonNode rows = client.select("SELECT COUNT(*), SUM(added), COUNT(DISTINCT channel) FROM wiki_en");
        // the counts Apache Druid 27 returned for #en.wikipedia over the same sample (test 2)
        assertThat(rows.toString()).isEqualTo("[[11549,3045299,1]]");
    }

    @Test
    @Order(9)
    void aRollupIngestCombinesOnTheParsingThreadAndMatchesDruid() {
        // the pre-shuffle GROUP BY runs on the file's parsing thread: the groups still merge to Druid's figures
        String sql = "INSERT INTO wiki_rollup\nSELECT TIME_FLOOR(TIME_PARSE(\"time\"), 'PT1H') AS __time, channel,"
                + " COUNT(*) AS cnt, SUM(added) AS added\nFROM " + externLocal()
                + "\nGROUP BY 1, 2\nPARTITIONED BY DAY";
        assertThat(ingestAndCountInputRows(sql)).isEqualTo(SAMPLE_ROWS);
        JsonNode rows = client.select("SELECT channel, SUM(cnt), SUM(added) FROM wiki_rollup GROUP BY 1"
                + " ORDER BY 2 DESC LIMIT 2");
        // the figures Apache Druid 27 returned for the raw sample (test 2)
        assertThat(rows.toString()).isEqualTo("[[\"#en.wikipedia\",11549,3045299],[\"#vi.wikipedia\",9747,295972]]");
        assertThat(client.select("SELECT SUM(cnt) FROM wiki_rollup").get(0).get(0).asLong()).isEqualTo(SAMPLE_ROWS);
    }

    @Test
    @Order(10)
    void anEndedTaskAnswersFromMemoryWithTheTextItsStoredRecordGives() {
        String ok = client.submitOk("SELECT channel, COUNT(*) AS cnt FROM wikipedia GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
                Map.of());
        String failed = client.submitOk(nullTimeInsert("t_ended_null_time"), Map.of());
        for (String id : List.of(ok, failed)) {
            JsonNode status = client.await(id, Duration.ofSeconds(30));
            // kept on the node that ran it, after its record was stored
            io.sluice.engine.actor.LiveTasks live = io.sluice.engine.actor.LiveTasks.get(node.system());
            assertThat(live.header(id)).isPresent();
            assertThat(live.endedReport(id)).isPresent();
            TaskHeader stored = node.metadata().findTaskHeader(id).orElseThrow();
            assertThat(status.toString()).isEqualTo(io.sluice.engine.task.TaskJson.status(stored, false).toString());
            String storedReport = node.metadata().findReport(id).orElseThrow();
            assertThat(client.get("/druid/indexer/v1/task/" + id + "/reports").body())
                    .isEqualTo(io.sluice.engine.task.TaskJson.parse(storedReport).toString());
        }
        assertThat(client.status(ok).get("statusCode").asText()).isEqualTo("SUCCESS");
        assertThat(client.status(failed).get("statusCode").asText()).isEqualTo("FAILED");
        assertThat(client.status(failed).get("errorMsg").asText()).isNotBlank();
    }

    @Test
    @Order(11)
    void insertAppendsToTheDataAlreadyThereAndRefusesAnotherGranularity() {
        String insert = "INSERT INTO wiki_append\nSELECT TIME_PARSE(\"time\") AS __time, channel, page, added\nFROM "
                + externLocal() + "\nPARTITIONED BY ";
        for (int i = 0; i < 2; i++) {
            String id = client.submitOk(insert + "DAY", Map.of());
            assertThat(client.await(id, Duration.ofSeconds(90)).get("statusCode").asText()).isEqualTo("SUCCESS");
        }
        // Druid's INSERT appends: both copies are there, in one version of the day, numbered 0 and 1
        assertThat(client.select("SELECT COUNT(*), SUM(added) FROM wiki_append").get(0).get(0).asLong())
                .isEqualTo(2L * SAMPLE_ROWS);
        JsonNode segments = client.get("/druid/coordinator/v1/metadata/datasources/wiki_append/segments?full").json();
        assertThat(segments.size()).isEqualTo(2);
        assertThat(segments.get(0).get("version").asText()).isEqualTo(segments.get(1).get("version").asText());
        List<Integer> partitions = new java.util.ArrayList<>();
        segments.forEach(sg -> partitions.add(sg.at("/shardSpec/partitionNum").asInt()));
        assertThat(partitions).containsExactlyInAnyOrder(0, 1);

        // by hour into the day's data: refused at publish, as Druid does, and nothing of the table changes
        String hourly = client.submitOk(insert + "HOUR", Map.of());
        assertThat(client.await(hourly, Duration.ofSeconds(90)).get("statusCode").asText()).isEqualTo("FAILED");
        JsonNode err = client.report(hourly).at("/multiStageQuery/payload/status/errorReport/error");
        assertThat(err.get("errorCode").asText()).isEqualTo("InsertCannotAllocateSegment");
        assertThat(err.get("dataSource").asText()).isEqualTo("wiki_append");
        assertThat(err.get("allocatedInterval").asText())
                .isEqualTo("2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z");
        assertThat(err.get("errorMessage").asText()).contains("but got [2015-09-12T00:00:00.000Z/2015-09-13")
                .contains("for the INSERT to [DAY]");
        assertThat(client.select("SELECT COUNT(*) FROM wiki_append").get(0).get(0).asLong())
                .isEqualTo(2L * SAMPLE_ROWS);
    }

    /** An INSERT into {@code table} whose {@code __time} is NULL: it fails with InsertTimeNull as it runs. */
    private static String nullTimeInsert(String table) {
        return "INSERT INTO " + table + " SELECT TIME_PARSE(\"nosuch\") AS __time, channel FROM "
                + "TABLE(EXTERN('{\"type\":\"inline\",\"data\":\"{\\\"channel\\\":\\\"a\\\"}\"}', '{\"type\":\"json\"}',"
                + " '[{\"name\":\"channel\",\"type\":\"string\"},{\"name\":\"nosuch\",\"type\":\"string\"}]'))"
                + " PARTITIONED BY DAY";
    }

    /** Runs an ingestion to SUCCESS; the rows its first stage's workers read. */
    private static long ingestAndCountInputRows(String sql) {
        String id = client.submitOk(sql, Map.of("maxNumTasks", 2));
        JsonNode status = client.await(id, Duration.ofSeconds(90));
        JsonNode report = client.report(id);
        assertThat(status.get("statusCode").asText()).as(report.toPrettyString()).isEqualTo("SUCCESS");
        long inputRows = 0;
        for (JsonNode worker : report.at("/multiStageQuery/payload/counters/0")) {
            inputRows += worker.at("/input0/rows/0").asLong();
        }
        return inputRows;
    }
}
