package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.node.SluiceNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoded scan (a plain scan of JSON files encoded on the parse thread) against the row path on a real node over
 * HTTP, switched by the context key {@code sluiceEncodedScan}: the same rows in the datasource, the same input,
 * output and shuffle counters and parse-error warnings, over two files (the wikipedia sample and lines with escapes,
 * multi-byte text, numbers in string columns, strings in number columns and unparseable lines), and the same
 * {@code InvalidNullByte} fault for a NUL in a string. So also for a rollup, whose partial groups the encoded path
 * writes and combines as bytes on the parse thread.
 */
class EncodedScanNodeTest {
    @TempDir
    static Path temp;

    static SluiceNode node;
    static SluiceClient client;
    static Path input;

    @BeforeAll
    static void start() throws Exception {
        input = temp.resolve("input");
        TestNodes.wikipediaSample(input);
        StringBuilder odd = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            String channel = switch (i % 6) {
                case 0 -> "\"#caf\u00e9.wikipedia\"";
                case 1 -> "\"#esc\\\"aped\\u00e9\\n\"";
                case 2 -> "12";
                case 3 -> "null";
                case 4 -> "\"#\u65e5\u672c.wikipedia\"";
                default -> "\"#en.wikipedia\"";
            };
            String added = i % 7 == 0 ? "\"42\"" : i % 11 == 0 ? "1.5" : i % 13 == 0 ? "\"x\"" : String.valueOf(i);
            odd.append("{\"time\": \"2015-09-1").append(3 + i % 2).append("T0").append(i % 10).append(":00:00")
                    .append(i % 3 == 0 ? ".5Z" : i % 3 == 1 ? "Z" : "+01:00")
                    .append("\", \"channel\": ").append(channel)
                    .append(", \"page\": \"P").append(i % 97).append("\", \"user\": \"u").append(i % 31)
                    .append("\", \"added\": ").append(added).append(", \"deleted\": ").append(i % 5).append("}\n");
            if (i % 1_000 == 500) {
                odd.append("{\"time\": \"2015-09-13T00:00:00Z\", \"channel\": \n"); // unparseable
            }
        }
        Files.writeString(input.resolve("odd.json"), odd.toString(), StandardCharsets.UTF_8);
        Path nul = temp.resolve("nul");
        Files.createDirectories(nul);
        Files.writeString(nul.resolve("nul.json"),
                "{\"time\": \"2015-09-12T00:00:00Z\", \"channel\": \"a\", \"page\": \"p\"}\n"
                + "{\"time\": \"2015-09-12T01:00:00Z\", \"channel\": \"b\\u0000c\", \"page\": \"p\"}\n");
        node = TestNodes.start(temp.resolve("var"));
        client = new SluiceClient(node.httpPort());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static String extern(Path dir, String filter) {
        return "TABLE(EXTERN('{\"type\": \"local\", \"baseDir\": \"" + dir + "\", \"filter\": \"" + filter
                + "\"}', '{\"type\": \"json\"}', '[{\"name\": \"time\", \"type\": \"string\"}, {\"name\": \"channel\","
                + " \"type\": \"string\"}, {\"name\": \"page\", \"type\": \"string\"}, {\"name\": \"user\", \"type\":"
                + " \"string\"}, {\"name\": \"added\", \"type\": \"long\"}, {\"name\": \"deleted\", \"type\":"
                + " \"long\"}]'))";
    }

    private static JsonNode run(String sql, boolean encoded) {
        return run(sql, encoded, 2);
    }

    private static JsonNode run(String sql, boolean encoded, int maxNumTasks) {
        String id = client.submitOk(sql, Map.of("sluiceEncodedScan", encoded, "maxParseExceptions", 10,
                "maxNumTasks", maxNumTasks));
        client.await(id, Duration.ofMinutes(2));
        return client.report(id).at("/multiStageQuery/payload");
    }

    /** The reports and the datasource rows of an INSERT run both ways: index 0 encoded, 1 the row path. */
    private record BothWays(JsonNode[] payloads, JsonNode[] rows) {
        /** The same stage-0 counters on workers {@code 0 .. workers-1}, and the same first three warnings' errors. */
        void sameCountersAndWarnings(int workers) {
            for (String counter : new String[] {"input0", "output", "shuffle"}) {
                for (int w = 0; w < workers; w++) {
                    assertThat(payloads[0].at("/counters/0/" + w + "/" + counter)).as(counter).isNotEmpty()
                            .isEqualTo(payloads[1].at("/counters/0/" + w + "/" + counter));
                }
            }
            // the same parse errors, with their records and lines (the warnings name each task: only their errors)
            assertThat(payloads[0].at("/status/warnings").size()).isEqualTo(3);
            for (int w = 0; w < 3; w++) {
                assertThat(payloads[0].at("/status/warnings/" + w + "/error"))
                        .isEqualTo(payloads[1].at("/status/warnings/" + w + "/error"));
            }
        }
    }

    /**
     * Runs {@code insert} (a format with the table's name) into {@code <table>_encoded} and {@code <table>_rows}, and
     * {@code select} (likewise) over each; asserts both succeeded and gave the same rows.
     */
    private static BothWays bothWays(String table, String insert, String select, int maxNumTasks) {
        JsonNode[] payloads = new JsonNode[2];
        JsonNode[] rows = new JsonNode[2];
        for (int m = 0; m < 2; m++) {
            String name = table + (m == 0 ? "_encoded" : "_rows");
            payloads[m] = run(String.format(insert, name), m == 0, maxNumTasks);
            assertThat(payloads[m].at("/status/status").asText()).as(payloads[m].toPrettyString()).isEqualTo("SUCCESS");
            rows[m] = client.select(String.format(select, name));
        }
        assertThat(rows[0]).isEqualTo(rows[1]);
        return new BothWays(payloads, rows);
    }

