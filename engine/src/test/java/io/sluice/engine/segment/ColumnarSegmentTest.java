package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.Frame;
import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.FrameWriter;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.storage.LocalDeepStorage;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments buffered column by column ({@link SegmentWriter.Columnar}) are byte for byte the segments of the row path:
 * the rows stably sorted by time and written by {@link SegmentWriter#write(Path, RowSignature, List)}.
 */
class ColumnarSegmentTest {
    @TempDir
    Path dir;

    private static final long DAY = 86_400_000L;
    private static final long D1 = 1_442_016_000_000L;

    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("low", ColumnType.STRING)
            .add("high", ColumnType.STRING)
            .add("sparse", ColumnType.STRING)
            .add("mv", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .build();

    private static final String[] HIGH_SUFFIXES = {"", "é", "\uD83D\uDE00", "\uE000", "\uFFFD", "\uFF21x", "\u0000"};

    /** Rows in no time order, many equal times, nulls, multi-value lists (empty, repeats, nulls, numbers). */
    static List<Object[]> rows(long seed, int n, boolean withMultiValues, long span) {
        Random rnd = new Random(seed);
        List<Object[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long t = D1 + (rnd.nextInt(4) == 0 ? 0 : Math.floorMod(rnd.nextLong(), span));
            Object mv;
            if (withMultiValues && rnd.nextInt(5) == 0) {
                int k = rnd.nextInt(4);
                List<Object> l = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    int pick = rnd.nextInt(6);
                    l.add(pick == 0 ? null : pick == 1 ? (Object) 7L : "m" + rnd.nextInt(4));
                }
                mv = l;
            } else {
                mv = rnd.nextInt(4) == 0 ? null : rnd.nextInt(9) == 0 ? (Object) 12L : "m" + rnd.nextInt(6);
            }
            out.add(new Object[] {
                t,
                rnd.nextInt(20) == 0 ? "" : "c" + rnd.nextInt(7),
                // supplementary characters against U+E000..U+FFFF: UTF-16 order is not code point order there
                rnd.nextInt(10) == 0 ? null : "page " + rnd.nextInt(n) + HIGH_SUFFIXES[rnd.nextInt(HIGH_SUFFIXES.length)],
                rnd.nextInt(50) == 0 ? "rare" + rnd.nextInt(3) : null,
                mv,
                rnd.nextInt(8) == 0 ? null : (Object) (long) (rnd.nextInt(1000) - 500),
                rnd.nextInt(8) == 0 ? null : (Object) rnd.nextDouble(),
                rnd.nextInt(8) == 0 ? null : (Object) rnd.nextFloat()
            });
        }
        return out;
    }

    private static List<Object[]> sortedByTime(List<Object[]> rows) {
        List<Object[]> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(r -> (Long) r[0])); // stable
        return sorted;
    }

    private void assertSameAsRowPath(List<Object[]> rows) throws Exception {
        Path expected = dir.resolve("rows.sluice");
        Path actual = dir.resolve("columns.sluice");
        Path handedOver = dir.resolve("handed-over.sluice");
        SegmentFileInfo a = SegmentWriter.write(expected, SIG, sortedByTime(rows));
        SegmentWriter.Columnar c = new SegmentWriter.Columnar(SIG);
        for (Object[] r : rows) {
            c.add(r);
        }
        assertThat(c.rows()).isEqualTo(rows.size());
        // the rows handed back in arrival order build the same columns again
        List<Object[]> back = SegmentFileTest.drain(c.arrivalOrder());
        assertThat(back).hasSize(rows.size());
        assertThat(SegmentWriter.write(handedOver, SIG, sortedByTime(back))).isEqualTo(a);
        assertThat(Files.mismatch(expected, handedOver)).isEqualTo(-1L);
        assertThat(c.write(actual)).isEqualTo(a);
        assertThat(Files.mismatch(expected, actual)).isEqualTo(-1L);

        // the same rows taken undecoded from their frame encoding: UTF-8 dictionaries, the same file
        Path encoded = dir.resolve("encoded.sluice");
        Path encodedHandedOver = dir.resolve("encoded-handed-over.sluice");
        SegmentWriter.Columnar e = encodedColumnar(rows);
        List<Object[]> encodedBack = SegmentFileTest.drain(e.arrivalOrder());
        assertThat(SegmentWriter.write(encodedHandedOver, SIG, sortedByTime(encodedBack))).isEqualTo(a);
        assertThat(Files.mismatch(expected, encodedHandedOver)).isEqualTo(-1L);
        assertThat(e.write(encoded)).isEqualTo(a);
        assertThat(Files.mismatch(expected, encoded)).isEqualTo(-1L);
    }

    /** A column-by-column buffer fed {@code rows} undecoded, their columns in reverse order in the frame bytes. */
    private static SegmentWriter.Columnar encodedColumnar(List<Object[]> rows) {
        int n = SIG.size();
        int[] sourceIndex = new int[n];
        for (int c = 0; c < n; c++) {
            sourceIndex[c] = n - 1 - c;
        }
        SegmentWriter.Columnar e = new SegmentWriter.Columnar(SIG, true);
        int[] offsets = new int[n];
        for (Object[] r : rows) {
            ByteSink sink = new ByteSink(64);
            sink.write((byte) 9); // the row does not start at 0
            for (int i = 0; i < n; i++) {
                offsets[i] = sink.size();
                RowCodec.writeValue(sink, r[n - 1 - i]);
            }
            e.addEncoded((Long) r[0], sink.array(), offsets, sourceIndex);
        }
        assertThat(e.rows()).isEqualTo(rows.size());
        return e;
    }

    /** The rows in frames of at most {@code frameBytes}, read as an {@link EncodedRowSource}. */
    static EncodedRowSource framed(RowSignature sig, List<Object[]> rows, int frameBytes) {
        List<Frame> frames = new ArrayList<>();
        FrameWriter w = new FrameWriter(sig, frameBytes);
        for (Object[] r : rows) {
            if (!w.add(r)) {
                frames.add(w.build());
                assertThat(w.add(r)).isTrue();
            }
        }
        if (w.numRows() > 0) {
            frames.add(w.build());
        }
        return new EncodedRowSource() {
            private int next;
            private EncodedRowSource current;

            private boolean open() {
                while (current == null) {
                    if (next >= frames.size()) {
                        return false;
                    }
                    current = FrameReader.rows(sig, frames.get(next++));
                }
                return true;
            }

            @Override
            public Object[] next() {
                while (open()) {
                    Object[] r = current.next();
                    if (r != null) {
                        return r;
                    }
                    current = null;
                }
                return null;
            }

            @Override
            public boolean advance(int[] offsets) {
                while (open()) {
                    if (current.advance(offsets)) {
                        return true;
                    }
                    current = null;
                }
                return false;
            }

            @Override
            public byte[] buffer() {
                return current.buffer();
            }
        };
    }

    @Test
    void singleValuedColumnsInAnyTimeOrder() throws Exception {
        assertSameAsRowPath(rows(1, 20_000, false, DAY));
    }

    @Test
    void multiValueColumnsWithRepeatsNullsAndEmptyLists() throws Exception {
        assertSameAsRowPath(rows(2, 20_000, true, DAY));
    }

    @Test
    void timesTooFarApartToPackSortStablyToo() throws Exception {
        // a span past 2^31 ms takes the merge sort instead of packed keys
        assertSameAsRowPath(rows(3, 5_000, true, 400L * DAY));
    }

    @Test
    void alreadySortedEmptyAndAllNullSegments() throws Exception {
        assertSameAsRowPath(sortedByTime(rows(4, 3_000, true, DAY)));
        assertSameAsRowPath(List.of());
        Object[] nulls = new Object[SIG.size()];
        nulls[0] = 5L;
        assertSameAsRowPath(List.of(nulls, nulls.clone()));
    }

    @Test
    void timeOrderIsAStableSort() {
        Random rnd = new Random(9);
        for (long span : new long[] {2, 10, 1L << 40}) {
            int n = 3_000;
            long[] times = new long[n];
            for (int i = 0; i < n; i++) {
                times[i] = rnd.nextLong() % span;
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(i);
            }
            expected.sort(Comparator.comparingLong(i -> times[i]));
            int[] perm = SegmentWriter.timeOrder(times, n);
            assertThat(perm).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
        }
        assertThat(SegmentWriter.timeOrder(new long[] {1, 1, 2, 5}, 4)).isNull();
    }

    @Test
    void supportsOnlyStringAndNumericColumns() {
        assertThat(SegmentWriter.Columnar.supports(SIG)).isTrue();
        RowSignature withArray = RowSignature.builder()
                .add("__time", ColumnType.LONG)
                .add("sa", ColumnType.STRING_ARRAY)
                .build();
        assertThat(SegmentWriter.Columnar.supports(withArray)).isFalse();
        assertThat(SegmentWriter.Columnar.supports(RowSignature.builder().add("x", ColumnType.STRING).build()))
                .isFalse();
        SegmentWriter.Columnar c = new SegmentWriter.Columnar(SIG);
        Object[] noTime = new Object[SIG.size()];
        assertThatThrownBy(() -> c.add(noTime)).hasMessageContaining("__time must be a non-null number");
    }

    // ------------------------------------------------------------------ through the generator

    private static final RowSignature INPUT = RowSignature.builder()
            .add("t", ColumnType.LONG)
            .add("low", ColumnType.STRING)
            .add("high", ColumnType.STRING)
            .add("sparse", ColumnType.STRING)
            .add("mv", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .build();

    private static SegmentGeneratorSpec spec(int maxRowsInMemory) {
        List<ColumnSignature> dims = new ArrayList<>();
        for (int c = 1; c < SIG.size(); c++) {
            dims.add(SIG.columns().get(c));
        }
        List<ColumnMapping> mappings = new ArrayList<>();
        mappings.add(new ColumnMapping("t", "__time"));
        for (int c = 1; c < SIG.size(); c++) {
            mappings.add(new ColumnMapping(SIG.name(c), SIG.name(c)));
        }
        return new SegmentGeneratorSpec("wiki", Granularity.of("DAY"), mappings, dims, List.of(), null, List.of(),
                100_000, maxRowsInMemory);
    }

    private record Generated(List<byte[]> files, SegmentGenerationCounters counters) {}

    private Generated generate(List<Object[]> rows, int maxRowsInMemory, long maxBytesInMemory, String name)
            throws Exception {
        return generate(SegmentFileTest.source(rows), maxRowsInMemory, maxBytesInMemory, name);
    }

    private Generated generate(RowSource source, int maxRowsInMemory, long maxBytesInMemory, String name)
            throws Exception {
        SegmentGenerationCounters counters = new SegmentGenerationCounters();
        List<GeneratedSegment> segs = new SegmentGenerator().generate(spec(maxRowsInMemory), INPUT,
                source, "v1", dir.resolve("tmp-" + name),
                new LocalDeepStorage(dir.resolve("deep-" + name)), counters, name, maxBytesInMemory);
        List<byte[]> files = new ArrayList<>();
        for (GeneratedSegment g : segs) {
            files.add(Files.readAllBytes(Path.of(g.loadSpecPath())));
        }
        assertThat(dir.resolve("tmp-" + name)).isEmptyDirectory();
        return new Generated(files, counters);
    }

    @Test
    void generatorSegmentsAreTheRowPathsWhetherColumnarHandedOverOrSpilled() throws Exception {
        // three days (arriving day by day, each out of time order), 120,000 rows
        List<Object[]> rows = new ArrayList<>();
        List<List<Object[]>> days = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            List<Object[]> day = rows(10 + d, 40_000, true, DAY);
            for (Object[] r : day) {
                r[0] = (Long) r[0] + d * DAY;
            }
            days.add(day);
            rows.addAll(day);
        }
        List<byte[]> expected = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            Path f = dir.resolve("expected-" + d);
            SegmentWriter.write(f, SIG, sortedByTime(days.get(d)));
            expected.add(Files.readAllBytes(f));
        }
        Generated inMemory = generate(rows, 100_000, 0, "columnar");
        // a byte budget the columnar buffer passes mid-segment: its rows move to the row path, which spills runs of
        // 7,000 rows and merges them
        Generated handedOver = generate(rows, 7_000, 1_000_000, "handed-over");
        // the same, the rows taken undecoded from frames
        Generated encoded = generate(framed(INPUT, rows, 50_000), 100_000, 0, "encoded");
        Generated encodedHandedOver = generate(framed(INPUT, rows, 50_000), 7_000, 1_000_000, "encoded-handed-over");
        for (Generated g : List.of(inMemory, handedOver, encoded, encodedHandedOver)) {
            assertThat(g.files()).hasSize(3);
            for (int d = 0; d < 3; d++) {
                assertThat(g.files().get(d)).as("day %d", d).isEqualTo(expected.get(d));
            }
            assertThat(g.counters().rowsProcessed()).isEqualTo(120_000);
            assertThat(g.counters().rowsPersisted()).isEqualTo(120_000);
            assertThat(g.counters().rowsMerged()).isEqualTo(120_000);
            assertThat(g.counters().rowsPushed()).isEqualTo(120_000);
        }
    }
}
