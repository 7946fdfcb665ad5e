package io.sluice.engine.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The (group, value id) pairs of an exact COUNT(DISTINCT), as longs {@code group << 32 | value} (both non-negative),
 * added as segments are folded and then {@link #group grouped}: each group's distinct values in ascending order.
 *
 * <p>Pairs go to a buffer that grows up to {@link #MAX_BUFFER} pairs. When it is full, the pairs added since the last
 * compaction are sorted and merged into the sorted rest, dropping repeats (a pair met in several segments); that is
 * skipped while compactions drop few pairs. A buffer at its largest that is still more than half full after a
 * compaction is kept as a sorted run, and filling starts again; {@link #group} merges the runs. No array is larger
 * than the buffer: with one buffer grown to millions of pairs, q3 (5.3M distinct pairs in 9M longs) needed 72 MB of
 * contiguous heap regions beside the dictionaries' hundreds of others, and a 1 GB heap sometimes had none.
 */
final class DistinctPairs {
    /** 8 MB of pairs. */
    static final int MAX_BUFFER = 1 << 20;

    private final int maxBuffer;
    /** Sorted distinct pairs, each run's without repeats (a pair may be in several runs). */
    private final List<long[]> runs = new ArrayList<>();
    private long runPairs;
    private long[] pairs;
    private int size;
    /** {@code pairs[0, compacted)} are sorted and distinct: what the last compaction left. */
    private int compacted;
    /** Share of the pairs the last compaction kept (compacting again pays only when it drops many). */
    private double lastKept;
    /** Growths of the buffer since the last compaction. */
    private int growths;

    DistinctPairs() {
        this(MAX_BUFFER);
    }

    /** @param maxBuffer the most pairs the buffer grows to (tests use small ones) */
    DistinctPairs(int maxBuffer) {
        if (maxBuffer < 2) {
            throw new IllegalArgumentException("maxBuffer must be at least 2: " + maxBuffer);
        }
        this.maxBuffer = maxBuffer;
        this.pairs = new long[Math.min(1 << 12, maxBuffer)];
    }

    void add(long pair) {
        if (size == pairs.length) {
            makeRoom();
        }
        pairs[size++] = pair;
    }

    /** Heap bytes held. */
    long memoryBytes() {
        return 8L * (pairs.length + runPairs);
    }

    /** Pairs held, repeats not yet dropped included. */
    long size() {
        return runPairs + size;
    }

    int runs() {
        return runs.size();
    }

    /**
     * Drops repeated pairs when the last compaction dropped at least a quarter of them, after four growths, or when
     * the buffer cannot grow; grows it by half when it is still more than half full, or seals it as a run when it is
     * at its largest. Most pairs of a high-cardinality GROUP BY are met once, and sorting them only to find no repeats
     * cost more than all the rest of the state.
     */
    private void makeRoom() {
        boolean largest = pairs.length >= maxBuffer;
        if (largest || lastKept < 0.75 || growths >= 4) {
            int before = size;
            size = compactPairs(pairs, compacted, size);
            compacted = size;
            lastKept = (double) size / before;
            growths = 0;
        }
        if (size > pairs.length / 2) {
            if (largest) {
                runs.add(Arrays.copyOf(pairs, size));
                runPairs += size;
                size = 0;
                compacted = 0;
                lastKept = 0;
            } else {
                pairs = Arrays.copyOf(pairs, (int) Math.min(maxBuffer, pairs.length + pairs.length / 2L + 1));
                growths++;
            }
        }
    }

    /**
     * Each group's distinct values, ascending: group g's are {@code values[starts[g], starts[g + 1])}. The pairs are
     * released (this is called once, after the last {@link #add}).
     */
    Grouped group(int groups) {
        size = compactPairs(pairs, compacted, size);
        long total = runPairs + size;
        Merge merge = new Merge(runs, pairs, size);
        runs.clear();
        runPairs = 0;
        pairs = new long[0];
        size = 0;
        compacted = 0;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("too many distinct pairs: " + total);
        }
        int[] starts = new int[groups + 1];
        int[] values = new int[(int) total];
        int w = 0;
        int current = 0; // the group whose values are being written: starts[0, current] are set
        long last = -1;
        for (long v = merge.next(); v >= 0; v = merge.next()) {
            if (v == last) {
                continue; // in two runs
            }
            last = v;
            int g = (int) (v >>> 32);
            while (current < g) {
                starts[++current] = w;
            }
            values[w++] = (int) v;
        }
        while (current < groups) {
            starts[++current] = w;
        }
        return new Grouped(starts, values);
    }

    /** See {@link #group}. */
    record Grouped(int[] starts, int[] values) {}

    /** Merges sorted runs by a binary heap of the runs' next pairs; a run is released once read. */
    private static final class Merge {
        private final long[][] runs;
        private final int[] at;
        private final int[] ends;
        private final int[] heap; // run indexes, by their next pair
        private int n;

        /** The sealed runs, whole, and the buffer's first {@code size} pairs. */
        Merge(List<long[]> sealed, long[] buffer, int size) {
            int k = sealed.size() + 1;
            runs = new long[k][];
            at = new int[k];
            ends = new int[k];
            heap = new int[k];
            for (int r = 0; r < k; r++) {
                runs[r] = r < k - 1 ? sealed.get(r) : buffer;
                ends[r] = r < k - 1 ? runs[r].length : size;
                if (ends[r] > 0) {
                    heap[n++] = r;
                }
            }
            for (int i = n / 2 - 1; i >= 0; i--) {
                siftDown(i);
            }
        }

        /** The next pair, or -1 when all are read. */
        long next() {
            if (n == 0) {
                return -1;
            }
            int r = heap[0];
            long v = runs[r][at[r]++];
            if (at[r] == ends[r]) {
                runs[r] = null;
                heap[0] = heap[--n];
            }
            siftDown(0);
            return v;
        }

        private long head(int r) {
            return runs[r][at[r]];
        }

        private void siftDown(int i) {
            if (n == 0) {
                return;
            }
            int r = heap[i];
            long v = head(r);
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) {
                    break;
                }
                if (c + 1 < n && head(heap[c + 1]) < head(heap[c])) {
                    c++;
                }
                if (head(heap[c]) >= v) {
                    break;
                }
                heap[i] = heap[c];
                i = c;
            }
            heap[i] = r;
        }
    }

    /**
     * Leaves the distinct pairs of {@code pairs[0, size)} sorted in {@code pairs[0, n)} and returns n, where
     * {@code pairs[0, compacted)} are sorted and distinct already (the last compaction's result): only the pairs added
     * since are sorted (by radix, on a copy), then merged with those from the back, in place, dropping repeats. A
     * COUNT(DISTINCT) over millions of pairs compacts again each time its buffer fills; sorting all of it every time
     * cost more than half of the folding thread in q3.
     */
    static int compactPairs(long[] pairs, int compacted, int size) {
        if (size == compacted) {
            return size;
        }
        long[] added = SegmentGroupBy.sortPairs(Arrays.copyOfRange(pairs, compacted, size), size - compacted);
        int m = 0;
        for (int i = 0; i < size - compacted; i++) {
            if (m == 0 || added[i] != added[m - 1]) {
                added[m++] = added[i];
            }
        }
        // Writing from index compacted + m down: the write position stays above the next unread pair of the prefix.
        int i = compacted - 1;
        int j = m - 1;
        int w = compacted + m;
        long last = -1; // pairs are never negative
        while (j >= 0 || i >= 0) {
            long v = j < 0 || (i >= 0 && pairs[i] > added[j]) ? pairs[i--] : added[j--];
            if (v != last) {
                pairs[--w] = v;
                last = v;
            }
        }
        int n = compacted + m - w;
        System.arraycopy(pairs, w, pairs, 0, n);
        return n;
    }
}
