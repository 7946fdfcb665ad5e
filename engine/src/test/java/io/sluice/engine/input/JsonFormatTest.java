package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.drain;
import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonFormatTest {
    private static final ObjectNode JSON = json("{\"type\":\"json\"}");

    private static InputSplit inline(String data) {
        ObjectNode src = json("{\"type\":\"inline\"}");
        src.put("data", data);
        return InputSources.split(src).get(0);
    }

    private static List<Object[]> read(String data, RowSignature sig, List<ParseError> errors) {
        return drain(InputFormats.open(inline(data), JSON, sig, errors::add));
    }

    @Test
    void convertsScalarsToTheSignatureTypes() {
        RowSignature sig = RowSignature.builder()
                .add("s", ColumnType.STRING)
                .add("l", ColumnType.LONG)
                .add("f", ColumnType.FLOAT)
                .add("d", ColumnType.DOUBLE)
                .add("missing", ColumnType.STRING)
                .build();
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n",
                "{\"s\":\"x\",\"l\":5,\"f\":1.5,\"d\":2.25,\"ignored\":{\"deep\":[1,2,{\"a\":3}]}}",
                "{\"s\":12,\"l\":\"42\",\"f\":\"3\",\"d\":\"1e3\"}",
                "{\"s\":1.50,\"l\":\"12.7\",\"f\":null,\"d\":7}",
                "{\"s\":true,\"l\":-3.9,\"d\":\"abc\"}",
                "{\"s\":false,\"l\":\"abc\",\"d\":\"1.5d\"}",
                "{\"s\":null,\"l\":true,\"d\":[1]}",
                "{\"l\":99999999999999999999,\"s\":\"\"}",
                "{\"l\":\"-9223372036854775808\"}",
                "{\"l\":\"+17\"}"), sig, errors);

        assertThat(errors).isEmpty();
        assertThat(rows).hasSize(9);
        assertThat(rows.get(0)).containsExactly("x", 5L, 1.5f, 2.25d, null);
        assertThat(rows.get(1)).containsExactly("12", 42L, 3.0f, 1000.0d, null);
        assertThat(rows.get(2)).containsExactly("1.5", 12L, null, 7.0d, null);
        assertThat(rows.get(3)).containsExactly("true", -3L, null, null, null);
        assertThat(rows.get(4)).containsExactly("false", null, null, null, null);
        assertThat(rows.get(5)).containsExactly(null, null, null, null, null);
        assertThat(rows.get(6)).containsExactly("", null, null, null, null);
        assertThat(rows.get(7)[1]).isEqualTo(Long.MIN_VALUE);
        assertThat(rows.get(8)[1]).isEqualTo(17L);
    }

    @Test
    void multiValueStringsAndObjectsInStringColumns() {
        RowSignature sig = RowSignature.builder().add("tags", ColumnType.STRING).build();
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n",
                "{\"tags\":[\"a\",\"b\",null,3]}",
                "{\"tags\":[]}",
                "{\"tags\":[\"only\"]}",
                "{\"tags\":{\"k\":[1,\"v\"]}}"), sig, errors);
        assertThat(errors).isEmpty();
        assertThat(rows.get(0)[0]).isEqualTo(Arrays.asList("a", "b", null, "3"));
        assertThat(rows.get(1)[0]).isNull();
        assertThat(rows.get(2)[0]).isEqualTo("only");
        assertThat(rows.get(3)[0]).isEqualTo("{\"k\":[1,\"v\"]}");
    }

    @Test
    void arrayOfObjectsInAStringColumnIsAParseError() {
        // Druid: CannotParseExternalData for "language":[{},{}] declared as a string (MSQParseExceptionsTest).
        RowSignature sig = RowSignature.builder().add("language", ColumnType.STRING).build();
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read("{\"language\":[{},{}]}\n{\"language\":[\"en\",\"es\"]}", sig, errors);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)[0]).isEqualTo(List.of("en", "es"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.lineNumber()).isEqualTo(1);
            assertThat(e.message()).isEqualTo(
                    "Unable to parse row [{\"language\":[{},{}]}] (Path: inline, Record: 1, Line: 1)");
        });
    }

    @Test
    void arraysAndNestedJson() {
        RowSignature sig = RowSignature.builder()
                .add("sa", ColumnType.STRING_ARRAY)
                .add("la", ColumnType.LONG_ARRAY)
                .add("da", ColumnType.DOUBLE_ARRAY)
                .add("j", ColumnType.COMPLEX_JSON)
                .build();
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n",
                "{\"sa\":[\"a\",null,1],\"la\":[1,null,\"2\",2.9],\"da\":[1.5,\"x\",2],"
                        + "\"j\":{\"a\":{\"b\":[1,2.5,\"c\",true,null]},\"big\":123456789012345678901234}}",
                "{\"sa\":\"one\",\"la\":7,\"da\":[],\"j\":\"str\"}",
                "{\"sa\":null,\"la\":null,\"j\":[1,{\"x\":null}]}"), sig, errors);
        assertThat(errors).isEmpty();
        assertThat(rows.get(0)[0]).isEqualTo(Arrays.asList("a", null, "1"));
        assertThat(rows.get(0)[1]).isEqualTo(Arrays.asList(1L, null, 2L, 2L));
        assertThat(rows.get(0)[2]).isEqualTo(Arrays.asList(1.5d, null, 2.0d));
        assertThat(rows.get(0)[3]).isEqualTo(Map.of(
                "a", Map.of("b", Arrays.asList(1L, 2.5d, "c", true, null)),
                "big", new BigInteger("123456789012345678901234")));
        assertThat(rows.get(1)).containsExactly(List.of("one"), List.of(7L), List.of(), "str");
        assertThat(rows.get(2)[0]).isNull();
        assertThat(rows.get(2)[1]).isNull();
        assertThat(rows.get(2)[3]).isEqualTo(Arrays.asList(1L, java.util.Collections.singletonMap("x", null)));
    }

    @Test
    void malformedLineIsSkippedAndReportedWithItsLineNumber() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read("{\"x\":1}\n\n{\"x\":2\n{\"x\":3}\n[1,2]\n", sig, errors);
        assertThat(rows).extracting(r -> r[0]).containsExactly(1L, 3L);
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).isEqualTo(new ParseError("inline", 3, 2,
                "Unable to parse row [{\"x\":2] (Path: inline, Record: 2, Line: 3)"));
        assertThat(errors.get(1).lineNumber()).isEqualTo(5);
        assertThat(errors.get(1).recordNumber()).isEqualTo(4);
    }

    @Test
    void longRawLinesAreTruncatedInMessages() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.STRING).build();
        List<ParseError> errors = new ArrayList<>();
        read("{\"x\":\"" + "a".repeat(2000), sig, errors);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.message()).startsWith("Unable to parse row [{\"x\":\"aaa");
            assertThat(e.message()).contains("aaa...] (Path: inline, Record: 1, Line: 1)");
            assertThat(e.message().length()).isLessThan(600);
        });
    }

    @Test
    void severalObjectsOnOneLineAndCrLf() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read("{\"x\":1} {\"x\":2}\r\n{\"x\":3}\r\n", sig, errors);
        assertThat(errors).isEmpty();
        assertThat(rows).extracting(r -> r[0]).containsExactly(1L, 2L, 3L);
    }

    @Test
    void listenerCanStopTheRead() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        ParseErrorPolicy policy = new ParseErrorPolicy(0);
        CountingRowSource source = InputFormats.open(inline("{\"x\":1}\nnot json\n{\"x\":3}"), JSON, sig, policy);
        assertThat(source.next()).containsExactly(1L);
        assertThatThrownBy(source::next)
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("CannotParseExternalData");
                    assertThat(e.fault().errorMessage())
                            .isEqualTo("Unable to parse row [not json] (Path: inline, Record: 2, Line: 2)");
                });
        source.close();
        assertThat(policy.count()).isEqualTo(1);
    }

    @Test
    void countsRowsAndBytes() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.LONG).build();
        String data = "{\"x\":1}\n{\"x\":2}\n";
        try (CountingRowSource source = InputFormats.open(inline(data), JSON, sig, e -> {})) {
            drainOpen(source);
            assertThat(source.rowsRead()).isEqualTo(2);
            assertThat(source.bytesRead()).isEqualTo(data.length());
            assertThat(source.uncompressedBytesRead()).isEqualTo(data.length());
        }
    }

    private static void drainOpen(CountingRowSource source) {
        while (source.next() != null) {
            // consume
        }
    }

    @Test
    void validateFormats() {
        assertThatThrownBy(() -> InputFormats.validate(json("{\"type\":\"nosuchformat\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Could not resolve type id 'nosuchformat' as a subtype of InputFormat known type ids ="
                        + " [csv, json, tsv]");
        assertThatThrownBy(() -> InputFormats.validate(json("{}")))
                .hasMessageContaining("missing type id property 'type'");
        assertThatThrownBy(() -> InputFormats.validate(json("{\"type\":\"csv\"}")))
                .hasMessage("If columns field is not set, the first row of your data must have your header and"
                        + " findColumnsFromHeader must be set to true.");
        assertThatThrownBy(() -> InputFormats.validate(
                json("{\"type\":\"csv\",\"columns\":[\"a\"],\"findColumnsFromHeader\":true}")))
                .hasMessage("Cannot accept both findColumnsFromHeader and columns");
        assertThatThrownBy(() -> InputFormats.validate(
                json("{\"type\":\"tsv\",\"columns\":[\"a\"],\"delimiter\":\"|\",\"listDelimiter\":\"|\"}")))
                .hasMessage("Cannot have same delimiter and list delimiter of [|]");
        assertThatThrownBy(() -> InputFormats.validate(
                json("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"type\":\"path\",\"name\":\"a\","
                        + "\"expr\":\"$.a\"}]}}")))
                .hasMessageContaining("flattenSpec fields are not supported");
        InputFormats.validate(json("{\"type\":\"json\",\"keepNullColumns\":false,\"assumeNewlineDelimited\":false,"
                + "\"useJsonNodeReader\":false}"));
        InputFormats.validate(json("{\"type\":\"csv\",\"findColumnsFromHeader\":true}"));
        InputFormats.validate(json("{\"type\":\"tsv\",\"columns\":[\"a\",\"b\"]}"));
    }

    @Test
    void linesLongerThanTheReadBuffer() {
        RowSignature sig = RowSignature.builder().add("x", ColumnType.STRING).add("n", ColumnType.LONG).build();
        String big = "é".repeat(150_000);
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read("{\"n\":1}\n{\"x\":\"" + big + "\",\"n\":2}\n{\"n\":3}", sig, errors);
        assertThat(errors).isEmpty();
        assertThat(rows).extracting(r -> r[1]).containsExactly(1L, 2L, 3L);
        assertThat(rows.get(1)[0]).isEqualTo(big);
    }

    @Test
    void fieldsInChangingOrderUnknownRepeatedAndMissingMapToTheirColumns() {
        // the parser guesses each field's column from the previous record's field order; every guess is checked
        RowSignature sig = RowSignature.builder()
                .add("a", ColumnType.STRING)
                .add("b", ColumnType.LONG)
                .add("c", ColumnType.STRING)
                .build();
        java.util.Random rnd = new java.util.Random(5);
        List<String> lines = new ArrayList<>();
        List<Object[]> expected = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            List<String> fields = new ArrayList<>();
            Object[] row = new Object[3];
            if (rnd.nextInt(4) != 0) {
                fields.add("\"a\":\"a" + i + "\"");
                row[0] = "a" + i;
            }
            if (rnd.nextInt(4) != 0) {
                fields.add("\"b\":" + i);
                row[1] = (long) i;
            }
            if (rnd.nextInt(4) != 0) {
                fields.add("\"c\":\"c" + i + "\"");
                row[2] = "c" + i;
            }
            if (rnd.nextInt(3) == 0) {
                fields.add(rnd.nextInt(fields.size() + 1), "\"x" + rnd.nextInt(3) + "\":[1,{\"a\":\"no\"}]");
            }
            if (rnd.nextInt(5) == 0) {
                // names that start like a column's, or spell one with an escape, or in another case
                String[] others = {"\"ab\":1", "\"\\u0061b\":2", "\"A\":\"no\"", "\"\":0", "\"b \":3"};
                fields.add(rnd.nextInt(fields.size() + 1), others[rnd.nextInt(others.length)]);
            }
            if (row[1] == null && rnd.nextInt(6) == 0) {
                fields.add(rnd.nextInt(fields.size() + 1), "\"\\u0062\":" + i); // "b", escaped
                row[1] = (long) i;
            }
            if (rnd.nextInt(3) == 0) {
                java.util.Collections.shuffle(fields, rnd);
            }
            lines.add("{" + String.join(",", fields) + "}");
            expected.add(row);
        }
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n", lines), sig, errors);
        assertThat(errors).isEmpty();
        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i)).as("line %d: %s", i, lines.get(i)).containsExactly(expected.get(i));
        }
    }

    @Test
    void repeatedAndDistinctStringValuesReadTheSameThroughTheTextCache() {
        // a low-cardinality column (cached, one instance per value), a column of distinct values (the cache steps
        // aside), long values past the cached length, escapes and non-ASCII text
        RowSignature sig = RowSignature.builder()
                .add("low", ColumnType.STRING)
                .add("distinct", ColumnType.STRING)
                .add("long", ColumnType.STRING)
                .build();
        String[] low = {"#en.wikipedia", "#de.wikipedia", "ü\\u00e9\\\"q", "", "\\ud83d\\ude00"};
        String[] lowDecoded = {"#en.wikipedia", "#de.wikipedia", "ü\u00e9\"q", "", "\ud83d\ude00"};
        List<String> lines = new ArrayList<>();
        List<Object[]> expected = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            int k = (i * 7) % low.length;
            String longValue = "x".repeat(40 + i % 20) + i % 3;
            lines.add("{\"low\":\"" + low[k] + "\",\"distinct\":\"d" + i + "é\",\"long\":\"" + longValue + "\"}");
            expected.add(new Object[] {lowDecoded[k], "d" + i + "é", longValue});
        }
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n", lines), sig, errors);
        assertThat(errors).isEmpty();
        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i)).as("line %d", i).containsExactly(expected.get(i));
        }
        assertThat(rows.get(5000)[0]).isSameAs(rows.get(5005)[0]); // the same value, one instance
    }
}
