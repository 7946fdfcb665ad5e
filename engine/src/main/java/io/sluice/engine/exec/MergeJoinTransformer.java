package io.sluice.engine.exec;

import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.plan.JoinSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The sort-merge join of one partition (Druid's {@code sqlJoinAlgorithm: sortMerge}): both inputs are the same hash
 * partition of the two sides, each sorted ascending by its key columns (the join keys, cast to one type, so equal
 * keys encode to equal bytes). Only the right rows of the current key are held in memory; more than
 * {@link #MAX_BUFFERED_BYTES} of them is Druid's {@code TooManyRowsWithSameKey}. INNER, LEFT, RIGHT and FULL; NULL
 * keys never match. Pure: rows in, rows out.
 */
public final class MergeJoinTransformer {
    /** Druid's limit on the rows buffered for one key (10 MB). */
    public static final long MAX_BUFFERED_BYTES = 10L * 1024 * 1024;

    private final JoinSpec spec;
    private final KeyCodec leftKey;
    private final KeyCodec rightKey;
    private final int[] leftKeyIdx;
    private final int[] rightKeyIdx;
    private final int leftWidth;
    private final int rightWidth;
    private final long maxBufferedBytes;

    public MergeJoinTransformer(JoinSpec spec, RowSignature left, RowSignature right) {
        this(spec, left, right, MAX_BUFFERED_BYTES);
    }

    MergeJoinTransformer(JoinSpec spec, RowSignature left, RowSignature right, long maxBufferedBytes) {
        this.spec = spec;
        this.leftWidth = left.size();
        this.rightWidth = right.size();
        this.maxBufferedBytes = maxBufferedBytes;
        List<KeyColumn> lk = new ArrayList<>();
        List<KeyColumn> rk = new ArrayList<>();
        leftKeyIdx = new int[spec.rightKeys().size()];
        rightKeyIdx = new int[spec.rightKeys().size()];
        for (int i = 0; i < spec.rightKeys().size(); i++) {
            if (!(spec.leftKeys().get(i) instanceof io.sluice.engine.expr.ColumnRef ref)) {
                throw new IllegalArgumentException("a merge join needs key columns on the left");
            }
            lk.add(KeyColumn.asc(ref.column()));
            rk.add(KeyColumn.asc(spec.rightKeys().get(i)));
            leftKeyIdx[i] = left.indexOf(ref.column());
            rightKeyIdx[i] = right.indexOf(spec.rightKeys().get(i));
            if (leftKeyIdx[i] < 0 || rightKeyIdx[i] < 0) {
                throw new IllegalArgumentException("no key column " + ref.column() + " / " + spec.rightKeys().get(i));
            }
        }
        this.leftKey = new KeyCodec(left, lk);
        this.rightKey = new KeyCodec(right, rk);
    }

    private static boolean hasNull(Object[] row, int[] idx) {
        for (int i : idx) {
            if (row[i] == null) {
                return true;
            }
        }
        return false;
    }

    private Object[] combine(Object[] l, Object[] r) {
        Object[] out = l == null ? new Object[leftWidth + rightWidth] : Arrays.copyOf(l, leftWidth + rightWidth);
        if (r != null) {
            System.arraycopy(r, 0, out, leftWidth, rightWidth);
        }
        return out;
    }

    /** The joined rows of one partition; closes both inputs when closed. */
    public RowSource join(RowSource left, RowSource right) {
        return new RowSource() {
            private final ArrayDeque<Object[]> out = new ArrayDeque<>();
            private Object[] l = left.next();
            private Object[] r = right.next();
            private boolean done;

            @Override
            public Object[] next() {
                while (out.isEmpty() && !done) {
                    step();
                }
                return out.poll();
            }

            /** Produces the output of one left key group (or of the right rows left at the end). */
            private void step() {
                if (l == null) {
                    while (r != null) {
                        if (spec.keepsUnmatchedRight()) {
                            out.add(combine(null, r));
                        }
                        r = right.next();
                    }
                    done = true;
                    return;
                }
                if (hasNull(l, leftKeyIdx)) {
                    if (spec.keepsUnmatchedLeft()) {
                        out.add(combine(l, null));
                    }
                    l = left.next();
                    return;
                }
                byte[] key = leftKey.encode(l);
                while (r != null && (hasNull(r, rightKeyIdx) || KeyCodec.compare(rightKey.encode(r), key) < 0)) {
                    if (spec.keepsUnmatchedRight()) {
                        out.add(combine(null, r));
                    }
                    r = right.next();
                }
                List<Object[]> group = new ArrayList<>();
                long bytes = 0;
                while (r != null && KeyCodec.compare(rightKey.encode(r), key) == 0) {
                    group.add(r);
                    bytes += RowSizes.estimate(r);
                    if (bytes > maxBufferedBytes) {
                        throw new FaultException(new Fault("TooManyRowsWithSameKey",
                                "Too many rows with the same key[" + Arrays.toString(keyValues(r)) + "] during"
                                        + " sort-merge join (bytes buffered[" + bytes + "], limit[" + maxBufferedBytes
                                        + "]). Try increasing heap memory available to workers, or adjusting your"
                                        + " query to process fewer rows with this key.",
                                Map.of("key", Arrays.asList(keyValues(r)), "numBytes", bytes,
                                        "maxBytes", maxBufferedBytes)));
                    }
                    r = right.next();
                }
                while (l != null && !hasNull(l, leftKeyIdx) && KeyCodec.compare(leftKey.encode(l), key) == 0) {
                    if (group.isEmpty()) {
                        if (spec.keepsUnmatchedLeft()) {
                            out.add(combine(l, null));
                        }
                    } else {
                        for (Object[] g : group) {
                            out.add(combine(l, g));
                        }
                    }
                    l = left.next();
                }
            }

            private Object[] keyValues(Object[] row) {
                Object[] k = new Object[rightKeyIdx.length];
                for (int i = 0; i < k.length; i++) {
                    k[i] = row[rightKeyIdx[i]];
                }
                return k;
            }

            @Override
            public void close() {
                left.close();
                right.close();
            }
        };
    }
}
