package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.Aggregator;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.agg.Aggregators;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.Values;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.WindowProcessorSpec;
import io.sluice.engine.plan.WindowProcessorSpec.Bound;
import io.sluice.engine.plan.WindowProcessorSpec.Frame;
import io.sluice.engine.plan.WindowProcessorSpec.FrameUnit;
import io.sluice.engine.plan.WindowProcessorSpec.Function;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The row processor of a {@link WindowProcessorSpec} stage. It reads one window partition at a time (consecutive
 * input rows with equal partition values), computes every function for each of its rows, and emits the rows with
 * the function values appended. Memory is bounded by {@code maxRowsMaterializedInWindow} rows.
 *
 * <p>Frame aggregates are incremental when a frame bound is UNBOUNDED (the usual running total and whole-partition
 * shapes) and recomputed per distinct frame otherwise. Multi-value strings in partition, order or argument
 * columns fail the query, as in Druid.
 */
final class WindowOperator implements RowTransformer {
    private final int[] partitionPos;
    private final int[] orderPos;
    private final int[] mvCheckPos;
    private final List<Function> functions;
    private final CompiledExpr[] inputs;
    private final CompiledExpr[] defaults;
    private final Aggregator[] aggregators;
    private final ColumnType[] outputTypes;
    private final int maxRows;
    private final int inputWidth;

    WindowOperator(WindowProcessorSpec spec, RowSignature in) {
        requireNonNull(spec, "spec is null");
        requireNonNull(in, "in is null");
        partitionPos = positions(spec.partitionColumns(), in);
        List<String> orderNames = new ArrayList<>();
        for (KeyColumn k : spec.orderColumns()) {
            orderNames.add(k.columnName());
        }
        orderPos = positions(orderNames, in);
        functions = spec.functions();
        int n = functions.size();
        inputs = new CompiledExpr[n];
        defaults = new CompiledExpr[n];
        aggregators = new Aggregator[n];
        outputTypes = new ColumnType[n];
        List<Integer> mv = new ArrayList<>();
        for (int p : partitionPos) {
            mv.add(p);
        }
        for (int p : orderPos) {
            mv.add(p);
        }
        for (int i = 0; i < n; i++) {
            Function f = functions.get(i);
            outputTypes[i] = f.outputType();
            if (f.input() != null) {
                inputs[i] = ExprEvaluator.compile(f.input(), in);
                for (String c : columns(f.input(), new ArrayList<>())) {
                    int p = in.indexOf(c);
                    if (p >= 0) {
                        mv.add(p);
                    }
                }
            }
            if (f.defaultValue() != null) {
                defaults[i] = ExprEvaluator.compile(f.defaultValue(), in);
            }
            aggregators[i] = aggregator(f, in);
        }
        mvCheckPos = mv.stream().distinct().filter(p -> in.type(p) == ColumnType.STRING).mapToInt(x -> x).toArray();
        maxRows = spec.maxRowsMaterializedInWindow();
        inputWidth = in.size();
    }

    private static List<String> columns(Expr e, List<String> out) {
        if (e instanceof ColumnRef c) {
            out.add(c.column());
        } else if (e instanceof Call call) {
            call.args().forEach(a -> columns(a, out));
        }
        return out;
    }

    private static int[] positions(List<String> names, RowSignature in) {
        int[] out = new int[names.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = in.indexOf(names.get(i));
            if (out[i] < 0) {
                throw new IllegalArgumentException("window column [" + names.get(i) + "] not in input " + in.names());
            }
        }
        return out;
    }

