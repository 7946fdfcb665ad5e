package io.sluice.engine.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rows an {@link ExternalSorter} holds in memory, as bytes: each entry's key and its row (in
 * {@link io.sluice.engine.frame.RowCodec} layout) are appended to large chunks, and the entries are positions into
 * them. Held this way, a buffer of millions of rows is a few hundred arrays for the garbage collector instead of
 * millions of objects, and its chunks are reused from one spill to the next (they stay in the old generation instead
 * of being copied by every young collection while the buffer fills). Not thread-safe.
 *
 * <p>Entry layout: key length (4 bytes), key bytes, row length (4 bytes), row bytes.
 */
final class SortBuffer {
    static final int CHUNK_BYTES = 256 * 1024; // below G1's humongous size on a small heap (1 MiB regions)
    /**
     * Per entry besides its bytes: its position (8), and while sorting the order (4), the sorted positions (8) and
     * the radix sort's chunk and index arrays (12).
     */
    static final int ENTRY_OVERHEAD = 32;
    private static final java.lang.invoke.VarHandle BIG_ENDIAN_LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /** Standard-size chunks, kept across {@link #clear()}; an entry larger than a chunk gets one of its own. */
    private final List<byte[]> chunks = new ArrayList<>();
    private int chunk = -1;
    private int pos = CHUNK_BYTES;
    private long usedBytes;
    /** Per entry: chunk index (high 32 bits) and offset (low 32 bits) of its key length. */
    private long[] entries = new long[1024];
    private int size;

    /** Appends an entry (the key and row bytes are copied). */
    void add(byte[] key, byte[] row, int rowOff, int rowLen) {
        int need = 8 + key.length + rowLen;
        byte[] c;
        if (need > CHUNK_BYTES) {
            c = new byte[need];
            chunks.add(++chunk, c);
            pos = need; // full: the next entry takes a new chunk
            place(c, 0, key, row, rowOff, rowLen);
        } else {
            if (pos + need > CHUNK_BYTES) {
                chunk++;
                if (chunk == chunks.size()) {
                    chunks.add(new byte[CHUNK_BYTES]);
                }
                pos = 0;
            }
            c = chunks.get(chunk);
            place(c, pos, key, row, rowOff, rowLen);
            pos += need;
        }
        usedBytes += need + ENTRY_OVERHEAD;
    }

    private void place(byte[] c, int at, byte[] key, byte[] row, int rowOff, int rowLen) {
        if (size == entries.length) {
            entries = Arrays.copyOf(entries, Math.max(1024, size * 2));
        }
        entries[size++] = ((long) chunk << 32) | at;
        putInt(c, at, key.length);
        System.arraycopy(key, 0, c, at + 4, key.length);
        putInt(c, at + 4 + key.length, rowLen);
        System.arraycopy(row, rowOff, c, at + 8 + key.length, rowLen);
    }

    int size() {
        return size;
    }

    /** Chunks held (in use or kept for reuse). */
    int chunks() {
        return chunks.size();
    }

    /** Bytes the entries take (their bytes plus {@link #ENTRY_OVERHEAD} each). */
    long usedBytes() {
        return usedBytes;
    }

    /** Orders the entries by key (unsigned bytes), stable: equal keys keep the order they were added in. */
    void sort() {
        if (size < 2) {
            return;
        }
        int[] order = KeySorter.order(size, this::keyChunk, this::compareKeys);
        long[] sorted = new long[entries.length];
        for (int i = 0; i < size; i++) {
            sorted[i] = entries[order[i]];
        }
        entries = sorted;
    }

    /** Forgets the entries; standard chunks are kept for the next ones. */
    void clear() {
        chunks.removeIf(c -> c.length != CHUNK_BYTES);
        chunk = -1;
        pos = CHUNK_BYTES;
        usedBytes = 0;
        size = 0; // the positions array is kept too: the budget counts it (ENTRY_OVERHEAD)
    }

    /** Drops everything, chunks included. */
    void release() {
        clear();
        chunks.clear();
        entries = new long[0];
    }

    /** The chunk holding entry {@code i}. */
    byte[] bytes(int i) {
        return chunks.get((int) (entries[i] >>> 32));
    }

    int keyOffset(int i) {
        return (int) entries[i] + 4;
    }

    int keyLength(int i) {
        return getInt(bytes(i), (int) entries[i]);
    }

    byte[] key(int i) {
        int off = keyOffset(i);
        return Arrays.copyOfRange(bytes(i), off, off + keyLength(i));
    }

    int rowOffset(int i) {
        return keyOffset(i) + keyLength(i) + 4;
    }

    int rowLength(int i) {
        return getInt(bytes(i), keyOffset(i) + keyLength(i));
    }

    /** Key bytes {@code depth .. depth + 7} of entry {@code i} as an unsigned big-endian number (missing bytes 0). */
    private long keyChunk(int i, int depth) {
        byte[] c = bytes(i);
        int off = keyOffset(i);
        int len = getInt(c, off - 4);
        if (depth + 8 <= len) {
            return (long) BIG_ENDIAN_LONGS.get(c, off + depth) ^ Long.MIN_VALUE; // eight bytes in one load
        }
        long v = 0;
        for (int d = depth; d < depth + 8; d++) {
            v = (v << 8) | (d < len ? c[off + d] & 0xFF : 0);
        }
        return v ^ Long.MIN_VALUE;
    }

    private int compareKeys(int a, int b) {
        int ao = keyOffset(a);
        int bo = keyOffset(b);
        byte[] ac = bytes(a);
        byte[] bc = bytes(b);
        return Arrays.compareUnsigned(ac, ao, ao + getInt(ac, ao - 4), bc, bo, bo + getInt(bc, bo - 4));
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
