package io.sluice.engine.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The same tests against PostgreSQL, when {@code SLUICE_TEST_POSTGRES_URL} (and optionally {@code
 * SLUICE_TEST_POSTGRES_USER} / {@code SLUICE_TEST_POSTGRES_PASSWORD}) point at a scratch database. The tables are
 * dropped before each test.
 */
@EnabledIfEnvironmentVariable(named = "SLUICE_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class MetadataStorePostgresTest extends MetadataStoreTest {
    private boolean cleaned;

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null ? dflt : v;
    }

    @Override
    protected MetadataStore openStore() throws Exception {
        String url = System.getenv("SLUICE_TEST_POSTGRES_URL");
        String user = env("SLUICE_TEST_POSTGRES_USER", "postgres");
        String password = env("SLUICE_TEST_POSTGRES_PASSWORD", "");
        if (!cleaned) {
            try (Connection c = DriverManager.getConnection(url, user, password);
                    Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS sluice_tasks");
                s.execute("DROP TABLE IF EXISTS sluice_segments");
            }
            cleaned = true;
        }
        return MetadataStore.connect(url, user, password);
    }
}
