package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.sluice.engine.input.InputSplit;
import io.sluice.engine.input.ParseError;
import io.sluice.engine.input.PrefetchingRowSource;
import io.sluice.engine.input.ScanEncoder;
import io.sluice.engine.plan.ReferencedColumns;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The encoded scan must give, row for row, the bytes the row path gives: the JSON reader's rows through the scan
 * processor and the NUL check, encoded by {@link RowCodec#writeRowSized}; the same key values, counted sizes, parse
 * errors and faults. Random JSON lines with values of every kind in every column are read both ways and compared; the
 * tests also check that most rows were encoded from the input's bytes, so an encoder declining everything fails.
 */
class EncodedScanTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final ObjectNode FORMAT = MAPPER.createObjectNode().put("type", "json");
    static final RowSignature IN = RowSignature.builder()
            .add("t", ColumnType.STRING)
            .add("s", ColumnType.STRING)
            .add("u", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .add("unused", ColumnType.STRING)
            .build();

    private static Expr col(String c) {
        return new ColumnRef(c);
    }

    private static Expr timeParse(String c) {
        return Call.of(Fn.TIMESTAMP_PARSE, col(c), Literal.ofNull(ColumnType.STRING), Literal.of("UTC"));
    }

    /** W1's shape: the day bucket and the time parsed, columns copied, one computed from a copied column. */
    private static final ScanProcessorSpec W1_LIKE = new ScanProcessorSpec(null, null, List.of(
            new NamedExpr("__bucket", Call.of(Fn.TIMESTAMP_FLOOR, timeParse("t"), Literal.of("P1D")), ColumnType.LONG),
            new NamedExpr("v0", timeParse("t"), ColumnType.LONG),
            new NamedExpr("s", col("s"), ColumnType.STRING),
            new NamedExpr("u", col("u"), ColumnType.STRING),
            new NamedExpr("u2", Call.of(Fn.CONCAT, col("u"), Literal.of("!")), ColumnType.STRING),
            new NamedExpr("l", col("l"), ColumnType.LONG),
            new NamedExpr("d", col("d"), ColumnType.DOUBLE),
            new NamedExpr("f", col("f"), ColumnType.FLOAT)), null);

    /** A filter, an hourly floor, a time parse with a pattern (not the fast one), a column copied twice, constants. */
    private static final ScanProcessorSpec FILTERED = new ScanProcessorSpec(null,
            Call.of(Fn.IS_NOT_NULL, col("d")), List.of(
            new NamedExpr("h", Call.of(Fn.TIMESTAMP_FLOOR, timeParse("t"), Literal.of("PT1H")), ColumnType.LONG),
            new NamedExpr("s", col("s"), ColumnType.STRING),
            new NamedExpr("p", Call.of(Fn.TIMESTAMP_PARSE, col("u"), Literal.of("yyyy-MM-dd")), ColumnType.LONG),
            new NamedExpr("l", col("l"), ColumnType.LONG),
            new NamedExpr("s2", col("s"), ColumnType.STRING),
            new NamedExpr("c", Literal.of("caf\u00e9"), ColumnType.STRING),
            new NamedExpr("n", Literal.ofNull(ColumnType.LONG), ColumnType.LONG),
            new NamedExpr("d", col("d"), ColumnType.DOUBLE)), null);

    private record Row(String bytes, int countedSize, List<Object> keys) {}

    /** Rows, parse errors, the failure (its message) if the read failed, and the rows read. */
    private record Read(List<Row> rows, List<ParseError> errors, String failure, long rowsRead) {}

    private static RowSignature outputOf(ScanProcessorSpec spec) {
        RowSignature.Builder b = RowSignature.builder();
        spec.columns().forEach(c -> b.add(c.name(), c.type()));
        return b.build();
    }

    static InputSplit inline(String data) {
        return new InputSplit(MAPPER.createObjectNode().put("type", "inline").put("data", data), "inline", -1);
    }

    /** The row path: reader, scan processor, NUL check, then each row encoded as the stage output encodes it. */
    private static Read rowPath(String data, ScanProcessorSpec spec, int[] keys) {
        List<ParseError> errors = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        Set<String> needed = ReferencedColumns.of(spec).orElseThrow();
        CountingRowSource parsed = InputFormats.open(inline(data), FORMAT, IN, errors::add, needed);
        RowSignature out = outputOf(spec);
        try (RowSource processed = nulCheck(StageProcessors.create(spec, IN, out, 0, true).transform(parsed),
                parsed::rowsRead)) {
            for (Object[] row = processed.next(); row != null; row = processed.next()) {
                ByteSink sink = new ByteSink(64);
                int size = RowCodec.writeRowSized(sink, row, out.size());
                List<Object> k = new ArrayList<>();
                for (int pos : keys) {
                    k.add(row[pos]);
                }
                rows.add(new Row(HexFormat.of().formatHex(sink.toByteArray()), size, k));
            }
        } catch (IllegalStateException e) {
            return new Read(rows, errors, e.getMessage(), parsed.rowsRead());
        }
        return new Read(rows, errors, null, parsed.rowsRead());
    }

    /** The encoded path, as the worker runs it; {@code scanned} gets the rows encoded from the input's bytes. */
    private static Read encodedPath(String data, ScanProcessorSpec spec, int[] keys, long[] scanned) {
        List<ParseError> errors = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        Set<String> needed = ReferencedColumns.of(spec).orElseThrow();
        RowSignature out = outputOf(spec);
        EncodedScan scan = EncodedScan.of(spec, IN, keys, true).orElseThrow();
        CountingRowSource[] parsed = new CountingRowSource[1];
        ScanEncoder encoder = scan.encoder(
                r -> nulCheck(StageProcessors.create(spec, IN, out, 0, true).transform(r), () -> parsed[0].rowsRead()));
        parsed[0] = InputFormats.openEncoded(inline(data), FORMAT, IN, errors::add, needed, encoder);
        try (PrefetchingRowSource reader = PrefetchingRowSource.encoded(parsed[0], scan.keyWidth(), "test")) {
            for (EncodedRows b = reader.nextEncoded(); b != null; b = reader.nextEncoded()) {
                for (int i = 0; i < b.count(); i++) {
                    List<Object> k = new ArrayList<>();
                    for (int j = 0; j < keys.length; j++) {
                        k.add(b.key(i, j));
                    }
                    String hex = HexFormat.of().formatHex(Arrays.copyOfRange(b.array(), b.start(i), b.end(i)));
                    rows.add(new Row(hex, b.countedSize(i), k));
                }
                reader.recycle(b);
            }
        } catch (IllegalStateException e) {
            return new Read(rows, errors, e.getMessage(), parsed[0].rowsRead());
        } finally {
            scanned[0] = ((EncodedScan.Encoder) encoder).scannedRows;
        }
        return new Read(rows, errors, null, parsed[0].rowsRead());
    }

    /** A stand-in for the worker's NUL check: fails on a NUL in an output string, naming the row read. */
    static RowSource nulCheck(RowSource in, LongSupplier rowNumber) {
        return new RowSource() {
            @Override
            public Object[] next() {
                Object[] row = in.next();
                if (row != null) {
                    for (int c = 0; c < row.length; c++) {
                        if (row[c] instanceof String s && s.indexOf('\0') >= 0) {
                            throw new IllegalStateException("NUL in column " + c + " of row " + rowNumber.getAsLong());
                        }
                    }
                }
                return row;
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }

    /** Reads both ways and asserts they agree; answers the rows the encoded path took from bytes. */
    private static long agree(String data, ScanProcessorSpec spec, int[] keys) {
        Read expected = rowPath(data, spec, keys);
        long[] scanned = new long[1];
        Read actual = encodedPath(data, spec, keys, scanned);
        assertThat(actual.failure()).isEqualTo(expected.failure());
        if (expected.failure() == null) {
            // after a failure, the rows already handed on depend on batching: only the fault must be the same
            assertThat(actual.rows()).isEqualTo(expected.rows());
            assertThat(actual.rowsRead()).isEqualTo(expected.rowsRead());
        }
        assertThat(actual.errors()).isEqualTo(expected.errors());
        return scanned[0];
    }

    private static final String[] TIMES = {
        "\"2015-09-12T00:46:58.771Z\"", "\"2015-09-12T23:59:59Z\"", "\"2015-09-13 01:02:03.5Z\"",
        "\"2016-02-29T12:00:00.123456789Z\"", "\"2015-02-29T00:00:00Z\"", "\"2015-09-12\"",
        "\"2015-09-12T01:02:03+02:00\"", "\"garbage\"", "1442016000000", "null", "\"\\u0032015-09-12T00:00:00Z\"",
        "\"2015-09-12T00:00:00\u00e9\"", "\"1969-12-31T23:59:59.999Z\"", "\"2015-13-12T00:00:00Z\"",
    };
    private static final String[] STRINGS = {
        "\"abc\"", "\"\"", "\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"", "\"q\\\"uote\\n\"", "12", "-0", "1.5", "1e3",
        "true", "false", "null", "\"2015-09-12\"",
        "\"#en.wikipedia\"", "\"" + "long".repeat(100) + "\"",
    };
    private static final String[] LONGS = {
        "5", "-7", "0", "123456789012", "1.5", "-2.5e3", "\"12\"", "\"x\"", "true", "null", "1e3",
        "922337203685477580",
    };
    /** Values the fast scanner leaves to Jackson (its whole block then is read the row way). */
    private static final String[] RARE = {"[\"x\", \"y\"]", "[\"one\"]", "[]", "\"\ufffd\"", "[1]", "{}",
        "9223372036854775807"};
    private static final String[] DOUBLES = {"1.5", "2", "\"3.5\"", "null", "-0.0", "1e400", "\"x\""};

    private static String randomLine(Random rnd, boolean nul) {
        List<String> fields = new ArrayList<>();
        if (rnd.nextInt(20) != 0) {
            fields.add("\"t\": " + TIMES[rnd.nextInt(3) == 0 ? rnd.nextInt(TIMES.length) : rnd.nextInt(2)]);
        }
        for (String c : List.of("s", "u")) {
            if (rnd.nextInt(10) != 0) {
                fields.add("\"" + c + "\": " + (nul && rnd.nextInt(3000) == 0 ? "\"a\\u0000b\""
                        : rnd.nextInt(40_000) == 0 ? RARE[rnd.nextInt(RARE.length)]
                        : STRINGS[rnd.nextInt(2) == 0 ? rnd.nextInt(STRINGS.length) : rnd.nextInt(3)]));
            }
        }
        fields.add("\"l\": " + (rnd.nextInt(40_000) == 0 ? RARE[rnd.nextInt(RARE.length)]
                : LONGS[rnd.nextInt(2) == 0 ? rnd.nextInt(LONGS.length) : rnd.nextInt(4)]));
        if (rnd.nextInt(4) != 0) {
            fields.add("\"d\": " + DOUBLES[rnd.nextInt(DOUBLES.length)]);
        }
        if (rnd.nextBoolean()) {
            fields.add("\"f\": " + DOUBLES[rnd.nextInt(DOUBLES.length)]);
        }
        if (rnd.nextInt(5) == 0) {
            fields.add("\"x\": {\"nested\": [1, \"two\", {\"three\": null}]}");
        }
        if (rnd.nextInt(50) == 0) {
            fields.add(fields.get(rnd.nextInt(fields.size()))); // a duplicate field: the last one counts
        }
        java.util.Collections.shuffle(fields, rnd);
        String line = "{" + String.join(rnd.nextBoolean() ? ", " : ",", fields) + "}";
        if (rnd.nextInt(20_000) == 0) {
            line = line.substring(0, line.length() - 1); // an unparseable line
        }
        return line;
    }

    static String randomData(long seed, int lines, boolean nul) {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append(randomLine(rnd, nul)).append(rnd.nextInt(30) == 0 ? "\n\n" : "\n");
        }
        return sb.toString();
    }

    @Test
    void randomLinesEncodeAsTheRowPathEncodesThem() {
        for (long seed = 1; seed <= 6; seed++) {
            String data = randomData(seed, 6_000, false);
            long lines = data.lines().filter(l -> !l.isEmpty()).count();
            long scanned = agree(data, W1_LIKE, new int[] {0});
            assertThat(scanned).as("rows encoded from bytes, seed %d", seed).isGreaterThan(lines / 3);
            agree(data, W1_LIKE, new int[] {2, 0, 5});
            agree(data, FILTERED, new int[] {0, 1, 5});
        }
    }

    @Test
    void cleanLinesAreAllEncodedFromBytes() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            sb.append("{\"t\": \"2015-09-1").append(2 + i % 3).append("T0").append(i % 10).append(":00:00.").append(
                    100 + i % 900).append("Z\", \"s\": \"s").append(i % 7).append("\", \"u\": \"\u00e9").append(i)
                    .append("\", \"l\": ").append(i - 2500).append(", \"d\": 1.5, \"f\": 2.5}\n");
        }
        assertThat(agree(sb.toString(), W1_LIKE, new int[] {0})).isEqualTo(5_000);
    }

    @Test
    void aBlockTheScannerLeavesToJacksonKeepsItsPlaceAmongEncodedBlocks() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30_000; i++) {
            String s = i == 15_000 ? "[\"multi\", \"value\"]" : i == 20_000 ? "\"\ufffd\"" : "\"s" + i % 13 + "\"";
            sb.append("{\"t\": \"2015-09-12T0").append(i % 10).append(":00:00Z\", \"s\": ").append(s)
                    .append(", \"l\": ").append(i).append(i == 25_000 ? "\n" : "}\n");
        }
        long scanned = agree(sb.toString(), W1_LIKE, new int[] {0, 2});
        assertThat(scanned).isGreaterThan(20_000).isLessThan(30_000);
    }

    @Test
    void aNulCharacterFailsTheReadAtTheSameRowBothWays() {
        int failed = 0;
        for (long seed = 1; seed <= 8; seed++) {
            String data = randomData(100 + seed, 8_000, true);
            Read expected = rowPath(data, W1_LIKE, new int[] {0});
            if (expected.failure() != null) {
                failed++;
            }
            agree(data, W1_LIKE, new int[] {0});
        }
        assertThat(failed).as("inputs with a NUL that fail").isGreaterThan(2);
    }

    @Test
    void onlyPlainScansOfScalarColumnsAreEncoded() {
        assertThat(EncodedScan.of(new ScanProcessorSpec(null, null, W1_LIKE.columns(), 10L), IN, new int[0], true))
                .isEmpty();
        RowSignature withArray = RowSignature.builder().add("a", ColumnType.STRING_ARRAY).build();
        assertThat(EncodedScan.of(new ScanProcessorSpec(null, null,
                List.of(new NamedExpr("a", col("a"), ColumnType.STRING_ARRAY)), null), withArray, new int[0], true))
                .isEmpty();
        assertThat(EncodedScan.of(W1_LIKE, IN, new int[] {0}, true)).isPresent();
    }
}
