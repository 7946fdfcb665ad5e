package io.sluice.engine.frame;

import java.nio.charset.StandardCharsets;

/**
 * Decodes UTF-8 string values of a frame column, handing back the same {@link String} for the same bytes while it
 * stays cached: a small direct-mapped cache per column, keyed by the bytes (hashed in place). A repeated value then
 * costs a hash and a compare instead of a decode and two allocations, and its {@code hashCode} stays computed for
 * the dictionaries downstream. A column whose values rarely repeat is decoded without the cache for a while. Values
 * are equal to what {@code new String(bytes, UTF_8)} gives; memory is bounded ({@value #SLOTS} short values per
 * column). One per reading thread: not thread-safe.
 */
public final class StringCache {
    static final int SLOTS = 1024;
    /** Longer values are usually unique (comments, URLs): decoded without caching. */
    static final int MAX_CACHED_BYTES = 48;

    /** Lookups per column between checks of its hit rate. */
    static final int PROBE_WINDOW = 4096;
    /** Values a column with too few hits (mostly distinct values) is decoded without the cache before a retry. */
    static final int BYPASS_WINDOW = 65536;

    private final int columns;
    /** Per column: the cached values' bytes, {@value #MAX_CACHED_BYTES} per slot, in one array (one cache line). */
    private final byte[][] arena;
    /** Per column and slot: the cached value's byte length + 1 (0 = empty slot). */
    private final int[][] lengths;
    private final String[][] values;
    /** Per column: lookups and hits in the current window; while {@code bypass[c] > 0}, values left uncached. */
    private final int[] lookups;
    private final int[] hits;
    private final int[] bypass;

    public StringCache(int columns) {
        this.columns = Math.max(1, columns);
        this.lookups = new int[this.columns];
        this.hits = new int[this.columns];
        this.bypass = new int[this.columns];
        this.arena = new byte[this.columns][];
        this.lengths = new int[this.columns][];
        this.values = new String[this.columns][];
    }

    /** The string of {@code buf[off, off + len)}, a value of column {@code column}. */
    public String decode(int column, byte[] buf, int off, int len) {
        if (len > MAX_CACHED_BYTES || column < 0 || column >= columns) {
            return new String(buf, off, len, StandardCharsets.UTF_8);
        }
        if (bypass[column] > 0) {
            bypass[column]--;
            return new String(buf, off, len, StandardCharsets.UTF_8);
        }
        if (++lookups[column] == PROBE_WINDOW) {
            // a column of mostly distinct values (comments, titles) only pays for hashing and copying: skip it
            if (hits[column] < PROBE_WINDOW / 8) {
                bypass[column] = BYPASS_WINDOW;
            }
            lookups[column] = 0;
            hits[column] = 0;
        }
        byte[] keys = arena[column];
        if (keys == null) {
            keys = arena[column] = new byte[SLOTS * MAX_CACHED_BYTES];
            lengths[column] = new int[SLOTS];
            values[column] = new String[SLOTS];
        }
        int h = len;
        for (int i = off, end = off + len; i < end; i++) {
            h = 31 * h + buf[i];
        }
        h ^= h >>> 15;
        int slot = h & (SLOTS - 1);
        int base = slot * MAX_CACHED_BYTES;
        int[] lens = lengths[column];
        if (lens[slot] == len + 1) {
            int i = 0;
            while (i < len && keys[base + i] == buf[off + i]) {
                i++;
            }
            if (i == len) {
                hits[column]++;
                return values[column][slot];
            }
        }
        String s = new String(buf, off, len, StandardCharsets.UTF_8);
        System.arraycopy(buf, off, keys, base, len);
        lens[slot] = len + 1;
        values[column][slot] = s;
        return s;
    }
}
