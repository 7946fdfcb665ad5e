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
        sort(a, 0, a.length, 0);
    }

    /** Sorts {@code a[from, to)}, whose strings all share their first {@code depth} chars. */
    private static void sort(String[] a, int from, int to, int depth) {
        int n = to - from;
        if (n < SMALL || depth >= MAX_DEPTH) {
            Arrays.sort(a, from, to);
            return;
        }
        long[] keys = new long[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = prefix(a[from + i], depth);
            idx[i] = i;
        }
        quicksort(keys, idx, 0, n - 1);
        String[] sorted = new String[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = a[from + idx[i]];
        }
        System.arraycopy(sorted, 0, a, from, n);
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && keys[j] == keys[i]) {
                j++;
            }
            if (j - i > 1) {
                // equal on the next four chars too: go on with the four after them
                sort(a, from + i, from + j, depth + 4);
            }
            i = j;
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

    /** Three-way quicksort of keys (signed order), moving idx along; equal keys end up adjacent. */
    private static void quicksort(long[] k, int[] idx, int lo, int hi) {
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            long p = median(k[lo], k[mid], k[hi]);
            int lt = lo;
            int gt = hi;
            int i = lo;
            while (i <= gt) {
                if (k[i] < p) {
                    swap(k, idx, lt++, i++);
                } else if (k[i] > p) {
                    swap(k, idx, i, gt--);
                } else {
                    i++;
                }
            }
            // recurse into the smaller side, loop on the larger (bounded stack)
            if (lt - lo < hi - gt) {
                quicksort(k, idx, lo, lt - 1);
                lo = gt + 1;
            } else {
                quicksort(k, idx, gt + 1, hi);
                hi = lt - 1;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            long kv = k[i];
            int iv = idx[i];
            int j = i - 1;
            while (j >= lo && k[j] > kv) {
                k[j + 1] = k[j];
                idx[j + 1] = idx[j];
                j--;
            }
            k[j + 1] = kv;
            idx[j + 1] = iv;
        }
    }

    private static long median(long a, long b, long c) {
        return a < b ? (b < c ? b : Math.max(a, c)) : (a < c ? a : Math.max(b, c));
    }

    private static void swap(long[] k, int[] idx, int i, int j) {
        long t = k[i];
        k[i] = k[j];
        k[j] = t;
        int u = idx[i];
        idx[i] = idx[j];
        idx[j] = u;
    }
}
