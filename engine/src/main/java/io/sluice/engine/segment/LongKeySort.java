package io.sluice.engine.segment;

/**
 * Sorts {@code long} keys in signed order with an {@code int} payload moved along (a three-way quicksort with an
 * insertion sort for short ranges): equal keys end up adjacent, in no particular payload order. The primitive core of
 * the dictionary sort ({@link StringSorter}) and of the shuffle sorter's key sort.
 */
public final class LongKeySort {
    private LongKeySort() {}

    /** Sorts {@code k[lo..hi]} (inclusive), moving {@code idx} along. */
    public static void sort(long[] k, int[] idx, int lo, int hi) {
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
                sort(k, idx, lo, lt - 1);
                lo = gt + 1;
            } else {
                sort(k, idx, gt + 1, hi);
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
