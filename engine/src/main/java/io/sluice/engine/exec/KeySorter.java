package io.sluice.engine.exec;

import java.util.Arrays;

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

    /** Positions {@code 0 .. n-1} ordered by {@code keys[position]}, equal keys by position. */
    static int[] order(byte[][] keys, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        sort(keys, p, 0, n, 0);
        return p;
    }

    /** Sorts {@code p[from, to)}, whose keys all share their first {@code depth} bytes. */
    private static void sort(byte[][] keys, int[] p, int from, int to, int depth) {
        int n = to - from;
        if (n < SMALL || depth >= MAX_DEPTH) {
            comparisonSort(keys, p, from, to);
            return;
        }
        long[] k = new long[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = p[from + i];
            k[i] = chunk(keys[idx[i]], depth);
        }
        io.sluice.engine.segment.LongKeySort.sort(k, idx, 0, n - 1);
        System.arraycopy(idx, 0, p, from, n);
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && k[j] == k[i]) {
                j++;
            }
            if (j - i > 1) {
                sort(keys, p, from + i, from + j, depth + 8);
            }
            i = j;
        }
    }

    /** Bytes {@code depth .. depth + 7} as an unsigned big-endian number (missing bytes 0), in signed order. */
    private static long chunk(byte[] key, int depth) {
        long v = 0;
        for (int i = depth; i < depth + 8; i++) {
            v = (v << 8) | (i < key.length ? key[i] & 0xFF : 0);
        }
        return v ^ Long.MIN_VALUE;
    }

    private static int compare(byte[][] keys, int a, int b) {
        int c = Arrays.compareUnsigned(keys[a], keys[b]);
        return c != 0 ? c : Integer.compare(a, b);
    }

    private static void comparisonSort(byte[][] keys, int[] p, int from, int to) {
        if (to - from < SMALL) {
            for (int i = from + 1; i < to; i++) {
                int v = p[i];
                int j = i - 1;
                while (j >= from && compare(keys, p[j], v) > 0) {
                    p[j + 1] = p[j];
                    j--;
                }
                p[j + 1] = v;
            }
            return;
        }
        Integer[] boxed = new Integer[to - from];
        for (int i = 0; i < boxed.length; i++) {
            boxed[i] = p[from + i];
        }
        Arrays.sort(boxed, (x, y) -> compare(keys, x, y));
        for (int i = 0; i < boxed.length; i++) {
            p[from + i] = boxed[i];
        }
    }
}
