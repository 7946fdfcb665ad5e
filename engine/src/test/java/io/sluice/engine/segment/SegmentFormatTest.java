package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.types.ColumnType;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmentFormatTest {
    @Test
    void multiBlockSectionRoundTrips() {
        int length = 3 * SegmentFormat.BLOCK_SIZE + 12345;
        byte[] raw = new byte[length + 100]; // trailing bytes beyond length must be ignored
        new Random(42).nextBytes(raw);
        for (int i = 0; i < length; i += 7) {
            raw[i] = 0; // some compressible structure
        }
        byte[] comp = SegmentFormat.compressBlocks(raw, length);
        assertThat(ByteBuffer.wrap(comp).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(4);
        byte[] back = SegmentFormat.decompressBlocks(ByteBuffer.wrap(comp), SegmentFormat.VERSION);
        assertThat(back).hasSize(length);
        assertThat(java.util.Arrays.equals(back, 0, length, raw, 0, length)).isTrue();
    }

    @Test
    void emptySectionRoundTrips() {
        byte[] comp = SegmentFormat.compressBlocks(new byte[0], 0);
        assertThat(SegmentFormat.decompressBlocks(ByteBuffer.wrap(comp), SegmentFormat.VERSION)).isEmpty();
    }

    @Test
    void intSectionsArePackedToTheWidthTheirLargestValueNeeds() {
        Random rnd = new Random(9);
        int[][] cases = {{}, {0}, {0, 255, 7}, {256, 0}, {65_535}, {65_536, 1}, {(1 << 24) - 1}, {1 << 24, 3},
            {Integer.MAX_VALUE, 0, 1}};
        int[] widths = {1, 1, 1, 2, 2, 3, 3, 4, 4};
        for (int k = 0; k < cases.length; k++) {
            byte[] raw = ints(cases[k]);
            byte[] packed = SegmentFormat.packInts(raw, raw.length);
            if (cases[k].length > 0) {
                assertThat(packed[0]).isEqualTo((byte) widths[k]);
            }
            assertThat(packed).hasSize(1 + cases[k].length * widths[k]);
            assertThat(SegmentFormat.unpackInts(packed, 0, packed.length)).isEqualTo(cases[k]);
        }
        for (int bits : new int[] {3, 9, 17, 31}) {
            int[] v = new int[10_000];
            for (int i = 0; i < v.length; i++) {
                v[i] = rnd.nextInt() >>> (32 - bits);
            }
            byte[] raw = ints(v);
            byte[] packed = SegmentFormat.packInts(raw, raw.length);
            assertThat(SegmentFormat.unpackInts(packed, 0, packed.length)).isEqualTo(v);
        }
    }

    @Test
    void longSectionsArePackedAsDifferencesFromTheSmallest() {
        Random rnd = new Random(11);
        long[][] cases = {{}, {5}, {5, 5, 5}, {-7, -7 + 255}, {1_000_000, 1_000_000 + 65_535}, {-1L << 40, (-1L << 40) + 70_000},
            {0, 0xFFFF_FFFFL}, {0, 1L << 32}, {Long.MIN_VALUE, Long.MAX_VALUE, 0}, {Long.MAX_VALUE, Long.MAX_VALUE - 1},
            {Long.MIN_VALUE, -1}};
        int[] widths = {0, 0, 0, 1, 2, 4, 4, 8, 8, 1, 8};
        for (int k = 0; k < cases.length; k++) {
            byte[] raw = longs(cases[k]);
            byte[] packed = SegmentFormat.packLongs(raw, raw.length);
            assertThat(packed[0]).as("case %d", k).isEqualTo((byte) widths[k]);
            assertThat(packed).hasSize(9 + cases[k].length * widths[k]);
            assertThat(SegmentFormat.unpackLongs(packed, 0, cases[k].length)).isEqualTo(cases[k]);
        }
        for (int bits : new int[] {1, 8, 15, 16, 33, 63}) {
            long[] v = new long[10_000];
            long base = rnd.nextLong() >> 2;
            for (int i = 0; i < v.length; i++) {
                v[i] = base + (rnd.nextLong() >>> (64 - bits));
            }
            byte[] raw = longs(v);
            byte[] packed = SegmentFormat.packLongs(raw, raw.length);
            assertThat(SegmentFormat.unpackLongs(packed, 0, v.length)).isEqualTo(v);
        }
    }

    @Test
    void packingIsByColumnTypeAndSection() {
        assertThat(SegmentFormat.packingOf(ColumnType.LONG, "time")).isEqualTo(SegmentFormat.Packing.LONGS);
        assertThat(SegmentFormat.packingOf(ColumnType.LONG, "values")).isEqualTo(SegmentFormat.Packing.LONGS);
        assertThat(SegmentFormat.packingOf(ColumnType.DOUBLE, "values")).isEqualTo(SegmentFormat.Packing.NONE);
        assertThat(SegmentFormat.packingOf(ColumnType.STRING, "ids")).isEqualTo(SegmentFormat.Packing.INTS);
        assertThat(SegmentFormat.packingOf(ColumnType.STRING, "offsets")).isEqualTo(SegmentFormat.Packing.INTS);
        assertThat(SegmentFormat.packingOf(ColumnType.STRING, "dict")).isEqualTo(SegmentFormat.Packing.NONE);
        assertThat(SegmentFormat.packingOf(ColumnType.LONG_ARRAY, "values")).isEqualTo(SegmentFormat.Packing.NONE);
    }

    @Test
    void blocksLz4WouldNotShrinkEnoughAreStoredRawAndReadBack() {
        // block 0 random (stored raw), block 1 one repeated byte (LZ4), block 2 random again, short (raw)
        int length = 2 * SegmentFormat.BLOCK_SIZE + 5_000;
        byte[] raw = new byte[length];
        new Random(5).nextBytes(raw);
        java.util.Arrays.fill(raw, SegmentFormat.BLOCK_SIZE, 2 * SegmentFormat.BLOCK_SIZE, (byte) 7);
        byte[] stored = SegmentFormat.compressBlocks(raw, length);
        ByteBuffer in = ByteBuffer.wrap(stored).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(in.getInt()).isEqualTo(3);
        int[] lengths = new int[3];
        for (int b = 0; b < 3; b++) {
            assertThat(in.getInt()).isEqualTo(b < 2 ? SegmentFormat.BLOCK_SIZE : 5_000);
            lengths[b] = in.getInt();
            in.position(in.position() + SegmentFormat.storedBytes(lengths[b]));
        }
        assertThat(lengths[0]).isEqualTo(-SegmentFormat.BLOCK_SIZE);
        assertThat(lengths[1]).isPositive().isLessThan(SegmentFormat.BLOCK_SIZE / 10);
        assertThat(lengths[2]).isEqualTo(-5_000);
        assertThat(in.remaining()).isZero();
        assertThat(SegmentFormat.rawLength(ByteBuffer.wrap(stored))).isEqualTo(length);
        assertThat(SegmentFormat.decompressBlocks(ByteBuffer.wrap(stored), SegmentFormat.VERSION)).isEqualTo(raw);
        // read into a larger array from index 0, the rest left as it was
        byte[] into = new byte[length + 10];
        into[length + 3] = 42;
        assertThat(SegmentFormat.decompressBlocks(ByteBuffer.wrap(stored), SegmentFormat.VERSION, into)).isSameAs(into);
        assertThat(java.util.Arrays.equals(into, 0, length, raw, 0, length)).isTrue();
        assertThat(into[length + 3]).isEqualTo((byte) 42);
        // written for version 2, every block is LZ4, and reads back the same
        byte[] lz4 = SegmentFormat.compressBlocks(raw, length, false);
        assertThat(SegmentFormat.decompressBlocks(ByteBuffer.wrap(lz4), SegmentFormat.VERSION_LZ4)).isEqualTo(raw);
    }

    @Test
    void rawBlocksOutsideVersionThreeOrOfTheWrongLengthAreCorrupt() {
        byte[] raw = new byte[1_000];
        new Random(3).nextBytes(raw);
        byte[] stored = SegmentFormat.compressBlocks(raw, raw.length);
        assertThat(ByteBuffer.wrap(stored).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(8)).isEqualTo(-1_000);
        for (int older : new int[] {SegmentFormat.VERSION_LZ4, SegmentFormat.VERSION_ZSTD}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> SegmentFormat.decompressBlocks(ByteBuffer.wrap(stored), older))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("Corrupt segment block");
        }
        ByteBuffer.wrap(stored).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8, -999);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> SegmentFormat.decompressBlocks(ByteBuffer.wrap(stored), SegmentFormat.VERSION))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Corrupt segment block");
    }

    @Test
    void corruptBlocksAreReportedNotMisread() {
        byte[] raw = new byte[100_000];
        new Random(1).nextBytes(raw);
        for (int i = 0; i < raw.length; i++) {
            if (i % 50 != 0) {
                raw[i] = (byte) (i / 100); // compressible: stored as LZ4, whose corruption the decompressor detects
            }
        }
        byte[] comp = SegmentFormat.compressBlocks(raw, raw.length);
        assertThat(ByteBuffer.wrap(comp).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(8)).isPositive();
        comp[20] ^= 0x55;
        comp[21] ^= 0x55;
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> SegmentFormat.decompressBlocks(ByteBuffer.wrap(comp), SegmentFormat.VERSION))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Corrupt segment block");
    }

    private static byte[] ints(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    private static byte[] longs(long[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }
}
