package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/** {@link SegmentReader#readRows} gives the values a full scan gives, whatever sections it stops in. */
class SegmentReaderReadRowsTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .add("big", ColumnType.STRING)
            .add("mv", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .add("arr", ColumnType.LONG_ARRAY)
            .build();

    @TempDir
    Path dir;

    @Test
    void readsTheRowsAFullScanReads() {
        Random rnd = new Random(7);
        // 300k rows: ids (1.2 MB), longs (2.4 MB) and the long strings' dictionary span several 1 MB blocks
        int n = 300_000;
        List<Object[]> rows = new ArrayList<>(n);
        long time = 1_000_000L;
        for (int i = 0; i < n; i++) {
            time += rnd.nextInt(3);
            rows.add(new Object[] {
                time,
                rnd.nextInt(7) == 0 ? null : "s" + rnd.nextInt(50),
                rnd.nextInt(9) == 0 ? null : "x".repeat(rnd.nextInt(40)) + "\u00e9\uD83D\uDE00" + rnd.nextInt(40_000),
                i % 5 == 0 ? List.of("a", "b" + (i % 3)) : "m" + (i % 4),
                rnd.nextInt(6) == 0 ? null : rnd.nextLong() >> rnd.nextInt(64),
                rnd.nextInt(6) == 0 ? null : rnd.nextGaussian() * 1e6,
                rnd.nextInt(6) == 0 ? null : (float) rnd.nextGaussian(),
                rnd.nextInt(4) == 0 ? null : List.of((long) i, -1L)
            });
        }
        Path file = dir.resolve("seg.sluice");
        SegmentWriter.write(file, SIG, rows);
        List<String> columns = new ArrayList<>(SIG.names());
        columns.add("missing");
        List<Object[]> all = new ArrayList<>();
        try (SegmentReader r = SegmentReader.open(file); RowSource s = r.scan(columns, Long.MIN_VALUE, Long.MAX_VALUE)) {
            Object[] row;
            while ((row = s.next()) != null) {
                all.add(row);
            }
        }
        assertThat(all).hasSize(n);
        List<int[]> picks = new ArrayList<>();
        picks.add(new int[] {0});
        picks.add(new int[] {n - 1});
        picks.add(new int[] {0, 1, 2, n / 2, n - 2, n - 1});
        for (int k = 0; k < 20; k++) {
            RoaringBitmap b = new RoaringBitmap();
            int count = 1 + rnd.nextInt(k < 10 ? 5 : 300);
            for (int i = 0; i < count; i++) {
                b.add(rnd.nextInt(n));
            }
            picks.add(b.toArray());
        }
        for (int[] pick : picks) {
            List<List<Object>> expected = new ArrayList<>();
            for (int r : pick) {
                expected.add(Arrays.asList(all.get(r)));
            }
            // a fresh reader each time: nothing decoded or cached before
            try (SegmentReader r = SegmentReader.open(file)) {
                List<List<Object>> got = new ArrayList<>();
                for (Object[] row : r.readRows(columns, pick)) {
                    got.add(Arrays.asList(row));
                }
                assertThat(got).as("rows %s", Arrays.toString(pick)).isEqualTo(expected);
            }
        }
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.readRows(columns, new int[0])).isEmpty();
            assertThatThrownBy(() -> r.readRows(columns, new int[] {5, 5})).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> r.readRows(columns, new int[] {n})).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void decompressGivesTheSectionsBytes() {
        Random rnd = new Random(5);
        for (int length : new int[] {0, 1, 1000, (1 << 20) - 1, 1 << 20, (1 << 20) + 5, 3_500_000}) {
            byte[] raw = new byte[length];
            for (int i = 0; i < length; i++) {
                raw[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt() : i / 97);
            }
            java.nio.ByteBuffer section = java.nio.ByteBuffer.wrap(SegmentFormat.compressBlocks(raw, length));
            assertThat(SegmentFormat.decompressBlocks(section, SegmentFormat.VERSION)).as("length %d", length)
                    .isEqualTo(raw);
        }
    }
}
