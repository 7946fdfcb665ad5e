package io.sluice.engine.exec;

import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.fault.Fault;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.plan.JoinSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The probe side of a hash join (see {@link JoinSpec}): pure, over the right rows already read. For RIGHT and FULL
 * joins it remembers which right rows matched and emits the others, with NULLs on the left, after the last left row.
 */
public final class JoinTransformer {
    /** Druid's default cap on broadcast data, approximated in rows here. */
    public static final long MAX_BROADCAST_ROWS = 5_000_000L;

    private final JoinSpec spec;
    private final CompiledExpr[] leftKeys;
    private final Map<List<Object>, List<Object[]>> table = new HashMap<>();
    private final List<Object[]> allRight;
    /** For RIGHT/FULL joins: the right rows (by identity) that matched some left row. */
    private final java.util.Set<Object[]> matchedRight =
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final int leftWidth;
    private final int rightWidth;

    public JoinTransformer(JoinSpec spec, RowSignature left, RowSignature right, List<Object[]> rightRows) {
        this.spec = spec;
        this.leftWidth = left.size();
        this.rightWidth = right.size();
        if (!spec.shuffled() && rightRows.size() > MAX_BROADCAST_ROWS) {
            throw new FaultException(new Fault("BroadcastTablesTooLarge",
                    "Size of broadcast tables in JOIN exceeds reserved memory limit (memory reserved for broadcast"
                            + " tables = " + MAX_BROADCAST_ROWS + " rows). Increase available memory, or set"
                            + " sqlJoinAlgorithm: sortMerge in the query context to use a shuffle-based join.",
                    Map.of("maxBroadcastTablesSize", MAX_BROADCAST_ROWS)));
        }
        this.leftKeys = new CompiledExpr[spec.leftKeys().size()];
        for (int i = 0; i < leftKeys.length; i++) {
            leftKeys[i] = ExprEvaluator.compile(spec.leftKeys().get(i), left);
        }
        int[] rightKeyIdx = new int[spec.rightKeys().size()];
        for (int i = 0; i < rightKeyIdx.length; i++) {
            rightKeyIdx[i] = right.indexOf(spec.rightKeys().get(i));
            if (rightKeyIdx[i] < 0) {
                throw new IllegalArgumentException("no right key column " + spec.rightKeys().get(i));
            }
        }
        this.allRight = rightRows;
        if (rightKeyIdx.length > 0) {
            for (Object[] r : rightRows) {
                List<Object> key = new ArrayList<>(rightKeyIdx.length);
                boolean hasNull = false;
                for (int k : rightKeyIdx) {
                    Object v = normalize(r[k]);
                    hasNull |= v == null;
                    key.add(v);
                }
                if (!hasNull) {
                    table.computeIfAbsent(key, x -> new ArrayList<>()).add(r);
                }
            }
        }
    }

    /** The joined row's signature: the left columns, then the right columns with the prefix. */
    public static RowSignature joinedSignature(RowSignature left, RowSignature right, String prefix) {
        RowSignature.Builder b = RowSignature.builder();
        left.columns().forEach(c -> b.add(c.name(), c.type()));
        right.columns().forEach(c -> b.add(prefix + c.name(), c.type()));
        return b.build();
    }

    /** Numbers compare by value across LONG/DOUBLE, as SQL equality does. */
    private static Object normalize(Object v) {
        if (v instanceof Number n && !(v instanceof Long)) {
            double d = n.doubleValue();
            return d == Math.rint(d) && !Double.isInfinite(d) ? (Object) (long) d : (Object) d;
        }
        return v;
    }

    public RowSource transform(RowSource left) {
        return new RowSource() {
            private Object[] current;
            private List<Object[]> matches = List.of();
            private int next;
            private java.util.Iterator<Object[]> unmatchedRight;

            @Override
            public Object[] next() {
                while (true) {
                    if (next < matches.size()) {
                        Object[] r = matches.get(next++);
                        if (spec.keepsUnmatchedRight()) {
                            matchedRight.add(r);
                        }
                        return combine(current, r);
                    }
                    if (unmatchedRight != null) {
                        while (unmatchedRight.hasNext()) {
                            Object[] r = unmatchedRight.next();
                            if (!matchedRight.contains(r)) {
                                return combine(new Object[leftWidth], r);
                            }
                        }
                        return null;
                    }
                    current = left.next();
                    if (current == null) {
                        if (!spec.keepsUnmatchedRight()) {
                            return null;
                        }
                        unmatchedRight = allRight.iterator();
                        continue;
                    }
                    next = 0;
                    matches = probe(current);
                    if (matches.isEmpty() && spec.keepsUnmatchedLeft()) {
                        return combine(current, null);
                    }
                }
            }

            @Override
            public void close() {
                left.close();
            }
        };
    }

    private List<Object[]> probe(Object[] row) {
        if (leftKeys.length == 0) {
            return allRight;
        }
        List<Object> key = new ArrayList<>(leftKeys.length);
        for (CompiledExpr k : leftKeys) {
            Object v = normalize(k.eval(row));
            if (v == null) {
                return List.of();
            }
            key.add(v);
        }
        return table.getOrDefault(key, List.of());
    }

    private Object[] combine(Object[] l, Object[] r) {
        Object[] out = Arrays.copyOf(l, leftWidth + rightWidth);
        if (r != null) {
            System.arraycopy(r, 0, out, leftWidth, rightWidth);
        }
        return out;
    }
}
