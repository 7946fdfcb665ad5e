package io.sluice.engine.agg;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.Values;
import io.sluice.engine.frame.ByteSource;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds {@link Aggregator}s. Semantics: COUNT skips NULL inputs (COUNT(*) counts rows); SUM/MIN/MAX give NULL
 * over no non-NULL input; ANY_VALUE keeps the first non-NULL value; EARLIEST/LATEST keep the non-NULL value at the
 * smallest/largest {@code __time} (ties: first seen); sketches are in {@link SketchAggregators}; COUNT DISTINCT
 * is exact (a set of values serialised with {@link RowCodec}).
 */
public final class Aggregators {
    public static final String TIME_COLUMN = "__time";

    private Aggregators() {}

    public static Aggregator create(AggregatorSpec spec, RowSignature inputSignature) {
        requireNonNull(spec, "spec is null");
        requireNonNull(inputSignature, "inputSignature is null");
        CompiledExpr input = spec.input() == null ? null : ExprEvaluator.compile(spec.input(), inputSignature);
        CompiledExpr filter = spec.filter() == null ? null : ExprEvaluator.compile(spec.filter(), inputSignature);
        if (spec.distinct() && spec.kind() == AggKind.COUNT) {
            return new DistinctCount(spec, input, filter);
        }
        return switch (spec.kind()) {
            case COUNT -> new Count(spec, input, filter);
            case SUM -> spec.outputType() == ColumnType.LONG
                    ? new LongSum(spec, input, filter)
                    : new DoubleSum(spec, input, filter);
            case MIN -> new MinMax(spec, input, filter, true);
            case MAX -> new MinMax(spec, input, filter, false);
            case ANY_VALUE -> new AnyValue(spec, input, filter);
            case EARLIEST, LATEST -> {
                int t = inputSignature.indexOf(TIME_COLUMN);
                yield new EarliestLatest(spec, input, filter, t, spec.kind() == AggKind.EARLIEST);
            }
            case APPROX_COUNT_DISTINCT_HLL, HLL_SKETCH ->
                    new SketchAggregators.Hll(spec, input, filter, SketchAggregators.isSketchInput(spec, inputSignature));
            case APPROX_COUNT_DISTINCT_THETA, THETA_SKETCH ->
                    new SketchAggregators.Theta(spec, input, filter, SketchAggregators.isSketchInput(spec, inputSignature));
            case BIG_SUM -> new SketchAggregators.BigSum(spec, input, filter);
        };
    }

    /** Aggregators for all specs, in order. */
    public static Aggregator[] createAll(List<AggregatorSpec> specs, RowSignature inputSignature) {
        Aggregator[] out = new Aggregator[specs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = create(specs.get(i), inputSignature);
        }
        return out;
    }

    abstract static class Base implements Aggregator {
        final AggregatorSpec spec;
        final CompiledExpr input;
        final CompiledExpr filter;

        Base(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            this.spec = spec;
            this.input = input;
            this.filter = filter;
        }

        @Override
        public AggregatorSpec spec() {
            return spec;
        }

        final boolean passes(Object[] row) {
            return filter == null || ExprEvaluator.isTrue(filter.eval(row));
        }

        final Object value(Object[] row) {
            return input == null ? null : input.eval(row);
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            return Values.coerce(intermediate, spec.outputType());
        }
    }

    /** Mutable holders used as states. */
    static final class LongBox {
        long value;
        boolean seen;
    }

    static final class DoubleBox {
        double value;
        boolean seen;
    }

    static final class ObjBox {
        Object value;
        long time;
    }

    private static final class Count extends Base {
        Count(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            super(spec, input, filter);
        }

