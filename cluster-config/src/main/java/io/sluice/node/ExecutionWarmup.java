package io.sluice.node;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.engine.worker.WorkerStageRunner;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPOutputStream;

/**
 * Runs a small workload through a private, throwaway node in this JVM when a node starts, so that the first queries a
 * user sends find the engine's code compiled. A young JVM interprets each method until it has run a few thousand
 * times, then compiles it in the background: on two cores the first {@code COUNT(*)} over a datasource took 94 ms
 * where the third took 33 ms, and a first GROUP BY twice its later runs. The code is the same whatever the data, so
 * warming it on made-up data serves every datasource.
 *
 * <p>The private node is a single-node cluster of its own: loopback HTTP and Akka on free ports, an embedded metadata
 * store and deep storage in a temporary directory, a small memory budget. Nothing of it is visible to the node's
 * users — no task, datasource or segment — and the directory is deleted afterwards. It ingests {@value #ROWS} rows
 * of generated events (JSON, a rollup, a CSV lookup), then sends the common query shapes through the HTTP task API
 * a few rounds over: a constant, counts, grouping with top-N, exact and approximate distinct counts, time and value
 * filters, rows ordered with a limit, a lookup join, a plain scan — then the three lightest shapes many more rounds,
 * for the code every statement runs once. A statement that fails is counted, not thrown: a warm-up must never stop a
 * node.
 */
final class ExecutionWarmup {
    static final int ROWS = 120_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EVENTS_SIGNATURE = "[{\"name\":\"time\",\"type\":\"string\"},"
            + "{\"name\":\"channel\",\"type\":\"string\"},{\"name\":\"page\",\"type\":\"string\"},"
            + "{\"name\":\"user\",\"type\":\"string\"},{\"name\":\"country\",\"type\":\"string\"},"
            + "{\"name\":\"isRobot\",\"type\":\"string\"},{\"name\":\"added\",\"type\":\"long\"},"
            + "{\"name\":\"deleted\",\"type\":\"long\"},{\"name\":\"delta\",\"type\":\"long\"}]";

    /** What a warm-up did. */
    record Result(int statements, List<String> failures, long millis) {
        Result {
            failures = List.copyOf(failures);
        }
    }

    private final Path workDir;
    private final int rounds;
    private final int lightRounds;
    private final BooleanSupplier stopped;

    /**
     * @param workDir a directory of its own (created, and deleted when done)
     * @param rounds how many times each query shape runs
     * @param lightRounds how many more times the light shapes run after that
     * @param stopped polled between statements: true ends the warm-up early (the node is closing)
     */
    ExecutionWarmup(Path workDir, int rounds, int lightRounds, BooleanSupplier stopped) {
        this.workDir = requireNonNull(workDir, "workDir is null");
        this.rounds = rounds;
        this.lightRounds = lightRounds;
        this.stopped = requireNonNull(stopped, "stopped is null");
    }

    /** The private node's config: free loopback ports, storage under {@code dir}, no warm-ups of its own. */
    static Config privateNodeConfig(Path dir) {
        Map<String, Object> over = new HashMap<>();
        over.put("sluice.data-dir", dir.toAbsolutePath().toString());
        over.put("sluice.deep-storage-dir", "");
        over.put("sluice.metadata.jdbc-url", "");
        over.put("sluice.http.host", "127.0.0.1");
        over.put("sluice.http.port", 0);
        over.put("sluice.worker-capacity", 2);
        over.put("sluice.worker-memory-bytes", 32L << 20);
        over.put("sluice.planner.warm-up", false);
        over.put("sluice.warm-up.execution", false);
        over.put("sluice.export.base-dirs", List.of());
        over.put("akka.remote.artery.canonical.hostname", "127.0.0.1");
        over.put("akka.remote.artery.canonical.port", 0);
        over.put("akka.cluster.roles", List.of("overlord", "broker", "worker"));
        over.put("akka.coordinated-shutdown.exit-jvm", "off");
        over.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
        over.put("akka.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        over.put("akka.loglevel", "WARNING");
        return ConfigFactory.parseMap(over)
                .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(List.of()))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    /** Starts the private node, runs the workload, stops the node and deletes its directory. */
    Result run() {
        long start = System.nanoTime();
        List<String> failures = new ArrayList<>();
        int statements = 0;
        ExecutorService httpThreads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-warm-up-http");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(workDir);
            Path input = workDir.resolve("input");
            writeEvents(input.resolve("events.json.gz"));
            writeLookup(input.resolve("lookup.csv"));
            try (SluiceNode node = SluiceNode.start(privateNodeConfig(workDir.resolve("node")))) {
                HttpClient http = HttpClient.newBuilder().executor(httpThreads)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                String base = "http://127.0.0.1:" + node.httpPort();
                for (String sql : ingestion(input)) {
                    if (stopped.getAsBoolean()) {
                        break;
                    }
                    statements++;
                    run(http, base, sql, Map.of(), failures);
                }
                statements += rounds(http, base, queries(), rounds, failures);
                statements += rounds(http, base, lightQueries(), lightRounds, failures);
            }
        } catch (Exception e) {
            failures.add(e.toString());
        } finally {
            httpThreads.shutdownNow();
            WorkerStageRunner.deleteQuietly(workDir);
        }
        return new Result(statements, failures, (System.nanoTime() - start) / 1_000_000);
    }

