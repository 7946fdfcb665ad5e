package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault tests with real processes: four nodes, each its own JVM, sharing an H2 metadata server and a deep storage
 * directory. A worker-only node killed with {@code kill -9} mid-query fails the query with {@code WorkerFailed}
 * naming the lost worker; the overlord's node killed mid-query hands the TaskMaster singleton to the other overlord,
 * which marks the task FAILED; a node stopped with SIGTERM leaves the cluster through CoordinatedShutdown. With
 * {@code faultTolerance: true} a killed worker node's worker is relaunched elsewhere and the query succeeds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeKillTest {
    @TempDir
    static Path temp;

    static Path config;
    static Server h2;
    static HttpServer files;
    static final List<NodeProcess> processes = new ArrayList<>();
    static NodeProcess a; // overlord, broker, worker: the seed and first singleton host
    static NodeProcess b; // overlord, broker, worker
    static NodeProcess c; // worker
    static NodeProcess d; // worker

    @BeforeAll
    static void start() throws Exception {
        Path sample = TestNodes.wikipediaSample(temp.resolve("sample"));
        // An H2 server of its own, as CLUSTER.md shows for one machine: a metadata store that outlives any node.
        h2 = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
        String jdbc = "jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/" + temp.resolve("metadata").resolve("metadata");
        config = temp.resolve("cluster.conf");
        // The documented example, with this test's metadata server, deep storage and quicker downing.
        Files.writeString(config, "include classpath(\"cluster-3node-example.conf\")\n"
                + ClusterNodes.sharedConfig(jdbc, temp.resolve("deep")));
        files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // Serves the sample very slowly: a task reading it is still running when a node is killed.
        TestNodes.serveSlowly(files, "/slow", sample, 2048);
        files.start();
        int seed = ClusterNodes.freePort();
        a = launch("a", seed, seed, "overlord,broker,worker", config);
        b = launch("b", seed, ClusterNodes.freePort(), "overlord,broker,worker", config);
        c = launch("c", seed, ClusterNodes.freePort(), "worker", config);
        d = launch("d", seed, ClusterNodes.freePort(), "worker", config);
        for (NodeProcess p : processes) {
            p.awaitUp(Duration.ofSeconds(60));
        }
        ClusterTest.awaitWorkers(a.client(), 4);
        ClusterTest.awaitWorkers(b.client(), 4);
    }

    static NodeProcess launch(String name, int seed, int port, String roles, Path config) throws IOException {
        NodeProcess p = NodeProcess.launch(name, temp.resolve(name), seed, port, roles, config);
        processes.add(p);
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        Path logs = Path.of("target", "node-kill-test-logs");
        Files.createDirectories(logs);
        for (NodeProcess p : processes) {
            p.close();
            Files.copy(p.log, logs.resolve(p.name + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (files != null) {
            files.stop(0);
        }
        if (h2 != null) {
            h2.stop();
        }
    }

    /** An ingestion reading three slow URIs, one per worker. */
    static String slowIngest(String table) {
        StringBuilder uris = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            uris.append(i == 0 ? "" : ", ").append("\"http://127.0.0.1:").append(files.getAddress().getPort())
                    .append("/slow").append(i).append(".json.gz\"");
        }
        return "INSERT INTO " + table + " SELECT TIME_PARSE(\"time\") AS __time, channel, page, added FROM "
                + "TABLE(EXTERN('{\"type\": \"http\", \"uris\": [" + uris + "]}', '{\"type\":\"json\"}', '"
                + SeedWorkflowTest.SIGNATURE + "')) PARTITIONED BY DAY";
    }

    /** Waits until the task's live report shows its workers, all started and reading. */
    static JsonNode awaitWorkersRunning(SluiceClient client, String id, int workers) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode report = null;
        while (System.nanoTime() < end) {
            report = client.report(id);
            JsonNode w = report.at("/multiStageQuery/payload/status/workers");
            if (w.size() == workers
                    && report.at("/multiStageQuery/payload/stages/0/phase").asText().equals("READING_INPUT")) {
                return report;
            }
            SluiceClient.sleep(100);
        }
        throw new AssertionError("workers of " + id + " not running within 30 s: " + report);
    }

    static String workerOn(JsonNode report, String host) {
        for (JsonNode w : report.at("/multiStageQuery/payload/status/workers")) {
            String desc = w.get(0).get("workerDesc").asText();
            if (desc.endsWith(" on " + host)) {
                return desc.substring(0, desc.indexOf(" on "));
            }
        }
        throw new AssertionError("no worker on " + host + " in " + report.at("/multiStageQuery/payload/status"));
    }

    static void assertNothingRunning(SluiceClient client) {
        assertThat(client.get("/druid/indexer/v1/tasks?state=running").json()).isEmpty();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode workers = null;
        while (System.nanoTime() < end) {
            workers = client.get("/druid/indexer/v1/workers").json();
            boolean idle = true;
            for (JsonNode w : workers) {
                idle &= w.get("currCapacityUsed").asInt() == 0;
            }
            if (idle) {
                return;
            }
            SluiceClient.sleep(100);
        }
        throw new AssertionError("worker slots still in use after 10 s: " + workers);
    }

    @Test
    @Order(1)
    void aKilledWorkerNodeFailsTheQueryWithWorkerFailed() throws Exception {
        SluiceClient client = a.client();
        String id = client.submitOk(slowIngest("killed_worker"), Map.of("maxNumTasks", 5));
        JsonNode live = awaitWorkersRunning(client, id, 4);
        String lost = workerOn(live, c.workerHost(false));

        long t0 = System.nanoTime();
        c.kill();
        JsonNode status = client.await(id, Duration.ofSeconds(15));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(status.get("statusCode").asText()).isEqualTo("FAILED");
        JsonNode error = client.report(id).at("/multiStageQuery/payload/status/errorReport");
        assertThat(error.at("/error/errorCode").asText()).isIn("WorkerFailed", "WorkerRpcFailed");
        assertThat(error.at("/error/errorMessage").asText()).contains(lost);
        assertThat(error.at("/taskId").asText()).isEqualTo(lost);
        assertThat(status.get("errorMsg").asText()).startsWith(error.at("/error/errorCode").asText());
        System.out.printf("NodeKillTest: worker node killed -> task FAILED after %d ms%n", tookMs);
        ClusterTest.awaitWorkers(client, 3);
        assertNothingRunning(client);
        // (What a crash looks like in a survivor's log; the SIGTERM test checks that a graceful stop does not.)
        awaitLogLine(unreachable(c), a, b, d);
        // Let the split-brain resolver down and remove the dead node before the next test kills another: two
        // crashes in one unstable period make it down everyone (down-all-when-unstable), by design.
        awaitDowned(c, a, b, d);
    }

    static void awaitDowned(NodeProcess lost, NodeProcess... survivors) {
        awaitLogLine("is downing [akka://sluice@127.0.0.1:" + lost.akkaPort, survivors);
        SluiceClient.sleep(3000); // removal follows after down-removal-margin (1 s)
    }

    static void awaitLogLine(String line, NodeProcess... nodes) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            for (NodeProcess p : nodes) {
                if (p.logText().contains(line)) {
                    return;
                }
            }
            SluiceClient.sleep(100);
        }
        throw new AssertionError("no log line [" + line + "] within 30 s");
    }

    static String unreachable(NodeProcess p) {
        return "Marking node as UNREACHABLE [Member(akka://sluice@127.0.0.1:" + p.akkaPort;
    }

    /**
     * {@code faultTolerance: true}: a worker node killed while stage 0 of an ingestion (scan, range shuffle, then
     * segment generation) runs. The controller relaunches the lost worker as attempt 1 on a live node, re-runs its
     * work, and the query succeeds with the same data as a run without the kill.
     */
    @Test
    @Order(2)
    void withFaultToleranceALostWorkerIsRelaunchedAndTheQuerySucceeds() throws Exception {
        NodeProcess e = launch("e", a.akkaPort, ClusterNodes.freePort(), "worker", config);
        e.awaitUp(Duration.ofSeconds(60));
        SluiceClient client = a.client();
        ClusterTest.awaitWorkers(client, 4); // a, b, d, e
        Path data = temp.resolve("ft-data");
        long rows = ClusterNodes.scaleSample(temp.resolve("sample").resolve("wikiticker-2015-09-12-sampled.json.gz"),
                data, 8, 4);
        assertThat(rows).isEqualTo(8L * SeedWorkflowTest.SAMPLE_ROWS);
        Map<String, Object> ft = Map.of("maxNumTasks", 5, "faultTolerance", true);

        String id = client.submitOk(ftIngest("ft_killed", data), ft);
        JsonNode live = awaitWorkersRunning(client, id, 4);
        String lost = workerOn(live, e.workerHost(false));
        int lostNumber = Integer.parseInt(lost.substring(lost.lastIndexOf("-worker") + 7, lost.lastIndexOf('_')));
        long t0 = System.nanoTime();
        e.kill();
        JsonNode status = client.await(id, Duration.ofSeconds(120));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        JsonNode report = client.report(id);
        assertThat(status.get("statusCode").asText()).as(report.toPrettyString()).isEqualTo("SUCCESS");
        System.out.printf("NodeKillTest: worker node killed under faultTolerance -> SUCCESS %d ms after the kill%n",
                tookMs);

        // The report lists both attempts of the lost worker, Druid's way: <task>-worker<N>_<attempt>.
        JsonNode attempts = report.at("/multiStageQuery/payload/status/workers/" + lostNumber);
        assertThat(attempts).as(report.at("/multiStageQuery/payload/status").toPrettyString()).hasSize(2);
        assertThat(attempts.get(0).get("workerId").asText()).isEqualTo(lost).endsWith("_0");
        assertThat(attempts.get(0).get("state").asText()).isEqualTo("FAILED");
        assertThat(attempts.get(1).get("workerId").asText()).isEqualTo(id + "-worker" + lostNumber + "_1");
        assertThat(attempts.get(1).get("state").asText()).isEqualTo("SUCCESS");
        assertThat(attempts.get(1).get("workerDesc").asText()).doesNotEndWith(" on " + e.workerHost(false));
        for (JsonNode stage : report.at("/multiStageQuery/payload/stages")) {
            assertThat(stage.get("phase").asText()).isEqualTo("FINISHED");
        }
        // Counters hold the successful attempt's figures: every input row read once, every row pushed once.
        assertThat(ClusterTest.sumCounter(report, 0, "/input0/rows/0")).isEqualTo(rows);
        assertThat(ClusterTest.sumCounter(report, 1, "/segmentGenerationProgress/rowsPushed")).isEqualTo(rows);
        // Stage 1 read what stage 0 shuffled, byte for byte (Druid's input0 bytes/frames of a stage input).
        assertThat(ClusterTest.sumCounter(report, 1, "/input0/rows/0")).isEqualTo(rows);
        assertThat(ClusterTest.sumCounter(report, 1, "/input0/bytes/0"))
                .isEqualTo(sumArrays(report, 0, "/shuffle/bytes"))
                .isPositive();

        // The same ingestion without a failure gives the same table.
        JsonNode reference = ClusterTest.runOk(client, ftIngest("ft_reference", data), Map.of("maxNumTasks", 5),
                Duration.ofSeconds(120));
        assertThat(reference.at("/multiStageQuery/payload/status/workers/" + lostNumber)).hasSize(1);
        assertSameTableAsReference(client, "ft_killed");
        assertThat(client.select("SELECT COUNT(*) FROM ft_killed").get(0).get(0).asLong()).isEqualTo(rows);
        // No duplicate segments: as many as the reference run made.
        assertThat(segments(client, "ft_killed")).isEqualTo(segments(client, "ft_reference"))
                .isGreaterThanOrEqualTo(8);
        assertNothingRunning(client);
        awaitDowned(e, a, b, d);
    }

    /**
     * The table written under a worker kill holds what the run without a kill wrote (per day and channel: rows,
     * sums, distinct pages), and deep storage holds exactly one file per published segment (no stray or duplicate
     * segment of a lost attempt).
     */
    private void assertSameTableAsReference(SluiceClient client, String table) throws Exception {
        String check = "SELECT TIME_FLOOR(__time, 'P1D') AS d, channel, COUNT(*) AS n, SUM(added) AS a,"
                + " SUM(deleted) AS del, COUNT(DISTINCT page) AS p FROM %s GROUP BY 1, 2 ORDER BY 1, 2";
        JsonNode got = client.select(String.format(check, table));
        assertThat(got.size()).isGreaterThan(8);
        assertThat(got).isEqualTo(client.select(String.format(check, "ft_reference")));
        int segments = segments(client, table);
        try (var files = Files.walk(temp.resolve("deep").resolve(table))) {
            assertThat(files.filter(f -> f.getFileName().toString().equals("index.sluice")).count())
                    .isEqualTo(segments);
        }
    }

    /**
     * {@code faultTolerance: true}, a worker node killed while stage 1 (segment generation) reads stage 0's output:
     * the lost worker's stage-0 output is gone, so its part of stage 0 runs again on the relaunched worker (stage 0
     * goes RETRYING), then the stage-1 work that was reading from it restarts. Same table as without the kill.
     */
    @Test
    @Order(3)
    void withFaultToleranceALostStageOutputIsRecomputedForItsReaders() throws Exception {
        NodeProcess f = launch("f", a.akkaPort, ClusterNodes.freePort(), "worker", config);
        f.awaitUp(Duration.ofSeconds(60));
        SluiceClient client = a.client();
        ClusterTest.awaitWorkers(client, 4); // a, b, d, f
        Path data = temp.resolve("ft-data");
        long rows = 8L * SeedWorkflowTest.SAMPLE_ROWS;
        // Small in-memory runs make segment generation spill and merge: stage 1 runs long enough to be hit.
        Map<String, Object> ft = Map.of("maxNumTasks", 5, "faultTolerance", true, "maxRowsInMemory", 2000);

        String id = client.submitOk(ftIngest("ft_killed_late", data), ft);
        JsonNode live = awaitStage(client, id, 1, "READING_INPUT");
        String lost = workerOn(live, f.workerHost(false));
        int lostNumber = Integer.parseInt(lost.substring(lost.lastIndexOf("-worker") + 7, lost.lastIndexOf('_')));
        long t0 = System.nanoTime();
        f.kill();
        JsonNode status = client.await(id, Duration.ofSeconds(120));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        JsonNode report = client.report(id);
        assertThat(status.get("statusCode").asText()).as(report.toPrettyString()).isEqualTo("SUCCESS");
        System.out.printf("NodeKillTest: worker node killed in stage 1 under faultTolerance -> SUCCESS %d ms after"
                + " the kill%n", tookMs);
        JsonNode attempts = report.at("/multiStageQuery/payload/status/workers/" + lostNumber);
        assertThat(attempts).as(report.at("/multiStageQuery/payload/status").toPrettyString()).hasSize(2);
        assertThat(attempts.get(1).get("workerId").asText()).isEqualTo(id + "-worker" + lostNumber + "_1");
        assertThat(ClusterTest.sumCounter(report, 0, "/input0/rows/0")).isEqualTo(rows);
        assertThat(ClusterTest.sumCounter(report, 1, "/segmentGenerationProgress/rowsPushed")).isEqualTo(rows);
        // The controller (on the singleton's node, a) re-ran the lost worker's finished part of stage 0.
        String relaunched = "worker " + lost + " lost";
        assertThat(a.logText()).contains(relaunched);
        String line = a.logText().lines().filter(l -> l.contains(relaunched)).findFirst().orElseThrow();
        assertThat(line).contains("relaunching it as attempt 1").contains("stage 0 worker " + lostNumber);

        assertSameTableAsReference(client, "ft_killed_late");
        assertNothingRunning(client);
        awaitDowned(f, a, b, d);
    }

    /**
     * {@code faultTolerance: true} on a multi-stage GROUP BY SELECT: a worker node killed while stage 0 reads the
     * files; the relaunched worker's output joins the shuffle and the controller reads the results from the
     * workers of the moment. Same rows as the same SELECT without a kill.
     */
    @Test
    @Order(4)
    void withFaultToleranceASelectSurvivesALostWorker() throws Exception {
        NodeProcess g = launch("g", a.akkaPort, ClusterNodes.freePort(), "worker", config);
        g.awaitUp(Duration.ofSeconds(60));
        SluiceClient client = a.client();
        ClusterTest.awaitWorkers(client, 4); // a, b, d, g
        String sql = "SELECT channel, COUNT(*) AS n, SUM(added) AS a, MAX(deleted) AS d FROM "
                + ClusterTest.extern(temp.resolve("ft-data"), "*.json.gz") + " GROUP BY 1 ORDER BY 2 DESC, 1";
        String id = client.submitOk(sql, Map.of("maxNumTasks", 5, "faultTolerance", true));
        JsonNode live = awaitWorkersRunning(client, id, 4);
        String lost = workerOn(live, g.workerHost(false));
        int lostNumber = Integer.parseInt(lost.substring(lost.lastIndexOf("-worker") + 7, lost.lastIndexOf('_')));
        g.kill();
        JsonNode status = client.await(id, Duration.ofSeconds(120));
        JsonNode report = client.report(id);
        assertThat(status.get("statusCode").asText()).as(report.toPrettyString()).isEqualTo("SUCCESS");
        JsonNode attempts = report.at("/multiStageQuery/payload/status/workers/" + lostNumber);
        assertThat(attempts).as(report.at("/multiStageQuery/payload/status").toPrettyString()).hasSize(2);
        assertThat(attempts.get(1).get("workerId").asText()).isEqualTo(id + "-worker" + lostNumber + "_1");

        JsonNode got = ClusterTest.results(report);
        JsonNode want = ClusterTest.results(ClusterTest.runOk(client, sql, Map.of("maxNumTasks", 5),
                Duration.ofSeconds(120)));
        assertThat(got.size()).isGreaterThan(10);
        assertThat(got).isEqualTo(want);
        long total = 0;
        for (JsonNode row : got) {
            total += row.get(1).asLong();
        }
        assertThat(total).isEqualTo(8L * SeedWorkflowTest.SAMPLE_ROWS);
        assertNothingRunning(client);
        awaitDowned(g, a, b, d);
    }

    /** Waits until the task's live report shows the stage in the given phase. */
    static JsonNode awaitStage(SluiceClient client, String id, int stage, String phase) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode report = null;
        while (System.nanoTime() < end) {
            report = client.report(id);
            if (report.at("/multiStageQuery/payload/stages/" + stage + "/phase").asText().equals(phase)) {
                return report;
            }
            SluiceClient.sleep(20);
        }
        throw new AssertionError("stage " + stage + " of " + id + " not " + phase + " within 60 s: " + report);
    }

    static String ftIngest(String table, Path data) {
        return "INSERT INTO " + table + "\nSELECT TIME_PARSE(\"time\") AS __time, channel, page, \"user\", added,"
                + " deleted\nFROM " + ClusterTest.extern(data, "*.json.gz") + "\nPARTITIONED BY DAY CLUSTERED BY channel";
    }

    /** A per-partition counter array summed over every partition and worker of a stage. */
    static long sumArrays(JsonNode report, int stage, String pointer) {
        long sum = 0;
        for (JsonNode worker : report.at("/multiStageQuery/payload/counters/" + stage)) {
            for (JsonNode v : worker.at(pointer)) {
                sum += v.asLong();
            }
        }
        return sum;
    }

    static int segments(SluiceClient client, String table) {
        return client.get("/druid/coordinator/v1/metadata/datasources/" + table + "/segments?full").json().size();
    }

    @Test
    @Order(5)
    void theOverlordsNodeKilledFailsItsTasksThroughTheNextTaskMaster() throws Exception {
        String id = b.client().submitOk(slowIngest("killed_overlord"), Map.of("maxNumTasks", 4));
        awaitWorkersRunning(a.client(), id, 3);

        long t0 = System.nanoTime();
        a.kill();
        SluiceClient client = b.client();
        JsonNode status = client.await(id, Duration.ofSeconds(30));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(status.get("statusCode").asText()).isEqualTo("FAILED");
        assertThat(status.get("errorMsg").asText()).isNotBlank();
        System.out.printf("NodeKillTest: overlord node killed -> task FAILED after %d ms%n", tookMs);
        ClusterTest.awaitWorkers(client, 2);
        assertNothingRunning(client);
        // Nothing of the failed ingestion was published; the surviving overlord runs new work.
        assertThat(client.get("/druid/coordinator/v1/datasources").json().toString()).doesNotContain("killed_overlord");
        assertThat(client.select("SELECT 1 + 1").get(0).get(0).asLong()).isEqualTo(2);
    }

    /** Bad fault-tolerance settings are refused the way Druid refuses them. */
    @Test
    @Order(7)
    void faultToleranceSettingsAreCheckedAsDruidChecksThem() {
        SluiceClient client = b.client();
        SluiceClient.Response bad = client.submit("SELECT 1", Map.of("faultTolerance", "yes"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/errorMessage").asText())
                .isEqualTo("Expected key [faultTolerance] to be in boolean format, but got [yes]");

        String id = client.submitOk("SELECT COUNT(*) FROM ft_reference",
                Map.of("faultTolerance", true, "durableShuffleStorage", false));
        JsonNode status = client.await(id, Duration.ofSeconds(30));
        assertThat(status.get("statusCode").asText()).isEqualTo("FAILED");
        JsonNode error = client.report(id).at("/multiStageQuery/payload/status/errorReport/error");
        assertThat(error.get("errorCode").asText()).isEqualTo("UnknownError");
        assertThat(error.get("errorMessage").asText()).isEqualTo("Context param[durableShuffleStorage] cannot be"
                + " explicitly set to false when context param[faultTolerance] is set to true. Either remove the"
                + " context param[durableShuffleStorage] or explicitly set it to true.");
        assertNothingRunning(client);
    }

    @Test
    @Order(6)
    void sigtermLeavesTheClusterGracefully() throws Exception {
        int exit = d.stop(Duration.ofSeconds(30));
        assertThat(exit).as(d.logText()).isNotEqualTo(-1);
        // It left (Leaving, Exiting, Removed) rather than being found unreachable and downed.
        ClusterTest.awaitWorkers(b.client(), 1);
        assertThat(b.logText()).doesNotContain(unreachable(d));
    }
}
