package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.agg.Aggregator;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.agg.Aggregators;
import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.expr.Values;
import io.sluice.engine.plan.ExportProcessorSpec;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.ProcessorSpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.plan.WindowProcessorSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.Arrays;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the row-level processors of scan, groupByPreShuffle, groupByPostShuffle, limit and window stages. Output values
 * are coerced to the output signature's types. Pre-shuffle aggregation holds its groups in an in-memory hash map.
 */
public final class StageProcessors {
    private StageProcessors() {}

    public static RowTransformer create(
            ProcessorSpec spec, RowSignature inputSignature, RowSignature outputSignature, int workerNumber) {
        return create(spec, inputSignature, outputSignature, workerNumber, false);
    }

    /**
     * As above; with {@code ownsInputRows} the rows the processor reads are its own (made for it, never read again by
     * whatever made them), so a scan whose columns keep their input positions writes its output into the input row
     * instead of a new one.
     */
    public static RowTransformer create(ProcessorSpec spec, RowSignature inputSignature, RowSignature outputSignature,
            int workerNumber, boolean ownsInputRows) {
        requireNonNull(spec, "spec is null");
        requireNonNull(inputSignature, "inputSignature is null");
        requireNonNull(outputSignature, "outputSignature is null");
        if (spec instanceof ScanProcessorSpec s) {
            return scan(s, inputSignature, outputSignature, ownsInputRows);
        }
        if (spec instanceof GroupByPreShuffleSpec g) {
            return preShuffle(g, inputSignature, outputSignature, workerNumber);
        }
        if (spec instanceof GroupByPostShuffleSpec g) {
            return postShuffle(g, inputSignature, outputSignature);
        }
        if (spec instanceof LimitProcessorSpec l) {
            return limit(l.offset(), l.limit());
        }
        if (spec instanceof WindowProcessorSpec w) {
            return new WindowOperator(w, inputSignature);
        }
        if (spec instanceof SegmentGeneratorSpec) {
            throw new IllegalArgumentException("segmentGenerator is not a row processor");
        }
        if (spec instanceof ExportProcessorSpec) {
            throw new IllegalArgumentException("export is not a row processor");
        }
        throw new IllegalArgumentException("Unknown processor " + spec.getClass().getSimpleName());
    }

    private static ColumnType[] types(List<NamedExpr> exprs) {
        ColumnType[] t = new ColumnType[exprs.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = exprs.get(i).type();
        }
        return t;
    }

    /** The class a value of a scalar type has after {@link Values#coerce}; null for other types. */
    static Class<?> scalarClass(ColumnType type) {
        return switch (type) {
            case STRING -> String.class;
            case LONG -> Long.class;
            case DOUBLE -> Double.class;
            case FLOAT -> Float.class;
            default -> null;
        };
    }

    private static CompiledExpr[] compileAll(List<NamedExpr> exprs, RowSignature sig) {
        CompiledExpr[] out = new CompiledExpr[exprs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ExprEvaluator.compile(exprs.get(i).expr(), sig);
        }
        return out;
    }

    // ------------------------------------------------------------------ scan

