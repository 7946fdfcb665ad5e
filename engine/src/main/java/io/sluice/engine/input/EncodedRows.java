package io.sluice.engine.input;

import io.sluice.engine.frame.ByteSink;
import java.util.Arrays;

/**
 * A batch of rows already in {@code RowCodec}'s tagged layout, with the values of their shuffle key's columns: what a
 * parse thread hands to its stage's output when it encodes the rows itself ({@link ScanEncoder}). Rows are appended
 * with {@link #sink()} and {@link #endRow}; the rows of a block the fast scanner gives up on are taken back with
 * {@link #rollback}. Used by one thread at a time.
 */
public final class EncodedRows {
    private ByteSink bytes;
    private int keyWidth;
    private int[] ends;
    private int[] sizes;
    private Object[] keys;
    private int count;

    /** @param keyWidth the number of key values each row carries */
    public EncodedRows(int keyWidth, int initialRows, int initialBytes) {
        this.keyWidth = keyWidth;
        this.bytes = new ByteSink(initialBytes);
        this.ends = new int[initialRows];
        this.sizes = new int[initialRows];
        this.keys = new Object[initialRows * Math.max(1, keyWidth)];
    }

    /** Where the next row's values are written. */
    public ByteSink sink() {
        return bytes;
    }

    /** Sets key value {@code k} of the row being written. */
    public void key(int k, Object value) {
        if ((count + 1) * keyWidth > keys.length) {
            keys = Arrays.copyOf(keys, Math.max(keys.length * 2, (count + 1) * keyWidth));
        }
        keys[count * keyWidth + k] = value;
    }

    /** Ends the row being written; {@code countedSize} is its size as the stage output counts it. */
    public void endRow(int countedSize) {
        if (count == ends.length) {
            ends = Arrays.copyOf(ends, count * 2);
            sizes = Arrays.copyOf(sizes, count * 2);
        }
        ends[count] = bytes.size();
        sizes[count] = countedSize;
        count++;
    }

    public int count() {
        return count;
    }

    /** Takes back the rows from {@code mark} (a former {@link #count()}) on, and a row begun after them. */
    public void rollback(int mark) {
        for (int i = mark * keyWidth; i < Math.min(keys.length, (count + 1) * keyWidth); i++) {
            keys[i] = null;
        }
        count = mark;
        bytes.truncate(mark == 0 ? 0 : ends[mark - 1]);
    }

    /** Empties the batch for reuse. */
    public void clear() {
        rollback(0);
    }

    /**
     * Exchanges this batch's rows with {@code other}'s (key widths included); answers {@code other}, which now holds
     * this batch's former rows.
     */
    public EncodedRows swap(EncodedRows other) {
        ByteSink b = bytes;
        bytes = other.bytes;
        other.bytes = b;
        int w = keyWidth;
        keyWidth = other.keyWidth;
        other.keyWidth = w;
        int[] e = ends;
        ends = other.ends;
        other.ends = e;
        int[] z = sizes;
        sizes = other.sizes;
        other.sizes = z;
        Object[] k = keys;
        keys = other.keys;
        other.keys = k;
        int c = count;
        count = other.count;
        other.count = c;
        return other;
    }

    public byte[] array() {
        return bytes.array();
    }

    public int start(int row) {
        return row == 0 ? 0 : ends[row - 1];
    }

    public int end(int row) {
        return ends[row];
    }

    public int countedSize(int row) {
        return sizes[row];
    }

    /** Key value {@code k} of row {@code row}. */
    public Object key(int row, int k) {
        return keys[row * keyWidth + k];
    }

    /** The bytes this batch holds on to (for the prefetch queue's budget). */
    public int capacityBytes() {
        return bytes.array().length;
    }
}
