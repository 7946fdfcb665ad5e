package io.sluice.engine.exec;

import io.sluice.engine.segment.SegmentReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A worker-wide dictionary of strings kept as UTF-8 bytes: dense ids 0, 1, 2, … in order of first {@link #intern
 * interning}, one of which may stand for NULL. Lookups hash and compare bytes, so mapping a segment's dictionary ids
 * to these ids creates no {@code String}; values are decoded only when asked for. Memory is one byte arena plus a
 * few ints per value (no object per value).
 */
final class Utf8Dictionary {
    private byte[] arena = new byte[1 << 12];
    private int[] ends = new int[256]; // value id's bytes are arena[id == 0 ? 0 : ends[id - 1], ends[id])
    private int size;
    private int nullId = -1;
    // Open addressing, two longs a slot: (hash << 32) | (id + 1), 0 = empty; then (start << 32) | length of the
    // value's bytes. The hash spares most byte comparisons; the bytes' place beside it spares a lookup in ends[] (a
    // cache miss of its own in a large dictionary) before the comparison.
    private long[] table = new long[2 * 512];
    private int mask = 512 - 1;

    int size() {
        return size;
    }

    /** Approximate heap bytes held. */
    long memoryBytes() {
        return arena.length + 4L * ends.length + 8L * table.length;
    }

    /** The id of NULL (the same id every time). */
    int internNull() {
        if (nullId < 0) {
            nullId = add(end(size - 1), 0);
        }
        return nullId;
    }

    /** The id of a string (null stands for NULL). */
    int intern(String value) {
        if (value == null) {
            return internNull();
        }
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        return intern(b, 0, b.length);
    }

    /** The id of the string whose UTF-8 encoding is {@code bytes[from, from + length)}. */
    int intern(byte[] bytes, int from, int length) {
        return intern(hash(bytes, from, length), bytes, from, length);
    }

