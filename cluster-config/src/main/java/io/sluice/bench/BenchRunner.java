package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code bin/sluice bench}: generates the data, measures the parsing floor, runs the workloads through the HTTP task
 * API against real nodes (child JVMs), prints a table and writes {@code <out>/results.json}.
 *
 * <pre>
 * BenchRunner [--rows N] [--nodes K] [--out DIR] [--xmx SIZE] [--only W0,W1,W2,W1x4,W3] [--jfr] [--repo DIR]
 * </pre>
 */
public final class BenchRunner {
    static final String USAGE = String.join("\n",
            "Usage: bin/sluice bench [options]",
            "  --rows N        rows of the generated data set (default 10000000)",
            "  --nodes K       also run the 4-file ingest on a K-node cluster (default 1: single node only)",
            "  --out DIR       results, generated data, node data and logs (default <repo>/bench-out)",
            "  --xmx SIZE      -Xmx of each node JVM (default 1g)",
            "  --only LIST     workloads to run, of W0,W1,W2,W1x4,W3 (default all; W3 implies W1)",
            "  --repeat N      runs of each W3 query and of SELECT 1: the first run and the best of N (default 3)",
            "  --jfr           record a JFR profile of each node into <out>/<node>.jfr",
            "  --jvm OPTS      further JVM options of each node, space-separated (e.g. \"-XX:+AlwaysPreTouch\")",
            "  --repo DIR      the repository (default: current directory)");

    static final String COLUMNS = "channel, cityName, comment, countryIsoCode, countryName, isAnonymous, isMinor, isNew,"
            + " isRobot, isUnpatrolled, metroCode, namespace, page, regionIsoCode, regionName, \"user\", delta, added,"
            + " deleted";
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

    static final Map<String, String> QUERIES = new LinkedHashMap<>();
    /** Requests each kind the bench client makes to warm its own HTTP code up ({@link BenchClient#warmUp}). */
    static final int CLIENT_WARM_UP_ROUNDS = 500;

    static {
        QUERIES.put("q1", "SELECT COUNT(*) FROM wiki");
        QUERIES.put("q2", "SELECT channel, COUNT(*) AS cnt, SUM(added) AS sum_added FROM wiki GROUP BY channel"
                + " ORDER BY cnt DESC, channel LIMIT 10");
        QUERIES.put("q3", "SELECT page, COUNT(DISTINCT \"user\") AS users FROM wiki GROUP BY page"
                + " ORDER BY users DESC, page LIMIT 10");
        QUERIES.put("q4", "SELECT COUNT(*), SUM(added), SUM(deleted), COUNT(DISTINCT page) FROM wiki"
                + " WHERE countryName = 'United States' AND __time >= TIMESTAMP '2015-09-12 06:00:00'"
                + " AND __time < TIMESTAMP '2015-09-14 00:00:00'");
        QUERIES.put("q5", "SELECT * FROM wiki ORDER BY added DESC, __time, page, \"user\" LIMIT 100");
        QUERIES.put("q6", "SELECT c.lang, COUNT(*) AS cnt, SUM(w.added) AS sum_added FROM wiki w"
                + " JOIN channels c ON w.channel = c.channel GROUP BY c.lang ORDER BY cnt DESC, c.lang");
    }

    static final Map<String, Double> QUERY_TARGET_MS = Map.of(
            "q1", 20.0, "q2", 150.0, "q3", 2500.0, "q4", 50.0, "q5", 1000.0, "q6", 200.0);

    /** One line of the table and of results.json. */
    static final class Figure {
        final String id;
        final String name;
        Double value;
        String unit = "";
        String target = "";
        Boolean met;
        String note = "";
        String error;
        final Map<String, Object> extra = new LinkedHashMap<>();

