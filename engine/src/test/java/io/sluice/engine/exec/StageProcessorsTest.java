package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.plan.GroupByPostShuffleSpec;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.LimitProcessorSpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.SegmentGeneratorSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageProcessorsTest {
    static final RowSignature IN = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("country", ColumnType.STRING)
            .add("user", ColumnType.STRING)
            .add("added", ColumnType.LONG)
            .build();

    @TempDir
    Path tmp;

    static RowSource source(List<Object[]> rows) {
        var it = rows.iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    static List<Object[]> drain(RowSource s) {
        List<Object[]> out = new ArrayList<>();
        Object[] r;
        while ((r = s.next()) != null) {
            out.add(r);
        }
        return out;
    }

    static ColumnRef col(String c) {
        return new ColumnRef(c);
    }

    @Test
    void scanFiltersProjectsAndLimits() {
        ScanProcessorSpec spec = new ScanProcessorSpec(
                Call.of(Fn.GT, col("added"), Literal.of(5L)),
                List.of(new NamedExpr("c", Call.of(Fn.UPPER, col("country")), ColumnType.STRING),
                        new NamedExpr("a2", Call.of(Fn.MULTIPLY, col("added"), Literal.of(2L)), ColumnType.DOUBLE)),
                2L);
        RowSignature out = RowSignature.builder().add("c", ColumnType.STRING).add("a2", ColumnType.DOUBLE).build();
        List<Object[]> rows = List.of(
                new Object[] {0L, "fr", "u", 1L},
                new Object[] {0L, "de", "u", 10L},
                new Object[] {0L, null, "u", 20L},
                new Object[] {0L, "us", "u", 30L});
        List<Object[]> res = drain(StageProcessors.create(spec, IN, out, 0).transform(source(rows)));
        assertThat(res).hasSize(2);
        assertThat(res.get(0)).containsExactly("DE", 20.0);
        assertThat(res.get(1)).containsExactly(null, 40.0);
    }

    @Test
    void aScanOfItsOwnRowsWhoseColumnsKeepTheirPlacesWritesIntoThemAndGivesWhatANewRowWouldHold() {
        // column 0 computed from columns 0 and 3; column 3 computed from column 0 (before column 0 is rewritten);
        // columns 1 and 2 copied, a multi-value string among them; a filter on an input value
        ScanProcessorSpec spec = new ScanProcessorSpec(
                Call.of(Fn.GT, col("added"), Literal.of(5L)),
                List.of(new NamedExpr("__time", Call.of(Fn.ADD, col("__time"), col("added")), ColumnType.LONG),
                        new NamedExpr("country", col("country"), ColumnType.STRING),
                        new NamedExpr("user", col("user"), ColumnType.STRING),
                        new NamedExpr("added", Call.of(Fn.MULTIPLY, col("__time"), Literal.of(2L)), ColumnType.LONG)),
                null);
        java.util.function.Supplier<List<Object[]>> rows = () -> List.of(
                new Object[] {100L, "fr", "u1", 1L},
                new Object[] {200L, "de", List.of("a", "b"), 10L},
                new Object[] {300L, null, null, 20L});
        List<Object[]> fresh = drain(StageProcessors.create(spec, IN, IN, 0, false).transform(source(rows.get())));
        List<Object[]> owned = rows.get();
        List<Object[]> inPlace = drain(StageProcessors.create(spec, IN, IN, 0, true).transform(source(owned)));

        assertThat(fresh).hasSize(2);
        assertThat(fresh.get(0)).containsExactly(210L, "de", List.of("a", "b"), 400L);
        assertThat(fresh.get(1)).containsExactly(320L, null, null, 600L);
        assertThat(inPlace).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(inPlace.get(i)).containsExactly(fresh.get(i));
            assertThat(inPlace.get(i)).as("the input row itself").isSameAs(owned.get(i + 1));
        }

        // columns that move: a new row even for rows the scan owns
        ScanProcessorSpec moved = new ScanProcessorSpec(null,
                List.of(new NamedExpr("user", col("user"), ColumnType.STRING),
                        new NamedExpr("country", col("country"), ColumnType.STRING),
                        new NamedExpr("__time", col("__time"), ColumnType.LONG),
                        new NamedExpr("added", col("added"), ColumnType.LONG)),
                null);
        RowSignature movedOut = RowSignature.builder().add("user", ColumnType.STRING).add("country", ColumnType.STRING)
                .add("__time", ColumnType.LONG).add("added", ColumnType.LONG).build();
        Object[] in = {1L, "fr", "u1", 7L};
        List<Object[]> out = drain(StageProcessors.create(moved, IN, movedOut, 0, true)
                .transform(source(java.util.Collections.singletonList(in))));
        assertThat(out.get(0)).containsExactly("u1", "fr", 1L, 7L).isNotSameAs(in);
        assertThat(in).containsExactly(1L, "fr", "u1", 7L);
    }

    @Test
    void limitAppliesOffsetAndLimit() {
        List<Object[]> rows = new ArrayList<>();
        for (long i = 0; i < 10; i++) {
            rows.add(new Object[] {i});
        }
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        List<Object[]> res = drain(StageProcessors.create(new LimitProcessorSpec(3, 4L), sig, sig, 0).transform(source(rows)));
        assertThat(res).extracting(r -> r[0]).containsExactly(3L, 4L, 5L, 6L);
        res = drain(StageProcessors.create(new LimitProcessorSpec(8, null), sig, sig, 0).transform(source(rows)));
        assertThat(res).extracting(r -> r[0]).containsExactly(8L, 9L);
    }

    static final List<AggregatorSpec> AGGS = List.of(
            new AggregatorSpec("cnt", AggKind.COUNT, null, null, ColumnType.LONG, false),
            new AggregatorSpec("sum", AggKind.SUM, col("added"), null, ColumnType.LONG, false),
            new AggregatorSpec("min", AggKind.MIN, col("added"), null, ColumnType.LONG, false),
            new AggregatorSpec("max", AggKind.MAX, col("added"), null, ColumnType.LONG, false),
            new AggregatorSpec("users", AggKind.COUNT, col("user"), null, ColumnType.LONG, true));

    static RowSignature preSignature(boolean withDim) {
        RowSignature.Builder b = RowSignature.builder();
        if (withDim) {
            b.add("d0", ColumnType.STRING);
        }
        for (AggregatorSpec a : AGGS) {
            b.add(a.name(), a.intermediateType());
        }
        return b.build();
    }

    static RowSignature postSignature(boolean withDim) {
        RowSignature.Builder b = RowSignature.builder();
        if (withDim) {
            b.add("d0", ColumnType.STRING);
        }
        for (AggregatorSpec a : AGGS) {
            b.add(a.name(), a.outputType());
        }
        return b.build();
    }

    @Test
    void groupByPreSortPostMatchesDirectComputation() {
        Random r = new Random(3);
        List<List<Object[]>> workers = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        Map<String, long[]> expected = new HashMap<>(); // cnt, sum, min, max
        Map<String, Set<String>> users = new HashMap<>();
        for (int i = 0; i < 30_000; i++) {
            String c = r.nextInt(30) == 0 ? null : "c" + r.nextInt(40);
            String u = "u" + r.nextInt(500);
            long added = r.nextInt(1000) - 100;
            workers.get(i % 3).add(new Object[] {0L, c, u, added});
            long[] e = expected.computeIfAbsent(String.valueOf(c), k -> new long[] {0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
            e[0]++;
            e[1] += added;
            e[2] = Math.min(e[2], added);
            e[3] = Math.max(e[3], added);
            users.computeIfAbsent(String.valueOf(c), k -> new HashSet<>()).add(u);
        }
        GroupByPreShuffleSpec pre = new GroupByPreShuffleSpec(
                null, List.of(new NamedExpr("d0", col("country"), ColumnType.STRING)), AGGS);
        RowSignature preSig = preSignature(true);
        KeyCodec codec = new KeyCodec(preSig, List.of(KeyColumn.asc("d0")));
        ExternalSorter sorter = new ExternalSorter(preSig, codec, tmp, 200_000, null);
        for (int w = 0; w < 3; w++) {
            RowSource out = StageProcessors.create(pre, IN, preSig, w).transform(source(workers.get(w)));
            Object[] row;
            while ((row = out.next()) != null) {
                sorter.add(row);
            }
        }
        GroupByPostShuffleSpec post = new GroupByPostShuffleSpec(List.of("d0"), AGGS, true, null, null);
        List<Object[]> res = drain(StageProcessors.create(post, preSig, postSignature(true), 0).transform(sorter.sorted()));
        sorter.close();
        assertThat(res).hasSize(expected.size());
        assertThat(res.get(0)[0]).isNull(); // nulls first
        for (Object[] row : res) {
            long[] e = expected.get(String.valueOf(row[0]));
            assertThat(row).containsExactly(row[0], e[0], e[1], e[2], e[3], (long) users.get(String.valueOf(row[0])).size());
        }
    }

    @Test
    void havingAndPostProjection() {
        GroupByPreShuffleSpec pre = new GroupByPreShuffleSpec(
                null, List.of(new NamedExpr("d0", col("country"), ColumnType.STRING)), AGGS);
        List<Object[]> rows = List.of(
                new Object[] {0L, "a", "x", 1L},
                new Object[] {0L, "a", "y", 2L},
                new Object[] {0L, "b", "x", 5L});
        List<Object[]> preOut = drain(StageProcessors.create(pre, IN, preSignature(true), 0).transform(source(rows)));
        preOut.sort((p, q) -> ((String) p[0]).compareTo((String) q[0]));
        GroupByPostShuffleSpec post = new GroupByPostShuffleSpec(List.of("d0"), AGGS, true,
                Call.of(Fn.GT, col("cnt"), Literal.of(1L)),
                List.of(new NamedExpr("country", col("d0"), ColumnType.STRING),
                        new NamedExpr("avg", Call.of(Fn.DIVIDE, col("sum"), col("cnt")), ColumnType.DOUBLE)));
        RowSignature out = RowSignature.builder().add("country", ColumnType.STRING).add("avg", ColumnType.DOUBLE).build();
        List<Object[]> res = drain(StageProcessors.create(post, preSignature(true), out, 0).transform(source(preOut)));
        assertThat(res).hasSize(1);
        assertThat(res.get(0)).containsExactly("a", 1.0);
    }

    @Test
    void globalAggregateOverEmptyInput() {
        GroupByPreShuffleSpec pre = new GroupByPreShuffleSpec(null, List.of(), AGGS);
        RowSignature preSig = preSignature(false);
        List<Object[]> w0 = drain(StageProcessors.create(pre, IN, preSig, 0).transform(source(List.of())));
        List<Object[]> w1 = drain(StageProcessors.create(pre, IN, preSig, 1).transform(source(List.of())));
        assertThat(w0).hasSize(1);
        assertThat(w1).isEmpty();
        GroupByPostShuffleSpec post = new GroupByPostShuffleSpec(List.of(), AGGS, true, null, null);
        List<Object[]> res = drain(StageProcessors.create(post, preSig, postSignature(false), 0).transform(source(w0)));
        assertThat(res).hasSize(1);
        assertThat(res.get(0)).containsExactly(0L, null, null, null, 0L);
        List<Object[]> none = drain(StageProcessors.create(post, preSig, postSignature(false), 0).transform(source(List.of())));
        assertThat(none).hasSize(1);
        assertThat(none.get(0)).containsExactly(0L, null, null, null, 0L);
    }

    @Test
    void multiValueDimensionGroupsUnderEachValue() {
        GroupByPreShuffleSpec pre = new GroupByPreShuffleSpec(null,
                List.of(new NamedExpr("d0", col("country"), ColumnType.STRING)),
                List.of(new AggregatorSpec("cnt", AggKind.COUNT, null, null, ColumnType.LONG, false)));
        RowSignature out = RowSignature.builder().add("d0", ColumnType.STRING).add("cnt", ColumnType.LONG).build();
        List<Object[]> rows = List.of(
                new Object[] {0L, List.of("a", "b"), "u", 1L},
                new Object[] {0L, "a", "u", 1L},
                new Object[] {0L, List.of(), "u", 1L});
        Map<Object, Object> counts = new HashMap<>();
        for (Object[] r : drain(StageProcessors.create(pre, IN, out, 0).transform(source(rows)))) {
            counts.put(r[0], r[1]);
        }
        Map<Object, Object> expected = new HashMap<>();
        expected.put("a", 2L);
        expected.put("b", 1L);
        expected.put(null, 1L);
        assertThat(counts).isEqualTo(expected);
    }

    @Test
    void segmentGeneratorIsNotARowProcessor() {
        SegmentGeneratorSpec sg = new SegmentGeneratorSpec(
                "ds", Granularity.of("DAY"), List.of(), List.of(), null, null, null, 1000, 1000);
        assertThatThrownBy(() -> StageProcessors.create(sg, IN, IN, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
