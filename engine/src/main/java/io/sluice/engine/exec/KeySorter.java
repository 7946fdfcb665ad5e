package io.sluice.engine.exec;

import io.sluice.engine.segment.LongKeySort;
import java.util.Arrays;
import java.util.function.IntBinaryOperator;

/**
 * A stable sort of positions by byte keys in unsigned lexicographic order ({@link Arrays#compareUnsigned}), faster
 * than a comparison sort of the keys: each key's next 8 bytes become a 64-bit number, the numbers (with the
 * positions) are sorted as primitives, and runs of equal numbers go on with the following 8 bytes (a most-significant
 * digit radix sort); small runs, and runs past {@link #MAX_DEPTH} bytes, are sorted by comparison. Equal keys end up
 * in ascending position order, so the sort is stable.
 */
final class KeySorter {
    private static final int SMALL = 48;
    private static final int MAX_DEPTH = 64;

    private KeySorter() {}

    /**
     * Positions {@code 0 .. n-1} ordered by their keys, equal keys by position: {@code chunks} gives a position's key
     * bytes {@code depth .. depth + 7} as an unsigned big-endian number (missing bytes 0) flipped into signed order
     * ({@code ^ Long.MIN_VALUE}), {@code compareKeys} compares two positions' keys ({@link Arrays#compareUnsigned}).
     */
    static int[] order(int n, LongKeySort.Chunks chunks, IntBinaryOperator compareKeys) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        LongKeySort.radixOrder(p, 0, n, 0, 8, SMALL, MAX_DEPTH, chunks, (x, y) -> {
            int c = compareKeys.applyAsInt(x, y);
            return c != 0 ? c : Integer.compare(x, y);
        });
        return p;
    }
}