        Figure(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private final long rows;
    private final int nodes;
    private final Path out;
    private final String xmx;
    private final Set<String> only;
    private final boolean jfr;
    private final Path repo;
    private int repeat = 3;
    /** Further JVM options of each node ({@code --jvm}). */
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<Figure> figures = new ArrayList<>();
    private final List<BenchNode> running = new CopyOnWriteArrayList<>();
    private final ObjectNode meta = BenchClient.JSON.createObjectNode();
    private Floor.Result floor1;
    private Floor.Result floor2;

    BenchRunner(long rows, int nodes, Path out, String xmx, Set<String> only, boolean jfr, Path repo) {
        this.rows = rows;
        this.nodes = nodes;
        this.out = out.toAbsolutePath().normalize();
        this.xmx = xmx;
        this.only = only;
        this.jfr = jfr;
        this.repo = repo.toAbsolutePath().normalize();
    }

    public static void main(String[] args) throws Exception {
        long rows = 10_000_000L;
        int nodes = 1;
        Path out = Path.of("bench-out");
        String xmx = "1g";
        Set<String> only = new LinkedHashSet<>(List.of("W0", "W1", "W2", "W1x4", "W3"));
        boolean jfr = false;
        Path repo = Path.of("");
        int repeat = 3;
        List<String> jvmOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[++i].replace("_", ""));
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--xmx" -> xmx = args[++i];
                case "--only" -> only = new LinkedHashSet<>(List.of(args[++i].split(",")));
                case "--jfr" -> jfr = true;
                case "--jvm" -> jvmOptions.addAll(List.of(args[++i].trim().split("\\s+")));
                case "--repeat" -> repeat = Math.max(1, Integer.parseInt(args[++i]));
                case "--repo" -> repo = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> {
                    System.err.println("Unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        if (only.contains("W3")) {
            only.add("W1");
        }
        BenchRunner runner = new BenchRunner(rows, nodes, out, xmx, only, jfr, repo);
        runner.repeat = repeat;
        runner.jvmOptions.addAll(jvmOptions);
        Runtime.getRuntime().addShutdownHook(new Thread(runner::stopAll, "bench-stop-nodes"));
        int code = runner.run();
        System.exit(code);
    }

    int run() throws Exception {
        Files.createDirectories(out);
        meta.put("started", Instant.now().toString());
        meta.put("rows", rows);
        meta.put("nodes", nodes);
        meta.put("xmx", xmx);
        meta.put("jvmOptions", String.join(" ", jvmOptions));
        meta.put("queryRuns", repeat);
        meta.put("cores", Runtime.getRuntime().availableProcessors());
        meta.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        meta.put("git", git());

        meta.put("loadAverageAtStart", BenchNode.loadAverage());
        Path dataDir = out.resolve("data");
        Path sample = DataGenerator.findSample(repo);
        Path sampleCopy = dataDir.resolve("sample").resolve(DataGenerator.SAMPLE_NAME);
        Files.createDirectories(sampleCopy.getParent());
        Files.copy(sample, sampleCopy, StandardCopyOption.REPLACE_EXISTING);
        Path lookup = sample.resolveSibling("channel-lookup.csv");
        Path lookupCopy = dataDir.resolve("lookup").resolve("channel-lookup.csv");
        Files.createDirectories(lookupCopy.getParent());
        if (Files.exists(lookup)) {
            Files.copy(lookup, lookupCopy, StandardCopyOption.REPLACE_EXISTING);
        }

        log("generating %,d rows (one file and 4 parts) in %s", rows, dataDir);
        long t0 = System.nanoTime();
        DataGenerator.Output data = DataGenerator.fromSample(sample).generate(dataDir, rows, 4);
        meta.put("generateSeconds", (System.nanoTime() - t0) / 1e9);
        meta.put("dataFile", data.single().toString());
        meta.put("dataFileBytes", data.bytesSingle());

        measureFloor(data);

        try {
            try {
                singleNode(data, sampleCopy, lookupCopy);
            } finally {
                stopAll();
            }
            if (nodes > 1) {
                try {
                    cluster(data);
                } finally {
                    stopAll();
                }
            } else {
                Figure f = add("W1x4-cluster", "W1 4 files on a cluster: per-node rows/s");
                f.note = "not run (use --nodes 3)";
            }
        } finally {
            printTable();
            writeJson();
        }
        return 0;
    }

    // ---- floor

    private void measureFloor(DataGenerator.Output data) throws Exception {
        log("floor: inflate + Jackson parse of %s", data.single().getFileName());
        // A short warm-up on the sample copy so that the measured run is not the JIT's first sight of the code.
        Floor.oneThread(data.parts().get(0));
        floor1 = Floor.oneThread(data.single());
        floor2 = Floor.twoThreads(data.single());
        Floor.Result floorFiles = Floor.filesInParallel(data.parts(), 2);
        Figure a = add("floor-1t", "floor: 1 thread inflate+parse, 1 file");
        a.value = floor1.rowsPerSecond();
        a.unit = "rows/s";
        a.extra.put("rows", floor1.rows());
        a.extra.put("seconds", floor1.nanos() / 1e9);
        Figure b = add("floor-2t", "floor: inflate and parse on 2 threads, 1 file");
        b.value = floor2.rowsPerSecond();
        b.unit = "rows/s";
        b.extra.put("rows", floor2.rows());
        b.extra.put("seconds", floor2.nanos() / 1e9);
        Figure c = add("floor-4f", "floor: 4 files, 2 threads each inflate+parse");
        c.value = floorFiles.rowsPerSecond();
        c.unit = "rows/s";
        c.extra.put("rows", floorFiles.rows());
        c.extra.put("seconds", floorFiles.nanos() / 1e9);
        if (floor1.rows() != rows || floor2.rows() != rows || floorFiles.rows() != rows) {
            throw new IllegalStateException("floor read " + floor1.rows() + "/" + floor2.rows() + "/"
                    + floorFiles.rows() + " rows, expected " + rows);
        }
    }

    // ---- single node

    private void singleNode(DataGenerator.Output data, Path sample, Path lookup) throws Exception {
        BenchNode node = startNode("node-0", out.resolve("node-0"), BenchNode.freePort(), List.of());
        BenchClient client = new BenchClient(node.httpPort);
        // the client's own code warmed (no query runs on the server): latencies are then the server's
        meta.put("clientWarmUpRounds", CLIENT_WARM_UP_ROUNDS);
        meta.put("clientWarmUpSeconds", client.warmUp(CLIENT_WARM_UP_ROUNDS));
        meta.put("singleNodeCommand", String.join(" ", node.command));
        meta.put("peakRssResetPerWorkload", node.resetPeakRss());

        if (only.contains("W0")) {
            ingest(node, client, "W0-ingest", "W0 sample ingest (39,244 rows), first on a new node, submit->SUCCESS",
                    "wiki_sample", extern(sample.getParent(), sample.getFileName().toString()), false,
                    DataGenerator.SAMPLE_ROWS, Map.of("maxNumTasks", 2), "<= 1 s", 1.0);
            ingest(node, client, "W0-ingest-warm", "W0 sample ingest again (warm JVM)",
                    "wiki_sample2", extern(sample.getParent(), sample.getFileName().toString()), false,
                    DataGenerator.SAMPLE_ROWS, Map.of("maxNumTasks", 2), "<= 1 s", 1.0);
            query(node, client, "W0-select1", "W0 SELECT 1 through the task API, submit->results", "SELECT 1",
                    Map.of(), 100.0);
        }
        if (only.contains("W1")) {
            ingest(node, client, "W1", "W1 INSERT 20 columns, 1 gzip file, PARTITIONED BY DAY", "wiki",
                    extern(data.single().getParent(), data.single().getFileName().toString()), false, rows,
                    Map.of("maxNumTasks", 3), ">= 650,000 rows/s and >= 60% of 2-thread floor", 650_000.0);
        }
        if (only.contains("W3")) {
            Figure lk = add("W3-lookup", "channel lookup (51 rows, CSV) ingested as datasource channels");
            try {
                BenchClient.Finished f = client.run("INSERT INTO channels\nSELECT TIMESTAMP '2000-01-01 00:00:00' AS"
                        + " __time, channel, lang, project FROM TABLE(EXTERN('{\"type\": \"local\", \"baseDir\": \""
                        + lookup.getParent() + "\", \"filter\": \"channel-lookup.csv\"}', '{\"type\": \"csv\","
                        + " \"findColumnsFromHeader\": true}', '[{\"name\": \"channel\", \"type\": \"string\"},"
                        + " {\"name\": \"lang\", \"type\": \"string\"}, {\"name\": \"project\", \"type\": \"string\"}]'))"
                        + "\nPARTITIONED BY ALL", Map.of(), Duration.ofMinutes(5));
                lk.value = f.submitToDoneNanos() / 1e9;
                lk.unit = "s";
                if (!f.success()) {
                    lk.error = f.error();
                }
            } catch (BenchClient.Rejected e) {
                lk.error = e.getMessage();
            }
            for (String q : QUERIES.keySet()) {
                Map<String, Object> ctx = q.equals("q3") ? Map.of("useApproximateCountDistinct", false) : Map.of();
                query(node, client, "W3-" + q, "W3 " + q + ": " + QUERIES.get(q), QUERIES.get(q), ctx,
                        QUERY_TARGET_MS.get(q));
            }
        }
        // W2 and W1x4 after the queries: a failure there (e.g. OutOfMemoryError) must not take W3 with it.
        if (only.contains("W2")) {
            ingest(node, client, "W2", "W2 rollup INSERT by hour, channel, page", "wiki_rollup",
                    extern(data.single().getParent(), data.single().getFileName().toString()), true, rows,
                    Map.of("maxNumTasks", 3), ">= 650,000 rows/s", 650_000.0);
        }
        if (only.contains("W1x4")) {
            Path parts = data.parts().get(0).getParent();
            ingest(node, client, "W1x4", "W1 with 4 files, 1 node (maxNumTasks 3)", "wiki_4",
                    extern(parts, "part-*.json.gz"), false, rows, Map.of("maxNumTasks", 3), "(no target)", null);
        }
        Figure mem = add("memory", "W1 and W2 finish with -Xmx" + xmx + " (node RSS peak over the run)");
        mem.value = node.peakRssBytes() / 1048576.0;
        mem.unit = "MiB RSS";
        mem.target = "W1, W2 at 10M finish with -Xmx1g";
        boolean w1 = succeeded("W1");
        boolean w2 = succeeded("W2");
        boolean smallHeap = parseSize(xmx) <= (1L << 30);
        mem.met = only.contains("W1") && only.contains("W2") && rows >= 10_000_000L ? (w1 && w2 && smallHeap) : null;
        mem.note = "W1 " + (w1 ? "ok" : "failed/not run") + ", W2 " + (w2 ? "ok" : "failed/not run") + " with -Xmx" + xmx
                + (rows < 10_000_000L ? "; only " + rows + " rows (target is for 10M)" : "");
        node.close();
    }

    private boolean succeeded(String id) {
        for (Figure f : figures) {
            if (f.id.equals(id)) {
                return f.error == null && f.value != null;
            }
        }
        return false;
    }

    // ---- cluster

    private void cluster(DataGenerator.Output data) throws Exception {
        Figure f = add("W1x4-cluster", "W1 4 files on " + nodes + " nodes (maxNumTasks " + (nodes + 1) + ")");
        f.target = "report per-node rows/s";
        f.extra.put("configOverride", "akka.remote.artery.advanced.maximum-frame-size = 4MiB");
        try {
            Path dir = out.resolve("cluster");
            Files.createDirectories(dir);
            Path conf = dir.resolve("cluster.conf");
            Files.writeString(conf, "sluice.deep-storage-dir = \"" + dir.resolve("deep-storage") + "\"\n"
                    + "sluice.metadata.jdbc-url = \"jdbc:h2:file:" + dir.resolve("metadata").resolve("metadata")
                    + ";AUTO_SERVER=TRUE\"\n"
                    + "sluice.metadata.user = \"sa\"\n"
                    // Frames are up to ~1 MB, Artery's default maximum-frame-size is 256 KiB: without this, remote
                    // StreamRefs drop the oversized elements and fail with "Illegal sequence nr" (see BENCH.md).
                    + "akka.remote.artery.advanced.maximum-frame-size = 4MiB\n");
            int seedPort = BenchNode.freePort();
            List<BenchNode> members = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int akka = i == 0 ? seedPort : BenchNode.freePort();
                members.add(startNode("cluster-" + i, dir.resolve("node-" + i), akka,
                        List.of("--config", conf.toString(), "--seed-nodes", "127.0.0.1:" + seedPort)));
            }
            BenchClient client = new BenchClient(members.get(0).httpPort);
            awaitWorkers(client, nodes, Duration.ofSeconds(60));
            for (BenchNode n : members) {
                n.resetPeakRss();
            }
            Path parts = data.parts().get(0).getParent();
            BenchClient.Finished r = client.run("INSERT INTO wiki_cluster\nSELECT TIME_PARSE(\"time\") AS __time, "
                    + COLUMNS + "\nFROM " + extern(parts, "part-*.json.gz") + "\nPARTITIONED BY DAY",
                    Map.of("maxNumTasks", nodes + 1), Duration.ofMinutes(30));
            if (!r.success()) {
                f.error = r.error();
                return;
            }
            double seconds = r.submitToDoneNanos() / 1e9;
            double rps = rows / seconds;
            f.value = rps / nodes;
            f.unit = "rows/s per node";
            f.note = String.format(Locale.ROOT, "%,.0f rows/s total in %.1f s", rps, seconds);
            f.extra.put("seconds", seconds);
            f.extra.put("rowsPerSecondTotal", rps);
            f.extra.put("ratioToFloor2t", rps / floor2.rowsPerSecond());
            f.extra.put("inputRowsPerWorker", inputRowsPerWorker(r));
            Shuffle shuffle = Shuffle.of(r.payload());
            if (shuffle != null) {
                f.extra.put("shuffleBytes", shuffle.bytes());
                f.extra.put("shuffleReadingStageMs", shuffle.millis());
                f.extra.put("shuffleMiBPerSecond", shuffle.mibPerSecond());
                f.note += String.format(Locale.ROOT, "; shuffle %.1f MiB read by stage %d in %.1f s = %.1f MiB/s",
                        shuffle.bytes() / 1048576.0, shuffle.stage(), shuffle.millis() / 1000.0,
                        shuffle.mibPerSecond());
                System.out.printf(Locale.ROOT, "Sluice bench: shuffle between %d JVMs: %,d bytes read by stage %d"
                                + " in %,d ms = %.1f MiB/s (a lower bound: the stage also builds segments)%n",
                        nodes, shuffle.bytes(), shuffle.stage(), shuffle.millis(), shuffle.mibPerSecond());
            }
            List<Double> rss = new ArrayList<>();
            for (BenchNode n : members) {
                rss.add(n.peakRssBytes() / 1048576.0);
            }
            f.extra.put("peakRssMiBPerNode", rss);
            f.extra.put("xmxPerNode", xmx);
        } catch (BenchClient.Rejected | IOException | RuntimeException e) {
            f.error = "3-node mode not available: " + e.getMessage();
        }
    }