        @Override
        public Object newState() {
            return new LongBox();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (passes(row) && (input == null || input.eval(row) != null)) {
                ((LongBox) state).value++;
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            if (intermediate != null) {
                ((LongBox) state).value += ((Number) intermediate).longValue();
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            return ((LongBox) state).value;
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            return intermediate == null ? 0L : Values.coerce(intermediate, spec.outputType());
        }
    }

    private static final class LongSum extends Base {
        LongSum(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            super(spec, input, filter);
        }

        @Override
        public Object newState() {
            return new LongBox();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (passes(row)) {
                Object v = value(row);
                if (v != null) {
                    Long l = v instanceof Long x ? x : Values.toLong(v);
                    if (l != null) {
                        LongBox b = (LongBox) state;
                        b.value += l;
                        b.seen = true;
                    }
                }
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            Long l = Values.toLong(intermediate);
            if (l != null) {
                LongBox b = (LongBox) state;
                b.value += l;
                b.seen = true;
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            LongBox b = (LongBox) state;
            return b.seen ? b.value : null;
        }
    }

    private static final class DoubleSum extends Base {
        DoubleSum(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            super(spec, input, filter);
        }

        @Override
        public Object newState() {
            return new DoubleBox();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (passes(row)) {
                Object v = value(row);
                if (v != null) {
                    Double d = Values.toDouble(v);
                    if (d != null) {
                        DoubleBox b = (DoubleBox) state;
                        b.value += d;
                        b.seen = true;
                    }
                }
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            Double d = Values.toDouble(intermediate);
            if (d != null) {
                DoubleBox b = (DoubleBox) state;
                b.value += d;
                b.seen = true;
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            DoubleBox b = (DoubleBox) state;
            return b.seen ? Values.coerce(b.value, spec.outputType()) : null;
        }
    }

    private static final class MinMax extends Base {
        private final boolean min;
        private final ColumnType type;

        MinMax(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter, boolean min) {
            super(spec, input, filter);
            this.min = min;
            this.type = spec.outputType();
        }

        @Override
        public Object newState() {
            return new ObjBox();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (passes(row)) {
                accept((ObjBox) state, value(row));
            }
            return state;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private void accept(ObjBox box, Object raw) {
            Object v = Values.coerce(raw, type);
            if (v == null || v instanceof List) {
                return;
            }
            if (box.value == null) {
                box.value = v;
                return;
            }
            int c = ((Comparable) v).compareTo(box.value);
            if (min ? c < 0 : c > 0) {
                box.value = v;
            }
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            accept((ObjBox) state, intermediate);
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            return ((ObjBox) state).value;
        }
    }

    private static final class AnyValue extends Base {
        AnyValue(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            super(spec, input, filter);
        }

        @Override
        public Object newState() {
            return new ObjBox();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            ObjBox b = (ObjBox) state;
            if (b.value == null && passes(row)) {
                b.value = Values.coerce(value(row), spec.outputType());
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            ObjBox b = (ObjBox) state;
            if (b.value == null) {
                b.value = intermediate;
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            return ((ObjBox) state).value;
        }
    }

    /** State (time, value); intermediate = RowCodec values [time, value] or null when nothing was seen. */
    private static final class EarliestLatest extends Base {
        private final int timeIndex;
        private final boolean earliest;

        EarliestLatest(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter, int timeIndex, boolean earliest) {
            super(spec, input, filter);
            // -1 is allowed for post-shuffle use (only intermediates are merged); folding raw rows needs __time
            this.timeIndex = timeIndex;
            this.earliest = earliest;
        }

        @Override
        public Object newState() {
            ObjBox b = new ObjBox();
            b.time = Long.MIN_VALUE;
            return b;
        }

        private void accept(ObjBox b, long t, Object v) {
            if (v == null) {
                return;
            }
            if (b.value == null || (earliest ? t < b.time : t > b.time)) {
                b.value = v;
                b.time = t;
            }
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (timeIndex < 0) {
                throw new IllegalStateException(spec.kind() + " needs a " + TIME_COLUMN + " column in its input");
            }
            if (passes(row)) {
                Long t = Values.toLong(row[timeIndex]);
                if (t != null) {
                    accept((ObjBox) state, t, Values.coerce(value(row), spec.outputType()));
                }
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            if (intermediate instanceof byte[] bytes) {
                Object[] tv = RowCodec.decodeValues(bytes);
                accept((ObjBox) state, (Long) tv[0], tv[1]);
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            ObjBox b = (ObjBox) state;
            return b.value == null ? null : RowCodec.encodeValues(b.time, b.value);
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            if (!(intermediate instanceof byte[] bytes)) {
                return null;
            }
            return Values.coerce(RowCodec.decodeValues(bytes)[1], spec.outputType());
        }
    }

    /**
     * Exact COUNT(DISTINCT): a set of values; the intermediate is the values once each, encoded with {@link
     * RowCodec#encodeValues}. Every producer of that intermediate (this class, {@code SegmentGroupBy}) lists each value
     * once, and values are normalised as they are folded so that distinct values in the set stay distinct once encoded
     * and decoded (an Integer and a Long 1 are one value); so the count is the list's length, read without decoding.
     * The state keeps the first intermediate merged into it as it is, and builds a set only when a second one comes:
     * a group that arrives once (the usual case after the columnar pre-shuffle) is never decoded.
     */
    private static final class DistinctCount extends Base {
        DistinctCount(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            super(spec, input, filter);
        }

        /** The state: an intermediate not yet decoded, or (once anything else is added) a set of values. */
        private static final class Values2 {
            byte[] pending;
            Set<Object> set;

            Set<Object> set() {
                if (set == null) {
                    set = new HashSet<>();
                    if (pending != null) {
                        Collections2.addAll(set, RowCodec.decodeValues(pending));
                        pending = null;
                    }
                }
                return set;
            }
        }

        @Override
        public Object newState() {
            return new Values2();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (passes(row)) {
                Object v = value(row);
                if (v instanceof Collection<?> c) {
                    for (Object o : c) {
                        if (o != null) {
                            ((Values2) state).set().add(normalise(o));
                        }
                    }
                } else if (v != null) {
                    ((Values2) state).set().add(normalise(v));
                }
            }
            return state;
        }

        /** The value as it decodes after {@link RowCodec} encoding, so that set equality matches decoded equality. */
        private static Object normalise(Object v) {
            if (v instanceof String s) {
                for (int i = 0; i < s.length(); i++) {
                    if (Character.isSurrogate(s.charAt(i))) {
                        // an unpaired surrogate encodes as '?': compare what the encoding keeps
                        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                    }
                }
                return s;
            }
            if (v instanceof Long || v instanceof Double || v instanceof Float) {
                return v;
            }
            if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
                return ((Number) v).longValue();
            }
            if (v instanceof Boolean b) {
                return b ? 1L : 0L;
            }
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            return v;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            if (intermediate instanceof byte[] bytes) {
                Values2 st = (Values2) state;
                if (st.set == null && st.pending == null) {
                    st.pending = bytes;
                } else {
                    Collections2.addAll(st.set(), RowCodec.decodeValues(bytes));
                }
            }
            return state;
        }

        @Override
        public Object combine(Object a, Object b) {
            if (!(a instanceof byte[]) || count(a) == 0) {
                return b instanceof byte[] ? b : intermediate(newState());
            }
            if (!(b instanceof byte[]) || count(b) == 0) {
                return a;
            }
            return intermediate(mergeIntermediate(mergeIntermediate(newState(), a), b));
        }

        @Override
        public Object intermediate(Object state) {
            Values2 st = (Values2) state;
            if (st.set == null) {
                return st.pending != null ? st.pending : RowCodec.encodeValues();
            }
            return RowCodec.encodeValues(st.set.toArray());
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            return count(intermediate);
        }

        /** The number of values an intermediate lists (each once), read from its header. */
        private static long count(Object intermediate) {
            if (!(intermediate instanceof byte[] bytes) || bytes.length == 0) {
                return 0L;
            }
            return new ByteSource(bytes, 0, bytes.length).readVarLong();
        }
    }

    private static final class Collections2 {
        static void addAll(Set<Object> s, Object[] values) {
            for (Object o : values) {
                s.add(o);
            }
        }
    }
}