    private int intern(int h, byte[] bytes, int from, int length) {
        int i = h & mask;
        while (true) {
            long slot = table[2 * i];
            if (slot == 0) {
                break;
            }
            if ((int) (slot >>> 32) == h) {
                long place = table[2 * i + 1];
                int start = (int) (place >>> 32);
                if ((int) place == length
                        && Arrays.equals(arena, start, start + length, bytes, from, from + length)) {
                    return (int) slot - 1;
                }
            }
            i = (i + 1) & mask;
        }
        int used = end(size - 1);
        if (used + length > arena.length) {
            arena = Arrays.copyOf(arena, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(used + (long) length,
                    arena.length + arena.length / 2L)));
        }
        System.arraycopy(bytes, from, arena, used, length);
        int id = add(used + length, h);
        table[2 * i] = ((long) h << 32) | (id + 1L);
        table[2 * i + 1] = ((long) used << 32) | length;
        if (size * 5L > (mask + 1L) * 3L) {
            rehash();
        }
        return id;
    }

    /**
     * Interns the values of a segment's dictionary whose ids {@code 1 .. out.length - 1} are marked in {@code used}
     * into {@code out} (the others are left as they are): the hashes first, then the lookups, whose cache misses then
     * overlap (one lookup does not wait for the next one's hash).
     */
    void internAll(SegmentReader.DictionaryColumn column, boolean[] used, int[] out) {
        int n = out.length;
        byte[] bytes = column.utf8Bytes();
        int[] ids = new int[n];
        int[] hashes = new int[n];
        int m = 0;
        for (int id = 1; id < n; id++) {
            if (used[id]) {
                ids[m] = id;
                hashes[m++] = hash(bytes, column.utf8Offset(id), column.utf8Length(id));
            }
        }
        while ((size + (long) m) * 5L > (mask + 1L) * 3L) {
            rehash();
        }
        for (int i = 0; i < m; i++) {
            int id = ids[i];
            out[id] = intern(hashes[i], bytes, column.utf8Offset(id), column.utf8Length(id));
        }
    }

    private int end(int id) {
        return id < 0 ? 0 : ends[id];
    }

    private int add(int end, int h) {
        if (size == ends.length) {
            ends = Arrays.copyOf(ends, size * 2);
        }
        int id = size++;
        ends[id] = end;
        return id;
    }

    private void rehash() {
        long[] old = table;
        table = new long[old.length * 2];
        mask = table.length / 2 - 1;
        for (int o = 0; o < old.length; o += 2) {
            long slot = old[o];
            if (slot != 0) {
                int i = (int) (slot >>> 32) & mask;
                while (table[2 * i] != 0) {
                    i = (i + 1) & mask;
                }
                table[2 * i] = slot;
                table[2 * i + 1] = old[o + 1];
            }
        }
    }

    private static int hash(byte[] b, int from, int length) {
        int h = 0x9E3779B9 ^ length;
        for (int i = from, end = from + length; i < end; i++) {
            h = 31 * h + b[i];
        }
        h *= 0x85EBCA6B;
        return h ^ (h >>> 15);
    }

    /**
     * The ids ordered by value: NULL first, then by unsigned UTF-8 bytes, a prefix before its extensions (the order of
     * {@code KeyCodec}'s string keys, and of {@code String.compareTo} by code point). A most-significant-digit radix
     * sort over 4-byte digits: each pass sorts longs, so no comparator touches the bytes of two values.
     */
    int[] sortedIds() {
        if (size > ID_MASK + 1) {
            throw new IllegalStateException("too many values to sort: " + size);
        }
        int[] ids = new int[size];
        int n = 0;
        if (nullId >= 0) {
            ids[n++] = nullId;
        }
        for (int id = 0; id < size; id++) {
            if (id != nullId) {
                ids[n++] = id;
            }
        }
        int from = nullId >= 0 ? 1 : 0;
        sortRange(ids, from, size, 0, new long[size - from]);
        return ids;
    }

    private static final int ID_BITS = 23;
    private static final long ID_MASK = (1L << ID_BITS) - 1;

    /** Sorts ids[from, to), whose values agree on their first {@code depth} bytes. */
    private void sortRange(int[] ids, int from, int to, int depth, long[] scratch) {
        int n = to - from;
        if (n < 2) {
            return;
        }
        for (int i = 0; i < n; i++) {
            int id = ids[from + i];
            int start = start(id) + depth;
            int remaining = ends[id] - start;
            long digit = 0;
            for (int k = 0; k < 4; k++) {
                digit = (digit << 8) | (k < remaining ? arena[start + k] & 0xFF : 0);
            }
            // bytes of the window, then how many of them the value has (4: it goes on): a shorter value first
            long len = Math.min(Math.max(remaining, 0), 5);
            scratch[i] = (((digit << 3) | len) << ID_BITS) | id;
        }
        if (n > 1 << 16) {
            Arrays.parallelSort(scratch, 0, n);
        } else {
            Arrays.sort(scratch, 0, n);
        }
        for (int i = 0; i < n; i++) {
            ids[from + i] = (int) (scratch[i] & ID_MASK);
        }
        // values that go on past the window with equal windows: order them by their next bytes
        int i = 0;
        while (i < n) {
            long head = scratch[i] >>> ID_BITS;
            int j = i + 1;
            while (j < n && scratch[j] >>> ID_BITS == head) {
                j++;
            }
            if (j - i > 1 && (head & 7) == 5) {
                // the recursion overwrites scratch[0, j - i): this loop reads only scratch[j, n) from now on
                sortRange(ids, from + i, from + j, depth + 4, scratch);
            }
            i = j;
        }
    }

    boolean isNull(int id) {
        return id == nullId;
    }

    /** The value of an id (null for NULL's id). */
    String value(int id) {
        if (id == nullId) {
            return null;
        }
        int start = start(id);
        return new String(arena, start, ends[id] - start, StandardCharsets.UTF_8);
    }

    /** The arena holding the values' bytes (shared, do not modify; changes as values are added). */
    byte[] arena() {
        return arena;
    }

    int start(int id) {
        return id == 0 ? 0 : ends[id - 1];
    }

    /** Length in bytes of the value's UTF-8 encoding (0 for NULL). */
    int length(int id) {
        return ends[id] - start(id);
    }
}
