package io.sluice.engine.segment;

/**
 * Writes the bitmap of a value's rows, when it is small, straight in RoaringBitmap's portable serialization — the
 * bytes {@code RoaringBitmap.serialize} gives for the same rows after {@code runOptimize}, so any Roaring reader reads
 * it. Small means what most values of a high-cardinality column have: rows all below 65,536 (one container) and an
 * array container that {@code runOptimize} keeps as an array (at most 4,096 rows, and not fewer bytes as runs). A
 * segment of such a column holds tens of thousands of these bitmaps; building a {@code RoaringBitmap} object for each
 * one only to serialize it cost more than the rest of the column. Anything else is left to the library.
 */
final class SmallBitmaps {
    /** Roaring's cookie for a serialization without run containers. */
    private static final int SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
    /** Roaring's largest array container. */
    private static final int MAX_ARRAY = 4096;

    private SmallBitmaps() {}

    /**
     * Writes the length-prefixed serialization of the bitmap of {@code rows[from, from + n)} (ascending, distinct) into
     * {@code out} and answers true; false (nothing written) when the bitmap is not small.
     */
    static boolean write(int[] rows, int from, int n, ByteSink out) {
        if (n == 0) {
            out.putInt(8);
            out.putInt(SERIAL_COOKIE_NO_RUNCONTAINER);
            out.putInt(0);
            return true;
        }
        if (n > MAX_ARRAY || rows[from + n - 1] >= 65536) {
            return false;
        }
        int runs = 1;
        for (int i = from + 1, end = from + n; i < end; i++) {
            if (rows[i] != rows[i - 1] + 1) {
                runs++;
            }
        }
        // ArrayContainer.runOptimize: a run container when its bytes (2 + 4 per run) are fewer than the array's
        if (2 * n > 2 + 4 * runs) {
            return false;
        }
        out.putInt(16 + 2 * n);
        out.putInt(SERIAL_COOKIE_NO_RUNCONTAINER);
        out.putInt(1); // containers
        out.putShort(0); // the container's key: the rows' high 16 bits
        out.putShort(n - 1); // its cardinality - 1
        out.putInt(16); // where its data starts
        for (int i = from, end = from + n; i < end; i++) {
            out.putShort(rows[i]);
        }
        return true;
    }
}
