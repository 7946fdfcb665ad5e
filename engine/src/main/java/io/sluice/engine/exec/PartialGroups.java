package io.sluice.engine.exec;

import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.input.EncodedRows;
import io.sluice.engine.segment.Utf8Dictionary;
import java.util.Arrays;

/**
 * A pre-shuffle GROUP BY's combining of partial groups that are already rows in {@code RowCodec} layout: each row is
 * its dimensions, then one LONG intermediate per aggregator that sums (COUNT, a LONG SUM; NULL when the row had no
 * value). Rows with the same dimension bytes are folded into one group, keyed by those bytes, which is value
 * equality for scalar values; a group's aggregator is NULL when none of its rows had a value.
 *
 * <p>It runs the same policy as the row-by-row processor ({@link StageProcessors}): a map of at most {@link
 * StageProcessors#MAX_GROUPS_IN_MEMORY} groups, emitted when full; when its groups were at least {@link
 * StageProcessors#PASS_THROUGH_GROUP_SHARE} of the rows folded, the next {@link StageProcessors#PASS_THROUGH_ROWS}
 * rows go on as they are. So a split's output is the same set of rows as that processor's (in another order within
 * a flush). Work is done a batch at a time, on the batch's parse thread, once the batch's rows are final.
 */
public final class PartialGroups {
    private static final int TABLE_BITS = 18;

    private final int dims;
    private final int aggs;
    private final int maxGroups;
    private final double passThroughShare;
    private final long passThroughRows;

    /** Open addressing: group index + 1, 0 empty. */
    private final int[] table = new int[1 << TABLE_BITS];
    private final int mask = table.length - 1;
    /** The groups' dimension bytes, one after the other. */
    private final ByteSink keys = new ByteSink(1 << 16);
    private int[] keyEnds = new int[1024];
    private int[] hashes = new int[1024];
    private long[] sums = new long[0];
    private boolean[] seen = new boolean[0];
    private int groups;
    private long folded;
    private long passThrough;
    private EncodedRows spare;

    /**
     * @param dims the number of dimension columns each row starts with
     * @param aggs the number of LONG intermediate columns after them
     */
    public PartialGroups(int dims, int aggs) {
        this(dims, aggs, StageProcessors.MAX_GROUPS_IN_MEMORY, StageProcessors.PASS_THROUGH_GROUP_SHARE,
                StageProcessors.PASS_THROUGH_ROWS);
    }

    /** With the map's policy given (tests use small ones). */
    PartialGroups(int dims, int aggs, int maxGroups, double passThroughShare, long passThroughRows) {
        if (maxGroups > table.length / 2) {
            throw new IllegalArgumentException("at most " + table.length / 2 + " groups");
        }
        this.dims = dims;
        this.aggs = aggs;
        this.maxGroups = maxGroups;
        this.passThroughShare = passThroughShare;
        this.passThroughRows = passThroughRows;
    }

    /**
     * Folds the batch's rows (final: none will be taken back) and leaves in it the rows to emit: the rows passed
     * through and the groups of each map that filled up; with {@code last} (the split's input ended), also the
     * groups still in the map.
     */
    public void endBatch(EncodedRows batch, boolean last) {
        int n = batch.count();
        if (!last && passThrough >= n) {
            passThrough -= n; // the whole batch passes, as it is
            return;
        }
        if (spare == null) {
            spare = new EncodedRows(0, Math.max(n, 1024), Math.max(batch.capacityBytes(), 1 << 16));
        }
        EncodedRows out = spare;
        out.clear();
        byte[] b = batch.array();
        for (int i = 0; i < n; i++) {
            int start = batch.start(i);
            int end = batch.end(i);
            if (passThrough > 0) {
                passThrough--;
                out.sink().write(b, start, end - start);
                out.endRow(batch.countedSize(i));
                continue;
            }
            fold(b, start, end);
            folded++;
            if (groups >= maxGroups) {
                if (groups >= passThroughShare * folded) {
                    passThrough = passThroughRows;
                }
                emit(out);
            }
        }
        if (last) {
            emit(out);
        }
        spare = batch.swap(out);
    }

    private void fold(byte[] b, int start, int end) {
        int dimsEnd = start;
        for (int d = 0; d < dims; d++) {
            dimsEnd = RowCodec.valueEnd(b, dimsEnd, end);
        }
        int length = dimsEnd - start;
        int hash = Utf8Dictionary.hash(b, start, length);
        int slot = hash & mask;
        int g;
        while (true) {
            int entry = table[slot];
            if (entry == 0) {
                g = add(b, start, length, hash);
                table[slot] = g + 1;
                break;
            }
            g = entry - 1;
            if (hashes[g] == hash) {
                int from = g == 0 ? 0 : keyEnds[g - 1];
                if (keyEnds[g] - from == length
                        && Arrays.equals(keys.array(), from, keyEnds[g], b, start, dimsEnd)) {
                    break;
                }
            }
            slot = (slot + 1) & mask;
        }
        int p = dimsEnd;
        int at = g * aggs;
        for (int a = 0; a < aggs; a++, at++) {
            byte tag = b[p];
            if (tag == RowCodec.LONG) {
                sums[at] += RowCodec.longAt(b, p);
                seen[at] = true;
            } else if (tag != RowCodec.NULL) {
                throw new IllegalStateException("not a LONG intermediate: tag " + tag);
            }
            p = RowCodec.valueEnd(b, p, end);
        }
    }

    private int add(byte[] b, int start, int length, int hash) {
        int g = groups++;
        if (g == keyEnds.length) {
            keyEnds = Arrays.copyOf(keyEnds, g * 2);
            hashes = Arrays.copyOf(hashes, g * 2);
        }
        if ((g + 1) * aggs > sums.length) {
            sums = Arrays.copyOf(sums, Math.max(1024 * aggs, sums.length * 2));
            seen = Arrays.copyOf(seen, sums.length);
        }
        keys.write(b, start, length);
        keyEnds[g] = keys.size();
        hashes[g] = hash;
        return g;
    }

    /** Appends the map's groups, in the order they came, and empties the map. */
    private void emit(EncodedRows out) {
        if (groups == 0) {
            return;
        }
        ByteSink sink = out.sink();
        byte[] k = keys.array();
        for (int g = 0, at = 0; g < groups; g++) {
            int rowStart = sink.size();
            int from = g == 0 ? 0 : keyEnds[g - 1];
            sink.write(k, from, keyEnds[g] - from);
            for (int a = 0; a < aggs; a++, at++) {
                if (seen[at]) {
                    sink.writeTaggedVarLong(RowCodec.LONG, RowCodec.zigzag(sums[at]));
                } else {
                    sink.write(RowCodec.NULL);
                }
            }
            out.endRow(sink.size() - rowStart); // scalar values: the counted size is the bytes'
        }
        Arrays.fill(table, 0);
        Arrays.fill(sums, 0, groups * aggs, 0L);
        Arrays.fill(seen, 0, groups * aggs, false);
        keys.reset();
        groups = 0;
        folded = 0;
    }
}
