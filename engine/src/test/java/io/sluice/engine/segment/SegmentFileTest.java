package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

class SegmentFileTest {
    @TempDir
    Path dir;

    static RowSource source(List<Object[]> rows) {
        Iterator<Object[]> it = rows.iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    static List<Object[]> drain(RowSource s) {
        List<Object[]> out = new ArrayList<>();
        try (s) {
            Object[] r;
            while ((r = s.next()) != null) {
                out.add(r);
            }
        }
        return out;
    }

    private static final RowSignature ALL_TYPES = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .add("mv", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .add("sa", ColumnType.STRING_ARRAY)
            .add("la", ColumnType.LONG_ARRAY)
            .add("da", ColumnType.DOUBLE_ARRAY)
            .add("j", ColumnType.COMPLEX_JSON)
            .add("st", ColumnType.COMPLEX_STATE)
            .build();

    private static List<Object[]> allTypesRows() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {
            1000L, "b", List.of("x", "y"), 5L, 1.5, 2.5f, List.of("p", "q"), List.of(1L, 3_000_000_000L),
            List.of(0.5, 2.0), Map.of("k", "v"), new byte[] {1, 2, 3}
        });
        rows.add(new Object[] {
            2000L, null, null, null, null, null, null, null, null, null, null
        });
        rows.add(new Object[] {
            3000L, "", "z", -7L, -0.25, 0.0f, List.of(), Arrays.asList(4L, null), List.of(), List.of(1, "a"),
            new byte[0]
        });
        rows.add(new Object[] {
            4000L, "a", Arrays.asList("x", null), Long.MAX_VALUE, Double.NaN, Float.MIN_VALUE, Arrays.asList("r", null),
            List.of(), List.of(1.25), "text", new byte[] {9}
        });
        return rows;
    }

    @Test
    void roundTripsEveryType() throws Exception {
        Path file = dir.resolve("seg.sluice");
        SegmentFileInfo info = SegmentWriter.write(file, ALL_TYPES, source(allTypesRows()));
        assertThat(info).isEqualTo(new SegmentFileInfo(4, Files.size(file), 1000, 4000));

        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.signature()).isEqualTo(ALL_TYPES);
            assertThat(r.numRows()).isEqualTo(4);
            assertThat(r.minTime()).isEqualTo(1000);
            assertThat(r.maxTime()).isEqualTo(4000);
            assertThat(r.timeSorted()).isTrue();
            List<Object[]> got = drain(r.scan(ALL_TYPES.names(), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(got).hasSize(4);

            Object[] a = got.get(0);
            assertThat(Arrays.copyOf(a, 10)).containsExactly(
                    1000L, "b", List.of("x", "y"), 5L, 1.5, 2.5f, List.of("p", "q"), List.of(1L, 3_000_000_000L),
                    List.of(0.5, 2.0), Map.of("k", "v"));
            assertThat((byte[]) a[10]).containsExactly(1, 2, 3);

            assertThat(got.get(1)).containsExactly(2000L, null, null, null, null, null, null, null, null, null, null);

            Object[] c = got.get(2);
            assertThat(Arrays.copyOf(c, 10)).containsExactly(
                    3000L, "", "z", -7L, -0.25, 0.0f, List.of(), Arrays.asList(4L, null), List.of(), List.of(1, "a"));
            assertThat((byte[]) c[10]).isEmpty();

            Object[] d = got.get(3);
            assertThat(d[1]).isEqualTo("a");
            assertThat(d[2]).isEqualTo(Arrays.asList("x", null));
            assertThat(d[3]).isEqualTo(Long.MAX_VALUE);
            assertThat((Double) d[4]).isNaN();
            assertThat(d[5]).isEqualTo(Float.MIN_VALUE);
            assertThat(d[6]).isEqualTo(Arrays.asList("r", null));
            assertThat(d[9]).isEqualTo("text");
        }
    }

