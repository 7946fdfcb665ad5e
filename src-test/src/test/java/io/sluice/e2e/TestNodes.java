package io.sluice.e2e;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sluice.node.NodeOptions;
import io.sluice.node.SluiceNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** Starts real nodes on loopback with random ports, every message serialised (as across the network). */
final class TestNodes {
    private TestNodes() {}

    static SluiceNode start(Path dataDir) throws Exception {
        return start(dataDir, Map.of());
    }

    /** A node with extra config settings (e.g. {@code sluice.export.base-dirs}). */
    static SluiceNode start(Path dataDir, Map<String, Object> extra) throws Exception {
        Config overrides = ConfigFactory.parseMap(extra).withFallback(ConfigFactory.parseMap(Map.of(
                "sluice.http.port", 0,
                "akka.remote.artery.canonical.port", 0,
                "akka.actor.serialize-messages", "on",
                "akka.coordinated-shutdown.exit-jvm", "off",
                "akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off",
                "akka.loglevel", "WARNING",
                // a test's first queries need no compiled code, and its node must not spend seconds of CPU at start
                "sluice.warm-up.execution", false)));
        NodeOptions o = new NodeOptions(null, null, dataDir, null, List.of(), List.of(), null);
        return SluiceNode.start(overrides.withFallback(SluiceNode.config(o)).resolve());
    }

    /** The wikipedia sample (39,244 rows), copied out of the test resources into {@code dir}. */
    static Path wikipediaSample(Path dir) throws IOException {
        Path target = dir.resolve("wikiticker-2015-09-12-sampled.json.gz");
        if (!Files.exists(target)) {
            Files.createDirectories(dir);
            try (InputStream in = TestNodes.class.getResourceAsStream("/data/wikiticker-2015-09-12-sampled.json.gz")) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }

    /**
     * Serves {@code file} at {@code path} very slowly (a chunk every 200 ms), so that a task reading it is still
     * running when a test cancels it or kills a node. The handler ends quietly when the reader goes away.
     */
    static void serveSlowly(com.sun.net.httpserver.HttpServer server, String path, Path file, int chunkBytes) {
        server.createContext(path, ex -> {
            ex.sendResponseHeaders(200, 0);
            try (InputStream in = Files.newInputStream(file);
                    java.io.OutputStream out = ex.getResponseBody()) {
                byte[] buf = new byte[chunkBytes];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    SluiceClient.sleep(200);
                }
            } catch (IOException e) {
                // the reader went away (canceled or killed): expected
            }
        });
    }
}
