package io.sluice.engine.input;

import java.util.Arrays;

/**
 * Hands back the same {@link String} for the same parsed text of a column while it stays cached: a small
 * direct-mapped cache per column over the parser's character buffer, so a repeated value (a channel, a country, a
 * flag) costs a hash and a compare instead of a new string, and its {@code hashCode} stays computed for grouping and
 * dictionaries downstream. A column whose values rarely repeat is read without the cache for a while. Values are
 * equal to the parser's {@code getText()}; memory is bounded ({@value #SLOTS} short values per column). One per
 * parser thread: not thread-safe.
 */
final class TextCache {
    static final int SLOTS = 1024;
    static final int MAX_CACHED_CHARS = 48;
    static final int PROBE_WINDOW = 4096;
    static final int BYPASS_WINDOW = 65536;

    private final String[][] values;
    /** Per column and slot, the cached value's characters (compared without going through the string). */
    private final char[][][] texts;
    private final int[] lookups;
    private final int[] hits;
    private final int[] bypass;

    TextCache(int columns) {
        this.values = new String[columns][];
        this.texts = new char[columns][][];
        this.lookups = new int[columns];
        this.hits = new int[columns];
        this.bypass = new int[columns];
    }

    /** True when column {@code column}'s next value should come through {@link #text}. */
    boolean active(int column) {
        if (bypass[column] > 0) {
            bypass[column]--;
            return false;
        }
        if (++lookups[column] == PROBE_WINDOW) {
            if (hits[column] < PROBE_WINDOW / 8) {
                bypass[column] = BYPASS_WINDOW; // mostly distinct values: hashing them only costs
            }
            lookups[column] = 0;
            hits[column] = 0;
        }
        return true;
    }

    /** The string of {@code chars[off, off + len)}, a value of column {@code column}. */
    String text(int column, char[] chars, int off, int len) {
        if (len > MAX_CACHED_CHARS) {
            return new String(chars, off, len);
        }
        String[] slots = values[column];
        char[][] slotTexts = texts[column];
        if (slots == null) {
            slots = values[column] = new String[SLOTS];
            slotTexts = texts[column] = new char[SLOTS][];
        }
        // two characters a step, in two chains, so the multiplications overlap
        int h1 = len;
        int h2 = 0;
        int i = off;
        int end = off + len;
        for (; i + 1 < end; i += 2) {
            h1 = 31 * h1 + chars[i];
            h2 = 37 * h2 + chars[i + 1];
        }
        if (i < end) {
            h1 = 31 * h1 + chars[i];
        }
        int h = h1 * 0x9E3779B1 + h2;
        int slot = (h ^ (h >>> 15)) & (SLOTS - 1);
        char[] cached = slotTexts[slot];
        if (cached != null && cached.length == len && Arrays.equals(cached, 0, len, chars, off, end)) {
            hits[column]++;
            return slots[slot];
        }
        String s = new String(chars, off, len);
        slots[slot] = s;
        slotTexts[slot] = Arrays.copyOfRange(chars, off, end);
        return s;
    }
}
