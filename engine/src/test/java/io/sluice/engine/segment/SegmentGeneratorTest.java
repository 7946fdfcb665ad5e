package io.sluice.engine.segment;

import static io.sluice.engine.segment.SegmentFileTest.drain;
import static io.sluice.engine.segment.SegmentFileTest.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.storage.LocalDeepStorage;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentGeneratorTest {
    private static final long DAY = 86_400_000L;
    private static final long D1 = Intervals.parseInstant("2024-01-01T00:00:00.000Z");

    // upstream signature: v0 is the timestamp, d0/d1 dimensions, in a different order from storage
    private static final RowSignature INPUT = RowSignature.builder()
            .add("d1", ColumnType.LONG)
            .add("v0", ColumnType.LONG)
            .add("d0", ColumnType.STRING)
            .build();
    private static final List<ColumnMapping> MAPPINGS = List.of(
            new ColumnMapping("v0", "__time"), new ColumnMapping("d0", "country"), new ColumnMapping("d1", "n"));
    private static final List<ColumnSignature> DIMS =
            List.of(new ColumnSignature("country", ColumnType.STRING), new ColumnSignature("n", ColumnType.LONG));

    @TempDir
    Path dir;

    private SegmentGeneratorSpec spec(Granularity g, List<String> replace, long rowsPerSegment) {
        return spec(g, replace, rowsPerSegment, 100_000);
    }

    private SegmentGeneratorSpec spec(Granularity g, List<String> replace, long rowsPerSegment, int maxRowsInMemory) {
        return new SegmentGeneratorSpec("wiki", g, MAPPINGS, DIMS, List.of(), replace, List.of("country"),
                rowsPerSegment, maxRowsInMemory);
    }

    private List<GeneratedSegment> run(SegmentGeneratorSpec spec, List<Object[]> rows, SegmentGenerationCounters c) {
        LocalDeepStorage deep = new LocalDeepStorage(dir.resolve("deep"));
        return new SegmentGenerator()
                .generate(spec, INPUT, source(rows), "2024-06-01T00:00:00.000Z", dir.resolve("tmp"), deep, c);
    }

    private static Object[] in(long time, String country, Long n) {
        return new Object[] {n, time, country};
    }

    @Test
    void oneSegmentPerDayWithRowsSortedByTimeThenClustering() {
        List<Object[]> rows = new ArrayList<>();
        // day 1 arrives sorted by clustering key (country), not by time
        rows.add(in(D1 + 5000, "DE", 1L));
        rows.add(in(D1 + 1000, "FR", 2L));
        rows.add(in(D1 + 1000, "DE", 3L));
        rows.add(in(D1 + DAY + 10, "US", null));
        rows.add(in(D1 + 2 * DAY + 20, null, 5L));
        rows.add(in(D1 + 2 * DAY + 30, "", 6L));
        SegmentGenerationCounters counters = new SegmentGenerationCounters();

        List<GeneratedSegment> segs = run(spec(Granularity.of("DAY"), null, 1000), rows, counters);

        assertThat(segs).extracting(GeneratedSegment::start).containsExactly(D1, D1 + DAY, D1 + 2 * DAY);
        assertThat(segs).extracting(GeneratedSegment::end).containsExactly(D1 + DAY, D1 + 2 * DAY, D1 + 3 * DAY);
        assertThat(segs).extracting(GeneratedSegment::numRows).containsExactly(3L, 1L, 2L);
        assertThat(segs.get(0).columns())
                .containsExactly(new ColumnSignature("__time", ColumnType.LONG), DIMS.get(0), DIMS.get(1));
        assertThat(segs.get(0).metrics()).isEmpty();
        assertThat(counters.rowsProcessed()).isEqualTo(6);
        assertThat(counters.rowsPersisted()).isEqualTo(6);
        assertThat(counters.rowsMerged()).isEqualTo(6);
        assertThat(counters.rowsPushed()).isEqualTo(6);

        GeneratedSegment first = segs.get(0);
        assertThat(first.loadSpecPath()).startsWith(dir.resolve("deep").resolve("wiki").toString());
        assertThat(first.sizeBytes()).isEqualTo(fileSize(first.loadSpecPath()));
        try (SegmentReader r = SegmentReader.open(Path.of(first.loadSpecPath()))) {
            List<Object[]> got = drain(r.scan(List.of("__time", "country", "n"), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(got).extracting(x -> x[0]).containsExactly(D1 + 1000, D1 + 1000, D1 + 5000);
            assertThat(got).extracting(x -> x[1]).containsExactly("DE", "FR", "DE");
            assertThat(got).extracting(x -> x[2]).containsExactly(3L, 2L, 1L);
            assertThat(r.timeSorted()).isTrue();
        }
        try (SegmentReader r = SegmentReader.open(Path.of(segs.get(2).loadSpecPath()))) {
            assertThat(drain(r.scan(List.of("country"), Long.MIN_VALUE, Long.MAX_VALUE)))
                    .extracting(x -> x[0])
                    .containsExactly(null, "");
        }
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void namedSegmentsOfOneWorkerGetOneFileEachWhileTheyFinishInTheBackground() {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(in(D1 + i, "c" + i, (long) i));
        }
        LocalDeepStorage deep = new LocalDeepStorage(dir.resolve("deep"));
        List<GeneratedSegment> segs = new SegmentGenerator().generate(spec(Granularity.of("DAY"), null, 2), INPUT,
                source(rows), "v1", dir.resolve("tmp"), deep, new SegmentGenerationCounters(), "worker0");

        assertThat(segs).extracting(GeneratedSegment::numRows).containsExactly(2L, 2L, 1L);
        assertThat(segs).extracting(GeneratedSegment::loadSpecPath).doesNotHaveDuplicates();
        List<Object> countries = new ArrayList<>();
        for (GeneratedSegment g : segs) {
            try (SegmentReader r = SegmentReader.open(Path.of(g.loadSpecPath()))) {
                drain(r.scan(List.of("country"), Long.MIN_VALUE, Long.MAX_VALUE)).forEach(x -> countries.add(x[0]));
            }
        }
        assertThat(countries).containsExactly("c0", "c1", "c2", "c3", "c4");
    }

    @Test
    void spillsSortedRunsBeyondMaxRowsInMemoryAndMergesThem() {
        List<Object[]> rows = new ArrayList<>();
        // 10 rows of one day in descending time order; runs of 3 rows get spilled then merged
        for (int i = 9; i >= 0; i--) {
            rows.add(in(D1 + i * 100L, i % 2 == 0 ? "even" : "odd", (long) i));
        }
        rows.add(in(D1 + 50, "late", 99L)); // an 11th row that belongs in the middle of the first run
        SegmentGenerationCounters counters = new SegmentGenerationCounters();

        List<GeneratedSegment> segs = run(spec(Granularity.of("DAY"), null, 1000, 3), rows, counters);

        assertThat(segs).singleElement().extracting(GeneratedSegment::numRows).isEqualTo(11L);
        try (SegmentReader r = SegmentReader.open(Path.of(segs.get(0).loadSpecPath()))) {
            List<Object[]> got = drain(r.scan(List.of("__time", "n", "country"), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(got).extracting(x -> x[0]).containsExactly(
                    D1, D1 + 50, D1 + 100, D1 + 200, D1 + 300, D1 + 400, D1 + 500, D1 + 600, D1 + 700, D1 + 800,
                    D1 + 900);
            assertThat(got).extracting(x -> x[1]).containsExactly(0L, 99L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(got.get(0)[2]).isEqualTo("even");
            assertThat(r.bitmapFor("country", "odd").orElseThrow().getCardinality()).isEqualTo(5);
        }
        assertThat(counters.rowsProcessed()).isEqualTo(11);
        assertThat(counters.rowsPersisted()).isEqualTo(11);
        assertThat(counters.rowsMerged()).isEqualTo(11);
        assertThat(counters.rowsPushed()).isEqualTo(11);
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void rollupMetricsAreStoredAfterDimensionsWithIntermediateTypes() {
        RowSignature input = RowSignature.builder()
                .add("d0", ColumnType.LONG)
                .add("d1", ColumnType.STRING)
                .add("a0", ColumnType.LONG)
                .add("a1", ColumnType.COMPLEX_STATE)
                .build();
        List<AggregatorSpec> metrics = List.of(
                new AggregatorSpec("cnt", AggKind.COUNT, null, null, ColumnType.LONG, false),
                new AggregatorSpec("users", AggKind.APPROX_COUNT_DISTINCT_HLL, null, null, ColumnType.LONG, false));
        SegmentGeneratorSpec spec = new SegmentGeneratorSpec(
                "wiki",
                Granularity.of("DAY"),
                List.of(new ColumnMapping("d0", "__time"), new ColumnMapping("d1", "page"),
                        new ColumnMapping("a0", "cnt"), new ColumnMapping("a1", "users")),
                List.of(new ColumnSignature("page", ColumnType.STRING)),
                metrics,
                null,
                List.of(),
                1000,
                1000);
        List<Object[]> rows = List.<Object[]>of(new Object[] {D1, "Main", 3L, new byte[] {7, 7}});
        List<GeneratedSegment> segs = new SegmentGenerator()
                .generate(spec, input, source(rows), "v1", dir.resolve("tmp"), new LocalDeepStorage(dir.resolve("d")),
                        new SegmentGenerationCounters());

        assertThat(segs.get(0).columns()).containsExactly(
                new ColumnSignature("__time", ColumnType.LONG),
                new ColumnSignature("page", ColumnType.STRING),
                new ColumnSignature("cnt", ColumnType.LONG),
                new ColumnSignature("users", ColumnType.COMPLEX_HLL));
        assertThat(segs.get(0).metrics()).containsExactly("cnt", "users");
        try (SegmentReader r = SegmentReader.open(Path.of(segs.get(0).loadSpecPath()))) {
            Object[] row = drain(r.scan(List.of("page", "cnt", "users"), Long.MIN_VALUE, Long.MAX_VALUE)).get(0);
            assertThat(row[0]).isEqualTo("Main");
            assertThat(row[1]).isEqualTo(3L);
            assertThat((byte[]) row[2]).containsExactly(7, 7);
        }
        DataSegment published = segs.get(0).toDataSegment("wiki", "v1", 0, DataSegment.NUMBERED, 1);
        assertThat(published.dimensionNames()).containsExactly("page");
    }

    @Test
    void splitsAtRowsPerSegment() {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            rows.add(in(D1 + i, "c" + i, (long) i));
        }
        rows.add(in(D1 + DAY, "x", 7L));
        List<GeneratedSegment> segs = run(spec(Granularity.of("DAY"), null, 3), rows, new SegmentGenerationCounters());
        assertThat(segs).extracting(GeneratedSegment::numRows).containsExactly(3L, 3L, 1L, 1L);
        assertThat(segs).extracting(GeneratedSegment::start).containsExactly(D1, D1, D1, D1 + DAY);
        assertThat(segs).extracting(GeneratedSegment::loadSpecPath).doesNotHaveDuplicates();
    }

    @Test
    void allGranularityMakesEternitySegments() {
        List<Object[]> rows = List.of(in(D1, "a", 1L), in(D1 + 10 * DAY, "b", 2L));
        List<GeneratedSegment> segs = run(spec(Granularity.ALL, List.of("ETERNITY"), 100), rows,
                new SegmentGenerationCounters());
        assertThat(segs).hasSize(1);
        assertThat(segs.get(0).start()).isEqualTo(Intervals.ETERNITY_START);
        assertThat(segs.get(0).end()).isEqualTo(Intervals.ETERNITY_END);
        assertThat(segs.get(0).numRows()).isEqualTo(2);
    }

    @Test
    void manySegmentsFinishedInTheBackgroundKeepTheirOrderAndRows() {
        List<Object[]> rows = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            for (int i = 0; i < 500; i++) {
                rows.add(in(D1 + d * DAY + (499 - i) * 1000L, "c" + (i % 17), (long) i));
            }
        }
        SegmentGenerationCounters counters = new SegmentGenerationCounters();
        List<GeneratedSegment> segs = run(spec(Granularity.of("DAY"), null, 1000, 200), rows, counters);
        assertThat(segs).hasSize(30);
        for (int d = 0; d < 30; d++) {
            assertThat(segs.get(d).start()).isEqualTo(D1 + d * DAY);
            assertThat(segs.get(d).numRows()).isEqualTo(500L);
        }
        assertThat(counters.rowsPushed()).isEqualTo(15_000L);
        assertThat(counters.rowsMerged()).isEqualTo(15_000L);
        try (SegmentReader r = SegmentReader.open(Path.of(segs.get(29).loadSpecPath()))) {
            List<Object[]> back = drain(r.scan(List.of("__time"), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(back).extracting(x -> (Long) x[0]).isSorted().hasSize(500);
        }
    }

    @Test
    void aFailureAfterSegmentsWereHandedOffLeavesNoTempOrPushedFiles() throws Exception {
        List<Object[]> rows = new ArrayList<>();
        for (int d = 0; d < 5; d++) {
            for (int i = 0; i < 300; i++) {
                rows.add(in(D1 + d * DAY + i, "c" + i, (long) i));
            }
        }
        rows.add(new Object[] {2L, null, "b"});
        assertThatThrownBy(() -> run(spec(Granularity.of("DAY"), null, 1000, 100), rows,
                        new SegmentGenerationCounters()))
                .isInstanceOfSatisfying(FaultException.class, e -> assertThat(e.fault().errorCode())
                        .isEqualTo("InsertTimeNull"));
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir.resolve("tmp"))) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile)).isEmpty();
        }
        // the days pushed before the failure are not left in deep storage either
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir.resolve("deep"))) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void nullTimeFails() {
        List<Object[]> rows = List.of(in(D1, "a", 1L), new Object[] {2L, null, "b"});
        assertThatThrownBy(() -> run(spec(Granularity.of("DAY"), null, 100), rows, new SegmentGenerationCounters()))
                .isInstanceOfSatisfying(FaultException.class, e -> assertThat(e.fault().errorCode())
                        .isEqualTo("InsertTimeNull"));
    }

    @Test
    void rowOutsideReplaceIntervalsFails() {
        String day1 = Intervals.format(D1, D1 + DAY);
        List<Object[]> rows = List.of(in(D1 + 5, "a", 1L), in(D1 + DAY + 5, "b", 2L));
        assertThatThrownBy(() -> run(spec(Granularity.of("DAY"), List.of(day1), 100), rows,
                        new SegmentGenerationCounters()))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("InsertTimeOutOfBounds");
                    assertThat(e.fault().errorMessage())
                            .startsWith("Inserted data contains time chunk[2024-01-02T00:00:00.000Z/"
                                    + "2024-01-03T00:00:00.000Z] outside of bounds specified by OVERWRITE WHERE[["
                                    + day1 + "]]");
                    assertThat(e.fault().fields().get("intervalBounds")).isEqualTo(List.of(day1));
                });
    }

    @Test
    void rowsInsideReplaceIntervalsPass() {
        String twoDays = Intervals.format(D1, D1 + 2 * DAY);
        List<Object[]> rows = List.of(in(D1 + 5, "a", 1L), in(D1 + DAY + 5, "b", 2L));
        assertThat(run(spec(Granularity.of("DAY"), List.of(twoDays), 100), rows, new SegmentGenerationCounters()))
                .hasSize(2);
    }

    private static long fileSize(String path) {
        try {
            return Files.size(Path.of(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
