package io.sluice.e2e;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.sluice.node.NodeOptions;
import io.sluice.node.SluiceNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Multi-node helpers: free loopback ports, the config of one member of a test cluster (shared metadata store and deep
 * storage, a short split-brain-resolver delay), and input files cut from or scaled up from the wikipedia sample.
 */
final class ClusterNodes {
    private ClusterNodes() {}

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An H2 metadata store several nodes (and JVMs) of one machine share. */
    static String sharedH2(Path dir) {
        return "jdbc:h2:file:" + dir.toAbsolutePath().resolve("metadata") + ";AUTO_SERVER=TRUE";
    }

    /** HOCON for the members of one test cluster: what {@code --config} gives a node. */
    static String sharedConfig(String jdbcUrl, Path deepStorage) {
        return String.join("\n",
                "sluice.metadata.jdbc-url = \"" + jdbcUrl + "\"",
                "sluice.metadata.user = \"" + (jdbcUrl.startsWith("jdbc:postgresql:") ? "postgres" : "") + "\"",
                "sluice.deep-storage-dir = \"" + deepStorage.toAbsolutePath() + "\"",
                "akka.cluster.split-brain-resolver.stable-after = 2s",
                "akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s",
                "akka.cluster.failure-detector.heartbeat-interval = 500ms",
                "akka.cluster.down-removal-margin = 1s",
                "akka.cluster.singleton.hand-over-retry-interval = 500ms",
                "akka.remote.artery.advanced.give-up-system-message-after = 10s",
                "akka.loglevel = WARNING",
                "akka.cluster.jmx.multi-mbeans-in-same-jvm = on",
                // several members share this JVM and two cores: their planner warm-ups at start (seconds of CPU each)
                // would compete with the first queries and the failure detector's 3 s heartbeat pause
                "sluice.planner.warm-up = false",
                "sluice.warm-up.execution = false",
                "");
    }

    /** Starts an in-JVM member: HTTP on port 0, Akka on {@code akkaPort}, every message serialised. */
    static SluiceNode start(Path dataDir, int akkaPort, int seedPort, List<String> roles, String sharedConfig)
            throws Exception {
        Map<String, Object> over = new HashMap<>();
        over.put("sluice.http.port", 0);
        over.put("akka.actor.serialize-messages", "on");
        over.put("akka.coordinated-shutdown.exit-jvm", "off");
        over.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
        Config overrides = ConfigFactory.parseMap(over)
                .withFallback(ConfigFactory.parseString(sharedConfig));
        NodeOptions o = new NodeOptions(null, akkaPort, dataDir, null, roles, List.of("127.0.0.1:" + seedPort), null);
        Config c = overrides.withFallback(SluiceNode.config(o)).resolve();
        return SluiceNode.start(c.withValue("akka.cluster.seed-nodes",
                ConfigValueFactory.fromIterable(List.of("akka://sluice@127.0.0.1:" + seedPort))));
    }

    /** Cuts the sample into {@code n} gzipped JSON files (rows dealt round-robin) in {@code dir}. */
    static List<Path> splitSample(Path sample, Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        List<BufferedWriter> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve("part-" + i + ".json.gz");
            files.add(f);
            out.add(writer(f, Deflater.DEFAULT_COMPRESSION));
        }
        int k = 0;
        try (BufferedReader in = reader(sample)) {
            String line;
            while ((line = in.readLine()) != null) {
                BufferedWriter w = out.get(k++ % n);
                w.write(line);
                w.write('\n');
            }
        } finally {
            for (BufferedWriter w : out) {
                w.close();
            }
        }
        return files;
    }

    /**
     * Writes {@code copies} copies of the sample into {@code files} gzipped files, copy {@code c} shifted by
     * {@code c} whole days, and returns the number of rows written.
     */
    static long scaleSample(Path sample, Path dir, int copies, int files) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = reader(sample)) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        }
        String day0 = "\"time\":\"2015-09-12T";
        long rows = 0;
        List<BufferedWriter> out = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            out.add(writer(dir.resolve("big-" + i + ".json.gz"), Deflater.BEST_SPEED));
        }
        try {
            for (int c = 0; c < copies; c++) {
                String day = "\"time\":\"" + LocalDate.of(2015, 9, 12).plusDays(c) + "T";
                BufferedWriter w = out.get(c % files);
                for (String line : lines) {
                    w.write(line.replace(day0, day));
                    w.write('\n');
                    rows++;
                }
            }
        } finally {
            for (BufferedWriter w : out) {
                w.close();
            }
        }
        return rows;
    }

    private static BufferedReader reader(Path gz) throws IOException {
        return new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gz), 1 << 16), StandardCharsets.UTF_8), 1 << 16);
    }

    private static BufferedWriter writer(Path gz, int level) throws IOException {
        OutputStream os = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16) {
            {
                def.setLevel(level);
            }
        };
        return new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
    }
}
