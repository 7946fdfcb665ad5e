package io.sluice.engine.exec;

import static io.sluice.engine.exec.EncodedScanTest.FORMAT;
import static io.sluice.engine.exec.EncodedScanTest.IN;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.frame.ByteSink;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.input.CountingRowSource;
import io.sluice.engine.input.EncodedRows;
import io.sluice.engine.input.InputFormats;
import io.sluice.engine.input.ParseError;
import io.sluice.engine.input.PrefetchingRowSource;
import io.sluice.engine.input.ScanEncoder;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.plan.ReferencedColumns;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A pre-shuffle GROUP BY run by the encoded scan ({@link EncodedScan#ofPartialGroups}) must emit the rows the row path
 * emits (the JSON reader's rows through the pre-shuffle processor and the NUL check, encoded by {@link
 * RowCodec#writeRowSized}): the same partial groups, byte for byte, with the same counted sizes, parse errors and
 * faults. Random JSON lines, multi-value dimensions among them, are read both ways.
 */
class EncodedPartialGroupsTest {
    private static Expr col(String c) {
        return new ColumnRef(c);
    }

    private static AggregatorSpec count(String name) {
        return new AggregatorSpec(name, AggKind.COUNT, null, null, ColumnType.LONG, false);
    }

    private static AggregatorSpec sum(String name, Expr input) {
        return new AggregatorSpec(name, AggKind.SUM, input, null, ColumnType.LONG, false);
    }

    private static final Expr HOUR = Call.of(Fn.TIMESTAMP_FLOOR,
            Call.of(Fn.TIMESTAMP_PARSE, col("t"), Literal.ofNull(ColumnType.STRING), Literal.of("UTC")),
            Literal.of("PT1H"));

    /** W2's shape: the hour, two strings; COUNT(*) and two LONG SUMs (one over a computed value). */
    private static final GroupByPreShuffleSpec W2_LIKE = new GroupByPreShuffleSpec(null, List.of(
            new NamedExpr("d0", HOUR, ColumnType.LONG),
            new NamedExpr("d1", col("s"), ColumnType.STRING),
            new NamedExpr("d2", col("u"), ColumnType.STRING)),
            List.of(count("a0"), sum("a1", col("l")), sum("a2", Call.of(Fn.MULTIPLY, col("l"), Literal.of(2L)))));

    /** A filter; a LONG dimension copied, a DOUBLE one; a SUM over a DOUBLE column. */
    private static final GroupByPreShuffleSpec FILTERED = new GroupByPreShuffleSpec(
            Call.of(Fn.IS_NOT_NULL, col("s")), List.of(
            new NamedExpr("d0", col("l"), ColumnType.LONG),
            new NamedExpr("d1", col("d"), ColumnType.DOUBLE)),
            List.of(sum("a0", col("d")), count("a1")));

    /** The partial rows as hex, sorted, with their counted sizes; parse errors; the failure's message. */
    private record Read(List<String> rows, List<ParseError> errors, String failure, long rowsRead) {}

    private static Read rowPath(String data, GroupByPreShuffleSpec spec) {
        List<ParseError> errors = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        Set<String> needed = ReferencedColumns.of(spec).orElseThrow();
        CountingRowSource parsed = InputFormats.open(EncodedScanTest.inline(data), FORMAT, IN, errors::add, needed);
        RowSignature out = spec.intermediateSignature();
        try (RowSource processed = EncodedScanTest.nulCheck(
                StageProcessors.create(spec, IN, out, 0, true).transform(parsed), parsed::rowsRead)) {
            for (Object[] row = processed.next(); row != null; row = processed.next()) {
                ByteSink sink = new ByteSink(64);
                int size = RowCodec.writeRowSized(sink, row, out.size());
                rows.add(HexFormat.of().formatHex(sink.toByteArray()) + "/" + size);
            }
        } catch (IllegalStateException e) {
            return new Read(rows, errors, e.getMessage(), parsed.rowsRead());
        }
        rows.sort(null);
        return new Read(rows, errors, null, parsed.rowsRead());
    }

    private static Read encodedPath(String data, GroupByPreShuffleSpec spec) {
        List<ParseError> errors = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        Set<String> needed = ReferencedColumns.of(spec).orElseThrow();
        RowSignature out = spec.intermediateSignature();
        EncodedScan scan = EncodedScan.ofPartialGroups(spec, IN, out, true).orElseThrow();
        assertThat(scan.keysFromRowBytes()).isTrue();
        assertThat(scan.keyWidth()).isZero();
        CountingRowSource[] parsed = new CountingRowSource[1];
        ScanEncoder encoder = scan.encoder(r -> EncodedScanTest.nulCheck(
                StageProcessors.partialGroups(spec, IN).transform(r), () -> parsed[0].rowsRead()));
        parsed[0] = InputFormats.openEncoded(EncodedScanTest.inline(data), FORMAT, IN, errors::add, needed, encoder);
        try (PrefetchingRowSource reader = PrefetchingRowSource.encoded(parsed[0], 0, "test")) {
            for (EncodedRows b = reader.nextEncoded(); b != null; b = reader.nextEncoded()) {
                for (int i = 0; i < b.count(); i++) {
                    String hex = HexFormat.of().formatHex(Arrays.copyOfRange(b.array(), b.start(i), b.end(i)));
                    rows.add(hex + "/" + b.countedSize(i));
                }
                reader.recycle(b);
            }
        } catch (IllegalStateException e) {
            return new Read(rows, errors, e.getMessage(), parsed[0].rowsRead());
        }
        rows.sort(null);
        return new Read(rows, errors, null, parsed[0].rowsRead());
    }

    private static void agree(String data, GroupByPreShuffleSpec spec) {
        Read expected = rowPath(data, spec);
        Read actual = encodedPath(data, spec);
        assertThat(actual.failure() != null).isEqualTo(expected.failure() != null);
        if (expected.failure() == null) {
            assertThat(actual.rows()).isEqualTo(expected.rows());
            assertThat(actual.rowsRead()).isEqualTo(expected.rowsRead());
            assertThat(expected.rows()).isNotEmpty();
            assertThat(actual.errors()).isEqualTo(expected.errors());
        } else {
            // the row path finds a NUL when it emits the group (here at the end of the input), the encoded path when
            // it reads the row: the same column, and the parse errors met until then
            assertThat(actual.failure()).startsWith(expected.failure().replaceAll(" of row .*", " of row "));
            assertThat(actual.errors().size()).isLessThanOrEqualTo(expected.errors().size());
            assertThat(expected.errors().subList(0, actual.errors().size())).isEqualTo(actual.errors());
        }
    }

    @Test
    void randomLinesGiveTheRowPathsPartialGroups() {
        for (long seed = 1; seed <= 6; seed++) {
            String data = EncodedScanTest.randomData(seed, 6_000, false);
            agree(data, W2_LIKE);
            agree(data, FILTERED);
        }
    }

    @Test
    void multiValueDimensionsGroupTheRowUnderEachValue() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            String s = i % 5_000 == 7 ? "[\"a\", \"b\", \"s1\"]" : i % 5_000 == 9 ? "[]" : "\"s" + i % 13 + "\"";
            sb.append("{\"t\": \"2015-09-12T0").append(i % 10).append(":00:00Z\", \"s\": ").append(s)
                    .append(", \"u\": ").append(i % 3 == 0 ? "null" : "\"u" + i % 4 + "\"")
                    .append(", \"l\": ").append(i % 7 == 0 ? "null" : String.valueOf(i)).append("}\n");
        }
        agree(sb.toString(), W2_LIKE);
    }

    @Test
    void aNulCharacterFailsTheReadBothWays() {
        int failed = 0;
        for (long seed = 1; seed <= 8; seed++) {
            String data = EncodedScanTest.randomData(100 + seed, 8_000, true);
            if (rowPath(data, W2_LIKE).failure() != null) {
                failed++;
            }
            agree(data, W2_LIKE);
        }
        assertThat(failed).as("inputs with a NUL that fail").isGreaterThan(2);
    }

    @Test
    void onlyCountsAndLongSumsWithoutFilterOrJoinAreEncoded() {
        RowSignature out = W2_LIKE.intermediateSignature();
        assertThat(EncodedScan.ofPartialGroups(W2_LIKE, IN, out, true)).isPresent();
        GroupByPreShuffleSpec countColumn = new GroupByPreShuffleSpec(null, W2_LIKE.dimensions(),
                List.of(new AggregatorSpec("a0", AggKind.COUNT, col("l"), null, ColumnType.LONG, false)));
        assertThat(EncodedScan.ofPartialGroups(countColumn, IN, countColumn.intermediateSignature(), true)).isEmpty();
        GroupByPreShuffleSpec doubleSum = new GroupByPreShuffleSpec(null, W2_LIKE.dimensions(),
                List.of(new AggregatorSpec("a0", AggKind.SUM, col("d"), null, ColumnType.DOUBLE, false)));
        assertThat(EncodedScan.ofPartialGroups(doubleSum, IN, doubleSum.intermediateSignature(), true)).isEmpty();
        GroupByPreShuffleSpec filtered = new GroupByPreShuffleSpec(null, W2_LIKE.dimensions(), List.of(
                new AggregatorSpec("a0", AggKind.COUNT, null, Call.of(Fn.IS_NULL, col("l")), ColumnType.LONG, false)));
        assertThat(EncodedScan.ofPartialGroups(filtered, IN, filtered.intermediateSignature(), true)).isEmpty();
        GroupByPreShuffleSpec noDims = new GroupByPreShuffleSpec(null, List.of(), List.of(count("a0")));
        assertThat(EncodedScan.ofPartialGroups(noDims, IN, noDims.intermediateSignature(), true)).isEmpty();
    }

    /** Encoded partial rows of one LONG dimension and a COUNT of 1 each. */
    private static EncodedRows batch(long from, long to, java.util.function.LongUnaryOperator key) {
        EncodedRows b = new EncodedRows(0, 1024, 1 << 16);
        for (long i = from; i < to; i++) {
            int counted = RowCodec.writeRowSized(b.sink(), new Object[] {key.applyAsLong(i), 1L}, 2);
            b.endRow(counted);
        }
        return b;
    }

    @Test
    void distinctGroupsPassThroughAndRepeatingOnesAreCombinedAsTheRowPathDoes() {
        // PreShuffleFlushTest's input: every row its own group (the map fills, then rows pass through), then ten
        // groups over and over; fed in batches of 4,096 rows
        long distinct = StageProcessors.MAX_GROUPS_IN_MEMORY + StageProcessors.PASS_THROUGH_ROWS;
        long total = distinct + 500_000;
        PartialGroups groups = new PartialGroups(1, 1);
        Map<Long, Long> counts = new HashMap<>();
        long rows = 0;
        for (long from = 0; from < total; from += 4_096) {
            long to = Math.min(total, from + 4_096);
            EncodedRows b = batch(from, to, i -> i < distinct ? i : -1 - (i % 10));
            groups.endBatch(b, to == total);
            for (int i = 0; i < b.count(); i++) {
                Object[] r = RowCodec.readRow(
                        new io.sluice.engine.frame.ByteSource(b.array(), b.start(i), b.end(i)), 2);
                assertThat(b.countedSize(i)).isEqualTo(b.end(i) - b.start(i));
                counts.merge((Long) r[0], (Long) r[1], Long::sum);
                rows++;
            }
        }
        assertThat(rows).as("one partial row per distinct row, ten for the repeating tail").isEqualTo(distinct + 10);
        assertThat(counts).hasSize((int) distinct + 10);
        assertThat(counts.get(-1L) + counts.get(-10L)).isEqualTo(100_000L);
    }

    @Test
    void aSumWithoutAnyValueStaysNullAndCountsAddUp() {
        PartialGroups groups = new PartialGroups(1, 2, 3, 0.9, 2);
        EncodedRows b = new EncodedRows(0, 16, 256);
        Object[][] in = {{"a", 1L, null}, {"b", 1L, 5L}, {null, 1L, -3L}, {"b", 2L, 7L}, {"c", 1L, null},
            {"a", 1L, null}, {"d", 1L, 1L}, {"a", 1L, 4L}};
        for (Object[] r : in) {
            b.endRow(RowCodec.writeRowSized(b.sink(), r, 3));
        }
        groups.endBatch(b, true);
        List<List<Object>> out = new ArrayList<>();
        for (int i = 0; i < b.count(); i++) {
            out.add(Arrays.asList(RowCodec.readRow(
                    new io.sluice.engine.frame.ByteSource(b.array(), b.start(i), b.end(i)), 3)));
        }
        // a, b and NULL fill the map of 3 in 3 rows (3 >= 0.9 * 3): it is emitted and the next 2 rows pass through
        assertThat(out).containsExactly(
                Arrays.asList("a", 1L, null), Arrays.asList("b", 1L, 5L), Arrays.asList(null, 1L, -3L),
                Arrays.asList("b", 2L, 7L), Arrays.asList("c", 1L, null),
                Arrays.asList("a", 2L, 4L), Arrays.asList("d", 1L, 1L));
    }
}
