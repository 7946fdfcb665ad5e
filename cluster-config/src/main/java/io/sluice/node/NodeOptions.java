package io.sluice.node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of a node ({@code bin/sluice start --help}). Each maps onto a config key and wins over the
 * config file, which wins over the defaults.
 */
public record NodeOptions(
        Integer httpPort, Integer akkaPort, Path dataDir, Path configFile, List<String> roles, List<String> seedNodes,
        String host) {
    public static final String USAGE = String.join("\n",
            "Usage: sluice start [options]",
            "  --http-port N        HTTP port of the Druid-compatible API (default 8888)",
            "  --akka-port N        Akka remoting port (default 2551)",
            "  --data-dir DIR       deep storage, metadata store and temp files (default ./var)",
            "  --config FILE        HOCON file overriding the defaults (see cluster-config/src/main/resources)",
            "  --roles R1,R2        any of overlord,broker,worker (default: all three)",
            "  --seed-nodes H:P,... Akka seed nodes to join (default: join itself, single node)",
            "  --host HOST          address to bind and advertise (default 127.0.0.1)",
            "  --help               this text");

    public static NodeOptions parse(String[] args) {
        Integer http = null;
        Integer akka = null;
        Path data = null;
        Path config = null;
        List<String> roles = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        String host = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--http-port" -> http = Integer.parseInt(value(args, ++i, a));
                case "--akka-port" -> akka = Integer.parseInt(value(args, ++i, a));
                case "--data-dir" -> data = Path.of(value(args, ++i, a));
                case "--config" -> config = Path.of(value(args, ++i, a));
                case "--roles" -> roles.addAll(List.of(value(args, ++i, a).split(",")));
                case "--seed-nodes" -> seeds.addAll(List.of(value(args, ++i, a).split(",")));
                case "--host" -> host = value(args, ++i, a);
                default -> throw new IllegalArgumentException("Unknown option " + a + "\n" + USAGE);
            }
        }
        return new NodeOptions(http, akka, data, config, List.copyOf(roles), List.copyOf(seeds), host);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("Option " + option + " needs a value\n" + USAGE);
        }
        return args[i];
    }
}
