package io.sluice.http;

import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/** {@code /status} and {@code /status/health}, as every Druid service answers them. */
final class StatusRoutes extends AllDirectives {
    static final String VERSION = "sluice-0.1.0";

    Route route() {
        return pathPrefix("status", () -> get(() -> concat(
                pathEnd(() -> complete(DruidJson.ok(status()))),
                path("health", () -> complete(DruidJson.ok(true))))));
    }

    static ObjectNode status() {
        Runtime rt = Runtime.getRuntime();
        ObjectNode body = DruidJson.object();
        body.put("version", VERSION);
        body.putArray("modules");
        ObjectNode memory = body.putObject("memory");
        long total = rt.totalMemory();
        long free = rt.freeMemory();
        memory.put("maxMemory", rt.maxMemory());
        memory.put("totalMemory", total);
        memory.put("freeMemory", free);
        memory.put("usedMemory", total - free);
        memory.put("directMemory", maxDirectMemory(rt));
        return body;
    }

    /** -XX:MaxDirectMemorySize, or the heap maximum the JVM uses when it is not set (as Druid's JvmUtils). */
    private static long maxDirectMemory(Runtime rt) {
        try {
            HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long configured = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
            return configured > 0 ? configured : rt.maxMemory();
        } catch (RuntimeException e) {
            return rt.maxMemory();
        }
    }
}
