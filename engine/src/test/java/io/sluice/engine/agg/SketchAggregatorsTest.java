package io.sluice.engine.agg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.CompiledExpr;
import io.sluice.engine.expr.ExprEvaluator;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SketchAggregatorsTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("s", ColumnType.STRING)
            .add("f", ColumnType.FLOAT)
            .add("l", ColumnType.LONG)
            .build();

    private static AggregatorSpec spec(AggKind kind, String column, ColumnType out) {
        return new AggregatorSpec("a0", kind, new ColumnRef(column), null, out, false);
    }

    private static Object intermediateOf(Aggregator a, List<Object[]> rows) {
        Object st = a.newState();
        for (Object[] r : rows) {
            st = a.fold(st, r);
        }
        return a.intermediate(st);
    }

    /** Two workers each fold half the rows; a post-shuffle aggregator merges their intermediates. */
    private static Object twoWorkers(AggregatorSpec spec, List<Object[]> rows) {
        Aggregator pre = Aggregators.create(spec, SIG);
        Object i1 = intermediateOf(pre, rows.subList(0, rows.size() / 2));
        Object i2 = intermediateOf(pre, rows.subList(rows.size() / 2, rows.size()));
        Aggregator post = Aggregators.create(spec, RowSignature.builder().add("a0", spec.intermediateType()).build());
        Object st = post.mergeIntermediate(post.mergeIntermediate(post.newState(), i1), i2);
        return post.finalizeValue(post.intermediate(st));
    }

    private static List<Object[]> rows(int n) {
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Object[] {i % 7 == 0 ? null : "v" + (i % 5000), (float) (i % 3000), (long) i});
        }
        return out;
    }

    @Test
    void dsHllOfFloatsHasDruidsBytes() {
        // Druid's MSQDataSketchesTest: DS_HLL(m1) over foo's rows where dim2 is null (m1 = 2.0, 6.0)
        List<Object[]> rows = List.of(new Object[] {null, 2.0f, 1L}, new Object[] {null, 6.0f, 1L});
        Object sketch = twoWorkers(spec(AggKind.HLL_SKETCH, "f", ColumnType.COMPLEX_HLL), rows);
        assertThat(Base64.getEncoder().encodeToString((byte[]) sketch)).isEqualTo("AgEHDAMIAgCOlN8Fp9xhBA==");
    }

    @Test
    void hllEstimatesAreCloseAndMergeAcrossWorkers() {
        List<Object[]> rows = rows(20_000);
        long strings = (Long) twoWorkers(spec(AggKind.APPROX_COUNT_DISTINCT_HLL, "s", ColumnType.LONG), rows);
        long floats = (Long) twoWorkers(spec(AggKind.APPROX_COUNT_DISTINCT_HLL, "f", ColumnType.LONG), rows);
        assertThat((double) strings).isCloseTo(5000, within(5000 * 0.05));
        assertThat((double) floats).isCloseTo(3000, within(3000 * 0.05));
        long theta = (Long) twoWorkers(spec(AggKind.APPROX_COUNT_DISTINCT_THETA, "l", ColumnType.LONG), rows);
        assertThat((double) theta).isCloseTo(20_000, within(20_000 * 0.03));
    }

    @Test
    void sketchColumnIsMergedNotHashed() {
        // a rollup stores DS_HLL sketches; APPROX_COUNT_DISTINCT_DS_HLL over that column unions them
        List<Object[]> rows = rows(10_000);
        Aggregator build = Aggregators.create(spec(AggKind.HLL_SKETCH, "s", ColumnType.COMPLEX_HLL), SIG);
        byte[] part1 = (byte[]) intermediateOf(build, rows.subList(0, 5000));
        byte[] part2 = (byte[]) intermediateOf(build, rows.subList(5000, 10_000));
        RowSignature stored = RowSignature.builder().add("m", ColumnType.COMPLEX_HLL).build();
        Aggregator count = Aggregators.create(
                new AggregatorSpec("a0", AggKind.APPROX_COUNT_DISTINCT_HLL, new ColumnRef("m"), null,
                        ColumnType.LONG, false), stored);
        Object st = count.fold(count.fold(count.newState(), new Object[] {part1}), new Object[] {part2});
        long estimate = (Long) count.finalizeValue(count.intermediate(st));
        assertThat((double) estimate).isCloseTo(5000, within(5000 * 0.05));
    }

    @Test
    void sketchParametersAreHonoured() {
        AggregatorSpec s = new AggregatorSpec("a0", AggKind.HLL_SKETCH, new ColumnRef("l"), null,
                ColumnType.COMPLEX_HLL, false, 14, "HLL_8");
        byte[] sketch = (byte[]) twoWorkers(s, rows(50_000));
        org.apache.datasketches.hll.HllSketch h = org.apache.datasketches.hll.HllSketch.heapify(sketch);
        assertThat(h.getLgConfigK()).isEqualTo(14);
        assertThat(h.getTgtHllType()).isEqualTo(org.apache.datasketches.hll.TgtHllType.HLL_8);
    }

    @Test
    void estimateFunctionsReadSketches() {
        byte[] sketch = (byte[]) twoWorkers(spec(AggKind.HLL_SKETCH, "l", ColumnType.COMPLEX_HLL), rows(1000));
        RowSignature sig = RowSignature.builder().add("x", ColumnType.COMPLEX_HLL).build();
        CompiledExpr e = ExprEvaluator.compile(Call.of(Fn.HLL_SKETCH_ESTIMATE, new ColumnRef("x")), sig);
        assertThat((Double) e.eval(new Object[] {sketch})).isCloseTo(1000, within(30.0));
        CompiledExpr rounded = ExprEvaluator.compile(
                Call.of(Fn.HLL_SKETCH_ESTIMATE, new ColumnRef("x"), Literal.of(1L)), sig);
        assertThat((Double) rounded.eval(new Object[] {sketch}) % 1.0).isEqualTo(0.0);
        assertThat(e.eval(new Object[] {null})).isNull();
        byte[] theta = (byte[]) twoWorkers(spec(AggKind.THETA_SKETCH, "l", ColumnType.COMPLEX_THETA), rows(1000));
        CompiledExpr t = ExprEvaluator.compile(Call.of(Fn.THETA_SKETCH_ESTIMATE, new ColumnRef("x")), sig);
        assertThat((Double) t.eval(new Object[] {theta})).isEqualTo(1000.0);
    }

    @Test
    void bigSumIsExactAndNullOverNoValues() {
        RowSignature sig = RowSignature.builder().add("d", ColumnType.DOUBLE).build();
        AggregatorSpec s = new AggregatorSpec("a0", AggKind.BIG_SUM, new ColumnRef("d"), null, ColumnType.DOUBLE, false);
        Aggregator a = Aggregators.create(s, sig);
        Object st = a.newState();
        for (int i = 0; i < 10; i++) {
            st = a.fold(st, new Object[] {0.1});
        }
        st = a.fold(st, new Object[] {null});
        assertThat(a.intermediate(st)).isEqualTo("1.000000000");
        assertThat(a.finalizeValue(a.intermediate(st))).isEqualTo(1.0);
        assertThat(a.finalizeValue(a.intermediate(a.fold(a.newState(), new Object[] {null})))).isNull();
    }
}
