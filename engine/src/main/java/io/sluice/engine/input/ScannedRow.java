package io.sluice.engine.input;

import java.util.Arrays;

/**
 * One row as the fast JSON scanner read it in encoded mode: per column of the input signature, either a value (as the
 * row path would hold it; null when absent) or, in a {@link ScanEncoder#byteColumns() byte column}, a string's UTF-8
 * bytes in the input block or an integer. Reused from row to row; valid during {@link ScanEncoder#encodeScanned}.
 */
public final class ScannedRow {
    /** The column holds {@link #values()}'s entry (null when absent). */
    public static final byte VALUE = 0;
    /** The column holds a string: {@link #block()}{@code [start, start + length)}, well-formed UTF-8. */
    public static final byte BYTES = 1;
    /** The column holds the integer {@link #longValue}. */
    public static final byte INTEGER = 2;

    private final Object[] values;
    private final byte[] kinds;
    private final int[] starts;
    private final int[] lengths;
    private final long[] longs;
    private byte[] block;

    ScannedRow(int columns) {
        values = new Object[columns];
        kinds = new byte[columns];
        starts = new int[columns];
        lengths = new int[columns];
        longs = new long[columns];
    }

    void reset(byte[] block) {
        this.block = block;
        Arrays.fill(values, null);
        Arrays.fill(kinds, VALUE);
    }

    void bytes(int column, int start, int length) {
        kinds[column] = BYTES;
        starts[column] = start;
        lengths[column] = length;
    }

    void integer(int column, long v) {
        kinds[column] = INTEGER;
        longs[column] = v;
    }

    void value(int column, Object v) {
        kinds[column] = VALUE;
        values[column] = v;
    }

    /** The row's values, indexed as the input signature: what expressions over the row read. */
    public Object[] values() {
        return values;
    }

    public byte kind(int column) {
        return kinds[column];
    }

    public byte[] block() {
        return block;
    }

    public int start(int column) {
        return starts[column];
    }

    public int length(int column) {
        return lengths[column];
    }

    public long longValue(int column) {
        return longs[column];
    }
}