    @Test
    void scanProjectsColumnsInRequestedOrderAndFillsMissingWithNull() {
        Path file = dir.resolve("seg.sluice");
        SegmentWriter.write(file, ALL_TYPES, source(allTypesRows()));
        try (SegmentReader r = SegmentReader.open(file)) {
            List<Object[]> got = drain(r.scan(List.of("l", "nope", "s"), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(got).extracting(x -> x[0]).containsExactly(5L, null, -7L, Long.MAX_VALUE);
            assertThat(got).extracting(x -> x[1]).containsOnlyNulls();
            assertThat(got).extracting(x -> x[2]).containsExactly("b", null, "", "a");
        }
    }

    @Test
    void timeRangeScanOnSortedSegment() {
        Path file = dir.resolve("seg.sluice");
        SegmentWriter.write(file, ALL_TYPES, source(allTypesRows()));
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(drain(r.scan(List.of("__time"), 2000, 4000))).extracting(x -> x[0]).containsExactly(2000L, 3000L);
            assertThat(drain(r.scan(List.of("__time"), 2001, 3000))).isEmpty();
            assertThat(drain(r.scan(List.of("__time"), 4000, 4001))).extracting(x -> x[0]).containsExactly(4000L);
            assertThat(drain(r.scan(List.of("__time"), 5000, 1000))).isEmpty();
        }
    }

    @Test
    void timeRangeScanOnUnsortedSegmentFiltersEveryRow() {
        RowSignature sig = RowSignature.builder().add("__time", ColumnType.LONG).add("x", ColumnType.LONG).build();
        List<Object[]> rows = List.of(
                new Object[] {30L, 1L}, new Object[] {10L, 2L}, new Object[] {20L, 3L}, new Object[] {40L, 4L});
        Path file = dir.resolve("unsorted.sluice");
        SegmentFileInfo info = SegmentWriter.write(file, sig, source(rows));
        assertThat(info.minTime()).isEqualTo(10);
        assertThat(info.maxTime()).isEqualTo(40);
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.timeSorted()).isFalse();
            assertThat(drain(r.scan(List.of("x"), 15, 35))).extracting(x -> x[0]).containsExactly(1L, 3L);
        }
    }

    @Test
    void bitmapIndexPerStringValue() {
        Path file = dir.resolve("seg.sluice");
        SegmentWriter.write(file, ALL_TYPES, source(allTypesRows()));
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.bitmapFor("s", "b")).contains(RoaringBitmap.bitmapOf(0));
            assertThat(r.bitmapFor("s", "")).contains(RoaringBitmap.bitmapOf(2));
            assertThat(r.bitmapFor("s", null)).contains(RoaringBitmap.bitmapOf(1));
            assertThat(r.bitmapFor("s", "absent")).contains(new RoaringBitmap());
            assertThat(r.bitmapFor("mv", "x")).contains(RoaringBitmap.bitmapOf(0, 3));
            assertThat(r.bitmapFor("mv", null)).contains(RoaringBitmap.bitmapOf(1, 3));
            assertThat(r.bitmapFor("l", "5")).isEmpty();
            assertThat(r.bitmapFor("missing", "x")).isEmpty();
        }
    }

    @Test
    void scanRestrictedToBitmapRows() {
        Path file = dir.resolve("seg.sluice");
        SegmentWriter.write(file, ALL_TYPES, source(allTypesRows()));
        try (SegmentReader r = SegmentReader.open(file)) {
            RoaringBitmap xRows = r.bitmapFor("mv", "x").orElseThrow();
            assertThat(drain(r.scan(List.of("__time", "s"), Long.MIN_VALUE, Long.MAX_VALUE, xRows)))
                    .extracting(x -> x[0], x -> x[1])
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(1000L, "b"),
                            org.assertj.core.groups.Tuple.tuple(4000L, "a"));
            // combined with a time range that excludes row 0
            assertThat(drain(r.scan(List.of("__time"), 1500, 5000, xRows)))
                    .extracting(x -> x[0])
                    .containsExactly(4000L);
            assertThat(drain(r.scan(List.of("__time"), 1000, 4000, RoaringBitmap.bitmapOf(3)))).isEmpty();
        }
    }

    @Test
    void emptySegment() {
        Path file = dir.resolve("empty.sluice");
        SegmentFileInfo info = SegmentWriter.write(file, ALL_TYPES, source(List.of()));
        assertThat(info.numRows()).isZero();
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.numRows()).isZero();
            assertThat(drain(r.scan(ALL_TYPES.names(), Long.MIN_VALUE, Long.MAX_VALUE))).isEmpty();
        }
    }

    @Test
    void rejectsSignatureWithoutLeadingTime() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        assertThatThrownBy(() -> SegmentWriter.write(dir.resolve("x"), sig, source(List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("__time");
    }

    @Test
    void rejectsNonSegmentFile() throws Exception {
        Path file = dir.resolve("junk");
        Files.writeString(file, "this is not a segment file at all");
        assertThatThrownBy(() -> SegmentReader.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Not a Sluice segment");
    }

    @Test
    void hundredThousandRowsRoundTrip() {
        RowSignature sig = RowSignature.builder()
                .add("__time", ColumnType.LONG)
                .add("dim", ColumnType.STRING)
                .add("n", ColumnType.LONG)
                .add("x", ColumnType.DOUBLE)
                .build();
        int n = 100_000;
        long base = 1_700_000_000_000L;
        int[] i = {0};
        RowSource gen = () -> {
            if (i[0] == n) {
                return null;
            }
            int k = i[0]++;
            return new Object[] {base + k * 10L, "v" + (k % 1000), k % 7 == 0 ? null : (long) k, k / 4.0};
        };
        Path file = dir.resolve("big.sluice");
        SegmentFileInfo info = SegmentWriter.write(file, sig, gen);
        assertThat(info.numRows()).isEqualTo(n);
        assertThat(info.minTime()).isEqualTo(base);
        assertThat(info.maxTime()).isEqualTo(base + (n - 1) * 10L);
        try (SegmentReader r = SegmentReader.open(file)) {
            List<Object[]> rows = drain(r.scan(List.of("__time", "dim", "n", "x"), Long.MIN_VALUE, Long.MAX_VALUE));
            assertThat(rows).hasSize(n);
            for (int k = 0; k < n; k++) {
                Object[] row = rows.get(k);
                assertThat(row[0]).isEqualTo(base + k * 10L);
                assertThat(row[1]).isEqualTo("v" + (k % 1000));
                assertThat(row[2]).isEqualTo(k % 7 == 0 ? null : (long) k);
                assertThat(row[3]).isEqualTo(k / 4.0);
            }
            assertThat(r.bitmapFor("dim", "v7").orElseThrow().getCardinality()).isEqualTo(100);
            assertThat(drain(r.scan(List.of("n"), base + 500_000, base + 500_100))).hasSize(10);
        }
    }
}
