package io.sluice.engine.input;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
    /** The same for values read from UTF-8 bytes ({@link JsonFastScanner}): the value and its bytes per slot. */
    private final String[][] byteValues;
    private final byte[][][] byteTexts;
    private final int[] lookups;
    private final int[] hits;
    private final int[] bypass;

    TextCache(int columns) {
        this.values = new String[columns][];
        this.texts = new char[columns][][];
        this.byteValues = new String[columns][];
        this.byteTexts = new byte[columns][][];
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

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The slot of {@code bytes[off, off + len)}: a hash of eight bytes a step (the last word may overlap). */
    private static int slot(byte[] bytes, int off, int len) {
        long h = len * 0x9E3779B97F4A7C15L;
        if (len >= 8) {
            int last = off + len - 8;
            for (int i = off; i < last; i += 8) {
                h = (h ^ (long) LONGS.get(bytes, i)) * 0xBF58476D1CE4E5B9L;
            }
            h = (h ^ (long) LONGS.get(bytes, last)) * 0x94D049BB133111EBL;
        } else {
            long w = 0;
            for (int i = 0; i < len; i++) {
                w = w << 8 | (bytes[off + i] & 0xFF);
            }
            h = (h ^ w) * 0x94D049BB133111EBL;
        }
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32)) & (SLOTS - 1);
    }

    /**
     * The string of the UTF-8 bytes {@code bytes[off, off + len)} (all ASCII when {@code ascii}), a value of column
     * {@code column}; null when they are not well-formed UTF-8. A cached value is found by its bytes, so only a new
     * one is decoded.
     */
    String text(int column, byte[] bytes, int off, int len, boolean ascii) {
        if (len > MAX_CACHED_CHARS) {
            return ascii ? new String(bytes, off, len, StandardCharsets.ISO_8859_1)
                    : JsonFastScanner.decode(bytes, off, off + len);
        }
        String[] slots = byteValues[column];
        byte[][] slotTexts = byteTexts[column];
        if (slots == null) {
            slots = byteValues[column] = new String[SLOTS];
            slotTexts = byteTexts[column] = new byte[SLOTS][];
        }
        int end = off + len;
        int slot = slot(bytes, off, len);
        byte[] cached = slotTexts[slot];
        if (cached != null && cached.length == len && Arrays.equals(cached, 0, len, bytes, off, end)) {
            hits[column]++;
            return slots[slot];
        }
        String s = ascii ? new String(bytes, off, len, StandardCharsets.ISO_8859_1)
                : JsonFastScanner.decode(bytes, off, end);
        if (s == null) {
            return null;
        }
        slots[slot] = s;
        slotTexts[slot] = Arrays.copyOfRange(bytes, off, end);
        return s;
    }
}
