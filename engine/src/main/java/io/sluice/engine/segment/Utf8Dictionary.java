package io.sluice.engine.segment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A dictionary of strings kept as UTF-8 bytes: dense ids 0, 1, 2, … in order of first {@link #intern interning}, one
 * of which may stand for NULL. Lookups hash and compare bytes, so mapping a segment's dictionary ids (a query's
 * GROUP BY) or a frame's string values (segment generation) to ids creates no {@code String}; values are decoded only
 * when asked for. Memory is one byte arena plus a few ints per value (no object per value). Not thread-safe.
 */
public final class Utf8Dictionary {
    private byte[] arena = new byte[1 << 12];
    private int[] ends = new int[256]; // value id's bytes are arena[id == 0 ? 0 : ends[id - 1], ends[id])
    private int size;
    private int nullId = -1;
    // Open addressing, two longs a slot: (hash << 32) | (id + 1), 0 = empty; then (start << 32) | length of the
    // value's bytes. The hash spares most byte comparisons; the bytes' place beside it spares a lookup in ends[] (a
    // cache miss of its own in a large dictionary) before the comparison.
    private long[] table;
    private int mask;

    public Utf8Dictionary() {
        this(0);
    }

    /** A dictionary sized for about {@code expectedValues} values (its table then need not grow until past them). */
    public Utf8Dictionary(int expectedValues) {
        this(expectedValues, 0);
    }

    /** As {@link #Utf8Dictionary(int)}, its byte arena sized for {@code expectedBytes} of values. */
    public Utf8Dictionary(int expectedValues, int expectedBytes) {
        if (expectedBytes > arena.length) {
            arena = new byte[Math.min(expectedBytes, Integer.MAX_VALUE - 16)];
        }
        int slots = 512;
        while (slots < (1 << 29) && (long) expectedValues * 5L > slots * 3L) {
            slots <<= 1;
        }
        table = new long[2 * slots];
        mask = slots - 1;
        if (expectedValues > ends.length) {
            ends = new int[Math.min(expectedValues, 1 << 28)];
        }
    }

    public int size() {
        return size;
    }

    /** Approximate heap bytes held. */
    /** Bytes of the values held. */
    public int usedBytes() {
        return end(size - 1);
    }

    public long memoryBytes() {
        return arena.length + 4L * ends.length + 8L * table.length;
    }

    /** The id of NULL (the same id every time). */
    public int internNull() {
        if (nullId < 0) {
            nullId = add(end(size - 1), 0);
        }
        return nullId;
    }

    /** The id of a string (null stands for NULL). */
    public int intern(String value) {
        if (value == null) {
            return internNull();
        }
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        return intern(b, 0, b.length);
    }

    /** The id of the string whose UTF-8 encoding is {@code bytes[from, from + length)}. */
    public int intern(byte[] bytes, int from, int length) {
        return intern(hash(bytes, from, length), bytes, from, length);
    }

