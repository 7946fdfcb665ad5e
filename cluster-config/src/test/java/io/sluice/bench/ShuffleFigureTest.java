package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The bench's shuffle figure: bytes the consuming stage read over its duration, from a report's payload. */
class ShuffleFigureTest {
    @Test
    void bytesReadByTheFirstStageReadingAStageOverItsDuration() throws Exception {
        JsonNode payload = new ObjectMapper().readTree("""
                {"stages": [
                   {"stageNumber": 0, "definition": {"input": [{"type": "external"}]}, "duration": 17657},
                   {"stageNumber": 1, "definition": {"input": [{"type": "stage", "stage": 0}]}, "duration": 2000}],
                 "counters": {
                   "0": {"0": {"input0": {"type": "channel", "rows": [39244], "bytes": [17106256]}}},
                   "1": {"0": {"input0": {"type": "channel", "rows": [20000], "bytes": [1048576], "frames": [3]}},
                         "1": {"input0": {"type": "channel", "rows": [19244, 1], "bytes": [2097152, 1048576]}}}}}
                """);
        BenchRunner.Shuffle s = BenchRunner.Shuffle.of(payload);
        assertThat(s.stage()).isEqualTo(1);
        assertThat(s.bytes()).isEqualTo(4L * 1048576);
        assertThat(s.millis()).isEqualTo(2000);
        assertThat(s.mibPerSecond()).isEqualTo(2.0);
    }

    @Test
    void noFigureWithoutAStageReadingAnother() throws Exception {
        JsonNode payload = new ObjectMapper().readTree("""
                {"stages": [{"stageNumber": 0, "definition": {"input": [{"type": "external"}]}, "duration": 5}],
                 "counters": {}}
                """);
        assertThat(BenchRunner.Shuffle.of(payload)).isNull();
    }
}
