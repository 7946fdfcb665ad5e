package io.sluice.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Sluice node in its own JVM ({@code io.sluice.node.Main}, as {@code bin/sluice start} runs it), on the test's
 * class path, its output in a log file. {@link #kill()} is {@code kill -9}; {@link #stop()} is SIGTERM.
 */
final class NodeProcess implements AutoCloseable {
    final String name;
    final int httpPort;
    final int akkaPort;
    final Path log;
    private final Process process;

    private NodeProcess(String name, int httpPort, int akkaPort, Path log, Process process) {
        this.name = name;
        this.httpPort = httpPort;
        this.akkaPort = akkaPort;
        this.log = log;
        this.process = process;
    }

    static NodeProcess launch(String name, Path dir, int seedPort, int akkaPort, String roles, Path config)
            throws IOException {
        return launch(name, dir, seedPort, akkaPort, roles, config, "384m");
    }

    /** As above with the node's maximum heap ({@code -Xmx}). */
    static NodeProcess launch(String name, Path dir, int seedPort, int akkaPort, String roles, Path config, String xmx)
            throws IOException {
        int httpPort = ClusterNodes.freePort();
        Files.createDirectories(dir);
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + xmx,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.sluice.node.Main",
                "--http-port", String.valueOf(httpPort),
                "--akka-port", String.valueOf(akkaPort),
                "--data-dir", dir.resolve("var").toString(),
                "--seed-nodes", "127.0.0.1:" + seedPort,
                "--roles", roles,
                "--config", config.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new NodeProcess(name, httpPort, akkaPort, log, p);
    }

    /** Waits for the node's "Sluice is up" line. */
    NodeProcess awaitUp(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (logText().contains("Sluice is up")) {
                return this;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited " + process.exitValue() + ":\n" + logText());
            }
            SluiceClient.sleep(100);
        }
        throw new AssertionError(name + " not up within " + deadline + ":\n" + logText());
    }

    /** The worker host name this node advertises ({@code GET /druid/indexer/v1/workers}, report workerDesc). */
    String workerHost(boolean broker) {
        return "127.0.0.1:" + (broker ? httpPort : akkaPort);
    }

    SluiceClient client() {
        return new SluiceClient(httpPort);
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no goodbye to the cluster. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the node leaves through CoordinatedShutdown. Returns the exit code, or -1 if still running. */
    int stop(Duration deadline) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
