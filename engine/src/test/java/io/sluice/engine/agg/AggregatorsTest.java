package io.sluice.engine.agg;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AggregatorsTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .build();

    private static List<Object[]> rows(int n, long seed) {
        Random r = new Random(seed);
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Object[] {
                (long) r.nextInt(1_000_000),
                r.nextInt(10) == 0 ? null : "v" + r.nextInt(300),
                r.nextInt(10) == 0 ? null : (long) (r.nextInt(2001) - 1000),
                r.nextInt(10) == 0 ? null : r.nextInt(1000) / 8.0
            });
        }
        return out;
    }

    private static Object foldAll(Aggregator a, List<Object[]> rows) {
        Object st = a.newState();
        for (Object[] r : rows) {
            st = a.fold(st, r);
        }
        return a.intermediate(st);
    }

    private static AggregatorSpec spec(AggKind kind, String col, ColumnType out, boolean distinct) {
        return new AggregatorSpec("a", kind, col == null ? null : new ColumnRef(col), null, out, distinct);
    }

    /** Folding all rows equals folding two halves and combining (for every kind). */
    @Test
    void combineEqualsFoldAll() {
        List<Object[]> all = rows(5000, 1);
        List<Object[]> left = all.subList(0, 2000);
        List<Object[]> right = all.subList(2000, 5000);
        List<AggregatorSpec> specs = List.of(
                spec(AggKind.COUNT, null, ColumnType.LONG, false),
                spec(AggKind.COUNT, "s", ColumnType.LONG, false),
                spec(AggKind.COUNT, "s", ColumnType.LONG, true),
                spec(AggKind.SUM, "l", ColumnType.LONG, false),
                spec(AggKind.SUM, "d", ColumnType.DOUBLE, false),
                spec(AggKind.MIN, "l", ColumnType.LONG, false),
                spec(AggKind.MAX, "d", ColumnType.DOUBLE, false),
                spec(AggKind.MIN, "s", ColumnType.STRING, false),
                spec(AggKind.MAX, "s", ColumnType.STRING, false),
                spec(AggKind.EARLIEST, "s", ColumnType.STRING, false),
                spec(AggKind.LATEST, "l", ColumnType.LONG, false),
                spec(AggKind.APPROX_COUNT_DISTINCT_HLL, "s", ColumnType.LONG, false),
                spec(AggKind.APPROX_COUNT_DISTINCT_THETA, "s", ColumnType.LONG, false));
        for (AggregatorSpec s : specs) {
            Aggregator a = Aggregators.create(s, SIG);
            Object whole = a.finalizeValue(foldAll(a, all));
            Object combined = a.finalizeValue(a.combine(foldAll(a, left), foldAll(a, right)));
            assertThat(combined).as(s.kind() + " " + s.input() + " distinct=" + s.distinct()).isEqualTo(whole);
        }
    }

    /**
     * Exact COUNT(DISTINCT): the count is read from the intermediate's header, so the state must list each value once
     * whatever the order of folds and merges, and values equal once encoded (Integer and Long 1, true and 1) count once.
     */
    @Test
    void exactDistinctCountsEachValueOnceThroughMergesAndFolds() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        Aggregator a = Aggregators.create(new AggregatorSpec("a", AggKind.COUNT, new ColumnRef("x"), null,
                ColumnType.LONG, true), sig);
        Object st = a.newState();
        for (Object v : new Object[] {1, 1L, true, 2L, (short) 2, null, 3.5, 3.5d, java.util.List.of(4L, 1, 5L)}) {
            st = a.fold(st, new Object[] {v});
        }
        Object i1 = a.intermediate(st); // 1, 2, 3.5, 4, 5
        assertThat(a.finalizeValue(i1)).isEqualTo(5L);
        Object other = a.intermediate(a.fold(a.fold(a.newState(), new Object[] {5L}), new Object[] {6L}));
        // merged into a fresh state: the first intermediate is kept undecoded, the second one makes a set
        Object merged = a.mergeIntermediate(a.mergeIntermediate(a.newState(), i1), other);
        assertThat(a.finalizeValue(a.intermediate(merged))).isEqualTo(6L);
        assertThat(a.finalizeValue(a.intermediate(a.mergeIntermediate(a.newState(), i1)))).isEqualTo(5L);
        assertThat(a.finalizeValue(a.combine(i1, other))).isEqualTo(6L);
        assertThat(a.finalizeValue(a.combine(a.emptyIntermediate(), other))).isEqualTo(2L);
        assertThat(a.finalizeValue(a.combine(other, a.emptyIntermediate()))).isEqualTo(2L);
        // a fold after a merge decodes the merged values first
        Object mixed = a.fold(a.mergeIntermediate(a.newState(), other), new Object[] {6});
        assertThat(a.finalizeValue(a.intermediate(a.fold(mixed, new Object[] {7L})))).isEqualTo(3L);
        assertThat(a.finalizeValue(a.emptyIntermediate())).isEqualTo(0L);
    }

    @Test
    void valuesAreRight() {
        List<Object[]> rows = List.of(
                new Object[] {30L, "b", 5L, 1.5},
                new Object[] {10L, "a", null, 2.5},
                new Object[] {20L, "b", -7L, null},
                new Object[] {40L, null, 3L, null});
        assertThat(fin(spec(AggKind.COUNT, null, ColumnType.LONG, false), rows)).isEqualTo(4L);
        assertThat(fin(spec(AggKind.COUNT, "s", ColumnType.LONG, false), rows)).isEqualTo(3L);
        assertThat(fin(spec(AggKind.COUNT, "s", ColumnType.LONG, true), rows)).isEqualTo(2L);
        assertThat(fin(spec(AggKind.SUM, "l", ColumnType.LONG, false), rows)).isEqualTo(1L);
        assertThat(fin(spec(AggKind.SUM, "d", ColumnType.DOUBLE, false), rows)).isEqualTo(4.0);
        assertThat(fin(spec(AggKind.MIN, "l", ColumnType.LONG, false), rows)).isEqualTo(-7L);
        assertThat(fin(spec(AggKind.MAX, "l", ColumnType.LONG, false), rows)).isEqualTo(5L);
        assertThat(fin(spec(AggKind.MAX, "s", ColumnType.STRING, false), rows)).isEqualTo("b");
        assertThat(fin(spec(AggKind.ANY_VALUE, "s", ColumnType.STRING, false), rows)).isEqualTo("b");
        assertThat(fin(spec(AggKind.EARLIEST, "s", ColumnType.STRING, false), rows)).isEqualTo("a");
        assertThat(fin(spec(AggKind.LATEST, "s", ColumnType.STRING, false), rows)).isEqualTo("b");
        assertThat(fin(spec(AggKind.LATEST, "l", ColumnType.LONG, false), rows)).isEqualTo(3L);
        assertThat(fin(spec(AggKind.APPROX_COUNT_DISTINCT_HLL, "s", ColumnType.LONG, false), rows)).isEqualTo(2L);
        assertThat(fin(spec(AggKind.APPROX_COUNT_DISTINCT_THETA, "l", ColumnType.LONG, false), rows)).isEqualTo(3L);
        // filter: only rows with l > 0
        AggregatorSpec filtered = new AggregatorSpec("a", AggKind.SUM, new ColumnRef("l"),
                Call.of(Fn.GT, new ColumnRef("l"), Literal.of(0L)), ColumnType.LONG, false);
        assertThat(fin(filtered, rows)).isEqualTo(8L);
    }

    @Test
    void emptyInputGivesZeroCountsAndNullOthers() {
        assertThat(fin(spec(AggKind.COUNT, null, ColumnType.LONG, false), List.of())).isEqualTo(0L);
        assertThat(fin(spec(AggKind.COUNT, "s", ColumnType.LONG, true), List.of())).isEqualTo(0L);
        assertThat(fin(spec(AggKind.SUM, "l", ColumnType.LONG, false), List.of())).isNull();
        assertThat(fin(spec(AggKind.MIN, "d", ColumnType.DOUBLE, false), List.of())).isNull();
        assertThat(fin(spec(AggKind.EARLIEST, "s", ColumnType.STRING, false), List.of())).isNull();
        assertThat(fin(spec(AggKind.APPROX_COUNT_DISTINCT_HLL, "s", ColumnType.LONG, false), List.of())).isEqualTo(0L);
        assertThat(fin(spec(AggKind.APPROX_COUNT_DISTINCT_THETA, "s", ColumnType.LONG, false), List.of()))
                .isEqualTo(0L);
    }

    @Test
    void complexStatesAreBytes() {
        List<Object[]> rows = rows(100, 3);
        for (AggKind k : List.of(AggKind.EARLIEST, AggKind.APPROX_COUNT_DISTINCT_HLL, AggKind.APPROX_COUNT_DISTINCT_THETA)) {
            Aggregator a = Aggregators.create(spec(k, "s", k == AggKind.EARLIEST ? ColumnType.STRING : ColumnType.LONG, false), SIG);
            assertThat(foldAll(a, rows)).isInstanceOf(byte[].class);
        }
        Aggregator distinct = Aggregators.create(spec(AggKind.COUNT, "s", ColumnType.LONG, true), SIG);
        assertThat(foldAll(distinct, rows)).isInstanceOf(byte[].class);
    }

    private static Object fin(AggregatorSpec s, List<Object[]> rows) {
        Aggregator a = Aggregators.create(s, SIG);
        return a.finalizeValue(foldAll(a, rows));
    }
}