    @Test
    void theEncodedScanIngestsWhatTheRowPathIngests() {
        BothWays both = bothWays("scan", "INSERT INTO %s\nSELECT TIME_PARSE(\"time\") AS __time, channel, page,"
                + " \"user\", added, deleted, CONCAT(channel, '!') AS marked\nFROM " + extern(input, "*.json*")
                + "\nWHERE deleted < 4\nPARTITIONED BY DAY", "SELECT __time, channel, page, \"user\", added, deleted,"
                + " marked FROM %s ORDER BY __time, channel, page, \"user\", added, deleted, marked", 2);
        assertThat(both.rows()[0].size()).isGreaterThan(30_000);
        both.sameCountersAndWarnings(1);
        JsonNode p = both.payloads()[0];
        assertThat(p.at("/counters/0/0/input0/rows/0").asLong() + p.at("/counters/0/0/input0/rows/1").asLong())
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS + 3_000);
    }

    @Test
    void aRollupGivesTheSameGroupsAndCountersBothWays() {
        BothWays both = bothWays("rollup", "INSERT INTO %s\nSELECT TIME_FLOOR(TIME_PARSE(\"time\"), 'PT1H') AS __time,"
                + " channel, page, COUNT(*) AS cnt, SUM(added) AS sum_added, SUM(deleted) AS sum_deleted\nFROM "
                + extern(input, "*.json*") + "\nGROUP BY 1, 2, 3\nPARTITIONED BY DAY",
                "SELECT __time, channel, page, cnt, sum_added, sum_deleted FROM %s ORDER BY __time, channel, page", 3);
        assertThat(both.rows()[0].size()).isGreaterThan(10_000);
        assertThat(client.select("SELECT SUM(cnt) AS n FROM rollup_encoded").at("/0/0").asLong())
                .isEqualTo(SeedWorkflowTest.SAMPLE_ROWS + 3_000);
        // two workers, a file each (the pre-shuffle stage's groups are finished by a post-shuffle stage): each
        // file's partial groups are the same rows and bytes out of the stage, with the same parse errors
        assertThat(both.payloads()[0].at("/stages/1/definition/processor/type").asText())
                .isEqualTo("groupByPostShuffle");
        both.sameCountersAndWarnings(2);
        JsonNode[] nul = new JsonNode[2];
        for (int m = 0; m < 2; m++) {
            JsonNode p = run("INSERT INTO nul_rollup" + m + "\nSELECT TIME_PARSE(\"time\") AS __time, channel,"
                    + " COUNT(*) AS cnt\nFROM " + extern(temp.resolve("nul"), "nul.json")
                    + "\nGROUP BY 1, 2\nPARTITIONED BY DAY", m == 0, 3);
            assertThat(p.at("/status/status").asText()).isEqualTo("FAILED");
            nul[m] = p.at("/status/errorReport/error");
        }
        assertThat(nul[0].get("errorCode").asText()).isEqualTo("InvalidNullByte");
        assertThat(nul[0]).isEqualTo(nul[1]);
    }

    @Test
    void aRollupOnOneWorkerGivesTheSameGroupsBothWays() {
        // one worker reads all of the input and finishes the groups itself (no post-shuffle stage)
        BothWays both = bothWays("whole", "INSERT INTO %s\nSELECT TIME_FLOOR(TIME_PARSE(\"time\"), 'PT1H') AS __time,"
                + " channel, COUNT(*) AS cnt, SUM(added) AS sum_added\nFROM " + extern(input, "*.json*")
                + "\nWHERE deleted <> 3\nGROUP BY 1, 2\nPARTITIONED BY DAY",
                "SELECT __time, channel, cnt, sum_added FROM %s ORDER BY __time, channel", 2);
        JsonNode p = both.payloads()[0];
        assertThat(p.at("/stages/0/definition/processor/type").asText()).isEqualTo("groupByPreShuffle");
        assertThat(p.at("/stages/1/definition/processor/type").asText()).isEqualTo("segmentGenerator");
        assertThat(both.rows()[0].size()).isGreaterThan(500);
        both.sameCountersAndWarnings(1);
    }

    @Test
    void aNulCharacterFailsBothWaysWithTheSameFault() {
        JsonNode[] errors = new JsonNode[2];
        for (int m = 0; m < 2; m++) {
            JsonNode p = run("INSERT INTO nul" + m + "\nSELECT TIME_PARSE(\"time\") AS __time, channel, page\nFROM "
                    + extern(temp.resolve("nul"), "nul.json") + "\nPARTITIONED BY DAY", m == 0);
            assertThat(p.at("/status/status").asText()).isEqualTo("FAILED");
            errors[m] = p.at("/status/errorReport/error");
        }
        assertThat(errors[0].get("errorCode").asText()).isEqualTo("InvalidNullByte");
        assertThat(errors[0].get("rowNumber").asLong()).isEqualTo(2);
        assertThat(errors[0]).isEqualTo(errors[1]);
    }
}
