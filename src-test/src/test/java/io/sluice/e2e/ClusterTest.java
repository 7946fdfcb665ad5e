package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.node.SluiceNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Sluice nodes in one JVM form a real Akka Cluster over loopback (Artery TCP, every message serialised) and share
 * one metadata store and one deep storage directory. Ingestion and queries spread their workers over the nodes and
 * shuffle between them; the answers equal a single node's; a fourth node that joins is used by the next query.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
    static final String TOP5 = "[[\"#en.wikipedia\",11549,3045299],[\"#vi.wikipedia\",9747,295972],"
            + "[\"#de.wikipedia\",2523,522625],[\"#fr.wikipedia\",2099,642555],[\"#ru.wikipedia\",1386,640698]]";
    static final String ORDERED = "SELECT channel, page, added FROM wikipedia ORDER BY added DESC, page, channel LIMIT 20";

    @TempDir
    static Path temp;

    static final List<SluiceNode> nodes = new ArrayList<>();
    static SluiceNode single;
    static String shared;
    static int seedPort;
    static Path input;
    static SluiceClient client;

    @BeforeAll
    static void start() throws Exception {
        Path sample = TestNodes.wikipediaSample(temp.resolve("sample"));
        input = temp.resolve("input");
        ClusterNodes.splitSample(sample, input, 4);
        shared = ClusterNodes.sharedConfig(ClusterNodes.sharedH2(temp.resolve("metadata")), temp.resolve("deep"));
        seedPort = ClusterNodes.freePort();
        nodes.add(ClusterNodes.start(temp.resolve("n1"), seedPort, seedPort, List.of("overlord", "broker", "worker"),
                shared));
        nodes.add(ClusterNodes.start(temp.resolve("n2"), ClusterNodes.freePort(), seedPort,
                List.of("broker", "worker"), shared));
        nodes.add(ClusterNodes.start(temp.resolve("n3"), ClusterNodes.freePort(), seedPort, List.of("worker"), shared));
        client = new SluiceClient(nodes.get(0).httpPort());
        awaitMembers(3);
        awaitWorkers(client, 3);
    }

    @AfterAll
    static void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
        if (single != null) {
            single.close();
        }
    }

    static void awaitMembers(int n) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            long up = StreamSupport.stream(Cluster.get(nodes.get(0).system()).state().getMembers().spliterator(), false)
                    .filter(m -> m.status() == MemberStatus.up())
                    .count();
            if (up == n) {
                return;
            }
            SluiceClient.sleep(100);
        }
        throw new AssertionError("cluster did not reach " + n + " members within 30 s");
    }

    static JsonNode awaitWorkers(SluiceClient c, int n) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode workers = null;
        while (System.nanoTime() < end) {
            workers = c.get("/druid/indexer/v1/workers").json();
            if (workers.size() == n) {
                return workers;
            }
            SluiceClient.sleep(100);
        }
        throw new AssertionError("expected " + n + " workers within 30 s, got " + workers);
    }

    static String extern(Path dir, String filter) {
        return "TABLE(EXTERN('{\"type\": \"local\", \"baseDir\": \"" + dir + "\", \"filter\": \"" + filter
                + "\"}', '{\"type\":\"json\"}', '" + SeedWorkflowTest.SIGNATURE + "'))";
    }

    static String ingest(String table) {
        return "INSERT INTO " + table + "\nSELECT TIME_PARSE(\"time\") AS __time, " + SeedWorkflowTest.COLUMNS
                + "\nFROM " + extern(input, "*.json.gz") + "\nPARTITIONED BY DAY CLUSTERED BY channel";
    }

    /** Hosts of the report's workers, by stage. */
    static Set<String> workerHosts(JsonNode report) {
        Set<String> hosts = new HashSet<>();
        for (JsonNode stage : report.at("/multiStageQuery/payload/status/workers")) {
            for (JsonNode w : stage) {
                String desc = w.get("workerDesc").asText();
                hosts.add(desc.substring(desc.lastIndexOf(" on ") + 4));
            }
        }
        return hosts;
    }

    static long sumCounter(JsonNode report, int stage, String pointer) {
        long sum = 0;
        for (JsonNode worker : report.at("/multiStageQuery/payload/counters/" + stage)) {
            sum += worker.at(pointer).asLong();
        }
        return sum;
    }

    static JsonNode runOk(SluiceClient c, String sql, Map<String, Object> context, Duration deadline) {
        String id = c.submitOk(sql, context);
        JsonNode status = c.await(id, deadline);
        JsonNode report = c.report(id);
        assertThat(status.get("statusCode").asText()).as(report.toPrettyString()).isEqualTo("SUCCESS");
        return report;
    }

    static JsonNode results(JsonNode report) {
        return report.at("/multiStageQuery/payload/results/results");
    }

    @Test
    @Order(1)
    void threeNodesListThreeWorkers() {
        JsonNode workers = client.get("/druid/indexer/v1/workers").json();
        Set<String> hosts = new HashSet<>();
        workers.forEach(w -> hosts.add(w.at("/worker/host").asText()));
        assertThat(hosts).hasSize(3);
        // Any broker answers for the whole cluster.
        assertThat(awaitWorkers(new SluiceClient(nodes.get(1).httpPort()), 3)).hasSize(3);
    }

    @Test
    @Order(2)
    void ingestionSpreadsWorkersOverTheNodes() {
        JsonNode report = runOk(client, ingest("wikipedia"), Map.of("maxNumTasks", 4), Duration.ofSeconds(120));
        assertThat(workerHosts(report)).hasSizeGreaterThan(1);
        assertThat(sumCounter(report, 0, "/input0/rows/0")).isEqualTo(SeedWorkflowTest.SAMPLE_ROWS);
        assertThat(sumCounter(report, 1, "/segmentGenerationProgress/rowsPushed"))
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS);
        // SUCCESS means queryable, from any broker.
        SluiceClient other = new SluiceClient(nodes.get(1).httpPort());
        assertThat(other.select("SELECT COUNT(*) FROM wikipedia").get(0).get(0).asLong())
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS);
    }

    @Test
    @Order(3)
    void distributedQueriesShuffleBetweenNodesAndMatchOneNode() throws Exception {
        JsonNode top = runOk(client,
                "SELECT channel, COUNT(*) AS cnt, SUM(added) AS added FROM wikipedia GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
                Map.of("maxNumTasks", 4), Duration.ofSeconds(60));
        assertThat(results(top).toString()).isEqualTo(TOP5);
        assertThat(workerHosts(top)).hasSizeGreaterThan(1);
        JsonNode ordered = runOk(client, ORDERED, Map.of("maxNumTasks", 4), Duration.ofSeconds(60));
        assertThat(workerHosts(ordered)).hasSizeGreaterThan(1);

        // The same ingestion and queries on one node alone give the same answers.
        single = TestNodes.start(temp.resolve("single"));
        SluiceClient one = new SluiceClient(single.httpPort());
        runOk(one, ingest("wikipedia"), Map.of("maxNumTasks", 2), Duration.ofSeconds(120));
        assertThat(one.select("SELECT COUNT(*) FROM wikipedia").get(0).get(0).asLong())
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS);
        assertThat(results(runOk(one, ORDERED, Map.of("maxNumTasks", 2), Duration.ofSeconds(60))))
                .isEqualTo(results(ordered));
        single.close();
        single = null;
    }

    /** About a million rows (26 copies of the sample, a day apart) ingested by workers on the three nodes. */
    @Test
    @Order(4)
    void ingestsAMillionRowsOnThreeNodes() throws Exception {
        Path big = temp.resolve("big");
        long t0 = System.nanoTime();
        long rows = ClusterNodes.scaleSample(temp.resolve("sample").resolve("wikiticker-2015-09-12-sampled.json.gz"),
                big, 26, 6);
        long generatedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(rows).isEqualTo(26L * SeedWorkflowTest.SAMPLE_ROWS);
        String sql = "INSERT INTO wiki_big\nSELECT TIME_PARSE(\"time\") AS __time, " + SeedWorkflowTest.COLUMNS
                + "\nFROM " + extern(big, "*.json.gz") + "\nPARTITIONED BY DAY CLUSTERED BY channel";
        long t1 = System.nanoTime();
        JsonNode report = runOk(client, sql, Map.of("maxNumTasks", 3), Duration.ofSeconds(300));
        long ingestMs = (System.nanoTime() - t1) / 1_000_000;
        assertThat(sumCounter(report, 0, "/input0/rows/0")).isEqualTo(rows);
        assertThat(workerHosts(report)).hasSizeGreaterThan(1);
        long t2 = System.nanoTime();
        JsonNode count = runOk(client, "SELECT COUNT(*), COUNT(DISTINCT __time) > 0 FROM wiki_big",
                Map.of("maxNumTasks", 4), Duration.ofSeconds(120));
        long countMs = (System.nanoTime() - t2) / 1_000_000;
        assertThat(results(count).get(0).get(0).asLong()).isEqualTo(rows);
        assertThat(client.get("/druid/coordinator/v1/metadata/datasources/wiki_big/segments?full").json().size())
                .isGreaterThanOrEqualTo(26);
        System.out.printf("ClusterTest: %,d rows: generated in %d ms; ingested on 3 nodes (maxNumTasks 3) in %d ms"
                        + " (%,d rows/s, task duration %d ms); COUNT(*) in %d ms%n",
                rows, generatedMs, ingestMs, rows * 1000 / Math.max(1, ingestMs),
                report.at("/multiStageQuery/payload/status/durationMs").asLong(), countMs);
    }

    @Test
    @Order(5)
    void aJoiningNodeIsUsedByTheNextQuery() throws Exception {
        String running = client.submitOk("SELECT channel, COUNT(*) FROM wikipedia GROUP BY 1", Map.of("maxNumTasks", 4));
        nodes.add(ClusterNodes.start(temp.resolve("n4"), ClusterNodes.freePort(), seedPort, List.of("worker"),
                shared));
        assertThat(client.await(running, Duration.ofSeconds(60)).get("statusCode").asText()).isEqualTo("SUCCESS");
        awaitMembers(4);
        JsonNode workers = awaitWorkers(client, 4);
        Set<String> hosts = new HashSet<>();
        workers.forEach(w -> hosts.add(w.at("/worker/host").asText()));
        JsonNode report = runOk(client,
                "SELECT channel, COUNT(*) AS cnt, SUM(added) AS added FROM wikipedia GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
                Map.of("maxNumTasks", 5), Duration.ofSeconds(60));
        assertThat(results(report).toString()).isEqualTo(TOP5);
        assertThat(workerHosts(report)).hasSize(4).isEqualTo(hosts);
    }
}
