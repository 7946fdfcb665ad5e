package io.sluice.engine.frame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes UTF-8 string values of a frame column, handing back the same {@link String} for the same bytes while it
 * stays cached: a small direct-mapped cache per column, keyed by the bytes (hashed in place). A repeated value then
 * costs a hash and a compare instead of a decode and two allocations, and its {@code hashCode} stays computed for
 * the dictionaries downstream. A column whose values rarely repeat is decoded without the cache for a while. Values
 * are equal to what {@code new String(bytes, UTF_8)} gives; memory is bounded ({@value #SLOTS} short values per
 * column). One per reading thread: not thread-safe.
 */
public final class StringCache {
    static final int SLOTS = 2048;
    /** Longer values are usually unique (comments, URLs): decoded without caching. */
    static final int MAX_CACHED_BYTES = 64;

    /** Lookups per column between checks of its hit rate. */
    static final int PROBE_WINDOW = 4096;
    /** Values a column with too few hits (mostly distinct values) is decoded without the cache before a retry. */
    static final int BYPASS_WINDOW = 65536;

    private final int columns;
    private byte[][] keys;
    private String[] values;
    /** Per column: lookups and hits in the current window; while {@code bypass[c] > 0}, values left uncached. */
    private final int[] lookups;
    private final int[] hits;
    private final int[] bypass;

    public StringCache(int columns) {
        this.columns = Math.max(1, columns);
        this.lookups = new int[this.columns];
        this.hits = new int[this.columns];
        this.bypass = new int[this.columns];
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
        if (keys == null) {
            keys = new byte[columns * SLOTS][];
            values = new String[columns * SLOTS];
        }
        int h = len;
        for (int i = off, end = off + len; i < end; i++) {
            h = 31 * h + buf[i];
        }
        h ^= h >>> 15;
        int slot = column * SLOTS + (h & (SLOTS - 1));
        byte[] k = keys[slot];
        if (k != null && k.length == len && Arrays.equals(k, 0, len, buf, off, off + len)) {
            hits[column]++;
            return values[slot];
        }
        String s = new String(buf, off, len, StandardCharsets.UTF_8);
        keys[slot] = Arrays.copyOfRange(buf, off, off + len);
        values[slot] = s;
        return s;
    }
}
