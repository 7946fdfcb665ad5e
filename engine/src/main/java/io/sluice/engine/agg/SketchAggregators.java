package io.sluice.engine.agg;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.Values;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.theta.SetOperation;
import org.apache.datasketches.theta.Sketch;
import org.apache.datasketches.theta.UpdateSketch;

/**
 * DataSketches aggregations, with Druid's semantics so that the sketches are byte-compatible with Druid's:
 *
 * <ul>
 *   <li>HLL ({@code APPROX_COUNT_DISTINCT[_DS_HLL]}, {@code DS_HLL}): lgK 12 and HLL_4 by default; raw values go into
 *       an {@link HllSketch} (longs as longs, floats and doubles as doubles, strings as UTF-16 chars, multi-value
 *       strings element by element), sketches are merged with a {@link Union}.</li>
 *   <li>Theta ({@code APPROX_COUNT_DISTINCT_DS_THETA}, {@code DS_THETA}): 16384 nominal entries by default; strings
 *       as UTF-8.</li>
 * </ul>
 *
 * <p>An input column that already holds sketches (a rollup metric stored with {@code finalizeAggregations=false})
 * is merged instead of hashed. The intermediate value is the compact sketch bytes; the final value is the rounded
 * estimate (APPROX_COUNT_DISTINCT_*) or the sketch itself (DS_HLL, DS_THETA).
 */
public final class SketchAggregators {
    public static final int DEFAULT_HLL_LG_K = 12;
    public static final int DEFAULT_THETA_ENTRIES = 16384;

    private SketchAggregators() {}

    /** Whether the spec's input is a column holding sketches of the kind the aggregation builds. */
    static boolean isSketchInput(AggregatorSpec spec, RowSignature inputSignature) {
        if (!(spec.input() instanceof ColumnRef ref)) {
            return false;
        }
        ColumnType t = inputSignature.typeOf(ref.column()).orElse(null);
        return t != null && t == spec.kind().intermediateType(spec.outputType());
    }

    /** The HLL target type for a name (HLL_4, HLL_6, HLL_8); Druid's error for anything else. */
    public static TgtHllType hllType(String name) {
        if (name == null) {
            return TgtHllType.HLL_4;
        }
        try {
            return TgtHllType.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid tgtHllType [" + name + "], expected HLL_4, HLL_6 or HLL_8");
        }
    }

