package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.json.Json;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ProcessorSpec;
import io.sluice.engine.plan.WindowProcessorSpec;
import io.sluice.engine.plan.WindowProcessorSpec.Bound;
import io.sluice.engine.plan.WindowProcessorSpec.Frame;
import io.sluice.engine.plan.WindowProcessorSpec.FrameUnit;
import io.sluice.engine.plan.WindowProcessorSpec.Function;
import io.sluice.engine.plan.WindowProcessorSpec.Kind;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowOperatorTest {
    /** g = partition, o = order, x = value; sorted by g then o as the shuffle delivers them. */
    static final RowSignature IN = RowSignature.builder()
            .add("g", ColumnType.STRING)
            .add("o", ColumnType.LONG)
            .add("x", ColumnType.LONG)
            .build();

    static final List<Object[]> ROWS = List.of(
            new Object[] {"a", 1L, 10L},
            new Object[] {"a", 2L, 20L},
            new Object[] {"a", 2L, null},
            new Object[] {"a", 3L, 40L},
            new Object[] {"b", 5L, 7L});

    static final ColumnRef X = new ColumnRef("x");

    static Function fn(Kind kind) {
        return new Function(kind.name().toLowerCase(), kind, null, 0, null, null, ColumnType.LONG);
    }

    static Function agg(Kind kind, Frame frame, ColumnType type) {
        return new Function(kind.name().toLowerCase(), kind, X, 0, null, frame, type);
    }

    static Frame rows(Bound lower, Bound upper) {
        return new Frame(FrameUnit.ROWS, lower, upper);
    }

    /** Runs the functions over ROWS partitioned by g and ordered by o; returns the function columns per row. */
    static List<List<Object>> run(List<Object[]> rows, List<String> partition, List<Function> functions, int maxRows) {
        WindowProcessorSpec spec = new WindowProcessorSpec(partition, List.of(KeyColumn.asc("o")), functions, maxRows);
        return drain(StageProcessors.create(spec, IN, IN, 0).transform(source(rows)), functions.size());
    }

    static List<List<Object>> run(List<Function> functions) {
        return run(ROWS, List.of("g"), functions, 100);
    }

    /** The values of one function, row by row. */
    static List<Object> column(Function f) {
        return run(List.of(f)).stream().map(r -> r.get(0)).toList();
    }

    static RowSource source(List<Object[]> rows) {
        var it = rows.iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    static List<List<Object>> drain(RowSource s, int functions) {
        List<List<Object>> out = new ArrayList<>();
        Object[] r;
        while ((r = s.next()) != null) {
            assertThat(r).hasSize(IN.size() + functions);
            out.add(Arrays.asList(Arrays.copyOfRange(r, IN.size(), r.length)));
        }
        return out;
    }

    @Test
    void emitsInputColumnsThenFunctionValuesInInputOrder() {
        WindowProcessorSpec spec = new WindowProcessorSpec(List.of("g"), List.of(KeyColumn.asc("o")),
                List.of(fn(Kind.ROW_NUMBER)), 100);
        RowSource out = StageProcessors.create(spec, IN, IN, 0).transform(source(ROWS));
        List<Object[]> all = new ArrayList<>();
        Object[] r;
        while ((r = out.next()) != null) {
            all.add(r);
        }
        assertThat(all).containsExactly(
                new Object[] {"a", 1L, 10L, 1L},
                new Object[] {"a", 2L, 20L, 2L},
                new Object[] {"a", 2L, null, 3L},
                new Object[] {"a", 3L, 40L, 4L},
                new Object[] {"b", 5L, 7L, 1L});
    }

    @Test
    void rankingFunctionsTreatPeersAlike() {
        List<List<Object>> out = run(List.of(fn(Kind.ROW_NUMBER), fn(Kind.RANK), fn(Kind.DENSE_RANK),
                new Function("pr", Kind.PERCENT_RANK, null, 0, null, null, ColumnType.DOUBLE),
                new Function("cd", Kind.CUME_DIST, null, 0, null, null, ColumnType.DOUBLE)));
        assertThat(out).containsExactly(
                List.of(1L, 1L, 1L, 0.0, 0.25),
                List.of(2L, 2L, 2L, 1.0 / 3, 0.75),
                List.of(3L, 2L, 2L, 1.0 / 3, 0.75),
                List.of(4L, 4L, 3L, 1.0, 1.0),
                List.of(1L, 1L, 1L, 0.0, 1.0));
    }

    @Test
    void withoutOrderColumnsTheWholePartitionIsOnePeerGroup() {
        WindowProcessorSpec spec = new WindowProcessorSpec(List.of("g"), List.of(),
                List.of(fn(Kind.RANK), agg(Kind.SUM, Frame.toCurrentPeers(), ColumnType.LONG)), 100);
        List<List<Object>> out = drain(StageProcessors.create(spec, IN, IN, 0).transform(source(ROWS)), 2);
        assertThat(out).containsExactly(
                List.of(1L, 70L), List.of(1L, 70L), List.of(1L, 70L), List.of(1L, 70L), List.of(1L, 7L));
    }

    @Test
    void ntileSpreadsTheRemainderOverTheFirstBuckets() {
        assertThat(column(new Function("n", Kind.NTILE, null, 3, null, null, ColumnType.LONG)))
                .containsExactly(1L, 1L, 2L, 3L, 1L);
        assertThat(column(new Function("n", Kind.NTILE, null, 5, null, null, ColumnType.LONG)))
                .containsExactly(1L, 2L, 3L, 4L, 1L);
    }

    @Test
    void lagAndLeadStayInThePartitionAndUseTheDefault() {
        assertThat(column(new Function("l", Kind.LAG, X, 1, null, null, ColumnType.LONG)))
                .containsExactly(null, 10L, 20L, null, null);
        assertThat(column(new Function("l", Kind.LEAD, X, 2, Literal.of(-1L), null, ColumnType.LONG)))
                .containsExactly(null, 40L, -1L, -1L, -1L);
        assertThat(column(new Function("l", Kind.LAG, X, 0, null, null, ColumnType.LONG)))
                .containsExactly(10L, 20L, null, 40L, 7L);
    }

    @Test
    void firstAndLastValueFollowTheFrame() {
        assertThat(column(agg(Kind.FIRST_VALUE, Frame.toCurrentPeers(), ColumnType.LONG)))
                .containsExactly(10L, 10L, 10L, 10L, 7L);
        // the default frame ends at the current row's last peer
        assertThat(column(agg(Kind.LAST_VALUE, Frame.toCurrentPeers(), ColumnType.LONG)))
                .containsExactly(10L, null, null, 40L, 7L);
        assertThat(column(agg(Kind.LAST_VALUE, rows(Bound.currentRow(), Bound.currentRow()), ColumnType.LONG)))
                .containsExactly(10L, 20L, null, 40L, 7L);
        assertThat(column(agg(Kind.FIRST_VALUE, rows(Bound.following(3), Bound.unboundedFollowing()),
                ColumnType.LONG))).containsExactly(40L, null, null, null, null);
    }

    @Test
    void runningAggregatesIncludePeersInRangeFrames() {
        assertThat(column(agg(Kind.SUM, Frame.toCurrentPeers(), ColumnType.LONG)))
                .containsExactly(10L, 30L, 30L, 70L, 7L);
        assertThat(column(agg(Kind.COUNT, Frame.toCurrentPeers(), ColumnType.LONG)))
                .containsExactly(1L, 2L, 2L, 3L, 1L);
        assertThat(column(new Function("c", Kind.COUNT, null, 0, null, Frame.toCurrentPeers(), ColumnType.LONG)))
                .containsExactly(1L, 3L, 3L, 4L, 1L);
        assertThat(column(agg(Kind.SUM, rows(Bound.unboundedPreceding(), Bound.currentRow()), ColumnType.LONG)))
                .containsExactly(10L, 30L, 30L, 70L, 7L);
        assertThat(column(agg(Kind.AVG, Frame.toCurrentPeers(), ColumnType.DOUBLE)))
                .containsExactly(10.0, 15.0, 15.0, 70.0 / 3, 7.0);
    }

    @Test
    void wholePartitionAggregates() {
        assertThat(column(agg(Kind.SUM, Frame.partition(), ColumnType.DOUBLE)))
                .containsExactly(70.0, 70.0, 70.0, 70.0, 7.0);
        assertThat(column(agg(Kind.MIN, Frame.partition(), ColumnType.LONG)))
                .containsExactly(10L, 10L, 10L, 10L, 7L);
        assertThat(column(agg(Kind.MAX, Frame.partition(), ColumnType.LONG)))
                .containsExactly(40L, 40L, 40L, 40L, 7L);
    }

    @Test
    void boundedRowFramesSlide() {
        assertThat(column(agg(Kind.SUM, rows(Bound.preceding(1), Bound.following(1)), ColumnType.LONG)))
                .containsExactly(30L, 30L, 60L, 40L, 7L);
        assertThat(column(agg(Kind.MAX, rows(Bound.preceding(1), Bound.following(1)), ColumnType.LONG)))
                .containsExactly(20L, 20L, 40L, 40L, 7L);
        // to the partition end: computed walking backwards
        assertThat(column(agg(Kind.SUM, rows(Bound.currentRow(), Bound.unboundedFollowing()), ColumnType.LONG)))
                .containsExactly(70L, 60L, 40L, 40L, 7L);
        assertThat(column(agg(Kind.MIN, new Frame(FrameUnit.RANGE, Bound.currentRow(), Bound.unboundedFollowing()),
                ColumnType.LONG))).containsExactly(10L, 20L, 20L, 40L, 7L);
    }

    @Test
    void emptyFramesGiveNullSumsAndZeroCounts() {
        Frame beforeCurrent = rows(Bound.unboundedPreceding(), Bound.preceding(1));
        assertThat(column(agg(Kind.SUM, beforeCurrent, ColumnType.LONG))).containsExactly(null, 10L, 30L, 30L, null);
        assertThat(column(new Function("c", Kind.COUNT, null, 0, null, beforeCurrent, ColumnType.LONG)))
                .containsExactly(0L, 1L, 2L, 3L, 0L);
        assertThat(column(agg(Kind.SUM0, beforeCurrent, ColumnType.LONG))).containsExactly(0L, 10L, 30L, 30L, 0L);
        Frame ahead = rows(Bound.following(2), Bound.following(3));
        assertThat(column(agg(Kind.SUM, ahead, ColumnType.LONG))).containsExactly(40L, 40L, null, null, null);
        assertThat(column(agg(Kind.AVG, ahead, ColumnType.DOUBLE))).containsExactly(40.0, 40.0, null, null, null);
    }

    @Test
    void emptyInputGivesNoRows() {
        assertThat(run(List.of(), List.of("g"), List.of(fn(Kind.ROW_NUMBER)), 100)).isEmpty();
    }

    @Test
    void noPartitionColumnsMakeOnePartition() {
        assertThat(run(ROWS, List.of(), List.of(fn(Kind.ROW_NUMBER)), 100).stream().map(r -> r.get(0)))
                .containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aPartitionOverTheLimitFailsWithItsSize() {
        assertThat(run(ROWS, List.of("g"), List.of(fn(Kind.ROW_NUMBER)), 4)).hasSize(5);
        assertThatThrownBy(() -> run(ROWS, List.of("g"), List.of(fn(Kind.ROW_NUMBER)), 3))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("TooManyRowsInAWindow");
                    assertThat(e.fault().fields()).containsEntry("numRows", 4).containsEntry("maxRows", 3);
                    assertThat(e.fault().errorMessage()).startsWith("Too many rows in a window (requested = 4, max = 3).");
                });
    }

    @Test
    void multiValueStringsInWindowColumnsFail() {
        List<Object[]> rows = List.of(new Object[] {"a", 1L, 1L}, new Object[] {List.of("a", "b"), 2L, 2L});
        assertThatThrownBy(() -> run(rows, List.of("g"), List.of(fn(Kind.ROW_NUMBER)), 100))
                .isInstanceOfSatisfying(FaultException.class, e -> assertThat(e.fault().errorMessage()).contains(
                        "Encountered a multi value column. Window processing does not support MVDs. Consider using "
                                + "UNNEST or MV_TO_ARRAY."));
        // a single-element list is still a multi-value row
        List<Object[]> single = List.<Object[]>of(new Object[] {List.of("a"), 1L, 1L});
        assertThatThrownBy(() -> run(single, List.of("g"), List.of(fn(Kind.ROW_NUMBER)), 100))
                .isInstanceOf(FaultException.class);
    }

    @Test
    void outputsAreCoercedToTheirTypes() {
        assertThat(column(agg(Kind.SUM, Frame.partition(), ColumnType.FLOAT)).get(0)).isEqualTo(70.0f);
        assertThat(column(new Function("n", Kind.ROW_NUMBER, null, 0, null, null, ColumnType.DOUBLE)).get(1))
                .isEqualTo(2.0);
    }

    @Test
    void specRoundTripsAsWindowOperatorJson() throws Exception {
        ProcessorSpec spec = new WindowProcessorSpec(List.of("g"), List.of(KeyColumn.desc("o")), List.of(
                new Function("w0", Kind.LEAD, X, 2, Literal.of(-1L), null, ColumnType.LONG),
                agg(Kind.SUM, rows(Bound.preceding(1), Bound.following(2)), ColumnType.LONG)), 10);
        String json = Json.MAPPER.writeValueAsString(spec);
        assertThat(json).contains("\"type\":\"windowOperator\"");
        assertThat(Json.MAPPER.readValue(json, ProcessorSpec.class)).isEqualTo(spec);
    }

    @Test
    void rangeFramesRejectOffsets() {
        assertThatThrownBy(() -> new Frame(FrameUnit.RANGE, Bound.preceding(1), Bound.currentRow()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
