package io.sluice.engine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table creation by nodes that start together: idempotent, and a lost creation race is retried. */
class MetadataStoreDdlTest {
    @TempDir
    Path dir;

    @Test
    void aLostCreationRaceIsRetriedUntilTheStatementSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        MetadataStore.executeIdempotent(() -> {
            if (calls.incrementAndGet() < 3) {
                // What PostgreSQL raises when two sessions create the same table at once.
                throw new SQLException("duplicate key value violates unique constraint \"pg_type_typname_nsp_index\"",
                        "23505");
            }
        }, 10, 1);
        assertThat(calls).hasValue(3);
    }

    @Test
    void otherErrorsAndRacesLostTooOftenAreThrown() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> MetadataStore.executeIdempotent(() -> {
                    calls.incrementAndGet();
                    throw new SQLException("syntax error", "42601");
                }, 10, 1))
                .isInstanceOf(SQLException.class)
                .hasMessage("syntax error");
        assertThat(calls).hasValue(1);

        calls.set(0);
        assertThatThrownBy(() -> MetadataStore.executeIdempotent(() -> {
                    calls.incrementAndGet();
                    throw new SQLException("relation \"sluice_tasks\" already exists", "42P07");
                }, 4, 1))
                .isInstanceOf(SQLException.class);
        assertThat(calls).hasValue(4);
    }

    @Test
    void racesAreRecognisedByStateAlsoWhenWrapped() {
        assertThat(MetadataStore.isCreationRace(new SQLException("x", "42S01"))).isTrue();
        assertThat(MetadataStore.isCreationRace(new SQLException("outer", "XX000", new SQLException("in", "40P01"))))
                .isTrue();
        assertThat(MetadataStore.isCreationRace(new SQLException(
                "General error: \"java.lang.RuntimeException: object already exists: SLUICE_SEGMENTS_DS_USED\"",
                "HY000", 50000))).isTrue();
        assertThat(MetadataStore.isCreationRace(new SQLException("General error: out of memory", "HY000", 50000)))
                .isFalse();
        assertThat(MetadataStore.isCreationRace(new SQLException("no state"))).isFalse();
        assertThat(MetadataStore.isCreationRace(new SQLException("bad", "42601"))).isFalse();
    }

    @Test
    void nodesStartingTogetherAllOpenTheSameStore() throws Exception {
        // One shared database (AUTO_SERVER: the first opener serves it), eight stores opening it at the same moment.
        String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("metadata") + ";AUTO_SERVER=TRUE";
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<MetadataStore>> opened = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                opened.add(pool.submit(() -> {
                    go.await();
                    return MetadataStore.connect(url, "sa", "");
                }));
            }
            go.countDown();
            List<MetadataStore> stores = new ArrayList<>();
            for (Future<MetadataStore> f : opened) {
                stores.add(f.get(60, TimeUnit.SECONDS));
            }
            stores.get(0).insertTask(new TaskRecord("t1", "query_controller", "wiki", "2026-01-01T00:00:00.000Z",
                    "RUNNING", -1, null, "localhost", 8100, "{\"id\":\"t1\"}", null));
            for (MetadataStore s : stores) {
                assertThat(s.findTask("t1")).isPresent();
                s.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
