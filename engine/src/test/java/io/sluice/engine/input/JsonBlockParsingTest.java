package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON reader parses whole blocks of lines with one parser and falls back to line-by-line reading for a block
 * with a problem. Over inputs many read buffers long, with every kind of line mixed in, the rows, the parse errors
 * and their line and record numbers must be what reading each line on its own gives (computed here independently).
 */
class JsonBlockParsingTest {
    private static final RowSignature SIG =
            RowSignature.builder().add("i", ColumnType.LONG).add("s", ColumnType.STRING).build();
    private static final ObjectNode JSON = json("{\"type\":\"json\"}");

    @TempDir
    Path dir;

    private record Expected(String data, List<List<Object>> rows, List<ParseError> errors) {}

    /** {@code rareErrors}: most blocks are clean, a few hold one bad line. */
    private static Expected generate(long seed, int lines, boolean rareErrors) {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder();
        List<List<Object>> rows = new ArrayList<>();
        List<ParseError> errors = new ArrayList<>();
        long record = 0;
        long i = 0;
        for (int line = 1; line <= lines; line++) {
            int kind = rnd.nextInt(100);
            if (rareErrors && kind >= 90 && rnd.nextInt(60) != 0) {
                kind = 0;
            }
            String text;
            if (kind < 80) {
                text = obj(++i, rows);
            } else if (kind < 85) {
                text = rnd.nextBoolean() ? "" : " \t";
            } else if (kind < 90) {
                text = obj(++i, rows) + " " + obj(++i, rows);
            } else if (kind < 93) {
                text = "{\"i\":" + (++i) + ",\"s\":";
            } else if (kind < 95) {
                text = "[1,2]";
            } else if (kind < 97 && line < lines) {
                // one object over two lines: both lines are errors when read line by line
                String first = "{\"i\":" + (++i) + ",";
                record++;
                errors.add(error(first, record, line));
                sb.append(first).append(rnd.nextBoolean() ? "\r\n" : "\n");
                line++;
                text = "\"s\":\"x\"}";
            } else {
                text = obj(++i, rows) + " trailing";
                rows.remove(rows.size() - 1);
            }
            boolean blank = text.isBlank();
            if (!blank) {
                record++;
                if (kind >= 90) {
                    errors.add(error(text, record, line));
                }
            }
            sb.append(text);
            if (line < lines || rnd.nextBoolean()) {
                sb.append(rnd.nextInt(4) == 0 ? "\r\n" : "\n");
            }
        }
        return new Expected(sb.toString(), rows, errors);
    }

    private static String obj(long i, List<List<Object>> rows) {
        String s = "value " + i + " " + "ü".repeat((int) (i % 7)) + "x".repeat((int) (i % 300));
        rows.add(java.util.Arrays.asList(i, s));
        return "{\"i\":" + i + ",\"s\":\"" + s + "\",\"skip\":{\"a\":[1,{\"b\":null}]}}";
    }

    private static ParseError error(String raw, long record, long line) {
        return new ParseError("f", line, record, Rows.message(raw, "f", record, line));
    }

    private List<List<Object>> read(String data, boolean gzip, List<ParseError> errors) throws IOException {
        Path p = dir.resolve(gzip ? "data.json.gz" : "data.json");
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(data.getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode src = json("{\"type\":\"local\"}");
        src.putArray("files").add(p.toString());
        InputSplit split = InputSources.split(src).get(0);
        List<List<Object>> rows = new ArrayList<>();
        try (CountingRowSource s = InputFormats.open(split, JSON, SIG, e -> errors.add(
                new ParseError("f", e.lineNumber(), e.recordNumber(),
                        e.message().replace(split.description(), "f"))))) {
            Object[] r;
            while ((r = s.next()) != null) {
                rows.add(java.util.Arrays.asList(r));
            }
            assertThat(s.rowsRead()).isEqualTo(rows.size());
            assertThat(s.uncompressedBytesRead()).isEqualTo(data.getBytes(StandardCharsets.UTF_8).length);
        }
        return rows;
    }

    @Test
    void blocksGiveTheRowsAndErrorsOfLineByLineReading() throws IOException {
        for (long seed = 1; seed <= 3; seed++) {
            Expected e = generate(seed, 20_000, seed == 3);
            for (boolean gzip : new boolean[] {false, true}) {
                List<ParseError> errors = new ArrayList<>();
                List<List<Object>> rows = read(e.data(), gzip, errors);
                assertThat(rows).isEqualTo(e.rows());
                assertThat(errors).isEqualTo(e.errors());
            }
        }
    }

    @Test
    void cleanInputHasNoErrors() throws IOException {
        StringBuilder sb = new StringBuilder("\uFEFF");
        List<List<Object>> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            sb.append(obj(i, expected)).append('\n');
        }
        List<ParseError> errors = new ArrayList<>();
        assertThat(read(sb.toString(), true, errors)).isEqualTo(expected);
        assertThat(errors).isEmpty();
    }
}
