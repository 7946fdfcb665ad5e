package io.sluice.engine.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The first {@code limit} rows of a stream in (byte key, arrival) order, kept in a bounded max-heap: what a stable
 * full sort followed by a LIMIT would keep (among rows with equal keys the earliest win), in O(n log limit) time and
 * O(limit) memory.
 */
final class TopRows {
    /** A kept row: its sort key, the row, and its arrival number (the tie-breaker). */
    record Entry(byte[] key, Object[] row, long seq) {}

    private static final Comparator<Entry> ORDER = (a, b) -> {
        int c = Arrays.compareUnsigned(a.key(), b.key());
        return c != 0 ? c : Long.compare(a.seq(), b.seq());
    };

    private final long limit;
    private final PriorityQueue<Entry> heap;
    private long seq;

    TopRows(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0");
        }
        this.limit = limit;
        this.heap = new PriorityQueue<>((int) Math.min(limit + 1, 1 << 16), ORDER.reversed());
    }

    /** Offers a row; kept when it is among the first {@code limit} so far. */
    void offer(byte[] key, Object[] row) {
        long s = seq++;
        if (heap.size() < limit) {
            heap.add(new Entry(key, row, s));
            return;
        }
        if (limit == 0) {
            return;
        }
        // A later row with an equal key never displaces an earlier one.
        if (Arrays.compareUnsigned(key, heap.peek().key()) < 0) {
            heap.poll();
            heap.add(new Entry(key, row, s));
        }
    }

    /** When {@code limit} rows are kept: the last of them in (key, arrival) order (the next to go); else null. */
    Object[] worstKept() {
        return limit > 0 && heap.size() >= limit ? heap.peek().row() : null;
    }

    /** The kept rows in (key, arrival) order; the heap is empty afterwards. */
    List<Entry> drainInOrder() {
        List<Entry> out = new ArrayList<>(heap);
        heap.clear();
        out.sort(ORDER);
        return out;
    }
}
