package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.node.SluiceNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node whose metadata store is PostgreSQL (the cluster option): a throwaway server from the machine's PostgreSQL
 * binaries on a free loopback port, an ingestion, queries, status and report, then the server is stopped and its
 * directory deleted. Skipped where no PostgreSQL server binaries are installed.
 */
class PostgresMetadataTest {
    static Path bin;
    static Path root;
    static Path pgdata;
    static int pgPort;
    static boolean asRoot;
    static boolean serverStarted;
    static SluiceNode node;

    @BeforeAll
    static void start() throws Exception {
        bin = findPostgres();
        assumeTrue(bin != null, "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin");
        asRoot = "root".equals(System.getProperty("user.name"));
        root = Files.createTempDirectory("sluice-pg");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        pgdata = root.resolve("pgdata");
        Files.createDirectories(pgdata);
        if (asRoot) {
            UserPrincipal postgres = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(pgdata, postgres);
        }
        Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
        run(bin.resolve("initdb").toString(), "-D", pgdata.toString(), "-U", "postgres", "-A", "trust", "--no-sync",
                "-E", "UTF8");
        pgPort = ClusterNodes.freePort();
        run(bin.resolve("pg_ctl").toString(), "-D", pgdata.toString(), "-w", "-t", "60", "-l",
                pgdata.resolve("server.log").toString(), "-o",
                "-p " + pgPort + " -c listen_addresses=127.0.0.1 -k " + pgdata + " -c fsync=off", "start");
        serverStarted = true;
        String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
        String shared = ClusterNodes.sharedConfig(jdbc, root.resolve("deep"));
        int akka = ClusterNodes.freePort();
        node = ClusterNodes.start(root.resolve("var"), akka, akka, List.of("overlord", "broker", "worker"), shared);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (serverStarted) {
            run(bin.resolve("pg_ctl").toString(), "-D", pgdata.toString(), "-m", "immediate", "stop");
        }
        if (root != null) {
            try (Stream<Path> all = Files.walk(root)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Path findPostgres() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.naturalOrder())
                    .orElse(null);
        }
    }

    /** Runs a PostgreSQL tool (as the postgres user when we are root: the server refuses to run as root). */
    static void run(String... cmd) throws Exception {
        List<String> full = new ArrayList<>();
        if (asRoot) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(cmd));
        Path out = Files.createTempFile("sluice-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + full + "\n" + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("exit " + p.exitValue() + ": " + full + "\n" + Files.readString(out));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void ingestsQueriesAndKeepsTasksInPostgres() throws Exception {
        Path input = root.resolve("input");
        ClusterNodes.splitSample(TestNodes.wikipediaSample(root.resolve("sample")), input, 2);
        SluiceClient client = new SluiceClient(node.httpPort());
        String sql = "INSERT INTO wikipedia\nSELECT TIME_PARSE(\"time\") AS __time, " + SeedWorkflowTest.COLUMNS
                + "\nFROM " + ClusterTest.extern(input, "*.json.gz") + "\nPARTITIONED BY DAY";
        String id = client.submitOk(sql, Map.of("maxNumTasks", 3));
        JsonNode status = client.await(id, Duration.ofSeconds(120));
        assertThat(status.get("statusCode").asText()).as(client.report(id).toPrettyString()).isEqualTo("SUCCESS");
        assertThat(client.select("SELECT COUNT(*) FROM wikipedia").get(0).get(0).asLong())
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS);
        assertThat(client.select(
                        "SELECT channel, COUNT(*) AS cnt, SUM(added) AS added FROM wikipedia GROUP BY 1 ORDER BY 2 DESC"
                                + " LIMIT 5")
                .toString()).isEqualTo(ClusterTest.TOP5);
        assertThat(client.get("/druid/indexer/v1/tasks?state=complete").json().size()).isGreaterThanOrEqualTo(3);
        assertThat(client.get("/druid/coordinator/v1/metadata/datasources/wikipedia/segments?full").json().size())
                .isEqualTo(1);

        // The tasks, their reports and the segments are rows in PostgreSQL.
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "");
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT status, report IS NOT NULL FROM sluice_tasks WHERE id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("SUCCESS");
            assertThat(rs.getBoolean(2)).isTrue();
        }
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "");
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT COUNT(*) FROM sluice_segments WHERE datasource = 'wikipedia' AND used")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        // A restarted node reads it all back.
        node.close();
        int akka = ClusterNodes.freePort();
        node = ClusterNodes.start(root.resolve("var"), akka, akka, List.of("overlord", "broker", "worker"),
                ClusterNodes.sharedConfig("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", root.resolve("deep")));
        client = new SluiceClient(node.httpPort());
        assertThat(client.status(id).get("statusCode").asText()).isEqualTo("SUCCESS");
        assertThat(client.select("SELECT COUNT(*) FROM wikipedia").get(0).get(0).asLong())
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS);
    }
}