    private void awaitWorkers(BenchClient client, int n, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        JsonNode workers = null;
        while (System.nanoTime() < end) {
            try {
                workers = client.getJson("/druid/indexer/v1/workers");
                if (workers.size() >= n) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            BenchClient.sleep(250);
        }
        throw new IOException("only " + (workers == null ? 0 : workers.size()) + " of " + n + " workers after "
                + deadline + ": " + workers);
    }

    // ---- workloads

    private BenchNode startNode(String name, Path dataDir, int akkaPort, List<String> extra) throws IOException {
        deleteRecursively(dataDir);
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + xmx, "-XX:+UseG1GC"));
        jvm.addAll(jvmOptions);
        if (jfr) {
            jvm.add("-XX:StartFlightRecording=filename=" + out.resolve(name + ".jfr") + ",settings=profile,dumponexit=true");
        }
        String cp = repo.resolve("cluster-config/target/sluice-node.jar") + ":" + repo.resolve("cluster-config/target/lib/*");
        BenchNode node = BenchNode.start(name, cp, jvm, dataDir, akkaPort, extra);
        running.add(node);
        log("started %s (pid %d, http %d, -Xmx%s)", name, node.pid(), node.httpPort, xmx);
        node.awaitHealthy(new BenchClient(node.httpPort), Duration.ofSeconds(90));
        // The node warms its code up in the background once it serves (sluice.warm-up.execution): the workloads
        // start after that, as they would on a node that has been up for a while.
        double warm = node.awaitWarmedUp(Duration.ofSeconds(120));
        meta.put("warmUpSecondsAfterHealthy-" + name, warm);
        log("%s warmed up %.1f s after it answered /status/health", name, warm);
        return node;
    }

