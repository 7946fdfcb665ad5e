package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.Aggregator;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.agg.Aggregators;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.segment.SegmentWriter;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The columnar GROUP BY over segments gives the same groups and values as the row-by-row processor. */
class SegmentGroupByTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s1", ColumnType.STRING)
            .add("s2", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("mv", ColumnType.STRING)
            .add("hc", ColumnType.STRING)
            .add("n", ColumnType.LONG) // never NULL
            .build();

    @TempDir
    Path dir;

    private final List<Path> segments = new ArrayList<>();
    /** The columnar processor of the last comparison. */
    private SegmentGroupBy lastColumnar;

    @BeforeEach
    void writeSegments() {
        Random rnd = new Random(42);
        String[] s1 = {"x", "y", "z", "", null};
        for (int seg = 0; seg < 3; seg++) {
            List<Object[]> rows = new ArrayList<>();
            int n = 500 + rnd.nextInt(2000);
            for (int i = 0; i < n; i++) {
                long time = seg == 1 ? 1_000_000L + rnd.nextInt(100_000) // unsorted segment
                        : 1_000_000L * (seg + 1) + i * 37L;
                rows.add(new Object[] {
                    time,
                    s1[rnd.nextInt(s1.length)],
                    rnd.nextInt(10) == 0 ? null : "v" + rnd.nextInt(40),
                    rnd.nextInt(7) == 0 ? null : (long) rnd.nextInt(1000) - 300,
                    rnd.nextInt(7) == 0 ? null : rnd.nextDouble() * 100 - 20,
                    "m" + rnd.nextInt(3),
                    "h" + rnd.nextInt(3000), // beyond an HLL's exact modes: its estimate depends on update order
                    (long) rnd.nextInt(2000) - 1000
                });
            }
            Path file = dir.resolve("seg" + seg + ".sluice");
            Iterator<Object[]> it = rows.iterator();
            SegmentWriter.write(file, SIG, () -> it.hasNext() ? it.next() : null);
            segments.add(file);
        }
    }

    private static Expr col(String c) {
        return new ColumnRef(c);
    }

    private static AggregatorSpec agg(String name, AggKind kind, String column, ColumnType out, boolean distinct) {
        return new AggregatorSpec(name, kind, column == null ? null : col(column), null, out, distinct);
    }

    /** COUNT(*) as a0, then SUM, MIN and MAX of a LONG column as a1..a3. */
    private static List<AggregatorSpec> countAndLongs(String column) {
        return List.of(
                agg("a0", AggKind.COUNT, null, ColumnType.LONG, false),
                agg("a1", AggKind.SUM, column, ColumnType.LONG, false),
                agg("a2", AggKind.MIN, column, ColumnType.LONG, false),
                agg("a3", AggKind.MAX, column, ColumnType.LONG, false));
    }

    private static List<AggregatorSpec> allAggs() {
        List<AggregatorSpec> aggs = new ArrayList<>(countAndLongs("l"));
        aggs.addAll(List.of(
                agg("a4", AggKind.SUM, "d", ColumnType.DOUBLE, false),
                agg("a5", AggKind.MIN, "d", ColumnType.DOUBLE, false),
                agg("a6", AggKind.MAX, "d", ColumnType.DOUBLE, false),
                agg("a7", AggKind.COUNT, "l", ColumnType.LONG, false),
                agg("a8", AggKind.COUNT, "s2", ColumnType.LONG, false),
                agg("a9", AggKind.COUNT, "s2", ColumnType.LONG, true),
                agg("a10", AggKind.APPROX_COUNT_DISTINCT_HLL, "s2", ColumnType.LONG, false),
                agg("a11", AggKind.APPROX_COUNT_DISTINCT_THETA, "s2", ColumnType.LONG, false),
                agg("a12", AggKind.APPROX_COUNT_DISTINCT_HLL, "hc", ColumnType.LONG, false),
                agg("a13", AggKind.COUNT, "hc", ColumnType.LONG, true)));
        return aggs;
    }

    private static GroupByPreShuffleSpec spec(String dimension, Expr filter, List<AggregatorSpec> aggs) {
        List<NamedExpr> dims = dimension == null
                ? List.of()
                : List.of(new NamedExpr("d0", col(dimension), ColumnType.STRING));
        return new GroupByPreShuffleSpec(filter, dims, aggs);
    }

    @Test
    void groupsByAStringColumnWithEveryAggregatorLikeTheRowProcessor() {
        assertSame(spec("s1", null, allAggs()), Long.MIN_VALUE, Long.MAX_VALUE, 0);
        assertSame(spec("s2", null, allAggs()), 1_020_000L, 2_030_000L, 0);
    }

    @Test
    void filtersThroughBitmapsAndTimeBoundsLikeTheRowProcessor() {
        Expr in = new Call(Fn.IN.id(), List.of(col("s2"), Literal.of("v1"), Literal.of("v2"), Literal.of("v3"),
                Literal.ofNull(ColumnType.STRING)));
        Expr eq = Call.of(Fn.EQ, col("s1"), Literal.of("x"));
        Expr notEq = Call.of(Fn.NOT, Call.of(Fn.EQ, col("s1"), Literal.of("y")));
        Expr time = Call.of(Fn.GE, col("__time"), Literal.of(1_050_000L));
        Expr timeEnd = Call.of(Fn.LT, col("__time"), Literal.of(3_010_000L));
        Expr isNull = Call.of(Fn.IS_NULL, col("l"));
        Expr notNull = Call.of(Fn.IS_NOT_NULL, col("s1"));
        List<Expr> filters = List.of(
                eq,
                notEq,
                Call.of(Fn.AND, eq, time, timeEnd),
                Call.of(Fn.OR, in, eq),
                Call.of(Fn.AND, Call.of(Fn.OR, in, isNull), notNull, time),
                Call.of(Fn.EQ, col("s2"), Literal.of("no such value")),
                Call.of(Fn.NOT, in),
                Call.of(Fn.NE, col("s1"), Literal.of("z")),
                Call.of(Fn.NE, Literal.of("v3"), col("s2")));
        for (Expr f : filters) {
            assertSame(spec("s1", f, allAggs()), Long.MIN_VALUE, Long.MAX_VALUE, 0);
            assertSame(spec(null, f, allAggs()), 1_000_000L, 3_000_000L, 0);
        }
    }

    @Test
    void countsWithoutDimensionsLikeTheRowProcessor() {
        List<AggregatorSpec> counts = List.of(agg("a0", AggKind.COUNT, null, ColumnType.LONG, false));
        assertSame(spec(null, null, counts), Long.MIN_VALUE, Long.MAX_VALUE, 0);
        assertSame(spec(null, null, counts), 1_030_000L, 2_000_000L, 0);
        assertSame(spec(null, null, counts), 1_030_000L, 2_000_000L, 1);
    }

    @Test
    void countsWholeChunksFromTheirMetadataAsReadingThemWould() {
        List<AggregatorSpec> counts = List.of(agg("a0", AggKind.COUNT, null, ColumnType.LONG, false));
        long[][] chunks = {{1_000_000L, 1_100_000L}, {1_000_000L, 1_100_000L}, {3_000_000L, 3_100_000L}};
        long[] rows = new long[segments.size()];
        for (int i = 0; i < rows.length; i++) {
            try (SegmentReader r = SegmentReader.open(segments.get(i))) {
                rows[i] = r.numRows();
            }
        }
        Expr after = Call.of(Fn.GE, col("__time"), Literal.of(1_050_000L));
        long[][] ranges = {{Long.MIN_VALUE, Long.MAX_VALUE}, {1_000_000L, 4_000_000L}, {1_030_000L, 2_000_000L},
            {1_000_000L, 3_050_000L}};
        for (Expr filter : java.util.Arrays.asList(null, after)) {
            for (long[] range : ranges) {
                SegmentGroupBy counted = SegmentGroupBy.plan(spec(null, filter, counts), SIG, 0).orElseThrow();
                SegmentGroupBy read = SegmentGroupBy.plan(spec(null, filter, counts), SIG, 0).orElseThrow();
                long readRows = 0;
                for (int i = 0; i < rows.length; i++) {
                    boolean whole = chunks[i][0] >= Math.max(range[0], filter == null ? Long.MIN_VALUE : 1_050_000L)
                            && chunks[i][1] <= range[1];
                    assertThat(counted.addCounted(chunks[i][0], chunks[i][1], rows[i], range[0], range[1]))
                            .as("segment %d in [%d, %d), filter %s", i, range[0], range[1], filter)
                            .isEqualTo(whole);
                    try (SegmentReader r = SegmentReader.open(segments.get(i))) {
                        if (!whole) {
                            counted.add(r, range[0], range[1]);
                        }
                        readRows += read.add(r, range[0], range[1]);
                    }
                }
                List<Object[]> fromMetadata = new ArrayList<>();
                counted.drain(true).forEachRemaining(fromMetadata::add);
                List<Object[]> fromFiles = new ArrayList<>();
                read.drain(true).forEachRemaining(fromFiles::add);
                assertThat(fromMetadata).usingRecursiveComparison().isEqualTo(fromFiles);
                if (range[0] == Long.MIN_VALUE && filter == null) {
                    assertThat(fromMetadata.get(0)[0]).isEqualTo(java.util.stream.LongStream.of(rows).sum());
                    assertThat(readRows).isEqualTo(java.util.stream.LongStream.of(rows).sum());
                }
            }
        }
        // not a COUNT(*) alone, or no row count in the metadata: the segment is read
        SegmentGroupBy sums = SegmentGroupBy.plan(spec(null, null, allAggs()), SIG, 0).orElseThrow();
        assertThat(sums.addCounted(1_000_000L, 1_100_000L, rows[0], Long.MIN_VALUE, Long.MAX_VALUE)).isFalse();
        SegmentGroupBy count = SegmentGroupBy.plan(spec(null, null, counts), SIG, 0).orElseThrow();
        assertThat(count.addCounted(1_000_000L, 1_100_000L, 0, Long.MIN_VALUE, Long.MAX_VALUE)).isFalse();
        Expr condition = Call.of(Fn.EQ, col("s1"), Literal.of("x"));
        SegmentGroupBy filtered = SegmentGroupBy.plan(spec(null, condition, counts), SIG, 0).orElseThrow();
        assertThat(filtered.addCounted(1_000_000L, 1_100_000L, rows[0], Long.MIN_VALUE, Long.MAX_VALUE)).isFalse();
    }

    @Test
    void givesTheEmptyRowOnWorkerZeroWhenNothingMatches() {
        Expr none = Call.of(Fn.EQ, col("s1"), Literal.of("nothing"));
        List<Object[]> rows = assertSame(spec(null, none, allAggs()), Long.MIN_VALUE, Long.MAX_VALUE, 0);
        assertThat(rows).hasSize(1);
        assertThat(assertSame(spec(null, none, allAggs()), Long.MIN_VALUE, Long.MAX_VALUE, 1)).isEmpty();
        assertThat(assertSame(spec("s1", none, allAggs()), Long.MIN_VALUE, Long.MAX_VALUE, 0)).isEmpty();
    }

    @Test
    void leavesShapesItDoesNotHandleToTheRowProcessor() {
        assertThat(SegmentGroupBy.plan(spec("l", null, allAggs()), SIG, 0)).isEmpty();
        Expr like = Call.of(Fn.LIKE, col("s1"), Literal.of("x%"));
        assertThat(SegmentGroupBy.plan(spec("s1", like, allAggs()), SIG, 0)).isEmpty();
        AggregatorSpec filtered = new AggregatorSpec("a0", AggKind.COUNT, null,
                Call.of(Fn.EQ, col("s1"), Literal.of("x")), ColumnType.LONG, false);
        assertThat(SegmentGroupBy.plan(spec("s1", null, List.of(filtered)), SIG, 0)).isEmpty();
        SegmentGroupBy mv = SegmentGroupBy.plan(spec("mv", null, allAggs()), SIG, 0).orElseThrow();
        try (SegmentReader r = SegmentReader.open(segments.get(0))) {
            assertThat(mv.canRead(r)).isTrue(); // single-value in these segments
        }
        Path multi = dir.resolve("multi.sluice");
        Iterator<Object[]> it = List.<Object[]>of(new Object[] {1L, "x", "v1", 1L, 1.0, List.of("m1", "m2"), "h", 1L}).iterator();
        SegmentWriter.write(multi, SIG, () -> it.hasNext() ? it.next() : null);
        try (SegmentReader r = SegmentReader.open(multi)) {
            assertThat(mv.canRead(r)).isFalse();
        }
    }

    private static final RowSignature RIGHT = RowSignature.builder()
            .add("key", ColumnType.STRING)
            .add("lang", ColumnType.STRING)
            .build();

    private static List<Object[]> rightRows() {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 40; i += 2) {
            rows.add(new Object[] {"v" + i, "lang" + (i % 6)});
        }
        rows.add(new Object[] {"v4", "second"}); // a key with two matches
        rows.add(new Object[] {"v6", null});
        rows.add(new Object[] {null, "never"});
        rows.add(new Object[] {"absent", "lang0"});
        return rows;
    }

    @Test
    void groupsJoinedRowsLikeTheRowJoinAndProcessor() {
        Expr eq = Call.of(Fn.NE, col("s1"), Literal.of("y"));
        for (String type : List.of("INNER", "LEFT")) {
            io.sluice.engine.plan.JoinSpec join = new io.sluice.engine.plan.JoinSpec(1, "j0.", List.of(col("s2")),
                    List.of("key"), type);
            for (String dim : java.util.Arrays.asList("j0.lang", "s1", null)) {
                for (Expr f : java.util.Arrays.asList(null, eq)) {
                    List<NamedExpr> dims = dim == null
                            ? List.of()
                            : List.of(new NamedExpr("d0", col(dim), ColumnType.STRING));
                    GroupByPreShuffleSpec spec = new GroupByPreShuffleSpec(f, dims, allAggs(), join);
                    assertSameJoined(spec, 0);
                }
            }
        }
    }

    /** Counts and LONG sums, minima and maxima over columns without NULLs: folded by the key's dictionary ids. */
    private static List<AggregatorSpec> keyedAggs() {
        List<AggregatorSpec> aggs = new ArrayList<>(countAndLongs("n"));
        aggs.add(agg("a4", AggKind.COUNT, "n", ColumnType.LONG, false));
        aggs.add(agg("a5", AggKind.COUNT, "s2", ColumnType.LONG, false));
        return aggs;
    }

    @Test
    void foldsCountsAndLongsByDictionaryIdsLikeTheRowProcessor() {
        // s1 holds NULL and "" besides values; segment 1 is not sorted by time (its rows are checked one by one)
        for (String dim : java.util.Arrays.asList("s1", "s2", "hc", null)) {
            assertSame(spec(dim, null, keyedAggs()), Long.MIN_VALUE, Long.MAX_VALUE, 0);
            assertSame(spec(dim, null, keyedAggs()), 1_020_000L, 3_030_000L, 1);
            assertSame(spec(dim, null, List.of(keyedAggs().get(1))), Long.MIN_VALUE, Long.MAX_VALUE, 0);
        }
        assertThat(lastColumnar.segmentsFoldedByKey()).isEqualTo(segments.size());
        // a column with NULLs in the segment takes the row-by-row fold
        assertSame(spec("s1", null, List.of(agg("a0", AggKind.SUM, "l", ColumnType.LONG, false))),
                Long.MIN_VALUE, Long.MAX_VALUE, 0);
        assertThat(lastColumnar.segmentsFoldedByKey()).isZero();
    }

    @Test
    void foldsJoinedCountsAndLongsByTheJoinKeyLikeTheRowJoinAndProcessor() {
        for (String type : List.of("INNER", "LEFT")) {
            io.sluice.engine.plan.JoinSpec join = new io.sluice.engine.plan.JoinSpec(1, "j0.", List.of(col("s2")),
                    List.of("key"), type);
            for (String dim : java.util.Arrays.asList("j0.lang", null, "s1")) {
                List<NamedExpr> dims = dim == null
                        ? List.of()
                        : List.of(new NamedExpr("d0", col(dim), ColumnType.STRING));
                assertSameJoined(new GroupByPreShuffleSpec(null, dims, keyedAggs(), join), 0);
                // grouped by a table column and joined on another: the rows' groups need both columns
                assertThat(lastColumnar.segmentsFoldedByKey()).isEqualTo("s1".equals(dim) ? 0 : segments.size());
            }
        }
    }

    private void assertSameJoined(GroupByPreShuffleSpec spec, int worker) {
        SegmentGroupBy columnar = SegmentGroupBy.plan(spec, SIG, RIGHT, rightRows(), worker).orElseThrow();
        lastColumnar = columnar;
        List<Object[]> fast = new ArrayList<>();
        for (Path p : segments) {
            try (SegmentReader r = SegmentReader.open(p)) {
                assertThat(columnar.canRead(r)).isTrue();
                columnar.add(r, Long.MIN_VALUE, Long.MAX_VALUE);
            }
        }
        columnar.drain(true).forEachRemaining(fast::add);
        RowSource all = SegmentRows.all(segments, SIG.names());
        RowSignature joinedSig = JoinTransformer.joinedSignature(SIG, RIGHT, "j0.");
        RowSource joined = new JoinTransformer(spec.join(), SIG, RIGHT, rightRows()).transform(all);
        RowSignature.Builder out = RowSignature.builder();
        spec.dimensions().forEach(d -> out.add(d.name(), d.type()));
        spec.aggregations().forEach(a -> out.add(a.name(), a.intermediateType()));
        List<Object[]> slow = new ArrayList<>();
        try (RowSource s = StageProcessors.create(spec, joinedSig, out.build(), worker).transform(joined)) {
            Object[] r;
            while ((r = s.next()) != null) {
                slow.add(r);
            }
        }
        assertThat(finalized(spec, fast)).isEqualTo(finalized(spec, slow));
        assertThat(fast).hasSameSizeAs(slow);
    }

    @Test
    void countsDistinctValuesOverManySegmentsLikeTheRowProcessor() {
        // enough (group, value) pairs, repeated across segments, for the distinct pairs to be compacted many times
        Random rnd = new Random(5);
        for (int seg = 0; seg < 12; seg++) {
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                rows.add(new Object[] {
                    10_000_000L + seg * 100_000L + i, "x", "v" + rnd.nextInt(60), (long) i, 1.0, "m",
                    "h" + rnd.nextInt(seg % 2 == 0 ? 5000 : 800), (long) i
                });
            }
            Path file = dir.resolve("many" + seg + ".sluice");
            Iterator<Object[]> it = rows.iterator();
            SegmentWriter.write(file, SIG, () -> it.hasNext() ? it.next() : null);
            segments.add(file);
        }
        assertSame(spec("s2", null, List.of(
                agg("a0", AggKind.COUNT, "hc", ColumnType.LONG, true),
                agg("a1", AggKind.COUNT, null, ColumnType.LONG, false))), Long.MIN_VALUE, Long.MAX_VALUE, 0);
    }

    /** GROUP BY hc with COUNT(*) and COUNT(DISTINCT s2). */
    private static GroupByPreShuffleSpec countAndDistinctByHc() {
        return spec("hc", null, List.of(
                agg("a0", AggKind.COUNT, null, ColumnType.LONG, false),
                agg("a1", AggKind.COUNT, "s2", ColumnType.LONG, true)));
    }

    /** Every group of the spec over all the segments, finalized: key -> aggregator values. */
    private Map<List<Object>, List<Object>> allGroupsFinalized(GroupByPreShuffleSpec spec) {
        SegmentGroupBy plain = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow();
        segments.forEach(p -> addSegment(plain, segments.indexOf(p)));
        List<Object[]> partial = new ArrayList<>();
        plain.drain(true).forEachRemaining(partial::add);
        return finalized(spec, partial);
    }

    @Test
    void wholeGroupsComeFinalizedWhenDrainedOnceAndPartialAfterSeveralDrains() {
        GroupByPreShuffleSpec spec = countAndDistinctByHc();
        Map<List<Object>, List<Object>> expected = allGroupsFinalized(spec);

        for (boolean ordered : new boolean[] {false, true}) {
            SegmentGroupBy whole = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow().wholeGroups(ordered, true);
            segments.forEach(p -> addSegment(whole, segments.indexOf(p)));
            List<Object[]> rows = new ArrayList<>();
            whole.drain(true).forEachRemaining(rows::add);
            assertThat(whole.drainedWhole()).isTrue();
            Map<List<Object>, List<Object>> got = new HashMap<>();
            for (Object[] r : rows) {
                assertThat(got.put(List.of(r[0]), Arrays.asList(r[1], r[2]))).as("one row per group").isNull();
            }
            assertThat(got).isEqualTo(expected); // finalized: the distinct count as a number
            if (ordered) {
                assertThat(rows).extracting(r -> (String) r[0]).isSortedAccordingTo(String::compareTo);
            }
        }

        // drained before the end: the rows are partial groups with their intermediate states, as without wholeGroups
        SegmentGroupBy split = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow().limitMemory(1024)
                .wholeGroups(false, true);
        List<Object[]> rows = new ArrayList<>();
        for (int seg = 0; seg < segments.size(); seg++) {
            addSegment(split, seg);
            if (seg == 0) {
                assertThat(split.full()).isTrue();
                split.drain(false).forEachRemaining(rows::add);
                assertThat(split.drainedWhole()).isFalse();
            }
        }
        split.drain(true).forEachRemaining(rows::add);
        assertThat(split.drainedWhole()).isFalse();
        assertThat(finalized(spec, rows)).isEqualTo(expected);
    }

    @Test
    void keepTopGivesTheGroupsThatTieOrBeatTheNthBestAndCountsTheOthers() {
        GroupByPreShuffleSpec spec = countAndDistinctByHc();
        Map<List<Object>, List<Object>> all = allGroupsFinalized(spec);
        assertThat(all).hasSizeGreaterThan(3);

        for (int a = 0; a < 2; a++) {
            for (boolean descending : new boolean[] {true, false}) {
                for (int limit : new int[] {0, 1, 2, 3, all.size() - 1, all.size(), all.size() + 5}) {
                    int agg = a;
                    List<Long> values = new ArrayList<>();
                    all.values().forEach(v -> values.add((Long) v.get(agg)));
                    values.sort(descending ? java.util.Comparator.reverseOrder() : java.util.Comparator.naturalOrder());
                    Map<List<Object>, List<Object>> expected = new HashMap<>();
                    if (limit > 0) {
                        long nth = values.get(Math.min(limit, values.size()) - 1);
                        all.forEach((k, v) -> {
                            long x = (Long) v.get(agg);
                            if (descending ? x >= nth : x <= nth) {
                                expected.put(k, v);
                            }
                        });
                    }
                    for (boolean ordered : new boolean[] {false, true}) {
                        SegmentGroupBy top = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow().wholeGroups(ordered, true);
                        long[] pruned = {0};
                        assertThat(top.keepTop(a, limit, descending, n -> pruned[0] += n)).isTrue();
                        segments.forEach(p -> addSegment(top, segments.indexOf(p)));
                        Map<List<Object>, List<Object>> got = new HashMap<>();
                        List<String> keys = new ArrayList<>();
                        top.drain(true).forEachRemaining(r -> {
                            got.put(List.of(r[0]), Arrays.asList(r[1], r[2]));
                            keys.add((String) r[0]);
                        });
                        String what = "aggregator " + a + (descending ? " desc" : " asc") + " limit " + limit;
                        assertThat(got).as(what).isEqualTo(expected);
                        assertThat(pruned[0]).as(what).isEqualTo(all.size() - expected.size());
                        if (ordered) {
                            assertThat(keys).isSortedAccordingTo(String::compareTo);
                        }
                    }
                }
            }
        }
        // partial groups (not finalized) are never pruned: the shuffle still combines them
        SegmentGroupBy partialTop = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow().wholeGroups(false, false);
        assertThat(partialTop.keepTop(0, 1, true, n -> {})).isTrue();
        segments.forEach(p -> addSegment(partialTop, segments.indexOf(p)));
        List<Object[]> rows = new ArrayList<>();
        partialTop.drain(true).forEachRemaining(rows::add);
        assertThat(rows).hasSize(all.size());
    }

    @Test
    void borrowsPastItsLimitInsteadOfDrainingAndDrainsOnceTheLoanIsRecalled() {
        GroupByPreShuffleSpec spec = countAndDistinctByHc();
        SegmentGroupBy alone = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow().limitMemory(1024);
        addSegment(alone, 0);
        assertThat(alone.full()).as("past its limit with nothing to borrow").isTrue();

        io.sluice.engine.worker.WorkerMemory node =
                new io.sluice.engine.worker.WorkerMemory(256L << 20, 64L << 20); // four slots
        node.reserveShare();
        List<Object[]> rows = new ArrayList<>();
        try (MemoryLoan loan = node.openLoan()) {
            SegmentGroupBy columnar = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow().limitMemory(1024)
                    .borrowing(loan);
            addSegment(columnar, 0);
            assertThat(columnar.full()).isFalse();
            addSegment(columnar, 1);
            assertThat(columnar.full()).isFalse();
            assertThat(loan.held()).isPositive();

            node.reserveShare(); // three more workers start on the node: the loan no longer fits
            node.reserveShare();
            node.reserveShare();
            assertThat(loan.recalled()).isTrue();
            assertThat(columnar.full()).isTrue();
            columnar.drain(false).forEachRemaining(rows::add);
            assertThat(loan.held()).as("repaid once the drained rows were read").isZero();
            assertThat(node.lent()).isZero();
            assertThat(loan.recalled()).isFalse();

            addSegment(columnar, 2);
            assertThat(columnar.full()).as("nothing left to borrow beside four shares").isTrue();
            columnar.drain(true).forEachRemaining(rows::add);
        }
        assertThat(node.lent()).isZero();

        SegmentGroupBy unlimited = SegmentGroupBy.plan(spec, SIG, 0).orElseThrow();
        for (int seg = 0; seg < segments.size(); seg++) {
            addSegment(unlimited, seg);
        }
        List<Object[]> once = new ArrayList<>();
        unlimited.drain(true).forEachRemaining(once::add);
        assertThat(finalized(spec, rows)).isEqualTo(finalized(spec, once));
    }

    private void addSegment(SegmentGroupBy groupBy, int seg) {
        try (SegmentReader r = SegmentReader.open(segments.get(seg))) {
            groupBy.add(r, Long.MIN_VALUE, Long.MAX_VALUE);
        }
    }

    /** Runs both processors over the segments and asserts equal finalized groups and rows read. */
    private List<Object[]> assertSame(GroupByPreShuffleSpec spec, long start, long end, int worker) {
        SegmentGroupBy columnar = SegmentGroupBy.plan(spec, SIG, worker).orElseThrow();
        lastColumnar = columnar;
        List<Object[]> fast = new ArrayList<>();
        long fastRead = 0;
        for (Path p : segments) {
            try (SegmentReader r = SegmentReader.open(p)) {
                assertThat(columnar.canRead(r)).isTrue();
                fastRead += columnar.add(r, start, end);
            }
        }
        columnar.drain(true).forEachRemaining(fast::add);

        long[] slowRead = {0};
        RowSource scanned = SegmentRows.all(segments, SIG.names(), start, end);
        RowSource all = () -> {
            Object[] r = scanned.next();
            if (r != null) {
                slowRead[0]++;
            }
            return r;
        };
        RowSignature.Builder out = RowSignature.builder();
        spec.dimensions().forEach(d -> out.add(d.name(), d.type()));
        spec.aggregations().forEach(a -> out.add(a.name(), a.intermediateType()));
        List<Object[]> slow = new ArrayList<>();
        try (RowSource s = StageProcessors.create(spec, SIG, out.build(), worker).transform(all)) {
            Object[] r;
            while ((r = s.next()) != null) {
                slow.add(r);
            }
        }
        assertThat(fastRead).isEqualTo(slowRead[0]);
        assertThat(finalized(spec, fast)).isEqualTo(finalized(spec, slow));
        assertThat(fast).hasSameSizeAs(slow);

        // the same with each segment's keys and distinct values interned ahead (as the prefetch threads do)
        SegmentGroupBy ahead = SegmentGroupBy.plan(spec, SIG, worker).orElseThrow();
        List<Object[]> aheadRows = new ArrayList<>();
        for (Path p : segments) {
            try (SegmentReader r = SegmentReader.open(p)) {
                ahead.internAhead(r, start, end);
                ahead.add(r, start, end);
            }
        }
        ahead.drain(true).forEachRemaining(aheadRows::add);
        assertThat(finalized(spec, aheadRows)).isEqualTo(finalized(spec, slow));
        assertThat(aheadRows).hasSameSizeAs(slow);
        return fast;
    }

    /** Group key → finalized aggregator values, combining rows of the same group. */
    private static Map<List<Object>, List<Object>> finalized(GroupByPreShuffleSpec spec, List<Object[]> rows) {
        Aggregator[] aggs = Aggregators.createAll(spec.aggregations(), SIG);
        int nd = spec.dimensions().size();
        Map<List<Object>, Object[]> merged = new HashMap<>();
        for (Object[] r : rows) {
            List<Object> key = Arrays.asList(Arrays.copyOf(r, nd));
            Object[] prev = merged.get(key);
            if (prev == null) {
                merged.put(key, Arrays.copyOfRange(r, nd, r.length));
            } else {
                for (int a = 0; a < aggs.length; a++) {
                    prev[a] = aggs[a].combine(prev[a], r[nd + a]);
                }
            }
        }
        Map<List<Object>, List<Object>> out = new HashMap<>();
        merged.forEach((k, v) -> {
            List<Object> f = new ArrayList<>();
            for (int a = 0; a < aggs.length; a++) {
                f.add(aggs[a].finalizeValue(v[a]));
            }
            out.put(k, f);
        });
        return out;
    }

    @Test
    void pairsSortAsArraysSortDoesWhateverTheirSizes() {
        java.util.Random rnd = new java.util.Random(23);
        for (int round = 0; round < 300; round++) {
            int n = round % 3 == 0 ? rnd.nextInt(600) : rnd.nextInt(60_000);
            int groups = 1 + rnd.nextInt(round % 2 == 0 ? 3_000_000 : 50);
            int values = 1 + rnd.nextInt(round % 5 == 0 ? Integer.MAX_VALUE : 40_000);
            long[] pairs = new long[n + rnd.nextInt(100)];
            for (int i = 0; i < n; i++) {
                pairs[i] = ((long) rnd.nextInt(groups) << 32) | (1 + rnd.nextInt(values));
            }
            long[] expected = java.util.Arrays.copyOf(pairs, n);
            java.util.Arrays.sort(expected);
            long[] copy = java.util.Arrays.copyOf(pairs, pairs.length);
            long[] sorted = SegmentGroupBy.sortPairs(pairs, n);
            assertThat(sorted.length).isGreaterThanOrEqualTo(n);
            assertThat(java.util.Arrays.copyOf(sorted, n)).isEqualTo(expected);
            // with a scratch array (large enough or not, left from an earlier sort), the same order
            long[] scratch = new long[round % 4 == 0 ? n / 2 : copy.length + 3];
            java.util.Arrays.fill(scratch, -7);
            long[] again = SegmentGroupBy.sortPairs(copy, n, scratch);
            assertThat(again == copy || again == scratch || round % 4 == 0).isTrue();
            assertThat(java.util.Arrays.copyOf(again, n)).isEqualTo(expected);
        }
    }
}
