package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.fault.FaultException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputSourcesTest {
    @TempDir
    Path dir;

    @Test
    void validateRejectsUnknownAndMissingType() {
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"nosuch\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Could not resolve type id 'nosuch' as a subtype of InputSource known type ids = [http,"
                        + " inline, local]");
        assertThatThrownBy(() -> InputSources.validate(json("{\"baseDir\":\"/tmp\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing type id property 'type'");
    }

    @Test
    void validateLocal() {
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"local\"}")))
                .hasMessage("At least one of baseDir or files must be specified");
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"local\",\"files\":[]}")))
                .hasMessage("At least one of baseDir or files must be specified");
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"local\",\"baseDir\":\"/tmp\"}")))
                .hasMessage("filter must be specified when baseDir is specified");
        InputSources.validate(json("{\"type\":\"local\",\"baseDir\":\"/tmp\",\"filter\":\"*.json\"}"));
        InputSources.validate(json("{\"type\":\"local\",\"files\":[\"/tmp/a.json\"]}"));
    }

    @Test
    void validateHttpAndInline() {
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"http\"}")))
                .hasMessage("uris cannot be null or empty");
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"http\",\"uris\":[\"file:/etc/passwd\"]}")))
                .hasMessage("Only [http, https] protocols are allowed");
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"http\",\"uris\":[\"ftp://h/x\"]}")))
                .hasMessage("Only [http, https] protocols are allowed");
        InputSources.validate(json("{\"type\":\"http\",\"uris\":[\"https://h/x.json\",\"HTTP://h/y\"]}"));
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"inline\"}")))
                .hasMessage("data cannot be null or empty");
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"inline\",\"data\":\"\"}")))
                .hasMessage("data cannot be null or empty");
    }

    @Test
    void localSplitsSearchRecursivelySortAndSkipEmptyFiles() throws Exception {
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.writeString(dir.resolve("b.json"), "{}\n");
        Files.writeString(dir.resolve("a.json"), "{\"x\":1}\n");
        Files.writeString(dir.resolve("sub/deeper/c.json"), "{}\n");
        Files.writeString(dir.resolve("empty.json"), "");
        Files.writeString(dir.resolve("other.csv"), "x\n");
        Files.writeString(dir.resolve("x.csv"), "1\n");

        ObjectNode src = json("{\"type\":\"local\"}");
        src.put("baseDir", dir.toString()).put("filter", "*.json");
        src.putArray("files").add(dir.resolve("x.csv").toString()).add(dir.resolve("a.json").toString());
        List<InputSplit> splits = InputSources.split(src);

        assertThat(splits).extracting(s -> s.source().get("files").get(0).asText()).containsExactly(
                dir.resolve("a.json").toString(),
                dir.resolve("b.json").toString(),
                dir.resolve("sub/deeper/c.json").toString(),
                dir.resolve("x.csv").toString());
        InputSplit first = splits.get(0);
        assertThat(first.source().get("type").asText()).isEqualTo("local");
        assertThat(first.description()).isEqualTo("file:" + dir.resolve("a.json"));
        assertThat(first.sizeBytes()).isEqualTo(8);
    }

    @Test
    void localFilterMatchingNothingGivesNoSplits() {
        ObjectNode src = json("{\"type\":\"local\",\"filter\":\"*.nothing\"}");
        src.put("baseDir", dir.toString());
        assertThat(InputSources.split(src)).isEmpty();
    }

    @Test
    void missingBaseDirOrFileIsUnknownError() {
        ObjectNode src = json("{\"type\":\"local\",\"filter\":\"*\"}");
        src.put("baseDir", dir.resolve("nope").toString());
        assertThatThrownBy(() -> InputSources.split(src))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("UnknownError");
                    assertThat(e.fault().errorMessage()).contains(dir.resolve("nope").toString());
                });
        ObjectNode files = json("{\"type\":\"local\"}");
        files.putArray("files").add(dir.resolve("missing.json").toString());
        assertThatThrownBy(() -> InputSources.split(files))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("UnknownError");
                    assertThat(e.fault().errorMessage()).contains("missing.json");
                });
    }

    @Test
    void httpSplitsOnePerUriKeepingCredentials() {
        List<InputSplit> splits = InputSources.split(json("{\"type\":\"http\",\"uris\":[\"http://h/a.json\","
                + "\"https://h/b.json.gz\"],\"httpAuthenticationUsername\":\"u\",\"httpAuthenticationPassword\":\"p\"}"));
        assertThat(splits).hasSize(2);
        assertThat(splits.get(1).description()).isEqualTo("https://h/b.json.gz");
        assertThat(splits.get(1).sizeBytes()).isEqualTo(-1);
        assertThat(splits.get(1).source().get("uris")).hasSize(1);
        assertThat(splits.get(1).source().get("uris").get(0).asText()).isEqualTo("https://h/b.json.gz");
        assertThat(splits.get(1).source().get("httpAuthenticationUsername").asText()).isEqualTo("u");
    }

    @Test
    void inlineIsOneSplit() {
        List<InputSplit> splits = InputSources.split(json("{\"type\":\"inline\",\"data\":\"a,b\\n1,2\"}"));
        assertThat(splits).singleElement().satisfies(s -> {
            assertThat(s.description()).isEqualTo("inline");
            assertThat(s.sizeBytes()).isEqualTo(7);
            assertThat(s.source().get("data").asText()).isEqualTo("a,b\n1,2");
        });
    }

    @Test
    void splitIsJacksonSerialisable() throws Exception {
        InputSplit split = InputSources.split(json("{\"type\":\"inline\",\"data\":\"{}\"}")).get(0);
        String text = TestInputs.MAPPER.writeValueAsString(split);
        assertThat(TestInputs.MAPPER.readValue(text, InputSplit.class)).isEqualTo(split);
    }

    @Test
    void wildcardMatchesLikeDruidFilter() {
        assertThat(new InputSources.Wildcard("*.json").matches("a.json")).isTrue();
        assertThat(new InputSources.Wildcard("*.json").matches("a.json.gz")).isFalse();
        assertThat(new InputSources.Wildcard("wikiticker-*.json.gz").matches("wikiticker-2015.json.gz")).isTrue();
        assertThat(new InputSources.Wildcard("wikiticker-*.json.gz").matches("wiki-2015.json.gz")).isFalse();
        assertThat(new InputSources.Wildcard("?.csv").matches("a.csv")).isTrue();
        assertThat(new InputSources.Wildcard("?.csv").matches("ab.csv")).isFalse();
        assertThat(new InputSources.Wildcard("*").matches("anything")).isTrue();
        assertThat(new InputSources.Wildcard("a*b*c").matches("aXXbYYc")).isTrue();
        assertThat(new InputSources.Wildcard("a*b*c").matches("aXXcYYb")).isFalse();
    }

    @Test
    void systemFieldsFillFileUriAndPath() throws Exception {
        Path f = dir.resolve("s.json");
        Files.writeString(f, "{\"x\":\"a\"}\n");
        ObjectNode src = json("{\"type\":\"local\",\"filter\":\"*.json\",\"systemFields\":[\"__file_uri\","
                + "\"__file_path\"]}");
        src.put("baseDir", dir.toString());
        io.sluice.engine.types.RowSignature sig = io.sluice.engine.types.RowSignature.builder()
                .add("x", io.sluice.engine.types.ColumnType.STRING)
                .add("__file_uri", io.sluice.engine.types.ColumnType.STRING)
                .add("__file_path", io.sluice.engine.types.ColumnType.STRING)
                .build();
        List<Object[]> rows = TestInputs.drain(InputFormats.open(InputSources.split(src).get(0),
                json("{\"type\":\"json\"}"), sig, e -> {}));
        assertThat(rows).singleElement().satisfies(r ->
                assertThat(r).containsExactly("a", "file:" + f, f.toString()));

        ObjectNode without = json("{\"type\":\"local\",\"filter\":\"*.json\"}");
        without.put("baseDir", dir.toString());
        List<Object[]> plain = TestInputs.drain(InputFormats.open(InputSources.split(without).get(0),
                json("{\"type\":\"json\"}"), sig, e -> {}));
        assertThat(plain.get(0)).containsExactly("a", null, null);
    }
}