    private void ingest(BenchNode node, BenchClient client, String id, String name, String table, String from,
            boolean rollup, long expectRows, Map<String, Object> context, String target, Double minRowsPerSecond) {
        Figure f = add(id, name);
        f.target = target;
        String sql = rollup
                ? "INSERT INTO " + table + "\nSELECT TIME_FLOOR(TIME_PARSE(\"time\"), 'PT1H') AS __time, channel, page,"
                        + " COUNT(*) AS cnt, SUM(added) AS sum_added, SUM(deleted) AS sum_deleted\nFROM " + from
                        + "\nGROUP BY 1, 2, 3\nPARTITIONED BY DAY"
                : "INSERT INTO " + table + "\nSELECT TIME_PARSE(\"time\") AS __time, " + COLUMNS + "\nFROM " + from
                        + "\nPARTITIONED BY DAY";
        log("%s: %s", id, name);
        node.resetPeakRss();
        double cpu0 = node.cpuSeconds();
        f.extra.put("loadAverageBefore", BenchNode.loadAverage());
        try {
            BenchClient.Finished r = client.run(sql, context, Duration.ofMinutes(30));
            recordMemory(f, node);
            double cpu = node.cpuSeconds() - cpu0;
            f.extra.put("nodeCpuSeconds", cpu);
            f.extra.put("rowsPerNodeCpuSecond", expectRows / cpu);
            f.extra.put("loadAverageAfter", BenchNode.loadAverage());
            f.extra.put("taskId", r.taskId());
            f.extra.put("serverDurationMs", r.status().path("duration").asLong());
            if (!r.success()) {
                f.error = r.error();
                return;
            }
            double seconds = r.submitToDoneNanos() / 1e9;
            double rps = expectRows / seconds;
            f.extra.put("seconds", seconds);
            f.extra.put("rowsPerSecond", rps);
            f.extra.put("ratioToFloor1t", rps / floor1.rowsPerSecond());
            f.extra.put("ratioToFloor2t", rps / floor2.rowsPerSecond());
            long read = sum(inputRowsPerWorker(r));
            f.extra.put("inputRows", read);
            if (read != expectRows) {
                f.note = "read " + read + " rows, expected " + expectRows + "; ";
            }
            if (id.startsWith("W0")) {
                f.value = seconds;
                f.unit = "s";
                f.met = seconds <= 1.0;
                f.note += String.format(Locale.ROOT, "%,.0f rows/s", rps);
            } else {
                f.value = rps;
                f.unit = "rows/s";
                f.note += String.format(Locale.ROOT, "%.1f s; %.0f%% of 1-thread floor, %.0f%% of 2-thread floor",
                        seconds, 100 * rps / floor1.rowsPerSecond(), 100 * rps / floor2.rowsPerSecond());
                if (minRowsPerSecond != null) {
                    f.met = rps >= minRowsPerSecond
                            && (!id.equals("W1") || rps >= 0.6 * floor2.rowsPerSecond());
                }
                if (rows < 10_000_000L) {
                    f.note += "; " + rows + " rows (targets are for 10M)";
                }
            }
        } catch (BenchClient.Rejected | IOException e) {
            f.error = message(e);
            recordMemory(f, node);
        }
        if (f.error != null) {
            f.error += nodeTrouble(node);
            log("  %s failed: %s", id, f.error);
        } else {
            log("  %s: %s %s  %s", id, fmt(f.value), f.unit, f.note);
        }
    }