    /** Sketch bytes from a value: the bytes, or base64 text (optionally JSON-quoted) as Druid prints them. */
    public static byte[] sketchBytes(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return b;
        }
        String s = Values.toStr(v).trim();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return Base64.getDecoder().decode(s);
    }

    /** The estimate of a serialised HLL sketch. */
    public static double hllEstimate(byte[] bytes) {
        return HllSketch.heapify(bytes).getEstimate();
    }

    /** The estimate of a serialised Theta sketch. */
    public static double thetaEstimate(byte[] bytes) {
        return Sketch.wrap(Memory.wrap(bytes)).getEstimate();
    }

    static final class Hll extends Aggregators.Base {
        private final boolean sketchInput;
        private final int lgK;
        private final TgtHllType tgtType;

        Hll(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter, boolean sketchInput) {
            super(spec, input, filter);
            this.sketchInput = sketchInput;
            this.lgK = spec.sketchSize() == null ? DEFAULT_HLL_LG_K : spec.sketchSize();
            this.tgtType = hllType(spec.hllType());
        }

        /** Raw values go into {@code sketch}; sketches (inputs or intermediates) into {@code union}. Both lazy. */
        private static final class State {
            HllSketch sketch;
            Union union;
        }

        @Override
        public Object newState() {
            return new State();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (!passes(row)) {
                return state;
            }
            Object v = value(row);
            if (v == null) {
                return state;
            }
            State s = (State) state;
            if (sketchInput) {
                return mergeIntermediate(state, v);
            }
            if (s.sketch == null) {
                s.sketch = new HllSketch(lgK, tgtType);
            }
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (o != null) {
                        updateString(s.sketch, o.toString());
                    }
                }
            } else if (v instanceof Long || v instanceof Integer) {
                s.sketch.update(((Number) v).longValue());
            } else if (v instanceof Double || v instanceof Float) {
                s.sketch.update(((Number) v).doubleValue());
            } else if (v instanceof byte[] b) {
                s.sketch.update(b);
            } else {
                updateString(s.sketch, Values.toStr(v));
            }
            return state;
        }

        private static void updateString(HllSketch sketch, String v) {
            sketch.update(v.toCharArray());
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            byte[] bytes = sketchBytes(intermediate);
            if (bytes != null) {
                State s = (State) state;
                if (s.union == null) {
                    s.union = new Union(lgK);
                }
                s.union.update(HllSketch.heapify(bytes));
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            State s = (State) state;
            if (s.union == null) {
                return (s.sketch == null ? new HllSketch(lgK, tgtType) : s.sketch).toCompactByteArray();
            }
            if (s.sketch != null) {
                s.union.update(s.sketch);
                s.sketch = null;
            }
            return s.union.getResult(tgtType).toCompactByteArray();
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            if (spec.kind() == AggKind.HLL_SKETCH) {
                return intermediate;
            }
            if (!(intermediate instanceof byte[] bytes)) {
                return 0L;
            }
            return Values.coerce(Math.round(hllEstimate(bytes)), spec.outputType());
        }
    }

    static final class Theta extends Aggregators.Base {
        private final boolean sketchInput;
        private final int entries;

        Theta(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter, boolean sketchInput) {
            super(spec, input, filter);
            this.sketchInput = sketchInput;
            this.entries = spec.sketchSize() == null ? DEFAULT_THETA_ENTRIES : spec.sketchSize();
        }

        private static final class State {
            UpdateSketch sketch;
            org.apache.datasketches.theta.Union union;
        }

        @Override
        public Object newState() {
            return new State();
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (!passes(row)) {
                return state;
            }
            Object v = value(row);
            if (v == null) {
                return state;
            }
            if (sketchInput) {
                return mergeIntermediate(state, v);
            }
            State s = (State) state;
            if (s.sketch == null) {
                s.sketch = UpdateSketch.builder().setNominalEntries(entries).build();
            }
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (o != null) {
                        s.sketch.update(o.toString());
                    }
                }
            } else if (v instanceof Long || v instanceof Integer) {
                s.sketch.update(((Number) v).longValue());
            } else if (v instanceof Double || v instanceof Float) {
                s.sketch.update(((Number) v).doubleValue());
            } else if (v instanceof byte[] b) {
                s.sketch.update(b);
            } else {
                s.sketch.update(Values.toStr(v));
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            byte[] bytes = sketchBytes(intermediate);
            if (bytes != null) {
                State s = (State) state;
                if (s.union == null) {
                    s.union = SetOperation.builder().setNominalEntries(entries).buildUnion();
                }
                s.union.union(Sketch.wrap(Memory.wrap(bytes)));
            }
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            State s = (State) state;
            if (s.union == null) {
                UpdateSketch u = s.sketch == null
                        ? UpdateSketch.builder().setNominalEntries(entries).build()
                        : s.sketch;
                return u.compact().toByteArray();
            }
            if (s.sketch != null) {
                s.union.union(s.sketch);
                s.sketch = null;
            }
            return s.union.getResult().toByteArray();
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            if (spec.kind() == AggKind.THETA_SKETCH) {
                return intermediate;
            }
            if (!(intermediate instanceof byte[] bytes)) {
                return 0L;
            }
            return Values.coerce(Math.round(thetaEstimate(bytes)), spec.outputType());
        }
    }

    /**
     * BIG_SUM: sums numbers exactly as decimals rounded to scale 9 (Druid's compressed-big-decimal default scale);
     * the intermediate is the decimal's text, the final value a DOUBLE; NULL over no non-NULL input.
     */
    static final class BigSum extends Aggregators.Base {
        static final int SCALE = 9;

        BigSum(AggregatorSpec spec, CompiledExpr input, CompiledExpr filter) {
            super(spec, input, filter);
        }

        private static final class State {
            BigDecimal sum;
        }

        @Override
        public Object newState() {
            return new State();
        }

        private static BigDecimal decimal(Object v) {
            if (v == null) {
                return null;
            }
            if (v instanceof Long || v instanceof Integer) {
                return BigDecimal.valueOf(((Number) v).longValue());
            }
            if (v instanceof Double || v instanceof Float) {
                double d = ((Number) v).doubleValue();
                return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
            }
            if (v instanceof BigDecimal b) {
                return b;
            }
            try {
                return new BigDecimal(Values.toStr(v).trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static void add(State s, BigDecimal d) {
            if (d != null) {
                BigDecimal scaled = d.setScale(SCALE, RoundingMode.HALF_UP);
                s.sum = s.sum == null ? scaled : s.sum.add(scaled);
            }
        }

        @Override
        public Object fold(Object state, Object[] row) {
            if (passes(row)) {
                add((State) state, decimal(value(row)));
            }
            return state;
        }

        @Override
        public Object mergeIntermediate(Object state, Object intermediate) {
            add((State) state, decimal(intermediate));
            return state;
        }

        @Override
        public Object intermediate(Object state) {
            BigDecimal sum = ((State) state).sum;
            return sum == null ? null : sum.toPlainString();
        }

        @Override
        public Object finalizeValue(Object intermediate) {
            BigDecimal d = decimal(intermediate);
            return d == null ? null : Values.coerce(d.doubleValue(), spec.outputType());
        }
    }
}