    /** {@link #intern(byte[], int, int)} of a value whose {@link #hash} is {@code h}. */
    int intern(int h, byte[] bytes, int from, int length) {
        int i = h & mask;
        while (true) {
            long slot = table[2 * i];
            if (slot == 0) {
                break;
            }
            if ((int) (slot >>> 32) == h) {
                long place = table[2 * i + 1];
                int start = (int) (place >>> 32);
                if ((int) place == length && sameBytes(arena, start, bytes, from, length)) {
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

    /** Whether {@code a[ai, ai + length)} equals {@code b[bi, bi + length)}: one masked read each up to 8 bytes. */
    private static boolean sameBytes(byte[] a, int ai, byte[] b, int bi, int length) {
        if (length <= 8 && ai + 8 <= a.length && bi + 8 <= b.length) {
            long mask = length == 8 ? -1L : (1L << (length << 3)) - 1;
            return (((long) LONGS.get(a, ai) ^ (long) LONGS.get(b, bi)) & mask) == 0;
        }
        return Arrays.equals(a, ai, ai + length, b, bi, bi + length);
    }

    /**
     * Interns the values of a segment's dictionary whose ids {@code 1 .. out.length - 1} are marked in {@code used}
     * into {@code out} (the others are left as they are): the hashes first, then the lookups, whose cache misses then
     * overlap (one lookup does not wait for the next one's hash).
     */
    public void internAll(SegmentReader.DictionaryColumn column, boolean[] used, int[] out) {
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
        internAll(column, ids, hashes, 0, m, out);
    }

    /**
     * Interns the column's values {@code ids[from, to)}, whose {@link #hash hashes} are {@code hashes[from, to)}, into
     * {@code out[id]}, as {@link #internAll(SegmentReader.DictionaryColumn, boolean[], int[])} does.
     */
    void internAll(SegmentReader.DictionaryColumn column, int[] ids, int[] hashes, int from, int to, int[] out) {
        byte[] bytes = column.utf8Bytes();
        while ((size + (long) (to - from)) * 5L > (mask + 1L) * 3L) {
            rehash();
        }
        long touched = 0;
        for (int batch = from; batch < to; batch += TOUCH_BATCH) {
            int end = Math.min(to, batch + TOUCH_BATCH);
            // In a large dictionary every lookup misses the cache twice: its slot, then the bytes to compare. Loading
            // a batch's slots, then their bytes, in loops of independent loads lets those misses overlap instead of
            // each lookup waiting for its own; the lookups then find the lines in the cache.
            for (int i = batch; i < end; i++) {
                touched += table[2 * (hashes[i] & mask) + 1];
            }
            for (int i = batch; i < end; i++) {
                int slot = 2 * (hashes[i] & mask);
                int start = (int) (table[slot + 1] >>> 32);
                if ((int) (table[slot] >>> 32) == hashes[i] && start < arena.length) {
                    touched += arena[start];
                }
            }
            for (int i = batch; i < end; i++) {
                int id = ids[i];
                out[id] = intern(hashes[i], bytes, column.utf8Offset(id), column.utf8Length(id));
            }
        }
        touchSink = touched;
    }

    /**
     * Interns {@code n} values, value i being {@code bytes[starts[i], starts[i] + lengths[i])}, into {@code out[i]}
     * (a negative length is no value: its id is -1): the hashes first, then the batch's table slots and bytes are
     * loaded together (their cache misses overlap, as in {@link #internAll}), then the lookups. Each id is what
     * {@link #intern(byte[], int, int)} gives, in order.
     */
    public void internBatch(byte[] bytes, int[] starts, int[] lengths, int n, int[] out) {
        int[] hashes = out; // the hashes are replaced by the ids one by one
        for (int i = 0; i < n; i++) {
            hashes[i] = lengths[i] < 0 ? 0 : hash(bytes, starts[i], lengths[i]);
        }
        while ((size + (long) n) * 5L > (mask + 1L) * 3L) {
            rehash();
        }
        if (mask >= TOUCH_MIN_SLOTS) {
            long touched = 0;
            for (int i = 0; i < n; i++) {
                touched += table[2 * (hashes[i] & mask) + 1];
            }
            for (int i = 0; i < n; i++) {
                int slot = 2 * (hashes[i] & mask);
                int start = (int) (table[slot + 1] >>> 32);
                if ((int) (table[slot] >>> 32) == hashes[i] && start < arena.length) {
                    touched += arena[start];
                }
            }
            touchSink = touched;
        }
        for (int i = 0; i < n; i++) {
            out[i] = lengths[i] < 0 ? -1 : intern(hashes[i], bytes, starts[i], lengths[i]);
        }
    }

    /**
     * Tables of fewer slots stay in the cache: {@link #internBatch} then looks values up without loading their
     * slots and bytes first.
     */
    private static final int TOUCH_MIN_SLOTS = 1 << 12;
    /** Lookups whose cache lines {@link #internAll} loads together. */
    private static final int TOUCH_BATCH = 64;
    /** Keeps the loads of {@link #internAll}'s first passes from being optimised away. */
    private long touchSink;

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

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** A hash of the bytes, eight at a time, finished with MurmurHash3's mix (the table masks the low bits). */
    public static int hash(byte[] b, int from, int length) {
        long h = 0x9E3779B97F4A7C15L ^ length;
        int i = from;
        int end = from + length;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ (long) LONGS.get(b, i)) * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 31;
        }
        long tail = 0;
        if (i < end) {
            if (end - 8 >= 0) {
                // the last eight bytes of the array up to end, in one read: their top (end - i) bytes are the tail
                tail = (long) LONGS.get(b, end - 8) >>> ((8 - (end - i)) << 3);
            } else {
                for (int k = 0; i < end; i++, k += 8) {
                    tail |= (b[i] & 0xFFL) << k;
                }
            }
        }
        h ^= tail;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    /**
     * The ids ordered by value: NULL first, then by unsigned UTF-8 bytes, a prefix before its extensions (the order of
     * {@code KeyCodec}'s string keys: code point order). A most-significant-digit radix sort over windows of 4 to 6
     * bytes (see {@link #sort}): no comparator touches the bytes of two values, except in small groups.
     */
    public int[] sortedIds() {
        return sortedIds(false);
    }

    /**
     * As {@link #sortedIds()}; with {@code utf16Order} the values are in {@link String#compareTo} order instead (UTF-16
     * code units), which differs from code point order only where a character of U+E000..U+FFFF (UTF-8 lead byte
     * 0xEE or 0xEF) meets a supplementary one (lead byte 0xF0..0xF4): those two lead bytes then sort last.
     */
    public int[] sortedIds(boolean utf16Order) {
        if (size > MAX_SORTABLE) {
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
        sort(new Utf8Dictionary[] {this}, 0, ids, from, size, utf16Order);
        return ids;
    }

    private static final int MAX_ID_BITS = 23;
    /** Most values {@link #sortedIds} can sort (their ids are packed into the sort keys). */
    public static final int MAX_SORTABLE = 1 << MAX_ID_BITS;
    /** A key's low bits below the id: how many of the window's bytes the value has ({@code window + 1}: it goes on). */
    private static final int LENGTH_BITS = 3;
    /** Groups of at most this many values are ordered by comparing their bytes (insertion sort). */
    static final int SMALL_GROUP = 12;
    /** Groups of more than this many values are sorted by radix, smaller ones by {@link Arrays#sort}. */
    static final int RADIX_GROUP = 256;
    private static final int RADIX_BITS = 11;

    /**
     * How many bytes of a value a sort key holds when ids take {@code idBits}: as many as fit beside the id and the
     * length in 63 bits (keys stay positive), from 4 (ids of 23 bits) to 6 (ids of at most 12 bits).
     */
    static int windowFor(int idBits) {
        return Math.min(6, (63 - LENGTH_BITS - idBits) / 8);
    }

    /**
     * Sorts ids[from, to) by value; id {@code i} is value {@code i >>> stripeBits} of {@code stripes[i & (2^stripeBits
     * - 1)]} (one dictionary: stripeBits 0), and the ids are below {@link #MAX_SORTABLE}.
     */
    static void sort(Utf8Dictionary[] stripes, int stripeBits, int[] ids, int from, int to, boolean utf16Order) {
        int max = 0;
        for (int i = from; i < to; i++) {
            max = Math.max(max, ids[i]);
        }
        int idBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(max));
        sort(stripes, stripeBits, ids, from, to, utf16Order, windowFor(idBits));
    }

    /** {@link #sort} with keys of {@code window} bytes (tests try every window on small dictionaries). */
    static void sort(Utf8Dictionary[] stripes, int stripeBits, int[] ids, int from, int to, boolean utf16Order,
            int window) {
        for (int i = from; i < to; i++) {
            if (ids[i] >>> (63 - LENGTH_BITS - 8 * window) != 0) {
                throw new IllegalArgumentException("id " + ids[i] + " does not fit beside " + window + " bytes");
            }
        }
        int n = Math.max(0, to - from);
        new KeySort(stripes, stripeBits, utf16Order, window, n).sortRange(ids, from, to, 0);
    }

    /** One sort's settings and buffers. */
    private static final class KeySort {
        private final Utf8Dictionary[] stripes;
        private final int stripeBits;
        private final int stripeMask;
        private final boolean utf16Order;
        private final int window;
        private final int idBits;
        private final long idMask;
        /** The keys of the group being split; a recursion overwrites its front (see {@link #sortRange}). */
        private final long[] keys;
        private final long[] radixScratch;
        private final int[] counts = new int[1 << RADIX_BITS];

        KeySort(Utf8Dictionary[] stripes, int stripeBits, boolean utf16Order, int window, int n) {
            this.stripes = stripes;
            this.stripeBits = stripeBits;
            this.stripeMask = (1 << stripeBits) - 1;
            this.utf16Order = utf16Order;
            this.window = window;
            this.idBits = 63 - LENGTH_BITS - 8 * window;
            this.idMask = (1L << idBits) - 1;
            this.keys = new long[n];
            this.radixScratch = n > RADIX_GROUP ? new long[n] : null;
        }

        /**
         * Sorts ids[from, to), whose values agree on their first {@code depth} bytes: by keys of the next
         * {@code window} bytes, how many of them the value has, and the id; then each group of values that agree on
         * the window and go on past it, by its next bytes.
         */
        void sortRange(int[] ids, int from, int to, int depth) {
            int n = to - from;
            if (n < 2) {
                return;
            }
            if (n <= SMALL_GROUP) {
                insertionSort(ids, from, to, depth);
                return;
            }
            for (int i = 0; i < n; i++) {
                int id = ids[from + i];
                Utf8Dictionary d = stripes[id & stripeMask];
                int local = id >>> stripeBits;
                int start = d.start(local) + depth;
                int remaining = d.ends[local] - start;
                byte[] arena = d.arena;
                long digit = 0;
                for (int k = 0; k < window; k++) {
                    digit = (digit << 8) | (k < remaining ? rank(arena[start + k]) : 0);
                }
                // bytes of the window, then how many of them the value has (window + 1: it goes on): shorter first
                long len = Math.min(Math.max(remaining, 0), window + 1);
                keys[i] = (((digit << LENGTH_BITS) | len) << idBits) | id;
            }
            if (n > RADIX_GROUP) {
                radixSort(n);
            } else {
                Arrays.sort(keys, 0, n);
            }
            for (int i = 0; i < n; i++) {
                ids[from + i] = (int) (keys[i] & idMask);
            }
            int i = 0;
            while (i < n) {
                long head = keys[i] >>> idBits;
                int j = i + 1;
                while (j < n && keys[j] >>> idBits == head) {
                    j++;
                }
                if (j - i > 1 && (head & ((1 << LENGTH_BITS) - 1)) == window + 1) {
                    // the recursion overwrites keys[0, j - i): this loop reads only keys[j, n) from now on
                    sortRange(ids, from + i, from + j, depth + window);
                }
                i = j;
            }
        }

        /** A byte's rank: its unsigned value, with 0xEE and 0xEF after 0xF0..0xF4 in UTF-16 order. */
        private int rank(byte b) {
            int v = b & 0xFF;
            return utf16Order && (v == 0xEE || v == 0xEF) ? v + 8 : v;
        }

        /**
         * Sorts keys[0, n) by their bits above the id (the ids of equal heads stay in any order): least significant
         * digit first, {@value #RADIX_BITS} bits a pass.
         */
        private void radixSort(int n) {
            long[] sorted = LongKeySort.radixSortBits(
                    keys, radixScratch, n, idBits, idBits + 8 * window + LENGTH_BITS, counts);
            if (sorted != keys) {
                System.arraycopy(sorted, 0, keys, 0, n);
            }
        }

        /** Orders a small group by comparing the values' bytes from {@code depth} on. */
        private void insertionSort(int[] ids, int from, int to, int depth) {
            for (int i = from + 1; i < to; i++) {
                int id = ids[i];
                int j = i - 1;
                while (j >= from && compare(ids[j], id, depth) > 0) {
                    ids[j + 1] = ids[j];
                    j--;
                }
                ids[j + 1] = id;
            }
        }

        private int compare(int a, int b, int depth) {
            Utf8Dictionary da = stripes[a & stripeMask];
            Utf8Dictionary db = stripes[b & stripeMask];
            int la = a >>> stripeBits;
            int lb = b >>> stripeBits;
            int sa = da.start(la) + depth;
            int sb = db.start(lb) + depth;
            int ea = da.ends[la];
            int eb = db.ends[lb];
            int m = Arrays.mismatch(da.arena, sa, ea, db.arena, sb, eb);
            if (m < 0) {
                return 0;
            }
            if (sa + m == ea || sb + m == eb) {
                return (ea - sa) - (eb - sb); // one is a prefix of the other: the shorter first
            }
            return rank(da.arena[sa + m]) - rank(db.arena[sb + m]);
        }
    }

    public boolean isNull(int id) {
        return id == nullId;
    }

    /** The value of an id (null for NULL's id). */
    public String value(int id) {
        if (id == nullId) {
            return null;
        }
        int start = start(id);
        return new String(arena, start, ends[id] - start, StandardCharsets.UTF_8);
    }

    /** The arena holding the values' bytes (shared, do not modify; changes as values are added). */
    public byte[] arena() {
        return arena;
    }

    public int start(int id) {
        return id == 0 ? 0 : ends[id - 1];
    }

    /** Length in bytes of the value's UTF-8 encoding (0 for NULL). */
    public int length(int id) {
        return ends[id] - start(id);
    }
}