    private void query(BenchNode node, BenchClient client, String id, String name, String sql,
            Map<String, Object> context, Double targetMs) {
        Figure f = add(id, name);
        f.unit = "ms";
        f.target = targetMs == null ? "" : "first run <= " + fmt(targetMs) + " ms";
        log("%s", id);
        f.extra.put("quietWaitSeconds", node.awaitQuiet(Duration.ofSeconds(20)));
        node.resetPeakRss();
        f.extra.put("loadAverageBefore", BenchNode.loadAverage());
        List<Double> times = new ArrayList<>();
        List<Map<String, Object>> phases = new ArrayList<>();
        try {
            for (int i = 0; i < repeat; i++) {
                double cpu0 = node.cpuSeconds();
                BenchClient.Finished r = client.run(sql, context, Duration.ofMinutes(10));
                if (i == 0) {
                    f.extra.put("nodeCpuSecondsFirstRun", node.cpuSeconds() - cpu0);
                }
                if (!r.success()) {
                    f.error = r.error();
                    break;
                }
                times.add(r.submitToReportNanos() / 1e6);
                Map<String, Object> phase = new LinkedHashMap<>();
                phase.put("submitMs", r.submitNanos() / 1e6);
                phase.put("polls", r.polls());
                phase.put("doneMs", r.submitToDoneNanos() / 1e6);
                phase.put("reportMs", (r.submitToReportNanos() - r.submitToDoneNanos()) / 1e6);
                phase.put("serverMs", r.status().path("duration").asLong());
                phases.add(phase);
                if (i == 0) {
                    JsonNode results = r.results();
                    ArrayNode head = BenchClient.JSON.createArrayNode();
                    for (int k = 0; k < Math.min(3, results.size()); k++) {
                        head.add(results.get(k));
                    }
                    f.extra.put("resultRows", results.size());
                    f.extra.put("firstResults", head);
                    f.extra.put("serverDurationMs", r.status().path("duration").asLong());
                }
            }
        } catch (BenchClient.Rejected e) {
            f.error = "rejected: " + message(e);
        } catch (IOException e) {
            f.error = message(e);
        }
        recordMemory(f, node);
        if (f.error != null && !f.error.startsWith("rejected")) {
            f.error += nodeTrouble(node);
        }
        if (!times.isEmpty()) {
            double best = times.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            f.value = times.get(0);
            f.extra.put("firstMs", times.get(0));
            f.extra.put("bestMs", best);
            f.extra.put("runs", times.size());
            f.extra.put("runsMs", times);
            f.extra.put("runPhases", phases);
            f.note = "best of " + times.size() + " " + fmt(best) + " ms";
            if (targetMs != null) {
                f.met = times.get(0) <= targetMs;
            }
        }
        if (f.error != null) {
            f.met = false;
            log("  %s failed: %s", id, f.error);
        } else {
            log("  %s: first %s ms, %s", id, f.value == null ? "n/a" : fmt(f.value), f.note);
        }
    }

