package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

/**
 * A LONG column's values as a segment stores them, decompressed but not unpacked: each row {@code base} plus an
 * unsigned little-endian offset of {@code width} bytes (0, 1, 2, 4 or 8; 0 when every row holds {@code base}). Folding
 * rows straight from these bytes spares a {@code long[]} per column per segment — eight bytes a row written and read
 * back — when a GROUP BY only sums, or takes the least or greatest of, a column by key. A NULL row holds 0.
 */
public final class PackedLongs {
    private final byte[] bytes;
    private final int at;
    private final int width;
    private final long base;
    private final int count;

    /** {@code packed} holds the width byte, the base and the offsets from {@code 0}, as {@link SegmentFormat} packs. */
    PackedLongs(byte[] packed, int count) {
        this.bytes = requireNonNull(packed, "packed is null");
        this.count = count;
        if (count == 0) {
            this.width = 0;
            this.base = 0;
            this.at = 0;
            return;
        }
        this.width = packed[0];
        if (width != 0 && width != 1 && width != 2 && width != 4 && width != 8) {
            throw new IllegalStateException("Corrupt segment section: long width " + width);
        }
        this.base = (long) SegmentFormat.LONGS.get(packed, 1);
        this.at = 9;
        if ((long) at + (long) width * count > packed.length) {
            throw new IllegalStateException("Corrupt segment section: " + count + " values of " + width
                    + " bytes in " + packed.length);
        }
    }

    /** Number of rows. */
    public int count() {
        return count;
    }

    /** The value of {@code row}. */
    public long get(int row) {
        return base + offset(row);
    }

    private long offset(int row) {
        int p = at + row * width;
        return switch (width) {
            case 0 -> 0;
            case 1 -> bytes[p] & 0xFFL;
            case 2 -> (char) (short) SegmentFormat.SHORTS.get(bytes, p);
            case 4 -> (int) SegmentFormat.INTS.get(bytes, p) & 0xFFFFFFFFL;
            default -> (long) SegmentFormat.LONGS.get(bytes, p);
        };
    }

    /**
     * Adds rows {@code [from, to)} into {@code out} by key: {@code out[keys[row]] += value}, or {@code out[0]} for every
     * row when {@code keys} is null. {@code rowsByKey} holds each key's number of rows in the range (the base is added
     * once per row through it).
     */
    public void sumByKey(int[] keys, long[] rowsByKey, long[] out, int from, int to) {
        if (keys == null) {
            long sum = 0;
            switch (width) {
                case 0 -> { }
                case 1 -> {
                    for (int r = from; r < to; r++) {
                        sum += bytes[at + r] & 0xFF;
                    }
                }
                case 2 -> {
                    for (int r = from; r < to; r++) {
                        sum += (char) (short) SegmentFormat.SHORTS.get(bytes, at + 2 * r);
                    }
                }
                case 4 -> {
                    for (int r = from; r < to; r++) {
                        sum += (int) SegmentFormat.INTS.get(bytes, at + 4 * r) & 0xFFFFFFFFL;
                    }
                }
                default -> {
                    for (int r = from; r < to; r++) {
                        sum += (long) SegmentFormat.LONGS.get(bytes, at + 8 * r);
                    }
                }
            }
            out[0] += sum + base * (to - from);
            return;
        }
        switch (width) {
            case 0 -> { }
            case 1 -> {
                for (int r = from; r < to; r++) {
                    out[keys[r]] += bytes[at + r] & 0xFF;
                }
            }
            case 2 -> {
                for (int r = from; r < to; r++) {
                    out[keys[r]] += (char) (short) SegmentFormat.SHORTS.get(bytes, at + 2 * r);
                }
            }
            case 4 -> {
                for (int r = from; r < to; r++) {
                    out[keys[r]] += (int) SegmentFormat.INTS.get(bytes, at + 4 * r) & 0xFFFFFFFFL;
                }
            }
            default -> {
                for (int r = from; r < to; r++) {
                    out[keys[r]] += (long) SegmentFormat.LONGS.get(bytes, at + 8 * r);
                }
            }
        }
        if (base != 0) {
            for (int k = 0; k < out.length; k++) {
                out[k] += base * rowsByKey[k];
            }
        }
    }

    /**
     * The least ({@code min}) or greatest value of rows {@code [from, to)} by key into {@code out} (every key with rows
     * gets its own; keys without rows are left as they are), or into {@code out[0]} when {@code keys} is null.
     */
    public void extremeByKey(boolean min, int[] keys, long[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            int k = keys == null ? 0 : keys[r];
            long v = get(r);
            out[k] = min ? Math.min(out[k], v) : Math.max(out[k], v);
        }
    }
}