    /** Runs every statement of {@code shapes}, {@code n} times over; stops at a failure or when asked. */
    private int rounds(HttpClient http, String base, Map<String, Map<String, Object>> shapes, int n,
            List<String> failures) throws IOException, InterruptedException {
        int statements = 0;
        for (int round = 0; round < n && failures.isEmpty() && !stopped.getAsBoolean(); round++) {
            for (Map.Entry<String, Map<String, Object>> q : shapes.entrySet()) {
                if (stopped.getAsBoolean()) {
                    break;
                }
                statements++;
                run(http, base, q.getKey(), q.getValue(), failures);
            }
        }
        return statements;
    }

    /** The ingestion statements: JSON by day, a rollup by hour, a CSV lookup. */
    static List<String> ingestion(Path input) {
        String events = "TABLE(EXTERN('{\"type\":\"local\",\"baseDir\":" + quoted(input) + ",\"filter\":\"events.json.gz\"}',"
                + " '{\"type\":\"json\"}', '" + EVENTS_SIGNATURE + "'))";
        String lookup = "TABLE(EXTERN('{\"type\":\"local\",\"baseDir\":" + quoted(input) + ",\"filter\":\"lookup.csv\"}',"
                + " '{\"type\":\"csv\",\"findColumnsFromHeader\":true}',"
                + " '[{\"name\":\"channel\",\"type\":\"string\"},{\"name\":\"lang\",\"type\":\"string\"}]'))";
        return List.of(
                "INSERT INTO events SELECT TIME_PARSE(\"time\") AS __time, channel, page, \"user\", country, isRobot,"
                        + " added, deleted, delta FROM " + events + " PARTITIONED BY DAY",
                "INSERT INTO events_hourly SELECT TIME_FLOOR(TIME_PARSE(\"time\"), 'PT1H') AS __time, channel, page,"
                        + " COUNT(*) AS cnt, SUM(added) AS sum_added FROM " + events + " GROUP BY 1, 2, 3"
                        + " PARTITIONED BY DAY",
                "INSERT INTO lookup SELECT TIMESTAMP '2000-01-01 00:00:00' AS __time, channel, lang FROM " + lookup
                        + " PARTITIONED BY ALL");
    }

    /** The query shapes, each with its context. */
    static Map<String, Map<String, Object>> queries() {
        Map<String, Map<String, Object>> q = new java.util.LinkedHashMap<>();
        q.put("SELECT 1", Map.of());
        q.put("SELECT COUNT(*) FROM events", Map.of());
        q.put("SELECT channel, COUNT(*) AS cnt, SUM(added) AS s FROM events GROUP BY channel"
                + " ORDER BY cnt DESC, channel LIMIT 10", Map.of());
        q.put("SELECT page, COUNT(DISTINCT \"user\") AS users FROM events GROUP BY page"
                + " ORDER BY users DESC, page LIMIT 10", Map.of("useApproximateCountDistinct", false));
        q.put("SELECT COUNT(*), SUM(added), SUM(deleted), COUNT(DISTINCT page) FROM events WHERE country = 'C3'"
                + " AND __time >= TIMESTAMP '2020-01-01 06:00:00' AND __time < TIMESTAMP '2020-01-03 00:00:00'",
                Map.of());
        q.put("SELECT * FROM events ORDER BY added DESC, __time, page, \"user\" LIMIT 20", Map.of());
        q.put("SELECT l.lang, COUNT(*) AS cnt, SUM(e.added) AS s FROM events e JOIN lookup l"
                + " ON e.channel = l.channel GROUP BY l.lang ORDER BY cnt DESC, l.lang", Map.of());
        q.put("SELECT TIME_FLOOR(__time, 'PT6H') AS t, channel, SUM(cnt) AS n FROM events_hourly"
                + " WHERE channel IN ('#c1', '#c2') GROUP BY 1, 2 ORDER BY 1, 2", Map.of());
        q.put("SELECT __time, channel, page, added FROM events WHERE isRobot = 'true' AND added > 500 LIMIT 50",
                Map.of());
        return q;
    }