    private static RowTransformer scan(ScanProcessorSpec spec, RowSignature input, RowSignature out,
            boolean ownsInputRows) {
        UnnestTransformer unnest = spec.unnest() == null ? null : new UnnestTransformer(spec.unnest(), input);
        RowSignature in = unnest == null ? input : UnnestTransformer.extend(input, spec.unnest());
        CompiledExpr filter = spec.filter() == null ? null : ExprEvaluator.compile(spec.filter(), in);
        CompiledExpr[] cols = compileAll(spec.columns(), in);
        ColumnType[] types = types(spec.columns());
        // A column that is an input column of its own type is copied (no call through the expression), and coerced
        // only when its value is not already of the type's class (a multi-value string, say).
        int[] copyFrom = new int[cols.length];
        Class<?>[] copyClass = new Class<?>[cols.length];
        for (int i = 0; i < cols.length; i++) {
            copyFrom[i] = -1;
            if (spec.columns().get(i).expr() instanceof io.sluice.engine.expr.ColumnRef ref) {
                int idx = in.indexOf(ref.column());
                Class<?> c = scalarClass(types[i]);
                if (idx >= 0 && in.type(idx) == types[i] && c != null) {
                    copyFrom[i] = idx;
                    copyClass[i] = c;
                }
            }
        }
        long limit = spec.limit() == null ? Long.MAX_VALUE : spec.limit();
        int computedCount = 0;
        for (int from : copyFrom) {
            computedCount += from < 0 ? 1 : 0;
        }
        int[] computed = new int[computedCount];
        // Output column i either copies input column i or is computed: the output is written into the input row (the
        // computed values are all taken before any is written) when that row is the processor's own.
        boolean inPlace = ownsInputRows && unnest == null && in.size() == cols.length;
        for (int i = 0, k = 0; i < cols.length; i++) {
            if (copyFrom[i] < 0) {
                computed[k++] = i;
            } else if (copyFrom[i] != i) {
                inPlace = false;
            }
        }
        boolean intoInput = inPlace;
        return source -> new RowSource() {
            private final RowSource input = unnest == null ? source : unnest.transform(source);
            private final Object[] values = new Object[computed.length];
            private long emitted;

            @Override
            public Object[] next() {
                while (emitted < limit) {
                    Object[] row = input.next();
                    if (row == null) {
                        return null;
                    }
                    if (filter != null && !ExprEvaluator.isTrue(filter.eval(row))) {
                        continue;
                    }
                    for (int k = 0; k < computed.length; k++) {
                        int i = computed[k];
                        values[k] = Values.coerce(cols[i].eval(row), types[i]);
                    }
                    Object[] o = intoInput ? row : new Object[cols.length];
                    for (int i = 0, k = 0; i < cols.length; i++) {
                        int from = copyFrom[i];
                        if (from >= 0) {
                            Object v = row[from];
                            o[i] = v == null || v.getClass() == copyClass[i] ? v : Values.coerce(v, types[i]);
                        } else {
                            o[i] = values[k++];
                        }
                    }
                    emitted++;
                    return o;
                }
                return null;
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    // ------------------------------------------------------------------ group by

    /** A group key: dimension values with value equality. */
    private static final class GroupKey {
        final Object[] values;
        final int hash;

        GroupKey(Object[] values) {
            this.values = values;
            this.hash = Arrays.deepHashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GroupKey g && g.hash == hash && Arrays.deepEquals(g.values, values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** Groups a pre-shuffle aggregation holds before it flushes partial results downstream. */
    static final int MAX_GROUPS_IN_MEMORY = 100_000;
    /**
     * A full map whose groups are at least this share of the rows folded into it reduced too little to pay for the
     * hashing: the next {@link #PASS_THROUGH_ROWS} rows go downstream one by one (the shuffle's combiner and the
     * post-shuffle stage still merge equal groups), then the map is tried again.
     */
    static final double PASS_THROUGH_GROUP_SHARE = 0.9;
    static final int PASS_THROUGH_ROWS = 1_000_000;

    /** A pre-shuffle GROUP BY's filter, dimensions and aggregators, compiled over its input rows. */
    private static final class Grouping {
        private final CompiledExpr filter;
        private final CompiledExpr[] dims;
        private final ColumnType[] dimTypes;
        private final Aggregator[] aggs;

        Grouping(GroupByPreShuffleSpec spec, RowSignature in) {
            filter = spec.filter() == null ? null : ExprEvaluator.compile(spec.filter(), in);
            dims = compileAll(spec.dimensions(), in);
            dimTypes = types(spec.dimensions());
            aggs = Aggregators.createAll(spec.aggregations(), in);
        }

        boolean passes(Object[] row) {
            return filter == null || ExprEvaluator.isTrue(filter.eval(row));
        }

        /** The row's dimension values into {@code values}; true when one is a multi-value STRING (several groups). */
        boolean dimensions(Object[] row, Object[] values) {
            boolean multi = false;
            for (int i = 0; i < dims.length; i++) {
                Object v = Values.coerce(dims[i].eval(row), dimTypes[i]);
                multi |= v instanceof List<?> && dimTypes[i] == ColumnType.STRING;
                values[i] = v;
            }
            return multi;
        }

        /** The partial group the row makes on its own under these dimension values. */
        Object[] partial(Object[] dimValues, Object[] row) {
            int nd = dims.length;
            Object[] o = Arrays.copyOf(dimValues, nd + aggs.length);
            for (int a = 0; a < aggs.length; a++) {
                o[nd + a] = aggs[a].intermediate(aggs[a].fold(aggs[a].newState(), row));
            }
            return o;
        }
    }

    private static RowTransformer preShuffle(
            GroupByPreShuffleSpec spec, RowSignature in, RowSignature out, int workerNumber) {
        Grouping grouping = new Grouping(spec, in);
        ColumnType[] dimTypes = grouping.dimTypes;
        Aggregator[] aggs = grouping.aggs;
        int nd = grouping.dims.length;
        return input -> new RowSource() {
            /** Reused across flushes (emptied as its groups are emitted), so it is sized once. */
            private final Map<GroupKey, Object[]> groups = new LinkedHashMap<>(1 << 18);
            private Iterator<Map.Entry<GroupKey, Object[]>> results;
            private boolean inputDone;
            private boolean emittedAny;
            /** Rows still to pass through without the map (see {@link #PASS_THROUGH_GROUP_SHARE}). */
            private long passThrough;
            private Object[] probe = new Object[nd];
            /** Whether the row {@link #nextInput} returned last has a multi-value STRING dimension (several groups). */
            private boolean multi;

            private Object[] newStates() {
                Object[] states = new Object[aggs.length];
                for (int a = 0; a < aggs.length; a++) {
                    states[a] = aggs[a].newState();
                }
                return states;
            }

            /** Folds the row into every combination of the multi-value dimensions' values (empty list = NULL). */
            private void explode(Object[] values, Object[] row) {
                StageProcessors.explode(values, dimTypes, 0, combination -> {
                    Object[] states = groups.computeIfAbsent(new GroupKey(combination), k -> newStates());
                    for (int a = 0; a < aggs.length; a++) {
                        states[a] = aggs[a].fold(states[a], row);
                    }
                });
            }

            /**
             * The next input row (past the filter) with its dimensions evaluated into {@link #probe} (and {@link #multi}
             * set); null at the end.
             */
            private Object[] nextInput() {
                Object[] row;
                while ((row = input.next()) != null) {
                    if (!grouping.passes(row)) {
                        continue;
                    }
                    multi = grouping.dimensions(row, probe);
                    return row;
                }
                inputDone = true;
                input.close();
                return null;
            }

            private void consume() {
                // Partial aggregation with a bounded map: when it is full its groups go downstream and the map starts
                // again. The shuffle's combiner and the post-shuffle stage merge groups that appear twice.
                long folded = 0;
                Object[] row;
                while (groups.size() < MAX_GROUPS_IN_MEMORY && (row = nextInput()) != null) {
                    folded++;
                    if (multi) {
                        // Druid semantics: a multi-value STRING dimension groups the row under each of its values
                        explode(probe.clone(), row);
                        continue;
                    }
                    GroupKey key = new GroupKey(probe);
                    Object[] states = groups.get(key);
                    if (states == null) {
                        states = newStates();
                        groups.put(key, states);
                        probe = new Object[nd];
                    }
                    for (int a = 0; a < aggs.length; a++) {
                        states[a] = aggs[a].fold(states[a], row);
                    }
                }
                if (!inputDone && groups.size() >= PASS_THROUGH_GROUP_SHARE * folded) {
                    passThrough = PASS_THROUGH_ROWS;
                }
                if (inputDone && !emittedAny && groups.isEmpty() && nd == 0 && workerNumber == 0) {
                    groups.put(new GroupKey(new Object[0]), newStates());
                }
                emittedAny |= !groups.isEmpty();
                results = groups.entrySet().iterator();
            }

            /** One input row as its own partial group, or null when it made several (those are in the map). */
            private Object[] passOne(Object[] row) {
                if (multi) {
                    explode(probe.clone(), row);
                    results = groups.entrySet().iterator();
                    return null;
                }
                return grouping.partial(probe, row);
            }

            @Override
            public Object[] next() {
                while (results == null || !results.hasNext()) {
                    if (inputDone) {
                        return null;
                    }
                    if (passThrough > 0) {
                        Object[] row = nextInput();
                        if (row == null) {
                            continue;
                        }
                        passThrough--;
                        emittedAny = true;
                        Object[] o = passOne(row);
                        if (o != null) {
                            return o;
                        }
                        continue;
                    }
                    consume();
                }
                Map.Entry<GroupKey, Object[]> e = results.next();
                results.remove();
                Object[] o = new Object[nd + aggs.length];
                System.arraycopy(e.getKey().values, 0, o, 0, nd);
                Object[] states = e.getValue();
                for (int a = 0; a < aggs.length; a++) {
                    o[nd + a] = aggs[a].intermediate(states[a]);
                }
                return o;
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    /**
     * Hands {@code each} every combination of the multi-value STRING dimensions' values from position {@code from}
     * on (an empty list counts as NULL): Druid's grouping of a row under each of its values. {@code values} is
     * reused for the last combination.
     */
    private static void explode(Object[] values, ColumnType[] types, int from,
            java.util.function.Consumer<Object[]> each) {
        for (int i = from; i < values.length; i++) {
            if (values[i] instanceof List<?> list && types[i] == ColumnType.STRING) {
                if (list.isEmpty()) {
                    Object[] copy = values.clone();
                    copy[i] = null;
                    explode(copy, types, i + 1, each);
                } else {
                    for (Object v : list) {
                        Object[] copy = values.clone();
                        copy[i] = v;
                        explode(copy, types, i + 1, each);
                    }
                }
                return;
            }
        }
        each.accept(values);
    }

    /**
     * The pre-shuffle GROUP BY's rows before any combining: each input row (past the filter) as the partial group it
     * makes on its own, dimensions then each aggregator's intermediate value, or as several when a multi-value STRING
     * dimension groups it under each of its values. What the processor of {@link #create} emits for a row it passes
     * through; a reader of this output combines equal groups itself. The transformer reads its input again after the
     * input said it had no row (so it can be fed one row at a time).
     */
    public static RowTransformer partialGroups(GroupByPreShuffleSpec spec, RowSignature in) {
        Grouping grouping = new Grouping(spec, in);
        return input -> new RowSource() {
            private final java.util.ArrayDeque<Object[]> pending = new java.util.ArrayDeque<>();
            private final Object[] values = new Object[grouping.dims.length];

            @Override
            public Object[] next() {
                if (!pending.isEmpty()) {
                    return pending.poll();
                }
                Object[] row;
                while ((row = input.next()) != null) {
                    if (!grouping.passes(row)) {
                        continue;
                    }
                    if (!grouping.dimensions(row, values)) {
                        return grouping.partial(values, row);
                    }
                    Object[] r = row;
                    explode(values.clone(), grouping.dimTypes, 0,
                            combination -> pending.add(grouping.partial(combination, r)));
                    return pending.poll();
                }
                return null;
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    /** Combines the intermediate aggregator columns of pre-shuffle rows with equal dimensions. */
    public static RowCombiner preShuffleCombiner(GroupByPreShuffleSpec spec, RowSignature in) {
        Aggregator[] aggs = Aggregators.createAll(spec.aggregations(), in);
        int nd = spec.dimensions().size();
        return (a, b) -> {
            for (int i = 0; i < aggs.length; i++) {
                a[nd + i] = aggs[i].combine(a[nd + i], b[nd + i]);
            }
            return a;
        };
    }

    private static RowTransformer postShuffle(GroupByPostShuffleSpec spec, RowSignature in, RowSignature out) {
        return postShuffle(spec, in, false);
    }

    /**
     * The post-shuffle stage's work over rows that are one per group already (a {@link
     * GroupByPreShuffleSpec#complete complete} GROUP BY whose groups were drained once): no combining, and their
     * aggregator columns are taken as they are — finalized by their producer when the spec finalizes — then HAVING
     * and the projection; in any order.
     */
    public static RowTransformer finishWholeGroups(GroupByPostShuffleSpec spec, RowSignature in) {
        return postShuffle(spec, in, true);
    }

    /** {@link #postShuffle}, or {@link #finishWholeGroups} when {@code whole}. */
    private static RowTransformer postShuffle(GroupByPostShuffleSpec spec, RowSignature in, boolean whole) {
        List<String> dimNames = spec.dimensions();
        int nd = dimNames.size();
        int[] dimPos = new int[nd];
        RowSignature.Builder aggSig = RowSignature.builder();
        for (int i = 0; i < nd; i++) {
            dimPos[i] = in.indexOf(dimNames.get(i));
            if (dimPos[i] < 0) {
                throw new IllegalArgumentException("dimension [" + dimNames.get(i) + "] not in input " + in.names());
            }
            aggSig.add(dimNames.get(i), in.type(dimPos[i]));
        }
        List<AggregatorSpec> specs = spec.aggregations();
        Aggregator[] aggs = Aggregators.createAll(specs, in);
        int[] aggPos = new int[aggs.length];
        for (int a = 0; a < aggs.length; a++) {
            aggPos[a] = in.indexOf(specs.get(a).name());
            if (aggPos[a] < 0) {
                throw new IllegalArgumentException("aggregator [" + specs.get(a).name() + "] not in input " + in.names());
            }
            aggSig.add(specs.get(a).name(),
                    spec.finalizeAggregations() ? specs.get(a).outputType() : specs.get(a).intermediateType());
        }
        RowSignature grouped = aggSig.build();
        CompiledExpr having = spec.having() == null ? null : ExprEvaluator.compile(spec.having(), grouped);
        CompiledExpr[] post = spec.postProjection() == null ? null : compileAll(spec.postProjection(), grouped);
        ColumnType[] postTypes = spec.postProjection() == null ? null : types(spec.postProjection());
        boolean finalize = spec.finalizeAggregations();
        return input -> new RowSource() {
            private Object[] pending;
            private boolean started;
            private boolean exhausted;
            private boolean emittedAny;

            private Object[] groupRow(Object[] dimsValues, Object[] states) {
                Object[] g = new Object[nd + aggs.length];
                System.arraycopy(dimsValues, 0, g, 0, nd);
                for (int a = 0; a < aggs.length; a++) {
                    Object inter = aggs[a].intermediate(states[a]);
                    g[nd + a] = finalize ? aggs[a].finalizeValue(inter) : inter;
                }
                return g;
            }

            private Object[] nextGroup() {
                if (whole) {
                    Object[] r = input.next();
                    if (r != null) {
                        emittedAny = true;
                        Object[] g = new Object[nd + aggs.length];
                        for (int i = 0; i < nd; i++) {
                            g[i] = r[dimPos[i]];
                        }
                        for (int a = 0; a < aggs.length; a++) {
                            g[nd + a] = r[aggPos[a]];
                        }
                        return g;
                    }
                    started = true; // no more rows: as below, an empty aggregate row when there were none at all
                }
                if (!started) {
                    started = true;
                    pending = input.next();
                }
                if (pending == null) {
                    if (!emittedAny && nd == 0 && !exhausted) {
                        exhausted = true;
                        emittedAny = true;
                        Object[] states = new Object[aggs.length];
                        for (int a = 0; a < aggs.length; a++) {
                            states[a] = aggs[a].newState();
                        }
                        return groupRow(new Object[0], states);
                    }
                    exhausted = true;
                    return null;
                }
                Object[] dimsValues = new Object[nd];
                for (int i = 0; i < nd; i++) {
                    dimsValues[i] = pending[dimPos[i]];
                }
                Object[] states = new Object[aggs.length];
                for (int a = 0; a < aggs.length; a++) {
                    states[a] = aggs[a].mergeIntermediate(aggs[a].newState(), pending[aggPos[a]]);
                }
                while ((pending = input.next()) != null) {
                    boolean same = true;
                    for (int i = 0; i < nd; i++) {
                        if (!Objects.deepEquals(dimsValues[i], pending[dimPos[i]])) {
                            same = false;
                            break;
                        }
                    }
                    if (!same) {
                        break;
                    }
                    for (int a = 0; a < aggs.length; a++) {
                        states[a] = aggs[a].mergeIntermediate(states[a], pending[aggPos[a]]);
                    }
                }
                emittedAny = true;
                return groupRow(dimsValues, states);
            }

            @Override
            public Object[] next() {
                Object[] g;
                while ((g = nextGroup()) != null) {
                    if (having != null && !ExprEvaluator.isTrue(having.eval(g))) {
                        continue;
                    }
                    if (post == null) {
                        return g;
                    }
                    Object[] o = new Object[post.length];
                    for (int i = 0; i < post.length; i++) {
                        o[i] = Values.coerce(post[i].eval(g), postTypes[i]);
                    }
                    return o;
                }
                return null;
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    // ------------------------------------------------------------------ limit

    private static RowTransformer limit(long offset, Long limit) {
        long max = limit == null ? Long.MAX_VALUE : limit;
        return input -> new RowSource() {
            private long skipped;
            private long emitted;

            @Override
            public Object[] next() {
                while (skipped < offset) {
                    if (input.next() == null) {
                        return null;
                    }
                    skipped++;
                }
                if (emitted >= max) {
                    return null;
                }
                Object[] row = input.next();
                if (row != null) {
                    emitted++;
                }
                return row;
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }
}
