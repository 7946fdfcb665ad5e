package io.sluice.node;

import com.typesafe.config.Config;
import java.util.Arrays;

/** {@code bin/sluice start [options]}: runs one node in the foreground until Ctrl-C or SIGTERM. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(NodeOptions.USAGE);
            return;
        }
        NodeOptions options;
        try {
            options = NodeOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Config config = SluiceNode.config(options);
        SluiceNode node = SluiceNode.start(config);
        String http = node.httpPort() < 0 ? "no HTTP API (not a broker)"
                : "http://" + config.getString("sluice.http.host") + ":" + node.httpPort();
        System.out.println("Sluice is up: " + http + ", Akka " + node.system().address()
                + "  (data in " + node.dataDir() + ", roles " + config.getStringList("akka.cluster.roles") + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "sluice-shutdown"));
        node.system().getWhenTerminated().toCompletableFuture().join();
    }
}
