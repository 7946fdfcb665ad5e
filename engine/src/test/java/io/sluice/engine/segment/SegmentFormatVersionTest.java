package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * Version 3 files (LZ4 or raw blocks, packed ints and longs) read back every value written, through every read path,
 * and version 2 (every block LZ4) and version 1 files (zstd blocks, unpacked) written before it are still read, giving
 * the same values.
 */
class SegmentFormatVersionTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("few", ColumnType.STRING) // 1-byte ids
            .add("many", ColumnType.STRING) // 3-byte ids
            .add("mv", ColumnType.STRING)
            .add("wide", ColumnType.LONG) // 8 bytes
            .add("small", ColumnType.LONG) // 1 byte above a base
            .add("mid", ColumnType.LONG) // 2 bytes
            .add("word", ColumnType.LONG) // 4 bytes, negative base
            .add("same", ColumnType.LONG) // 0 bytes
            .add("nulls", ColumnType.LONG) // every row NULL
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .add("arr", ColumnType.LONG_ARRAY)
            .build();

    @TempDir
    Path dir;

    private static List<Object[]> rows(int n, boolean sorted, long seed) {
        Random rnd = new Random(seed);
        List<Object[]> rows = new ArrayList<>(n);
        long time = 1_442_016_000_000L;
        for (int i = 0; i < n; i++) {
            time = sorted ? time + rnd.nextInt(1000) : 1_442_016_000_000L + rnd.nextInt(86_400_000);
            rows.add(new Object[] {
                time,
                rnd.nextInt(7) == 0 ? null : "c" + rnd.nextInt(51),
                rnd.nextInt(9) == 0 ? null : "page-" + i + "-\u00e9",
                i % 5 == 0 ? List.of("a", "b" + (i % 3)) : "m" + (i % 4),
                rnd.nextInt(6) == 0 ? null : rnd.nextLong(),
                rnd.nextInt(6) == 0 ? null : 1000L + rnd.nextInt(200),
                (long) rnd.nextInt(60_000),
                -3_000_000_000L + rnd.nextInt(Integer.MAX_VALUE),
                5L,
                null,
                rnd.nextInt(6) == 0 ? null : rnd.nextGaussian() * 1e6,
                rnd.nextInt(6) == 0 ? null : (float) rnd.nextGaussian(),
                rnd.nextInt(4) == 0 ? null : List.of((long) i, -1L)
            });
        }
        return rows;
    }

    @Test
    void versionsThreeTwoAndOneReadTheSame() throws Exception {
        for (boolean sorted : new boolean[] {true, false}) {
            List<Object[]> rows = rows(70_000, sorted, sorted ? 1 : 2);
            Path v3 = dir.resolve("v3-" + sorted + ".sluice");
            Path lz4 = dir.resolve("v2-" + sorted + ".sluice");
            Path v1 = dir.resolve("v1-" + sorted + ".sluice");
            SegmentWriter.write(v3, SIG, rows);
            LegacySegmentWriter.write(lz4, SIG, SegmentFileTest.source(rows), SegmentFormat.VERSION_LZ4);
            LegacySegmentWriter.write(v1, SIG, SegmentFileTest.source(rows), SegmentFormat.VERSION_ZSTD);
            assertThat(Files.size(v3)).isLessThan(Files.size(v1) * 2);
            // the random 8-byte longs and 3-byte ids do not compress: version 3 stores them raw, version 2 does not
            assertThat(rawBlocks(v3)).isPositive();
            assertThat(rawBlocks(lz4)).isZero();
            // a block is stored raw only where LZ4 kept more than two thirds of it: at most half as large again
            assertThat(Files.size(v3)).isGreaterThan(Files.size(lz4)).isLessThan(Files.size(lz4) * 3 / 2);
            List<Object[]> expected = rows; // a segment keeps the rows in the order given
            for (Path file : List.of(v3, lz4, v1)) {
                try (SegmentReader r = SegmentReader.open(file)) {
                    List<Object[]> back = SegmentFileTest.drain(r.scan(SIG.names(), Long.MIN_VALUE, Long.MAX_VALUE));
                    assertSameRows(back, expected);
                }
                Random rnd = new Random(3);
                for (int k = 0; k < 15; k++) {
                    RoaringBitmap pick = new RoaringBitmap();
                    int count = 1 + rnd.nextInt(k < 8 ? 4 : 400);
                    for (int i = 0; i < count; i++) {
                        pick.add(rnd.nextInt(rows.size()));
                    }
                    pick.add(rows.size() - 1);
                    int[] at = pick.toArray();
                    try (SegmentReader r = SegmentReader.open(file)) {
                        List<Object[]> got = r.readRows(SIG.names(), at);
                        List<Object[]> want = new ArrayList<>();
                        for (int i : at) {
                            want.add(expected.get(i));
                        }
                        assertSameRows(got, want);
                    }
                }
            }
            for (Path older : List.of(lz4, v1)) {
                try (SegmentReader a = SegmentReader.open(v3); SegmentReader b = SegmentReader.open(older)) {
                    assertSameColumns(a, b);
                }
            }
        }
    }

    /** Blocks stored raw in the file's sections (their compressed length negative). */
    private static int rawBlocks(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        java.nio.ByteBuffer whole = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int headerLength = whole.getInt(12);
        SegmentFormat.Header header = SegmentFormat.JSON.readValue(
                java.util.Arrays.copyOfRange(all, 16, 16 + headerLength), SegmentFormat.Header.class);
        int raw = 0;
        for (SegmentFormat.ColumnEntry e : header.columns()) {
            for (long[] section : e.sections().values()) {
                int at = (int) (16 + headerLength + section[0]);
                int blocks = whole.getInt(at);
                at += 4;
                for (int b = 0; b < blocks; b++) {
                    int stored = whole.getInt(at + 4);
                    raw += stored < 0 ? 1 : 0;
                    at += 8 + SegmentFormat.storedBytes(stored);
                }
            }
        }
        return raw;
    }

    private static void assertSameColumns(SegmentReader a, SegmentReader b) {
        assertThat(a.timeValues()).isEqualTo(b.timeValues());
        for (String c : List.of("wide", "small", "mid", "word", "same", "nulls")) {
            assertThat(a.longValues(c).orElseThrow()).as(c).isEqualTo(b.longValues(c).orElseThrow());
            assertThat(a.nullRows(c).orElseThrow()).as(c).isEqualTo(b.nullRows(c).orElseThrow());
        }
        for (String c : List.of("few", "many", "mv")) {
            SegmentReader.DictionaryColumn x = a.dictionaryColumn(c).orElseThrow();
            SegmentReader.DictionaryColumn y = b.dictionaryColumn(c).orElseThrow();
            assertThat(x.ids()).as(c).isEqualTo(y.ids());
            assertThat(x.offsets()).as(c).isEqualTo(y.offsets());
            assertThat(x.dictionarySize()).isEqualTo(y.dictionarySize());
            assertThat(x.bitmap(1)).isEqualTo(y.bitmap(1));
        }
        assertThat(a.bitmapFor("few", "c7")).isEqualTo(b.bitmapFor("few", "c7"));
    }

    @Test
    void emptySegmentsReadInEveryVersion() throws Exception {
        Path v3 = dir.resolve("e3.sluice");
        Path v2 = dir.resolve("e2.sluice");
        Path v1 = dir.resolve("e1.sluice");
        SegmentWriter.write(v3, SIG, List.of());
        LegacySegmentWriter.write(v2, SIG, SegmentFileTest.source(List.of()), SegmentFormat.VERSION_LZ4);
        LegacySegmentWriter.write(v1, SIG, SegmentFileTest.source(List.of()), SegmentFormat.VERSION_ZSTD);
        for (Path file : List.of(v3, v2, v1)) {
            try (SegmentReader r = SegmentReader.open(file)) {
                assertThat(r.numRows()).isZero();
                assertThat(SegmentFileTest.drain(r.scan(SIG.names(), Long.MIN_VALUE, Long.MAX_VALUE))).isEmpty();
                assertThat(r.longValues("small").orElseThrow()).isEmpty();
                assertThat(r.dictionaryColumn("few").orElseThrow().ids()).isEmpty();
            }
        }
    }

    private static void assertSameRows(List<Object[]> got, List<Object[]> want) {
        assertThat(got).hasSize(want.size());
        for (int i = 0; i < want.size(); i++) {
            assertThat(Arrays.deepToString(got.get(i))).as("row %d", i).isEqualTo(Arrays.deepToString(want.get(i)));
        }
    }
}
