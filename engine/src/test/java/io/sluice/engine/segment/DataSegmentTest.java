package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Intervals;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSegmentTest {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final long D1 = Intervals.parseInstant("2024-01-01T00:00:00.000Z");
    private static final long D2 = Intervals.parseInstant("2024-01-02T00:00:00.000Z");
    private static final String V = "2024-06-01T12:00:00.000Z";

    private static DataSegment segment(int partitionNum, String shardType) {
        return new DataSegment("wiki", D1, D2, V, partitionNum, shardType, 2,
                List.of(new ColumnSignature("__time", ColumnType.LONG), new ColumnSignature("page", ColumnType.STRING),
                        new ColumnSignature("user", ColumnType.STRING), new ColumnSignature("cnt", ColumnType.LONG)),
                List.of("cnt"), 1234, 10, "/deep/wiki/index.sluice");
    }

    @Test
    void identifierFollowsDruid() {
        assertThat(segment(0, "numbered").identifier())
                .isEqualTo("wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_" + V);
        assertThat(segment(1, "numbered").identifier())
                .isEqualTo("wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_" + V + "_1");
        assertThat(segment(0, "numbered").interval()).isEqualTo("2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z");
    }

    @Test
    void druidJson() throws Exception {
        String json = MAPPER.writeValueAsString(segment(1, "numbered").toDruidJson(MAPPER));
        assertThat(MAPPER.readTree(json))
                .isEqualTo(MAPPER.readTree("{\"dataSource\":\"wiki\","
                        + "\"interval\":\"2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z\","
                        + "\"version\":\"" + V + "\","
                        + "\"loadSpec\":{\"type\":\"local\",\"path\":\"/deep/wiki/index.sluice\"},"
                        + "\"dimensions\":\"page,user\",\"metrics\":\"cnt\","
                        + "\"shardSpec\":{\"type\":\"numbered\",\"partitionNum\":1,\"partitions\":2},"
                        + "\"binaryVersion\":9,\"size\":1234,"
                        + "\"identifier\":\"wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_" + V + "_1\"}"));
    }

    @Test
    void tombstoneJson() {
        DataSegment t = DataSegment.tombstone("wiki", D1, D2, V);
        assertThat(t.isTombstone()).isTrue();
        assertThat(t.toDruidJson(MAPPER).get("shardSpec").toString())
                .isEqualTo("{\"type\":\"tombstone\",\"partitionNum\":0,\"partitions\":1}");
    }

    @Test
    void jacksonRoundTrip() throws Exception {
        DataSegment s = segment(3, "range");
        assertThat(MAPPER.readValue(MAPPER.writeValueAsString(s), DataSegment.class)).isEqualTo(s);
    }

    @Test
    void rejectsUnknownShardTypeAndEmptyInterval() {
        assertThatThrownBy(() -> segment(0, "hashed")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DataSegment("w", 5, 5, V, 0, "numbered", 1, List.of(), List.of(), 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
