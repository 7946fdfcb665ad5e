package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataGeneratorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A 3-row sample shaped like the wikipedia one. */
    private static List<DataGenerator.SampleRow> sample() {
        List<String> names = List.of("time", "channel", "page", "user", "isRobot", "metroCode", "added", "deleted");
        List<DataGenerator.SampleRow> rows = new ArrayList<>();
        rows.add(new DataGenerator.SampleRow(names,
                Arrays.asList("2015-09-12T00:46:58.771Z", "#en.wikipedia", "Main Page", "alice", false, null, 36L, 0L)));
        rows.add(new DataGenerator.SampleRow(names,
                Arrays.asList("2015-09-12T12:00:00.000Z", "#de.wikipedia", "Berlin", "bob", true, 5L, 0L, 12L)));
        rows.add(new DataGenerator.SampleRow(names,
                Arrays.asList("2015-09-12T23:59:59.999Z", "#fr.wikipedia", "Paris", "carol", false, null, 1L, 1L)));
        return rows;
    }

    private static List<JsonNode> generate(long rows, long seed, int parts, List<ByteArrayOutputStream> partOuts)
            throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteArrayOutputStream[] outs = new ByteArrayOutputStream[parts];
        for (int i = 0; i < parts; i++) {
            outs[i] = new ByteArrayOutputStream();
            partOuts.add(outs[i]);
        }
        new DataGenerator(sample(), seed).write(rows, all, outs);
        return lines(all);
    }

    private static List<JsonNode> lines(ByteArrayOutputStream out) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                rows.add(JSON.readTree(line));
            }
        }
        return rows;
    }

    @Test
    void sameSeedSameBytes() throws Exception {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        new DataGenerator(sample(), 7).write(100, a);
        new DataGenerator(sample(), 7).write(100, b);
        new DataGenerator(sample(), 8).write(100, c);
        assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
        assertThat(a.toByteArray()).isNotEqualTo(c.toByteArray());
    }

    @Test
    void writesExactlyTheRowsAskedForAndSplitsThemIntoParts() throws Exception {
        List<ByteArrayOutputStream> parts = new ArrayList<>();
        List<JsonNode> rows = generate(10, 1, 4, parts);
        assertThat(rows).hasSize(10);
        List<JsonNode> concatenated = new ArrayList<>();
        for (ByteArrayOutputStream p : parts) {
            concatenated.addAll(lines(p));
        }
        // Consecutive runs of ceil(10 / 4) = 3 rows; together the parts are the single file.
        assertThat(lines(parts.get(0))).hasSize(3);
        assertThat(lines(parts.get(3))).hasSize(1);
        assertThat(concatenated).isEqualTo(rows);
    }

    @Test
    void copyZeroIsTheSampleAndEachCopyIsShiftedByWholeDays() throws Exception {
        List<JsonNode> rows = generate(9, 1, 0, new ArrayList<>());
        assertThat(rows.get(0).get("time").asText()).isEqualTo("2015-09-12T00:46:58.771Z");
        assertThat(rows.get(0).get("page").asText()).isEqualTo("Main Page");
        assertThat(rows.get(0).get("added").asLong()).isEqualTo(36);
        assertThat(rows.get(3).get("time").asText()).isEqualTo("2015-09-13T00:46:58.771Z");
        assertThat(rows.get(5).get("time").asText()).isEqualTo("2015-09-13T23:59:59.999Z");
        assertThat(rows.get(8).get("time").asText()).isEqualTo("2015-09-14T23:59:59.999Z");
        // Fields other than the perturbed ones are replayed as they are, nulls and booleans included.
        assertThat(rows.get(4).get("channel").asText()).isEqualTo("#de.wikipedia");
        assertThat(rows.get(4).get("isRobot").asBoolean()).isTrue();
        assertThat(rows.get(3).get("metroCode").isNull()).isTrue();
    }

    @Test
    void shiftCrossesMonthAndYearEnds() {
        assertThat(DataGenerator.shiftDays("2015-09-12T00:46:58.771Z", 19)).isEqualTo("2015-10-01T00:46:58.771Z");
        assertThat(DataGenerator.shiftDays("2015-09-12T00:46:58.771Z", 111)).isEqualTo("2016-01-01T00:46:58.771Z");
    }

    @Test
    void cardinalitiesGrowWithTheCopies() throws Exception {
        List<JsonNode> rows = generate(3 * 200, 1, 0, new ArrayList<>());
        Set<String> pages = new HashSet<>();
        Set<String> users = new HashSet<>();
        for (JsonNode r : rows) {
            pages.add(r.get("page").asText());
            users.add(r.get("user").asText());
            assertThat(r.get("added").asLong()).isNotNegative();
            assertThat(r.get("deleted").asLong()).isNotNegative();
        }
        assertThat(pages.size()).isGreaterThan(50);
        assertThat(users.size()).isGreaterThan(50);
    }

    @Test
    void generatesGzipFilesOnceAndReusesThem(@TempDir Path dir) throws Exception {
        DataGenerator gen = new DataGenerator(sample(), 3);
        DataGenerator.Output out = gen.generate(dir, 1001, 4);
        assertThat(DataGenerator.countLines(out.single())).isEqualTo(1001);
        long total = 0;
        for (Path p : out.parts()) {
            total += DataGenerator.countLines(p);
        }
        assertThat(total).isEqualTo(1001);
        long modified = Files.getLastModifiedTime(out.single()).toMillis();
        DataGenerator.Output again = gen.generate(dir, 1001, 4);
        assertThat(again.single()).isEqualTo(out.single());
        assertThat(Files.getLastModifiedTime(again.single()).toMillis()).isEqualTo(modified);
    }

    @Test
    void floorParsesEveryRowAndTheTimeAsEpochMillis(@TempDir Path dir) throws Exception {
        DataGenerator.Output out = new DataGenerator(sample(), 3).generate(dir, 5000, 4);
        assertThat(Floor.oneThread(out.single()).rows()).isEqualTo(5000);
        assertThat(Floor.twoThreads(out.single()).rows()).isEqualTo(5000);
        assertThat(Floor.filesInParallel(out.parts(), 2).rows()).isEqualTo(5000);
        assertThat(Floor.oneThread(out.single()).checksum()).isEqualTo(Floor.twoThreads(out.single()).checksum());
        assertThat(Floor.epochMillis("2015-09-12T00:46:58.771Z"))
                .isEqualTo(java.time.Instant.parse("2015-09-12T00:46:58.771Z").toEpochMilli());
        assertThat(Floor.epochMillis("1969-12-31T23:59:59.999Z")).isEqualTo(-1);
    }
}
