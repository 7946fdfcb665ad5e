package io.sluice.engine.segment;

import java.util.Arrays;

/**
 * Sorts strings into {@link String#compareTo} order faster than a comparison sort of the strings alone: each
 * string's first four UTF-16 units become a 64-bit key, the keys (with the strings' positions) are sorted as
 * primitives, and runs of equal keys are sorted the same way on their next four units (a most-significant-digit
 * radix sort), falling back to comparison for small runs. A missing unit counts as 0, the smallest, so a string
 * sorts before its extensions either way.
 */
final class StringSorter {
    private static final int SMALL = 64;
    /** Past this many equal leading chars, the rest is left to a comparison sort. */
    private static final int MAX_DEPTH = 64;

    private StringSorter() {}

    static void sort(String[] a) {
        int[] p = order(a);
        String[] sorted = new String[a.length];
        for (int i = 0; i < p.length; i++) {
            sorted[i] = a[p[i]];
        }
        System.arraycopy(sorted, 0, a, 0, a.length);
    }

    /** The positions of {@code a}'s strings in {@link String#compareTo} order; {@code a} is left as it is. */
    static int[] order(String[] a) {
        int[] p = new int[a.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        order(a, p, 0, a.length, 0);
        return p;
    }

    /** Sorts positions {@code p[from, to)}, whose strings all share their first {@code depth} chars. */
    private static void order(String[] a, int[] p, int from, int to, int depth) {
        int n = to - from;
        if (n < SMALL || depth >= MAX_DEPTH) {
            comparisonSort(a, p, from, to);
            return;
        }
        long[] keys = new long[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = p[from + i];
            keys[i] = prefix(a[idx[i]], depth);
        }
        LongKeySort.sort(keys, idx, 0, n - 1);
        System.arraycopy(idx, 0, p, from, n);
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && keys[j] == keys[i]) {
                j++;
            }
            if (j - i > 1) {
                // equal on the next four chars too: go on with the four after them
                order(a, p, from + i, from + j, depth + 4);
            }
            i = j;
        }
    }

    private static void comparisonSort(String[] a, int[] p, int from, int to) {
        if (to - from < SMALL) {
            for (int i = from + 1; i < to; i++) {
                int v = p[i];
                String s = a[v];
                int j = i - 1;
                while (j >= from && a[p[j]].compareTo(s) > 0) {
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
        java.util.Arrays.sort(boxed, (x, y) -> a[x].compareTo(a[y]));
        for (int i = 0; i < boxed.length; i++) {
            p[from + i] = boxed[i];
        }
    }

    /** Chars {@code depth .. depth + 3} as an unsigned 64-bit number, shifted into signed order. */
    private static long prefix(String s, int depth) {
        int len = s.length();
        long k = 0;
        for (int i = depth; i < depth + 4; i++) {
            k = (k << 16) | (i < len ? s.charAt(i) : 0);
        }
        return k ^ Long.MIN_VALUE;
    }
}
