package io.sluice.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** A Sluice node in a child JVM ({@code io.sluice.node.Main}), so that its RSS can be read from /proc. */
final class BenchNode implements AutoCloseable {
    final String name;
    final Process process;
    final int httpPort;
    final int akkaPort;
    final Path dataDir;
    final Path log;
    final List<String> command;

    private BenchNode(String name, Process process, int httpPort, int akkaPort, Path dataDir, Path log,
            List<String> command) {
        this.name = name;
        this.process = process;
        this.httpPort = httpPort;
        this.akkaPort = akkaPort;
        this.dataDir = dataDir;
        this.log = log;
        this.command = command;
    }

    /**
     * Starts {@code java <jvmArgs> -cp <classpath> io.sluice.node.Main --http-port … --akka-port … --data-dir …
     * <extra>} with its output in {@code <dataDir>.log}.
     */
    static BenchNode start(String name, String classpath, List<String> jvmArgs, Path dataDir, int akkaPort,
            List<String> extra) throws IOException {
        int http = freePort();
        Files.createDirectories(dataDir);
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", classpath, "io.sluice.node.Main", "--http-port", String.valueOf(http),
                "--akka-port", String.valueOf(akkaPort), "--data-dir", dataDir.toString()));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new BenchNode(name, p, http, akkaPort, dataDir, log, List.copyOf(cmd));
    }

    /** Ports this process has handed out: the system may offer a just-closed one again (HTTP and Akka then clash). */
    private static final Set<Integer> GIVEN = new HashSet<>();

    /** A free loopback port, never one handed out before in this process. */
    static synchronized int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** Waits until {@code /status/health} answers, or fails with the tail of the node's log. */
    void awaitHealthy(BenchClient client, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + ": " + tailOfLog());
            }
            if (client.healthy()) {
                return;
            }
            BenchClient.sleep(100);
        }
        throw new IOException(name + " not healthy after " + deadline + ": " + tailOfLog());
    }

    /**
     * Waits until the node's log says its start-up warm-up ran (or failed: it logs that too); returns the seconds
     * waited, or -1 when the deadline passed first.
     */
    double awaitWarmedUp(Duration deadline) throws IOException {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + ": " + tailOfLog());
            }
            String text = Files.readString(log);
            if (text.contains("Execution warmed up") || text.contains("Execution warm-up:")) {
                return (System.nanoTime() - start) / 1e9;
            }
            BenchClient.sleep(100);
        }
        return -1;
    }

    String tailOfLog() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** VmHWM (peak resident set) in bytes, or -1 if /proc is not readable. */
    long peakRssBytes() {
        return procStatus("VmHWM:");
    }

    long rssBytes() {
        return procStatus("VmRSS:");
    }

    /** Resets VmHWM to the current RSS (Linux: write 5 to /proc/PID/clear_refs); false if not possible. */
    boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc", String.valueOf(pid()), "clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** User + system CPU time of the node process so far, in seconds (USER_HZ assumed 100), or -1. */
    double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ppid(1) ... utime(11) stime(12)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Waits until the node has been quiet — under 10% of a core over 300 ms — and the machine too — under 15% of its
     * cores busy over the same 300 ms — or {@code max} has passed, and returns the seconds waited. After an ingestion
     * the node goes on for a few seconds (the JIT compiles what the ingestion ran, the collector and the metadata store
     * tidy up), and the kernel for a while after it (W1's ~2 GB of deleted spill files leave the page cache: the
     * machine was still 37–75% busy when the node had gone quiet); a query's first run measured then measures that
     * too.
     */
    double awaitQuiet(java.time.Duration max) {
        long start = System.nanoTime();
        long end = start + max.toNanos();
        double before = cpuSeconds();
        if (before < 0) {
            return 0;
        }
        long[] machineBefore = machineTicks();
        while (System.nanoTime() < end) {
            BenchClient.sleep(300);
            double now = cpuSeconds();
            long[] machineNow = machineTicks();
            boolean machineQuiet = machineBefore == null || machineNow == null
                    || busyShare(machineBefore, machineNow) < 0.15;
            if (now - before < 0.03 && machineQuiet) {
                break;
            }
            before = now;
            machineBefore = machineNow;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The machine's CPU ticks from /proc/stat: {all, idle + iowait}, or null where there is none. */
    static long[] machineTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long all = 0;
            for (int i = 1; i < f.length; i++) {
                all += Long.parseLong(f[i]);
            }
            return new long[] {all, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Share of the machine's CPU time between two {@link #machineTicks} readings that was busy. */
    static double busyShare(long[] before, long[] after) {
        long all = after[0] - before[0];
        return all <= 0 ? 0 : 1.0 - (double) (after[1] - before[1]) / all;
    }

    /** The 1-minute load average of the machine (other processes compete for the cores), or -1. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private long procStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
