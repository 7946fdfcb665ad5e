package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose heap is a tenth of the data it ingests: a separate JVM with {@code -Xmx80m} ingests generated JSON of
 * more than 800 MB (uncompressed) with a global sort ({@code CLUSTERED BY channel}) and answers exact counts and sums.
 * Sorting spills to disk and segments are built from spilled runs; nothing needs the data in memory. Time-ordered input
 * goes through partitions read in place from each worker's one sorted run.
 */
class SmallHeapTest {
    static final String HEAP = "80m";
    static final long HEAP_BYTES = 80L << 20;
    static final int COPIES = 50;

    @TempDir
    static Path temp;

    static NodeProcess node;

    @BeforeAll
    static void start() throws Exception {
        Path config = temp.resolve("node.conf");
        Files.writeString(config, "akka.loglevel = WARNING\nsluice.warm-up.execution = false\n");
        int akka = ClusterNodes.freePort();
        node = NodeProcess.launch("small", temp.resolve("small"), akka, akka, "overlord,broker,worker", config, HEAP);
        node.awaitUp(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
            Path logs = Path.of("target", "small-heap-test-logs");
            Files.createDirectories(logs);
            Files.copy(node.log, logs.resolve("small.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void ingestsTenTimesItsHeapAndCountsExactly() throws Exception {
        SluiceClient client = node.client();
        long maxHeap = client.get("/status").json().at("/memory/maxMemory").asLong();
        assertThat(maxHeap).isLessThanOrEqualTo(HEAP_BYTES);

        Path sample = TestNodes.wikipediaSample(temp.resolve("sample"));
        long sampleBytes = 0;
        long sampleAdded = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(sample)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                sampleBytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
                sampleAdded += SluiceClient.JSON.readTree(line).path("added").asLong();
            }
        }
        Path data = temp.resolve("data");
        long rows = ClusterNodes.scaleSample(sample, data, COPIES, 4);
        long dataBytes = sampleBytes * COPIES; // the copies differ from the sample only in their dates
        assertThat(dataBytes).as("input, uncompressed").isGreaterThanOrEqualTo(10 * maxHeap);

        String sql = "INSERT INTO small_heap\nSELECT TIME_PARSE(\"time\") AS __time, channel, page, added, deleted\nFROM "
                + ClusterTest.extern(data, "*.json.gz") + "\nPARTITIONED BY DAY CLUSTERED BY channel";
        long t0 = System.nanoTime();
        JsonNode report = ClusterTest.runOk(client, sql, Map.of("maxNumTasks", 3), Duration.ofSeconds(240));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ClusterTest.sumCounter(report, 0, "/input0/rows/0")).isEqualTo(rows);
        assertThat(ClusterTest.sumCounter(report, 0, "/input0/bytes/0")).isEqualTo(dataBytes);
        assertThat(ClusterTest.sumCounter(report, 1, "/segmentGenerationProgress/rowsPushed")).isEqualTo(rows);
        System.out.printf("SmallHeapTest: %,d rows (%,d MB of JSON) ingested by a -Xmx%s node in %,d ms%n",
                rows, dataBytes >> 20, HEAP, ms);

        JsonNode totals = client.select("SELECT COUNT(*), SUM(added), COUNT(DISTINCT TIME_FLOOR(__time, 'P1D'))"
                + " FROM small_heap");
        assertThat(totals.get(0).get(0).asLong()).isEqualTo(rows);
        assertThat(totals.get(0).get(1).asLong()).isEqualTo(sampleAdded * COPIES);
        assertThat(totals.get(0).get(2).asLong()).isEqualTo(COPIES);
        assertThat(node.isAlive()).isTrue();
        assertThat(node.logText()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void ingestsTimeOrderedFilesThroughPartitionsReadInPlaceFromTheSortedRuns() throws Exception {
        SluiceClient client = node.client();
        // each file holds whole days in time order and each worker reads one: the sort streams its input into one run
        // on disk, and the segment stage reads its day partitions from that run in place (no partition file)
        Path sample = TestNodes.wikipediaSample(temp.resolve("sample-ordered"));
        int copies = 8;
        long rows = ClusterNodes.scaleSample(sample, temp.resolve("ordered"), copies, 2);
        String sql = "INSERT INTO ordered\nSELECT TIME_PARSE(\"time\") AS __time, channel, page, added\nFROM "
                + ClusterTest.extern(temp.resolve("ordered"), "*.json.gz") + "\nPARTITIONED BY DAY";
        JsonNode report = ClusterTest.runOk(client, sql, Map.of("maxNumTasks", 3), Duration.ofSeconds(240));
        assertThat(ClusterTest.sumCounter(report, 0, "/input0/rows/0")).isEqualTo(rows);
        assertThat(ClusterTest.sumCounter(report, 1, "/segmentGenerationProgress/rowsPushed")).isEqualTo(rows);
        long shuffled = 0;
        long frames = 0;
        long bytes = 0;
        for (JsonNode worker : report.at("/multiStageQuery/payload/counters/0")) {
            for (int p = 0; p < worker.at("/shuffle/rows").size(); p++) {
                shuffled += worker.at("/shuffle/rows/" + p).asLong();
                frames += worker.at("/shuffle/frames/" + p).asLong();
                bytes += worker.at("/shuffle/bytes/" + p).asLong();
            }
        }
        assertThat(shuffled).isEqualTo(rows);
        // frames read in place are the runs' frames (at most 256 KiB); a partition file's are filled to ~1 MB
        assertThat(bytes / frames).as("bytes per shuffle frame").isLessThan(400_000);

        JsonNode perDay = client.select("SELECT TIME_FLOOR(__time, 'P1D') AS d, COUNT(*) FROM ordered GROUP BY 1"
                + " ORDER BY 1");
        assertThat(perDay).hasSize(copies);
        for (JsonNode day : perDay) {
            assertThat(day.get(1).asLong()).isEqualTo(rows / copies);
        }
        JsonNode lastDay =
                client.select("SELECT COUNT(*) FROM ordered WHERE __time >= TIMESTAMP '2015-09-19 00:00:00'");
        assertThat(lastDay.get(0).get(0).asLong()).isEqualTo(rows / copies);
    }
}
