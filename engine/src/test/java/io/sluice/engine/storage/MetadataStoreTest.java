package io.sluice.engine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.segment.DataSegment;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {
    private static final long DAY = 86_400_000L;
    private static final long D1 = Intervals.parseInstant("2024-01-01T00:00:00.000Z");
    private static final String V1 = "2024-06-01T00:00:00.000Z";
    private static final String V2 = "2024-06-02T00:00:00.000Z";
    private static final ColumnSignature TIME = new ColumnSignature("__time", ColumnType.LONG);

    @TempDir
    Path dir;

    private MetadataStore store;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
    }

    /** The store under test; reopening must see the same data. */
    protected MetadataStore openStore() throws Exception {
        return MetadataStore.h2(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static TaskRecord task(String id, String ds, String created) {
        return new TaskRecord(id, "query_controller", ds, created, "RUNNING", -1, null, "localhost", 8100,
                "{\"id\":\"" + id + "\"}", null);
    }

    private static DataSegment seg(long day, String version, int partition, ColumnSignature... cols) {
        List<ColumnSignature> columns = new java.util.ArrayList<>();
        columns.add(TIME);
        columns.addAll(List.of(cols));
        return new DataSegment("wiki", D1 + day * DAY, D1 + (day + 1) * DAY, version, partition, "numbered", 1,
                columns, List.of(), 100, 10, "/deep/" + day + "/" + version + "/" + partition);
    }

    private static ColumnSignature col(String name, ColumnType type) {
        return new ColumnSignature(name, type);
    }

    @Test
    void taskLifecycle() {
        store.insertTask(task("t1", "wiki", "2024-01-01T00:00:00.000Z"));
        store.insertTask(task("t2", "other", "2024-01-02T00:00:00.000Z"));
        store.insertTask(task("t3", "wiki", "2024-01-03T00:00:00.000Z"));

        assertThat(store.findTask("t1")).contains(task("t1", "wiki", "2024-01-01T00:00:00.000Z"));
        assertThat(store.findTask("nope")).isEmpty();

        store.updateTaskStatus("t1", "FAILED", 1500, "boom");
        assertThat(store.findReport("t1")).isEmpty();
        store.completeTask("t1", "FAILED", 1500, "boom", "{\"multiStageQuery\":{}}");
        TaskRecord t1 = store.findTask("t1").orElseThrow();
        assertThat(t1.status()).isEqualTo("FAILED");
        assertThat(t1.durationMs()).isEqualTo(1500);
        assertThat(t1.errorMsg()).isEqualTo("boom");
        assertThat(t1.reportJson()).isEqualTo("{\"multiStageQuery\":{}}");
        assertThat(t1.payloadJson()).isEqualTo("{\"id\":\"t1\"}");
        assertThat(store.findTaskHeader("t1")).contains(t1.header());
        assertThat(store.findTaskHeader("nope")).isEmpty();
        assertThat(store.findReport("t1")).contains("{\"multiStageQuery\":{}}");
        assertThat(store.findReport("t2")).isEmpty(); // not saved yet
        assertThat(store.findReport("nope")).isEmpty();
        assertThat(store.findPayload("t1")).contains("{\"id\":\"t1\"}");
        assertThat(store.findPayload("nope")).isEmpty();

        store.updateTaskStatus("t3", "SUCCESS", 20, null);

        assertThat(store.listTaskHeaders(null, null, 0)).extracting(TaskHeader::id).containsExactly("t3", "t2", "t1");
        assertThat(store.listTaskHeaders(null, null, 2)).extracting(TaskHeader::id).containsExactly("t3", "t2");
        assertThat(store.listTaskHeaders(null, "wiki", 0)).extracting(TaskHeader::id).containsExactly("t3", "t1");
        assertThat(store.listTaskHeaders("RUNNING", null, 0)).extracting(TaskHeader::id).containsExactly("t2");
        assertThat(store.listTaskHeaders("SUCCESS", "other", 0)).isEmpty();

        assertThatThrownBy(() -> store.updateTaskStatus("nope", "SUCCESS", 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.updateTaskStatus("t2", "DONE", 1, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void completeTaskRecordsStatusAndReportTogether() {
        store.insertTask(task("t1", "wiki", "2024-01-01T00:00:00.000Z"));
        store.completeTask("t1", "SUCCESS", 42, null, "{\"r\":1}");
        TaskRecord t1 = store.findTask("t1").orElseThrow();
        assertThat(t1.status()).isEqualTo("SUCCESS");
        assertThat(t1.durationMs()).isEqualTo(42);
        assertThat(t1.errorMsg()).isNull();
        assertThat(t1.reportJson()).isEqualTo("{\"r\":1}");
        assertThatThrownBy(() -> store.completeTask("nope", "SUCCESS", 1, null, "{}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.completeTask("t1", "DONE", 1, null, "{}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void duplicateTaskIdIsRejected() {
        store.insertTask(task("t1", "wiki", "2024-01-01T00:00:00.000Z"));
        assertThatThrownBy(() -> store.insertTask(task("t1", "other", "2024-01-05T00:00:00.000Z")))
                .isInstanceOfSatisfying(DuplicateTaskException.class, e -> assertThat(e.taskId()).isEqualTo("t1"));
        assertThat(store.findTask("t1").orElseThrow().dataSource()).isEqualTo("wiki");
    }

    @Test
    void failRunningTasksAtStartupAndDataSurvivesReopen() throws Exception {
        store.insertTask(task("t1", "wiki", "2024-01-01T00:00:00.000Z"));
        store.insertTask(task("t2", "wiki", "2024-01-02T00:00:00.000Z"));
        store.updateTaskStatus("t2", "SUCCESS", 5, null);
        store.close();

        store = openStore();
        assertThat(store.failRunningTasks("Task was running when the server stopped")).containsExactly("t1");
        TaskRecord t1 = store.findTask("t1").orElseThrow();
        assertThat(t1.status()).isEqualTo("FAILED");
        assertThat(t1.errorMsg()).isEqualTo("Task was running when the server stopped");
        assertThat(t1.durationMs()).isZero();
        assertThat(store.findTask("t2").orElseThrow().status()).isEqualTo("SUCCESS");
        assertThat(store.failRunningTasks("again")).isEmpty();
    }

    @Test
    void insertThenReplaceOvershadows() {
        assertThat(store.dataSources()).isEmpty();
        assertThat(store.signature("wiki")).isEmpty();

        // INSERT: days 0,1,2 with version V1; day 1 has two partitions
        DataSegment d0 = seg(0, V1, 0, col("page", ColumnType.STRING), col("n", ColumnType.LONG));
        DataSegment d1p0 = seg(1, V1, 0, col("page", ColumnType.STRING));
        DataSegment d1p1 = seg(1, V1, 1, col("page", ColumnType.STRING), col("extra", ColumnType.DOUBLE));
        DataSegment d2 = seg(2, V1, 0, col("page", ColumnType.STRING), col("n", ColumnType.LONG));
        store.publishSegments("wiki", List.of(d0, d1p0, d1p1, d2), null);

        assertThat(store.dataSources()).containsExactly("wiki");
        assertThat(store.usedSegments("wiki")).containsExactly(d0, d1p0, d1p1, d2);
        assertThat(store.visibleSegments("wiki", D1 + DAY, D1 + 2 * DAY)).containsExactly(d1p0, d1p1);
        assertThat(store.signature("wiki")).contains(new RowSignature(List.of(
                TIME, col("page", ColumnType.STRING), col("n", ColumnType.LONG), col("extra", ColumnType.DOUBLE))));

        // REPLACE day 1 with a newer version where n became a STRING, and tombstone day 2
        DataSegment r1 = seg(1, V2, 0, col("n", ColumnType.STRING), col("page", ColumnType.STRING));
        DataSegment tomb = DataSegment.tombstone("wiki", D1 + 2 * DAY, D1 + 3 * DAY, V2);
        store.publishSegments(
                "wiki",
                List.of(r1, tomb),
                List.of(Intervals.format(D1 + DAY, D1 + 3 * DAY)));

        assertThat(store.usedSegments("wiki")).containsExactly(d0, r1, tomb);
        assertThat(store.visibleSegments("wiki", Intervals.ETERNITY_START, Intervals.ETERNITY_END))
                .containsExactly(d0, r1);
        assertThat(store.visibleSegments("wiki", D1 + 2 * DAY, D1 + 3 * DAY)).isEmpty();
        assertThat(store.signature("wiki")).contains(new RowSignature(List.of(
                TIME, col("n", ColumnType.STRING), col("page", ColumnType.STRING))));

        // REPLACE ALL with only a tombstone: nothing visible, the datasource disappears from the catalog
        store.publishSegments(
                "wiki",
                List.of(DataSegment.tombstone("wiki", Intervals.ETERNITY_START, Intervals.ETERNITY_END, "z")),
                List.of("ETERNITY"));
        assertThat(store.usedSegments("wiki")).hasSize(1);
        assertThat(store.dataSources()).isEmpty();
        assertThat(store.signature("wiki")).isEmpty();
    }

    private static DataSegment hour(long day, int hour, String version) {
        long start = D1 + day * DAY + hour * 3_600_000L;
        return new DataSegment("wiki", start, start + 3_600_000L, version, 0, "numbered", 1, List.of(TIME), List.of(),
                100, 10, "/deep/h" + day + "/" + hour + "/" + version);
    }

    private static DataSegment renumbered(DataSegment s, String version, int partition, int core) {
        return new DataSegment(s.dataSource(), s.start(), s.end(), version, partition, s.shardSpecType(), core,
                s.columns(), s.metrics(), s.size(), s.numRows(), s.loadSpecPath());
    }

    @Test
    void insertAppendsToTheVersionOfEachTimeChunkThatHasData() {
        DataSegment d0 = seg(0, V1, 0, col("page", ColumnType.STRING));
        DataSegment d1 = seg(1, V1, 0, col("page", ColumnType.STRING));
        assertThat(store.publishAppending("wiki", List.of(d0, d1))).containsExactly(d0, d1); // new chunks: as they are

        // a later INSERT into day 0 (two segments) and a new day 3, made with its own version V2
        DataSegment a0 = seg(0, V2, 0, col("page", ColumnType.STRING), col("n", ColumnType.LONG));
        DataSegment a1 = seg(0, V2, 1, col("page", ColumnType.STRING));
        DataSegment b = seg(3, V2, 0, col("page", ColumnType.STRING));
        List<DataSegment> published = store.publishAppending("wiki", List.of(a0, a1, b));
        assertThat(published).containsExactly(renumbered(a0, V1, 1, 1), renumbered(a1, V1, 2, 1), b);
        assertThat(store.visibleSegments("wiki", D1, D1 + DAY))
                .as("the old rows stay visible beside the new")
                .containsExactlyInAnyOrder(d0, published.get(0), published.get(1));
        assertThat(store.visibleSegments("wiki", Intervals.ETERNITY_START, Intervals.ETERNITY_END)).hasSize(5);

        // again: after the last partition of the newest version
        DataSegment c0 = seg(0, "2024-06-03T00:00:00.000Z", 0, col("page", ColumnType.STRING));
        assertThat(store.publishAppending("wiki", List.of(c0))).containsExactly(renumbered(c0, V1, 3, 1));
    }

    @Test
    void insertRefusesChunksOfAnotherGranularityAndPublishesNothing() {
        DataSegment d1 = seg(1, V1, 0, col("page", ColumnType.STRING));
        DataSegment h = hour(5, 3, V1);
        store.publishSegments("wiki", List.of(d1, h), null);
        List<DataSegment> before = store.usedSegments("wiki");
        DataSegment fine = seg(2, V2, 0);
        // an hour inside an existing day: Druid allocates the day; the INSERT must be partitioned by DAY
        assertThatThrownBy(() -> store.publishAppending("wiki", List.of(fine, hour(1, 7, V2))))
                .isInstanceOfSatisfying(MetadataStore.AllocationConflict.class, e -> {
                    assertThat(e.interval()).isEqualTo(Intervals.format(D1 + DAY + 7 * 3_600_000L,
                            D1 + DAY + 8 * 3_600_000L));
                    assertThat(e.allocatedInterval()).isEqualTo(Intervals.format(D1 + DAY, D1 + 2 * DAY));
                });
        // a day over an existing hour: nothing can hold it
        assertThatThrownBy(() -> store.publishAppending("wiki", List.of(seg(5, V2, 0))))
                .isInstanceOfSatisfying(MetadataStore.AllocationConflict.class,
                        e -> assertThat(e.allocatedInterval()).isNull());
        // range-partitioned segments (a REPLACE with CLUSTERED BY) cannot be extended
        DataSegment range = new DataSegment("wiki", D1 + 6 * DAY, D1 + 7 * DAY, V1, 0, DataSegment.RANGE, 1,
                List.of(TIME), List.of(), 1, 1, "/deep/r");
        store.publishSegments("wiki", List.of(range), null);
        assertThatThrownBy(() -> store.publishAppending("wiki", List.of(seg(6, V2, 0))))
                .isInstanceOf(MetadataStore.AllocationConflict.class);
        List<DataSegment> expected = new java.util.ArrayList<>(before);
        expected.add(range);
        assertThat(store.usedSegments("wiki")).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void concurrentInsertsIntoOneChunkGetDistinctPartitions() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String version = "2024-06-0" + (t + 1) + "T00:00:00.000Z";
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 5; i++) {
                        store.publishAppending("wiki", List.of(seg(9, version, 0)));
                    }
                }));
            }
            for (var f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<DataSegment> visible = store.visibleSegments("wiki", Intervals.ETERNITY_START, Intervals.ETERNITY_END);
        assertThat(visible).hasSize(20);
        assertThat(visible.stream().map(DataSegment::version).distinct()).hasSize(1);
        assertThat(visible.stream().map(DataSegment::partitionNum).sorted())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
    }

    @Test
    void overshadowingWithoutMarkingUnused() {
        // an INSERT with a newer version covering an older segment hides it even though both stay used
        DataSegment old = seg(0, V1, 0, col("a", ColumnType.STRING));
        DataSegment newer = new DataSegment("wiki", D1 - DAY, D1 + 2 * DAY, V2, 0, "numbered", 1,
                List.of(TIME, col("b", ColumnType.LONG)), List.of(), 1, 1, "/deep/x");
        DataSegment partial = seg(2, V1, 0, col("c", ColumnType.STRING)); // overlaps [D1+2d, D1+3d): not covered
        store.publishSegments("wiki", List.of(old, newer, partial), null);
        assertThat(store.usedSegments("wiki")).hasSize(3);
        assertThat(store.visibleSegments("wiki", Intervals.ETERNITY_START, Intervals.ETERNITY_END))
                .containsExactlyInAnyOrder(newer, partial);
    }

    @Test
    void publishIsAllOrNothing() {
        DataSegment d0 = seg(0, V1, 0, col("page", ColumnType.STRING));
        store.publishSegments("wiki", List.of(d0), null);

        DataSegment r0 = seg(0, V2, 0, col("page", ColumnType.STRING));
        DataSegment r1 = seg(1, V2, 0, col("page", ColumnType.STRING));
        // the duplicate id fails the third insert, after the unused-marking and two inserts ran
        assertThatThrownBy(() -> store.publishSegments("wiki", List.of(r0, r1, r1), List.of("ETERNITY")))
                .isInstanceOf(MetadataStoreException.class);

        assertThat(store.usedSegments("wiki")).containsExactly(d0);
        assertThat(store.visibleSegments("wiki", Intervals.ETERNITY_START, Intervals.ETERNITY_END))
                .containsExactly(d0);

        // and the store is still usable: the same publish without the duplicate succeeds
        store.publishSegments("wiki", List.of(r0, r1), List.of("ETERNITY"));
        assertThat(store.usedSegments("wiki")).containsExactly(r0, r1);
    }

    @Test
    void segmentsPublishedByAnotherNodeAreSeenAtOnce() {
        String url = "jdbc:h2:mem:" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (MetadataStore a = MetadataStore.connect(url, "sa", "");
                MetadataStore b = MetadataStore.connect(url, "sa", "")) {
            DataSegment d0 = seg(0, V1, 0, col("page", ColumnType.STRING));
            a.publishSegments("wiki", List.of(d0), null);
            assertThat(a.usedSegments("wiki")).containsExactly(d0);
            assertThat(b.usedSegments("wiki")).containsExactly(d0);

            DataSegment d1 = seg(1, V1, 0, col("page", ColumnType.STRING), col("n", ColumnType.LONG));
            b.publishSegments("wiki", List.of(d1), null);
            assertThat(a.usedSegments("wiki")).containsExactly(d0, d1);
            assertThat(a.signature("wiki")).contains(new RowSignature(List.of(
                    TIME, col("page", ColumnType.STRING), col("n", ColumnType.LONG))));

            DataSegment r0 = seg(0, V2, 0, col("page", ColumnType.STRING));
            b.publishSegments("wiki", List.of(r0), List.of(Intervals.format(D1, D1 + DAY)));
            assertThat(a.usedSegments("wiki")).containsExactly(r0, d1);
            assertThat(a.visibleSegments("wiki", D1, D1 + DAY)).containsExactly(r0);
        }
    }

    @Test
    void connectByJdbcUrl() {
        try (MetadataStore other = MetadataStore.connect(
                "jdbc:h2:mem:" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "")) {
            other.insertTask(task("t1", "wiki", "2024-01-01T00:00:00.000Z"));
            other.publishSegments("wiki", List.of(seg(0, V1, 0, col("page", ColumnType.STRING))), null);
            assertThat(other.findTask("t1")).isPresent();
            assertThat(other.dataSources()).containsExactly("wiki");
        }
        assertThat(store.findTask("t1")).isEmpty(); // a different database from the file store
    }

    @Test
    void rejectsSegmentsOfAnotherDataSource() {
        assertThatThrownBy(() -> store.publishSegments("other", List.of(seg(0, V1, 0)), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.usedSegments("wiki")).isEmpty();
    }
}
