package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Folding packed values gives what unpacking them and folding the longs gives, at every stored width. */
class PackedLongsTest {
    private static byte[] pack(long[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return SegmentFormat.packLongs(raw.array(), values.length * 8);
    }

    @Test
    void sumsAndExtremesByKeyMatchTheUnpackedValuesAtEveryWidth() {
        Random random = new Random(7);
        // spans of 0, < 2^8, < 2^16, < 2^32 and wider (and a negative base), each width the writer picks
        long[][] cases = new long[6][];
        int n = 1_000;
        for (int c = 0; c < cases.length; c++) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (c) {
                    case 0 -> 42;
                    case 1 -> 1_000 + random.nextInt(200);
                    case 2 -> -5 + random.nextInt(60_000);
                    case 3 -> random.nextInt() & 0x7FFFFFFFL;
                    case 4 -> random.nextLong() >> 2;
                    default -> -1_000_000_000_000L + random.nextInt(3);
                };
            }
            cases[c] = v;
        }
        int[] widths = new int[cases.length];
        for (int c = 0; c < cases.length; c++) {
            long[] v = cases[c];
            byte[] packed = pack(v);
            widths[c] = packed[0];
            PackedLongs p = new PackedLongs(packed, n);
            assertThat(SegmentFormat.unpackLongs(packed, 0, n)).containsExactly(v);
            int size = 7;
            int[] keys = new int[n];
            for (int i = 0; i < n; i++) {
                keys[i] = random.nextInt(size);
            }
            int from = 13;
            int to = n - 29;
            long[] rows = new long[size];
            long[] sums = new long[size];
            long[] mins = new long[size];
            long[] maxs = new long[size];
            java.util.Arrays.fill(mins, Long.MAX_VALUE);
            java.util.Arrays.fill(maxs, Long.MIN_VALUE);
            long total = 0;
            for (int r = from; r < to; r++) {
                rows[keys[r]]++;
                sums[keys[r]] += v[r];
                mins[keys[r]] = Math.min(mins[keys[r]], v[r]);
                maxs[keys[r]] = Math.max(maxs[keys[r]], v[r]);
                total += v[r];
                assertThat(p.get(r)).isEqualTo(v[r]);
            }
            long[] out = new long[size];
            p.sumByKey(keys, rows, out, from, to);
            assertThat(out).as("width %d", widths[c]).containsExactly(sums);
            long[] one = new long[1];
            p.sumByKey(null, new long[] {to - from}, one, from, to);
            assertThat(one[0]).isEqualTo(total);
            long[] lo = new long[size];
            java.util.Arrays.fill(lo, Long.MAX_VALUE);
            p.extremeByKey(true, keys, lo, from, to);
            assertThat(lo).containsExactly(mins);
            long[] hi = new long[size];
            java.util.Arrays.fill(hi, Long.MIN_VALUE);
            p.extremeByKey(false, keys, hi, from, to);
            assertThat(hi).containsExactly(maxs);
        }
        assertThat(widths).containsExactly(0, 1, 2, 4, 8, 1);
    }

    @Test
    void aLongColumnOfASegmentIsReadPackedAndItsNullsWithoutDecodingIt() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("packed", ".sluice");
        try {
            io.sluice.engine.types.RowSignature sig = io.sluice.engine.types.RowSignature.builder()
                    .add("__time", io.sluice.engine.types.ColumnType.LONG)
                    .add("n", io.sluice.engine.types.ColumnType.LONG)
                    .build();
            java.util.List<Object[]> rows = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                rows.add(new Object[] {1000L + i, i % 10 == 0 ? null : (long) i * 1_000});
            }
            SegmentWriter.write(file, sig, rows);
            try (SegmentReader r = SegmentReader.open(file)) {
                assertThat(r.nullRows("n").orElseThrow().getCardinality()).isEqualTo(10);
                PackedLongs p = r.packedLongs("n").orElseThrow();
                assertThat(r.packedLongs("n").orElseThrow()).as("kept").isSameAs(p);
                long[] v = r.longValues("n").orElseThrow();
                for (int i = 0; i < 100; i++) {
                    assertThat(p.get(i)).isEqualTo(v[i]);
                }
                assertThat(r.packedLongs("__time")).isEmpty();
                assertThat(r.nullRows("n").orElseThrow().contains(20)).isTrue();
            }
        } finally {
            SegmentReader.forget(file);
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