    private static String message(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** What the node's log and process say went wrong: an OutOfMemoryError, or the process having exited. */
    private static String nodeTrouble(BenchNode node) {
        StringBuilder sb = new StringBuilder();
        if (!node.process.isAlive()) {
            sb.append(" [node exited with ").append(node.process.exitValue()).append("]");
        }
        try {
            for (String line : Files.readAllLines(node.log)) {
                if (line.contains("OutOfMemoryError")) {
                    sb.append(" [node log: java.lang.OutOfMemoryError: Java heap space]");
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no log
        }
        return sb.toString();
    }

    private void recordMemory(Figure f, BenchNode node) {
        f.extra.put("peakRssMiB", node.peakRssBytes() / 1048576.0);
        f.extra.put("xmx", xmx);
    }

    private static List<Long> inputRowsPerWorker(BenchClient.Finished r) {
        List<Long> perWorker = new ArrayList<>();
        for (JsonNode worker : r.payload().at("/counters/0")) {
            long n = 0;
            for (JsonNode v : worker.at("/input0/rows")) {
                n += v.asLong();
            }
            perWorker.add(n);
        }
        return perWorker;
    }

    /**
     * Shuffle throughput from a finished task's report: the bytes the first stage reading another stage's output
     * pulled ({@code counters[stage][worker].input0.bytes}, every partition), over that stage's duration. The stage
     * also processes what it reads (for an ingestion: builds segments), so this is a lower bound of the transfer rate.
     * Null when the query has no such stage.
     */
    record Shuffle(int stage, long bytes, long millis) {
        double mibPerSecond() {
            return millis <= 0 ? 0 : bytes / 1048576.0 / (millis / 1000.0);
        }

        static Shuffle of(JsonNode payload) {
            for (JsonNode stage : payload.at("/stages")) {
                boolean readsStage = false;
                for (JsonNode in : stage.at("/definition/input")) {
                    readsStage |= "stage".equals(in.path("type").asText());
                }
                if (!readsStage) {
                    continue;
                }
                int n = stage.path("stageNumber").asInt();
                long bytes = 0;
                for (JsonNode worker : payload.at("/counters/" + n)) {
                    for (JsonNode b : worker.at("/input0/bytes")) {
                        bytes += b.asLong();
                    }
                }
                return new Shuffle(n, bytes, stage.path("duration").asLong());
            }
            return null;
        }
    }

    private static long sum(List<Long> xs) {
        long s = 0;
        for (long x : xs) {
            s += x;
        }
        return s;
    }

    static String extern(Path baseDir, String filter) {
        return "TABLE(EXTERN('{\"type\": \"local\", \"baseDir\": \"" + baseDir + "\", \"filter\": \"" + filter
                + "\"}', '{\"type\": \"json\"}', '" + SIGNATURE + "'))";
    }

    // ---- output

    private Figure add(String id, String name) {
        Figure f = new Figure(id, name);
        figures.add(f);
        return f;
    }

    private void printTable() {
        System.out.println();
        System.out.printf(Locale.ROOT, "Sluice bench: %,d rows, %d node(s), -Xmx%s, %d cores%n", rows, nodes, xmx,
                Runtime.getRuntime().availableProcessors());
        String fmt = "%-14s %-62s %16s %-12s %-44s %-6s %s%n";
        System.out.printf(Locale.ROOT, fmt, "id", "figure", "value", "unit", "target", "met", "notes");
        for (Figure f : figures) {
            String met = f.met == null ? "-" : f.met ? "yes" : "NO";
            String value = f.error != null ? "error" : f.value == null ? "n/a" : fmt(f.value);
            Object rss = f.extra.get("peakRssMiB");
            String notes = (f.error != null ? f.error.replace('\n', ' ') : f.note)
                    + (rss != null ? String.format(Locale.ROOT, " [peak RSS %.0f MiB]", (Double) rss) : "");
            System.out.printf(Locale.ROOT, fmt, f.id, truncate(f.name, 62), value, f.unit, truncate(f.target, 44),
                    met, truncate(notes, 300));
        }
        System.out.println("\nwritten: " + out.resolve("results.json"));
    }

    private void writeJson() throws IOException {
        ObjectNode root = BenchClient.JSON.createObjectNode();
        meta.put("finished", Instant.now().toString());
        meta.put("loadAverageAtEnd", BenchNode.loadAverage());
        root.set("meta", meta);
        ArrayNode arr = root.putArray("figures");
        for (Figure f : figures) {
            ObjectNode o = arr.addObject();
            o.put("id", f.id);
            o.put("figure", f.name);
            if (f.value != null) {
                o.put("value", f.value);
            } else {
                o.putNull("value");
            }
            o.put("unit", f.unit);
            o.put("target", f.target);
            if (f.met != null) {
                o.put("met", f.met);
            } else {
                o.putNull("met");
            }
            o.put("note", f.note);
            if (f.error != null) {
                o.put("error", f.error);
            }
            for (Map.Entry<String, Object> e : f.extra.entrySet()) {
                o.set(e.getKey(), BenchClient.JSON.valueToTree(e.getValue()));
            }
        }
        Files.writeString(out.resolve("results.json"),
                BenchClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    // ---- helpers

    void stopAll() {
        for (BenchNode n : running) {
            n.close();
            running.remove(n);
        }
    }

    private String git() {
        try {
            Process p = new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return s;
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    static long parseSize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        char last = t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * mult;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String fmt(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench %tT] " + format + "%n",
                java.util.stream.Stream.concat(java.util.stream.Stream.of(new java.util.Date()),
                        java.util.Arrays.stream(args)).toArray());
    }
}
