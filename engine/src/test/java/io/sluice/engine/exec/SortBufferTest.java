package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SortBufferTest {
    private record Added(byte[] key, byte[] row, int seq) {}

    private static byte[] randomKey(Random r) {
        // short keys over few byte values: many equal keys, keys that are prefixes of others, 0x00 and 0xFF bytes
        byte[] k = new byte[r.nextInt(12)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (r.nextBoolean() ? 0 : r.nextInt(3) == 0 ? 0xFF : r.nextInt(4));
        }
        return k;
    }

    private static void fillAndCheck(SortBuffer buffer, Random r, int n, boolean withHugeRows) {
        List<Added> added = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = randomKey(r);
            int len = withHugeRows && i % 997 == 5 ? SortBuffer.CHUNK_BYTES + r.nextInt(1000) : r.nextInt(40);
            byte[] row = new byte[len + 3];
            r.nextBytes(row);
            buffer.add(key, row, 3, len); // only row[3, 3 + len) is the row
            added.add(new Added(key, Arrays.copyOfRange(row, 3, 3 + len), i));
        }
        assertThat(buffer.size()).isEqualTo(n);
        buffer.sort();
        List<Added> expected = new ArrayList<>(added);
        expected.sort(Comparator.comparing(Added::key, Arrays::compareUnsigned)); // List.sort is stable
        for (int i = 0; i < n; i++) {
            Added e = expected.get(i);
            assertThat(buffer.key(i)).as("key %d", i).isEqualTo(e.key());
            byte[] chunk = buffer.bytes(i);
            int off = buffer.rowOffset(i);
            assertThat(Arrays.copyOfRange(chunk, off, off + buffer.rowLength(i)))
                    .as("row of entry %d (added as %d): equal keys keep their order", i, e.seq())
                    .isEqualTo(e.row());
        }
    }

    @Test
    void sortsByUnsignedKeyStablyWithRowsAlongside() {
        SortBuffer buffer = new SortBuffer();
        fillAndCheck(buffer, new Random(11), 50_000, false);
        assertThat(buffer.usedBytes()).isGreaterThan(50_000L * SortBuffer.ENTRY_OVERHEAD);
    }

    @Test
    void rowsLargerThanAChunkGetTheirOwnAndChunksAreReusedAfterClear() {
        SortBuffer buffer = new SortBuffer();
        Random r = new Random(5);
        fillAndCheck(buffer, r, 3_000, true);
        buffer.clear();
        assertThat(buffer.size()).isZero();
        assertThat(buffer.usedBytes()).isZero();
        fillAndCheck(buffer, r, 20_000, false); // standard chunks written over, no stale bytes
        buffer.clear();
        fillAndCheck(buffer, r, 2_000, true);
        buffer.release();
        assertThat(buffer.chunks()).isZero();
        fillAndCheck(buffer, r, 5_000, false); // usable again after a release
    }
}
