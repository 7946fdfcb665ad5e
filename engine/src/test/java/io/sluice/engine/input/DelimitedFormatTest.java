package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.drain;
import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelimitedFormatTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("name", ColumnType.STRING)
            .add("n", ColumnType.LONG)
            .add("d", ColumnType.DOUBLE)
            .build();

    private static List<Object[]> read(String data, String format, RowSignature sig, List<ParseError> errors) {
        ObjectNode src = json("{\"type\":\"inline\"}");
        src.put("data", data);
        return drain(InputFormats.open(InputSources.split(src).get(0), json(format), sig, errors::add));
    }

    @Test
    void csvWithHeaderQuotesAndMissingFields() {
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n",
                "d,name,n,extra",
                "1.5,plain,7,x",
                "2,\"with, comma\",\"8\"",
                "3,\"say \"\"hi\"\"\",",
                ",,",
                "4.25"), "{\"type\":\"csv\",\"findColumnsFromHeader\":true}", SIG, errors);
        assertThat(errors).isEmpty();
        assertThat(rows).hasSize(5);
        assertThat(rows.get(0)).containsExactly("plain", 7L, 1.5d);
        assertThat(rows.get(1)).containsExactly("with, comma", 8L, 2.0d);
        assertThat(rows.get(2)).containsExactly("say \"hi\"", null, 3.0d);
        assertThat(rows.get(3)).containsExactly("", null, null);
        assertThat(rows.get(4)).containsExactly(null, null, 4.25d);
    }

    @Test
    void csvWithColumnsSkipHeaderRowsAndListDelimiter() {
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read(String.join("\n",
                "junk line",
                "another junk line",
                "a|b|c,1,2",
                "solo,abc,3.5e1"),
                "{\"type\":\"csv\",\"columns\":[\"name\",\"n\",\"d\"],\"skipHeaderRows\":2,\"listDelimiter\":\"|\"}",
                SIG, errors);
        assertThat(errors).isEmpty();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsExactly(List.of("a", "b", "c"), 1L, 2.0d);
        assertThat(rows.get(1)).containsExactly("solo", null, 35.0d);
    }

    @Test
    void defaultListDelimiterIsCtrlA() {
        RowSignature sig = RowSignature.builder()
                .add("tags", ColumnType.STRING)
                .add("arr", ColumnType.LONG_ARRAY)
                .build();
        List<Object[]> rows = read("x\u0001y,1\u00012\u0001z", "{\"type\":\"csv\",\"columns\":[\"tags\",\"arr\"]}",
                sig, new ArrayList<>());
        assertThat(rows.get(0)).containsExactly(List.of("x", "y"), Arrays.asList(1L, 2L, null));
    }

    @Test
    void unterminatedQuoteIsAParseError() {
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read("name,n\nok,1\n\"broken,2\nfine,3",
                "{\"type\":\"csv\",\"findColumnsFromHeader\":true}", SIG, errors);
        assertThat(rows).extracting(r -> r[0]).containsExactly("ok", "fine");
        assertThat(errors).containsExactly(new ParseError("inline", 3, 2,
                "Unable to parse row [\"broken,2] (Path: inline, Record: 2, Line: 3)"));
    }

    @Test
    void tsvSplitsOnTabsWithoutQuoting() {
        List<ParseError> errors = new ArrayList<>();
        List<Object[]> rows = read("name\tn\td\n\"q\"\t5\t0.5\na,b\t\t\n",
                "{\"type\":\"tsv\",\"findColumnsFromHeader\":true}", SIG, errors);
        assertThat(errors).isEmpty();
        assertThat(rows.get(0)).containsExactly("\"q\"", 5L, 0.5d);
        assertThat(rows.get(1)).containsExactly("a,b", null, null);
    }

    @Test
    void tsvWithCustomDelimiter() {
        List<Object[]> rows = read("x||1||2", "{\"type\":\"tsv\",\"delimiter\":\"||\",\"columns\":[\"name\",\"n\","
                + "\"d\"]}", SIG, new ArrayList<>());
        assertThat(rows.get(0)).containsExactly("x", 1L, 2.0d);
    }

    @Test
    void csvHeaderWithByteOrderMark() {
        List<Object[]> rows = read("\uFEFFname,n\nz,9", "{\"type\":\"csv\",\"findColumnsFromHeader\":true}", SIG,
                new ArrayList<>());
        assertThat(rows.get(0)).containsExactly("z", 9L, null);
    }
}