    private static Aggregator aggregator(Function f, RowSignature in) {
        AggKind kind = switch (f.kind()) {
            case COUNT -> AggKind.COUNT;
            case SUM, SUM0 -> AggKind.SUM;
            case MIN -> AggKind.MIN;
            case MAX -> AggKind.MAX;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        ColumnType type = f.outputType();
        if (kind == AggKind.SUM && type != ColumnType.LONG) {
            type = ColumnType.DOUBLE;
        }
        return Aggregators.create(new AggregatorSpec(f.name(), kind, f.input(), null, type, false), in);
    }

    @Override
    public RowSource transform(RowSource input) {
        return new RowSource() {
            private Object[] pending;
            private boolean started;
            private List<Object[]> partition = List.of();
            private Object[][] results;
            private int cursor;

            @Override
            public Object[] next() {
                while (cursor >= partition.size()) {
                    if (!readPartition()) {
                        return null;
                    }
                }
                int i = cursor++;
                Object[] row = partition.get(i);
                Object[] out = new Object[inputWidth + functions.size()];
                System.arraycopy(row, 0, out, 0, Math.min(row.length, inputWidth));
                for (int f = 0; f < functions.size(); f++) {
                    out[inputWidth + f] = results[f][i];
                }
                partition.set(i, null);
                return out;
            }

            private boolean readPartition() {
                if (!started) {
                    started = true;
                    pending = nextChecked();
                }
                if (pending == null) {
                    return false;
                }
                List<Object[]> rows = new ArrayList<>();
                Object[] first = pending;
                rows.add(first);
                while ((pending = nextChecked()) != null && samePartition(first, pending)) {
                    if (rows.size() >= maxRows) {
                        int count = rows.size() + 1;
                        rows.clear();
                        while ((pending = nextChecked()) != null && samePartition(first, pending)) {
                            count++;
                        }
                        throw new FaultException(Faults.tooManyRowsInAWindow(count, maxRows));
                    }
                    rows.add(pending);
                }
                partition = rows;
                cursor = 0;
                results = compute(rows);
                return true;
            }

            private Object[] nextChecked() {
                Object[] row = input.next();
                if (row != null) {
                    for (int p : mvCheckPos) {
                        if (row[p] instanceof List<?>) {
                            throw new FaultException(Faults.windowMultiValueColumn());
                        }
                    }
                }
                return row;
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    private boolean samePartition(Object[] a, Object[] b) {
        for (int p : partitionPos) {
            if (!Objects.deepEquals(a[p], b[p])) {
                return false;
            }
        }
        return true;
    }

    private boolean peers(Object[] a, Object[] b) {
        for (int p : orderPos) {
            if (!Objects.deepEquals(a[p], b[p])) {
                return false;
            }
        }
        return true;
    }

    /** The function values of a partition: {@code [function][row]}. */
    Object[][] compute(List<Object[]> rows) {
        int n = rows.size();
        int[] peerStart = new int[n];
        int[] peerEnd = new int[n];
        int[] peerGroup = new int[n];
        int group = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && peers(rows.get(i - 1), rows.get(i))) {
                peerStart[i] = peerStart[i - 1];
                peerGroup[i] = peerGroup[i - 1];
            } else {
                peerStart[i] = i;
                peerGroup[i] = ++group;
            }
        }
        for (int i = n - 1; i >= 0; i--) {
            peerEnd[i] = i < n - 1 && peerStart[i + 1] == peerStart[i] ? peerEnd[i + 1] : i;
        }
        Object[][] out = new Object[functions.size()][];
        for (int f = 0; f < out.length; f++) {
            Object[] values = compute(f, rows, peerStart, peerEnd, peerGroup);
            for (int i = 0; i < n; i++) {
                values[i] = Values.coerce(values[i], outputTypes[f]);
            }
            out[f] = values;
        }
        return out;
    }

    private Object[] compute(int f, List<Object[]> rows, int[] peerStart, int[] peerEnd, int[] peerGroup) {
        Function fn = functions.get(f);
        int n = rows.size();
        Object[] v = new Object[n];
        switch (fn.kind()) {
            case ROW_NUMBER -> {
                for (int i = 0; i < n; i++) {
                    v[i] = (long) i + 1;
                }
            }
            case RANK -> {
                for (int i = 0; i < n; i++) {
                    v[i] = (long) peerStart[i] + 1;
                }
            }
            case DENSE_RANK -> {
                for (int i = 0; i < n; i++) {
                    v[i] = (long) peerGroup[i];
                }
            }
            case PERCENT_RANK -> {
                for (int i = 0; i < n; i++) {
                    v[i] = n == 1 ? 0.0 : (double) peerStart[i] / (n - 1);
                }
            }
            case CUME_DIST -> {
                for (int i = 0; i < n; i++) {
                    v[i] = (double) (peerEnd[i] + 1) / n;
                }
            }
            case NTILE -> ntile(fn.argument(), n, v);
            case LAG, LEAD -> {
                long step = fn.kind() == WindowProcessorSpec.Kind.LAG ? -fn.argument() : fn.argument();
                for (int i = 0; i < n; i++) {
                    long j = i + step;
                    if (j >= 0 && j < n) {
                        v[i] = inputs[f].eval(rows.get((int) j));
                    } else {
                        v[i] = defaults[f] == null ? null : defaults[f].eval(rows.get(i));
                    }
                }
            }
            case FIRST_VALUE, LAST_VALUE -> {
                int[][] frames = frames(fn.frame(), n, peerStart, peerEnd);
                boolean first = fn.kind() == WindowProcessorSpec.Kind.FIRST_VALUE;
                for (int i = 0; i < n; i++) {
                    int lo = frames[0][i];
                    int hi = frames[1][i];
                    v[i] = lo > hi ? null : inputs[f].eval(rows.get(first ? lo : hi));
                }
            }
            case COUNT, SUM, SUM0, MIN, MAX -> aggregate(aggregators[f], rows, frames(fn.frame(), n, peerStart, peerEnd),
                    v);
            case AVG -> avg(f, rows, frames(fn.frame(), n, peerStart, peerEnd), v);
        }
        if (fn.kind() == WindowProcessorSpec.Kind.SUM0) {
            for (int i = 0; i < n; i++) {
                if (v[i] == null) {
                    v[i] = 0L;
                }
            }
        }
        return v;
    }

    /** Buckets 1..k; the first {@code n % k} buckets hold one row more than the others. */
    private static void ntile(long buckets, int n, Object[] v) {
        long k = Math.min(buckets, Math.max(n, 1));
        long size = n / k;
        long bigger = n % k;
        int i = 0;
        for (long b = 1; b <= k && i < n; b++) {
            long rows = size + (b <= bigger ? 1 : 0);
            for (long r = 0; r < rows && i < n; r++) {
                v[i++] = b;
            }
        }
    }

    /**
     * {@code [0][i]} and {@code [1][i]}: the first and last row of row i's frame, lo clamped to [0, n] and hi to
     * [-1, n-1]; the frame is empty when lo > hi. Both are non-decreasing in i.
     */
    static int[][] frames(Frame frame, int n, int[] peerStart, int[] peerEnd) {
        int[] lo = new int[n];
        int[] hi = new int[n];
        boolean range = frame.unit() == FrameUnit.RANGE;
        for (int i = 0; i < n; i++) {
            lo[i] = (int) Math.max(0, Math.min(n, bound(frame.lower(), i, n, range ? peerStart[i] : i)));
            hi[i] = (int) Math.max(-1, Math.min(n - 1, bound(frame.upper(), i, n, range ? peerEnd[i] : i)));
        }
        return new int[][] {lo, hi};
    }

    private static long bound(Bound b, int i, int n, int current) {
        return switch (b.kind()) {
            case UNBOUNDED_PRECEDING -> 0;
            case PRECEDING -> (long) i - b.offset();
            case CURRENT_ROW -> current;
            case FOLLOWING -> (long) i + b.offset();
            case UNBOUNDED_FOLLOWING -> n - 1;
        };
    }

    private static void aggregate(Aggregator agg, List<Object[]> rows, int[][] frames, Object[] v) {
        int n = rows.size();
        int[] lo = frames[0];
        int[] hi = frames[1];
        boolean fromStart = allEqual(lo, 0);  // lo = 0 for every row: UNBOUNDED PRECEDING
        boolean toEnd = allEqual(hi, n - 1);
        if (fromStart || !toEnd) {
            if (fromStart) {
                // running: the frame only grows at its end
                Object state = agg.newState();
                int folded = -1;
                for (int i = 0; i < n; i++) {
                    while (folded < hi[i]) {
                        state = agg.fold(state, rows.get(++folded));
                    }
                    v[i] = lo[i] > hi[i] ? emptyValue(agg) : agg.finalizeValue(agg.intermediate(state));
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                if (i > 0 && lo[i] == lo[i - 1] && hi[i] == hi[i - 1]) {
                    v[i] = v[i - 1];
                    continue;
                }
                Object state = agg.newState();
                for (int j = lo[i]; j <= hi[i]; j++) {
                    state = agg.fold(state, rows.get(j));
                }
                v[i] = agg.finalizeValue(agg.intermediate(state));
            }
            return;
        }
        // to the partition end: the frame only grows at its start, walking backwards
        Object state = agg.newState();
        int folded = n;
        for (int i = n - 1; i >= 0; i--) {
            while (folded > lo[i]) {
                state = agg.fold(state, rows.get(--folded));
            }
            v[i] = lo[i] > hi[i] ? emptyValue(agg) : agg.finalizeValue(agg.intermediate(state));
        }
    }

    private static Object emptyValue(Aggregator agg) {
        return agg.finalizeValue(agg.intermediate(agg.newState()));
    }

    private static boolean allEqual(int[] a, int x) {
        for (int v : a) {
            if (v != x) {
                return false;
            }
        }
        return true;
    }

    private void avg(int f, List<Object[]> rows, int[][] frames, Object[] v) {
        int n = rows.size();
        CompiledExpr in = inputs[f];
        double[] prefix = new double[n + 1];
        long[] counts = new long[n + 1];
        for (int i = 0; i < n; i++) {
            Double d = Values.toDouble(in.eval(rows.get(i)));
            prefix[i + 1] = prefix[i] + (d == null ? 0 : d);
            counts[i + 1] = counts[i] + (d == null ? 0 : 1);
        }
        for (int i = 0; i < n; i++) {
            int lo = frames[0][i];
            int hi = frames[1][i];
            long c = lo > hi ? 0 : counts[hi + 1] - counts[lo];
            v[i] = c == 0 ? null : (prefix[hi + 1] - prefix[lo]) / c;
        }
    }
}
