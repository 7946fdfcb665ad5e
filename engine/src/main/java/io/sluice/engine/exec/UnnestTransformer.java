package io.sluice.engine.exec;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.Values;
import io.sluice.engine.plan.UnnestSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;
import java.util.List;

/**
 * {@code CROSS JOIN UNNEST}: repeats each input row once per element of an array expression, appending the element
 * (coerced to the element type) as a last column. A scalar (a single-valued string) counts as a one-element array.
 */
public final class UnnestTransformer implements RowTransformer {
    private final CompiledExpr array;
    private final UnnestSpec spec;
    private final int width;

    public UnnestTransformer(UnnestSpec spec, RowSignature input) {
        this.spec = requireNonNull(spec, "spec is null");
        this.array = ExprEvaluator.compile(spec.array(), input);
        this.width = input.size();
    }

    /** The input signature with the unnest column appended: what the rows this transformer emits look like. */
    public static RowSignature extend(RowSignature input, UnnestSpec spec) {
        RowSignature.Builder b = RowSignature.builder();
        input.columns().forEach(c -> b.add(c.name(), c.type()));
        b.add(spec.name(), spec.type());
        return b.build();
    }

    @Override
    public RowSource transform(RowSource input) {
        return new RowSource() {
            private Object[] current;
            private List<?> elements;
            private int next;

            @Override
            public Object[] next() {
                while (true) {
                    if (current != null && next < elements.size()) {
                        return withElement(current, Values.coerce(elements.get(next++), spec.type()));
                    }
                    Object[] row = input.next();
                    if (row == null) {
                        return null;
                    }
                    List<?> values = asList(array.eval(row));
                    if (values.isEmpty()) {
                        current = null;
                        if (spec.nullIfEmpty()) {
                            return withElement(row, null);
                        }
                        continue;
                    }
                    current = row;
                    elements = values;
                    next = 0;
                }
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    private Object[] withElement(Object[] row, Object element) {
        Object[] out = new Object[width + 1];
        System.arraycopy(row, 0, out, 0, Math.min(row.length, width));
        out[width] = element;
        return out;
    }

    private static List<?> asList(Object v) {
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return l;
        }
        if (v instanceof Object[] a) {
            return java.util.Arrays.asList(a);
        }
        return java.util.Collections.singletonList(v);
    }
}