    /**
     * The light shapes: each takes a few milliseconds once compiled, and most of that is the path every statement
     * takes — the submit, planning, the controller and its worker, storing the end, status polls and the report.
     * Each of those methods runs about once per statement, so it needs a few hundred statements before the JIT
     * compiles it; these give it them cheaply.
     */
    static Map<String, Map<String, Object>> lightQueries() {
        Map<String, Map<String, Object>> q = new java.util.LinkedHashMap<>();
        q.put("SELECT 1", Map.of());
        q.put("SELECT COUNT(*) FROM events", Map.of());
        q.put("SELECT COUNT(*), SUM(added) FROM events WHERE country = 'C3'"
                + " AND __time >= TIMESTAMP '2020-01-01 06:00:00' AND __time < TIMESTAMP '2020-01-03 00:00:00'",
                Map.of());
        return q;
    }

    private static String quoted(Path p) {
        return JSON.getNodeFactory().textNode(p.toAbsolutePath().toString()).toString();
    }

    /** Sends a statement, waits for its end and reads its report; a failure is added to {@code failures}. */
    private static void run(HttpClient http, String base, String sql, Map<String, Object> context,
            List<String> failures) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("query", sql);
        body.set("context", JSON.valueToTree(context));
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create(base + "/druid/v2/sql/task"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (submitted.statusCode() != 202) {
            failures.add(sql + ": HTTP " + submitted.statusCode() + " " + submitted.body());
            return;
        }
        String taskId = JSON.readTree(submitted.body()).path("taskId").asText();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String state = "RUNNING";
        while ("RUNNING".equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(2);
            state = JSON.readTree(get(http, base + "/druid/indexer/v1/task/" + taskId + "/status"))
                    .path("status").path("statusCode").asText();
        }
        JsonNode report = JSON.readTree(get(http, base + "/druid/indexer/v1/task/" + taskId + "/reports"));
        if (!"SUCCESS".equals(state)) {
            JsonNode error = report.path("multiStageQuery").path("payload").path("status").path("errorReport");
            failures.add(sql + ": " + state + " " + error.path("error").path("errorMessage").asText());
        }
    }

    private static String get(HttpClient http, String uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** {@value #ROWS} events over three days of 2020, as gzipped JSON lines; the same every time. */
    static void writeEvents(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Random random = new Random(20_200_101L);
        long day0 = java.time.Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();
        long span = 3L * 86_400_000L;
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file));
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
            for (int i = 0; i < ROWS; i++) {
                ObjectNode row = JSON.createObjectNode();
                row.put("time", java.time.Instant.ofEpochMilli(day0 + span * i / ROWS).toString());
                row.put("channel", "#c" + random.nextInt(40));
                row.put("page", "Page " + (int) Math.abs(random.nextGaussian() * 1_500));
                row.put("user", "user" + random.nextInt(800));
                if (random.nextInt(4) > 0) {
                    row.put("country", "C" + random.nextInt(30));
                } else {
                    row.putNull("country");
                }
                row.put("isRobot", random.nextBoolean() ? "true" : "false");
                // Each day's values span a different width (2, 4 and 8 bytes packed): the JIT compiles the unpacking
                // for the widths it has seen, and a width first met on a user's data would send it back to the
                // interpreter in the middle of their first query.
                int day = (int) (3L * i / ROWS);
                long added = day == 0 ? random.nextInt(1_000)
                        : day == 1 ? random.nextInt(200_000)
                        : random.nextInt(50) == 0 ? random.nextLong() >>> 24 : random.nextInt(5_000);
                long deleted = random.nextInt(200);
                row.put("added", added);
                row.put("deleted", deleted);
                row.put("delta", added - deleted);
                w.write(row.toString());
                w.write('\n');
            }
        }
    }

    /** The lookup of the 40 channels to a language, as CSV with a header. */
    static void writeLookup(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder csv = new StringBuilder("channel,lang\n");
        for (int c = 0; c < 40; c++) {
            csv.append("#c").append(c).append(',').append("l").append(c % 7).append('\n');
        }
        Files.writeString(file, csv.toString());
    }
}
