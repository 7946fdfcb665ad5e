package io.sluice.engine.input;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast JSON path must read exactly what Jackson's path reads: the same values (types, text, numbers, coercions),
 * the same parse errors with the same line and record numbers. Every input here is read both ways and compared; the
 * tests also check which inputs the fast path took, so that a scanner refusing everything could not pass.
 */
class JsonFastScannerTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("s", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .add("f", ColumnType.FLOAT)
            .build();

    private record Read(List<List<Object>> rows, List<ParseError> errors, long fastBlocks) {}

    private static Read read(String data, RowSignature sig, boolean fast) {
        return read(data.getBytes(StandardCharsets.UTF_8), sig, fast);
    }

    private static Read read(byte[] data, RowSignature sig, boolean fast) {
        CountingInputStream raw = new CountingInputStream(new ByteArrayInputStream(data));
        List<ParseError> errors = new ArrayList<>();
        JsonRowSource source = new JsonRowSource(new Streams.Opened(raw, raw), "test", sig, errors::add, fast);
        List<List<Object>> rows = new ArrayList<>();
        for (Object[] row = source.next(); row != null; row = source.next()) {
            rows.add(Arrays.asList(row));
        }
        long fastBlocks = source.fastBlocks;
        source.close();
        return new Read(rows, errors, fastBlocks);
    }

    /** Reads both ways, asserts they agree, and answers whether the fast path took the input. */
    private static boolean agree(String data) {
        return agree(data.getBytes(StandardCharsets.UTF_8), SIG);
    }

    private static boolean agree(byte[] data, RowSignature sig) {
        Read jackson = read(data, sig, false);
        Read fast = read(data, sig, true);
        String shown = new String(data, StandardCharsets.UTF_8);
        assertThat(fast.rows()).as("rows of %s", shown).isEqualTo(jackson.rows());
        assertThat(fast.errors()).as("errors of %s", shown).isEqualTo(jackson.errors());
        assertThat(jackson.fastBlocks()).isZero();
        return fast.fastBlocks() > 0;
    }

    @Test
    void readsScalarsOfEveryKindIntoEveryColumnTypeAsJacksonDoes() {
        String[] values = {
            "\"abc\"", "\"\"", "\"12\"", "\" 12 \"", "\"1.5\"", "\"-7\"", "\"x1\"", "\"1e3\"", "\"9223372036854775808\"",
            "\"h\\u00e9llo\\n\\t\\\"q\\\" \\\\ \\/\"", "\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"", "\"\\ud83d\\ude00\"",
            "\"\\ud800\"", "0", "-0", "7", "-7", "123456789012345678", "-123456789012345678", "1.5", "-0.0", "1e3",
            "1E-3", "2.5e+2", "0.1", "1e400", "-1e400", "3.4e39", "9.007199254740993e15", "true", "false", "null",
        };
        for (String v : values) {
            for (String col : List.of("s", "l", "d", "f")) {
                String line = "{\"" + col + "\": " + v + "}\n";
                assertThat(agree(line)).as("fast path took %s", line).isTrue();
            }
        }
    }

    @Test
    void leavesToJacksonWhatItDoesNotRead() {
        String[] lines = {
            "{\"s\": [1, 2]}", // a multi-value string
            "{\"s\": {\"a\": 1}}", // an object as a string
            "{\"l\": 1234567890123456789}", // 19 digits
            "{\"l\": 01}", // leading zero: an error
            "{\"l\": -}", "{\"l\": 1.}", "{\"l\": .5}", "{\"l\": +1}", "{\"l\": 1e}", "{\"l\": 1x}",
            "{\"l\": NaN}", "{\"s\": tru}", "{\"s\": nulls}", "{\"s\": 'a'}",
            "{\"s\": \"a\\x\"}", // an invalid escape
            "{\"s\": \"\\u12g4\"}", "{\"s\": \"\\u12\"}",
            "{\"s\": \"a\tb\"}", // a raw control character
            "{\"s\\u0000\": 1}", "{\"\\u0073\": \"x\"}", // escapes in field names
            "{\"s\": \"a\",}", "{\"s\" \"a\"}", "{\"s\": \"a\" \"l\": 1}", "{\"s\": \"a\"", "[1]", "1", "\"x\"",
            "{\"s\": \"a\"} x", "{\"s\":\n\"a\"}", "{\"s\": \"a\"}\r{\"s\": \"b\"}",
        };
        for (String line : lines) {
            assertThat(agree(line + "\n{\"s\": \"after\"}\n")).as("fast path took %s", line).isFalse();
        }
    }

    @Test
    void skipsFieldsOutsideTheSignatureWhateverTheyHold() {
        String line = "{\"x\": {\"a\": [1, -2.5e3, \"t\\\"\", true, false, null, {}, [], {\"b\": {\"c\": [[]]}}]},"
                + " \"s\": \"kept\", \"y\": [\"\u00e9\", \"\\u0041\"], \"z\": 12345678901234567, \"l\": 5}\n";
        assertThat(agree(line)).isTrue();
        assertThat(read(line, SIG, true).rows()).containsExactly(Arrays.asList("kept", 5L, null, null));
        // nested too deep for the scanner, and broken inside a skipped value: Jackson decides
        assertThat(agree("{\"x\": " + "[".repeat(100) + "]".repeat(100) + ", \"s\": \"a\"}\n")).isFalse();
        assertThat(agree("{\"x\": [1, 2,], \"s\": \"a\"}\n")).isFalse();
        assertThat(agree("{\"x\": {\"a\" 1}, \"s\": \"a\"}\n")).isFalse();
    }

    @Test
    void invalidUtf8GoesToJackson() {
        byte[][] bad = {{(byte) 0xC3}, {(byte) 0xE6, (byte) 0x97}, {(byte) 0x80}, {(byte) 0xC0, (byte) 0x80},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
        for (byte[] seq : bad) {
            for (String field : List.of("s", "x")) {
                byte[] head = ("{\"" + field + "\": \"a").getBytes(StandardCharsets.UTF_8);
                byte[] tail = "b\"}\n{\"s\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8);
                byte[] line = new byte[head.length + seq.length + tail.length];
                System.arraycopy(head, 0, line, 0, head.length);
                System.arraycopy(seq, 0, line, head.length, seq.length);
                System.arraycopy(tail, 0, line, head.length + seq.length, tail.length);
                assertThat(agree(line, SIG)).isFalse();
            }
        }
    }

    @Test
    void fieldsInAnyOrderDuplicatesAndSeveralObjectsOnALine() {
        String data = "{\"s\": \"a\", \"l\": 1}\n{\"l\": 2, \"s\": \"b\"}\n{\"l\": 3, \"l\": 4}\n"
                + "{\"s\": \"c\"} {\"s\": \"d\"}{\"s\": \"e\"}\n\n  \t\n{}\r\n{\"d\": 1.5, \"f\": 2}\n{\"f\":3,\"d\":4}";
        assertThat(agree(data)).isTrue();
        assertThat(read(data, SIG, true).rows()).hasSize(9);
    }

    @Test
    void repeatedValuesComeFromTheCacheWithTheirText() {
        StringBuilder sb = new StringBuilder();
        String[] channels = {"#en.wikipedia", "#fr.wikipedia", "#日本.wikipedia", "#x"};
        for (int i = 0; i < 20_000; i++) {
            sb.append("{\"s\": \"").append(channels[i % channels.length]).append("\", \"l\": ").append(i).append("}\n");
        }
        Read fast = read(sb.toString(), SIG, true);
        assertThat(agree(sb.toString())).isTrue();
        assertThat(fast.rows().get(2).get(0)).isEqualTo("#日本.wikipedia");
        assertThat(fast.rows().get(2).get(0)).isSameAs(fast.rows().get(6).get(0));
    }

    /**
     * Random lines of every shape — clean ones, ones with nested values in skipped fields, escapes, multi-byte text,
     * odd numbers — some of them damaged byte by byte, over inputs many read buffers long: both paths agree on every
     * row and every error, and the fast path reads most blocks.
     */
    @Test
    void randomInputsReadTheSameBothWays() {
        int errors = 0;
        for (long seed = 1; seed <= 12; seed++) {
            Random rnd = new Random(seed);
            boolean damage = seed % 3 != 0;
            StringBuilder sb = new StringBuilder();
            int lines = 20_000;
            for (int i = 0; i < lines; i++) {
                String line = randomObject(rnd, 0);
                if (damage && rnd.nextInt(4_000) == 0) {
                    char[] c = line.toCharArray();
                    String damages = "{}[]\",:x0\\ \u00e9";
                    c[rnd.nextInt(c.length)] = damages.charAt(rnd.nextInt(damages.length()));
                    line = new String(c);
                }
                sb.append(line).append(rnd.nextInt(20) == 0 ? "\r\n" : "\n");
            }
            byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
            Read fast = read(data, SIG, true);
            agree(data, SIG);
            assertThat(fast.rows().size()).isGreaterThan(lines * 9 / 10);
            assertThat(fast.fastBlocks()).as("seed %d", seed).isGreaterThan(0);
            errors += fast.errors().size();
        }
        assertThat(errors).as("damaged lines that are errors").isGreaterThan(5);
    }

    private static String randomObject(Random rnd, int depth) {
        StringBuilder sb = new StringBuilder("{");
        int n = rnd.nextInt(6);
        String[] names = {"s", "l", "d", "f", "x", "y", "é"};
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(rnd.nextBoolean() ? "," : ", ");
            }
            String name = names[rnd.nextInt(names.length)];
            sb.append('"').append(name).append('"').append(rnd.nextInt(5) == 0 ? " : " : ":");
            boolean skipped = name.equals("x") || name.equals("y") || name.equals("é");
            sb.append(randomValue(rnd, skipped && depth < 3 && rnd.nextInt(3) == 0, depth));
        }
        return sb.append('}').toString();
    }

    private static String randomValue(Random rnd, boolean nested, int depth) {
        if (nested) {
            if (rnd.nextBoolean()) {
                return randomObject(rnd, depth + 1);
            }
            StringBuilder sb = new StringBuilder("[");
            int n = rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                sb.append(i > 0 ? "," : "").append(randomValue(rnd, depth < 3 && rnd.nextInt(3) == 0, depth + 1));
            }
            return sb.append(']').toString();
        }
        String[] scalars = {
            "\"plain\"", "\"\"", "\"42\"", "\"-3.5\"", "\"caf\u00e9\"", "\"\ud83d\ude00 \u65e5\"", "\"a\\\"b\"",
            "\"\\u00e9\\n\"", "\"tab\\there\"", "0", "-0", "17", "-17", "999999999999999999", "2.5", "-1.25e-3", "1E5",
            "true", "false", "null",
        };
        if (rnd.nextInt(4) == 0) {
            return Long.toString(rnd.nextLong() >> (4 + rnd.nextInt(60)));
        }
        if (rnd.nextInt(6) == 0) {
            return Double.toString(rnd.nextGaussian() * Math.pow(10, rnd.nextInt(30) - 15));
        }
        return scalars[rnd.nextInt(scalars.length)];
    }

    @Test
    void onlyTheNeededColumnsAreReadTheOthersStayNull() {
        RowSignature sig = RowSignature.builder()
                .add("s", ColumnType.STRING)
                .add("arr", ColumnType.STRING_ARRAY) // a type only Jackson's path reads, but not needed here
                .add("l", ColumnType.LONG)
                .build();
        String data = "{\"s\": \"a\", \"arr\": [\"x\", \"y\"], \"l\": 7}\n{\"l\": \"oops\", \"s\": \"b\"}\n";
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        CountingInputStream raw = new CountingInputStream(new ByteArrayInputStream(bytes));
        List<ParseError> errors = new ArrayList<>();
        JsonRowSource source = new JsonRowSource(new Streams.Opened(raw, raw), "test", sig, errors::add, true,
                java.util.Set.of("s"));
        List<List<Object>> rows = new ArrayList<>();
        for (Object[] row = source.next(); row != null; row = source.next()) {
            rows.add(Arrays.asList(row));
        }
        assertThat(source.fastBlocks).isEqualTo(1);
        source.close();
        assertThat(rows).containsExactly(Arrays.asList("a", null, null), Arrays.asList("b", null, null));
        assertThat(errors).isEmpty();
        // all columns: the array column sends the block to Jackson
        Read all = read(bytes, sig, true);
        assertThat(all.fastBlocks()).isZero();
        assertThat(all.rows()).containsExactly(Arrays.asList("a", List.of("x", "y"), 7L), Arrays.asList("b", null, null));
    }

    @Test
    void wellFormedUtf8IsWhatTheJdkDecoderTakes() throws Exception {
        Random rnd = new Random(17);
        int valid = 0;
        for (int round = 0; round < 200_000; round++) {
            byte[] b = new byte[rnd.nextInt(7)];
            for (int i = 0; i < b.length; i++) {
                // mostly bytes around the interesting boundaries
                int[] picks = {0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
                    0xFF, 0x90, 0x9F, 0xA0};
                b[i] = (byte) (rnd.nextInt(3) == 0 ? rnd.nextInt(256) : picks[rnd.nextInt(picks.length)]);
            }
            boolean expected;
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b));
                expected = true;
            } catch (java.nio.charset.CharacterCodingException e) {
                expected = false;
            }
            assertThat(JsonFastScanner.wellFormedUtf8(b, 0, b.length)).as("%s", Arrays.toString(b)).isEqualTo(expected);
            valid += expected ? 1 : 0;
        }
        assertThat(valid).isGreaterThan(10_000);
    }
}
