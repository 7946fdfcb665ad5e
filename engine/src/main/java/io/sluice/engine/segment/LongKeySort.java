package io.sluice.engine.segment;

import java.util.Arrays;
import java.util.function.IntBinaryOperator;

/**
 * Primitive sorts behind the dictionary sort ({@link StringSorter}) and the shuffle sorter's key sort: {@link #sort}
 * orders {@code long} keys in signed order with an {@code int} payload moved along (a three-way quicksort with an
 * insertion sort for short ranges; equal keys end up adjacent, in no particular payload order), and
 * {@link #radixOrder} orders positions by variable-length keys read a fixed-width chunk at a time (a
 * most-significant-digit radix sort on top of it, each range's chunks sorted by {@link #sortByBytes} when it is
 * long and by {@link #sort} when short); {@link #radixSortBits} sorts {@code long}s by a range of their
 * bits (least significant digit first: the dictionary sort's groups, COUNT(DISTINCT)'s pairs).
 */
public final class LongKeySort {
    private LongKeySort() {}

    /**
     * Sorts {@code a[0, n)} by their bits {@code [fromBit, toBit)} alone (unsigned; the other bits ride along, values
     * equal there stay in their order): least significant digit first, {@code counts.length} buckets a pass (a power
     * of two). Passes alternate between {@code a} and {@code b} (both at least {@code n} long); returns the one that
     * holds the result.
     */
    public static long[] radixSortBits(long[] a, long[] b, int n, int fromBit, int toBit, int[] counts) {
        int digitBits = Integer.numberOfTrailingZeros(counts.length);
        int mask = counts.length - 1;
        for (int shift = fromBit; shift < toBit; shift += digitBits) {
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[(int) (a[i] >>> shift) & mask]++;
            }
            int sum = 0;
            for (int d = 0; d <= mask; d++) {
                int c = counts[d];
                counts[d] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                long v = a[i];
                b[counts[(int) (v >>> shift) & mask]++] = v;
            }
            long[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    /** The chunk of a position's key starting at {@code depth}, as a number whose signed order is the keys' order. */
    @FunctionalInterface
    public interface Chunks {
        long chunk(int position, int depth);
    }

    /**
     * Sorts positions {@code p[from, to)}, whose keys all share their first {@code depth} units: by chunk (each
     * {@code step} units wide) while the range is at least {@code small} long and shallower than {@code maxDepth},
     * runs of equal chunks going on with the next chunk; otherwise by {@code compare}, a stable comparison sort.
     * Keys must order a key before its extensions (missing units read as the smallest value).
     */
    public static void radixOrder(int[] p, int from, int to, int depth, int step, int small, int maxDepth,
            Chunks chunks, IntBinaryOperator compare) {
        int n = to - from;
        if (n < small || depth >= maxDepth) {
            comparisonSort(p, from, to, small, compare);
            return;
        }
        long[] k = new long[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = p[from + i];
            k[i] = chunks.chunk(idx[i], depth);
        }
        if (n >= RADIX_MIN) {
            long[][] ks = {k, new long[n]};
            int[][] is = {idx, new int[n]};
            int at = sortByBytes(ks, is, n);
            k = ks[at];
            idx = is[at];
        } else {
            sort(k, idx, 0, n - 1);
        }
        System.arraycopy(idx, 0, p, from, n);
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && k[j] == k[i]) {
                j++;
            }
            if (j - i > 1) {
                radixOrder(p, from + i, from + j, depth + step, step, small, maxDepth, chunks, compare);
            }
            i = j;
        }
    }

    /** A stable sort of {@code p[from, to)} by {@code compare}: insertion sort below {@code small}, else merge sort. */
    private static void comparisonSort(int[] p, int from, int to, int small, IntBinaryOperator compare) {
        if (to - from < small) {
            for (int i = from + 1; i < to; i++) {
                int v = p[i];
                int j = i - 1;
                while (j >= from && compare.applyAsInt(p[j], v) > 0) {
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
        Arrays.sort(boxed, compare::applyAsInt);
        for (int i = 0; i < boxed.length; i++) {
            p[from + i] = boxed[i];
        }
    }

    /** Ranges at least this long are sorted by {@link #sortByBytes}, shorter ones by {@link #sort}. */
    static final int RADIX_MIN = 1024;

    /**
     * Sorts {@code ks[0][0, n)} in signed order, moving {@code is[0]} along: a least-significant-digit radix sort by
     * bytes, whose passes alternate between {@code ks[0] / is[0]} and {@code ks[1] / is[1]} (each at least {@code
     * n} long). One pass counts every byte position; a position where all keys hold the same byte gets no pass of
     * its own (the high bytes of keys that share a prefix, as a chunk of sorted keys often does). Returns the index
     * of the pair that holds the result. Stable.
     */
    static int sortByBytes(long[][] ks, int[][] is, int n) {
        int[] counts = new int[8 << 8];
        long[] k = ks[0];
        for (int i = 0; i < n; i++) {
            long v = k[i] ^ Long.MIN_VALUE; // unsigned order of the bytes is the keys' signed order
            for (int b = 0; b < 8; b++) {
                counts[(b << 8) | (int) ((v >>> (b << 3)) & 0xFF)]++;
            }
        }
        int at = 0;
        for (int b = 0; b < 8; b++) {
            int base = b << 8;
            if (counts[base + (int) (((k[0] ^ Long.MIN_VALUE) >>> (b << 3)) & 0xFF)] == n) {
                continue; // every key holds the same byte here
            }
            int sum = 0;
            for (int d = base; d < base + 256; d++) {
                int c = counts[d];
                counts[d] = sum;
                sum += c;
            }
            long[] src = ks[at];
            int[] srcIdx = is[at];
            long[] dst = ks[1 - at];
            int[] dstIdx = is[1 - at];
            int shift = b << 3;
            for (int i = 0; i < n; i++) {
                long v = src[i];
                int slot = counts[base + (int) (((v ^ Long.MIN_VALUE) >>> shift) & 0xFF)]++;
                dst[slot] = v;
                dstIdx[slot] = srcIdx[i];
            }
            at = 1 - at;
            k = ks[at];
        }
        return at;
    }

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
