package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kept headers follow the file: a segment rewritten at the same path is read anew; a deleted one fails to open. */
class SegmentReaderHeaderTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .build();

    @TempDir
    Path dir;

    private static void write(Path file, int rows) {
        List<Object[]> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            data.add(new Object[] {1000L + i, "v" + i});
        }
        Iterator<Object[]> it = data.iterator();
        SegmentWriter.write(file, SIG, () -> it.hasNext() ? it.next() : null);
    }

    @Test
    void aRewrittenSegmentIsReadAnew() throws Exception {
        Path file = dir.resolve("seg.sluice");
        write(file, 3);
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.numRows()).isEqualTo(3);
            assertThat(r.maxTime()).isEqualTo(1002);
        }
        write(file, 5);
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(r.numRows()).isEqualTo(5);
            assertThat(r.rowRange(Long.MIN_VALUE, Long.MAX_VALUE)).containsExactly(0, 5);
            assertThat(r.dictionaryColumn("s").orElseThrow().value(5)).isEqualTo("v4");
        }
        Files.delete(file);
        assertThatThrownBy(() -> SegmentReader.open(file)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void theFileStaysMappedForLaterReadersUntilForgotten() throws Exception {
        Path file = dir.resolve("m.sluice");
        write(file, 4);
        try (SegmentReader r = SegmentReader.open(file)) {
            assertThat(SegmentReader.mappingKept(file)).as("mapped on first column read, not on open").isFalse();
            assertThat(r.dictionaryColumn("s").orElseThrow().value(1)).isEqualTo("v0");
        }
        assertThat(SegmentReader.mappingKept(file)).as("kept after the reader closed").isTrue();
        SegmentReader closed = SegmentReader.open(file);
        closed.close();
        assertThatThrownBy(() -> closed.dictionaryColumn("s")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        try (SegmentReader again = SegmentReader.open(file)) {
            assertThat(again.dictionaryColumn("s").orElseThrow().value(4)).isEqualTo("v3");
        }
        SegmentReader.forget(file);
        assertThat(SegmentReader.headerKept(file)).isFalse();
        assertThat(SegmentReader.mappingKept(file)).isFalse();
        Files.delete(file);
        assertThatThrownBy(() -> SegmentReader.open(file)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void preloadKeepsTheHeadersOfReadableSegmentsAndSkipsTheRest() throws Exception {
        Path a = dir.resolve("a.sluice");
        Path b = dir.resolve("b.sluice");
        Path junk = dir.resolve("junk2.sluice");
        Path missing = dir.resolve("missing.sluice");
        write(a, 2);
        write(b, 4);
        Files.write(junk, new byte[64]);
        assertThat(SegmentReader.headerKept(a)).isFalse();
        // a file that cannot be read is left for the query that reads it to report: preloading never throws
        assertThat(SegmentReader.preloadAll(List.of(a, junk, missing, b))).isEqualTo(4);
        assertThat(SegmentReader.headerKept(a)).isTrue();
        assertThat(SegmentReader.headerKept(b)).isTrue();
        assertThat(SegmentReader.headerKept(junk)).isFalse();
        assertThat(SegmentReader.headerKept(missing)).isFalse();
        try (SegmentReader r = SegmentReader.open(b)) {
            assertThat(r.numRows()).isEqualTo(4);
        }
    }

    @Test
    void notASegmentIsRefused() throws Exception {
        Path file = dir.resolve("junk.sluice");
        Files.write(file, new byte[64]);
        assertThatThrownBy(() -> SegmentReader.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Not a Sluice segment file");
    }

    @Test
    void theStreamingHeaderParseGivesWhatDataBindingGives() throws Exception {
        RowSignature sig = RowSignature.builder()
                .add("__time", ColumnType.LONG)
                .add("s", ColumnType.STRING)
                .add("mv", ColumnType.STRING)
                .add("l", ColumnType.LONG)
                .add("d", ColumnType.DOUBLE)
                .add("j", ColumnType.COMPLEX_JSON)
                .build();
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.add(new Object[] {1000L + 7 * (i % 9), "v" + i % 4, List.of("a", "b" + i), i % 3 == 0 ? null : (long) i,
                (double) i / 3, java.util.Map.of("k", i)});
        }
        Path file = dir.resolve("h.sluice");
        SegmentWriter.write(file, sig, rows);
        byte[] all = Files.readAllBytes(file);
        int length = java.nio.ByteBuffer.wrap(all, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        byte[] json = java.util.Arrays.copyOfRange(all, 16, 16 + length);
        assertSameHeader(SegmentReader.parseHeader(json), SegmentFormat.JSON.readValue(json, SegmentFormat.Header.class));
        // unknown fields (a later writer's) are skipped, as data binding is told to
        byte[] extra = ("{\"numRows\":2,\"extra\":{\"a\":[1,{\"b\":2}]},\"minTime\":-5,\"maxTime\":9,"
                + "\"timeSorted\":false,\"columns\":[{\"name\":\"x\",\"more\":[1,2],\"type\":\"LONG\","
                + "\"multiValue\":true,\"sections\":{\"values\":[3,4],\"nulls\":[7,1]}}]}").getBytes();
        assertSameHeader(SegmentReader.parseHeader(extra), SegmentFormat.JSON.copy()
                .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(extra, SegmentFormat.Header.class));
        assertThatThrownBy(() -> SegmentReader.parseHeader("[1]".getBytes())).isInstanceOf(java.io.IOException.class);
    }

    private static void assertSameHeader(SegmentFormat.Header got, SegmentFormat.Header expected) {
        assertThat(got.numRows()).isEqualTo(expected.numRows());
        assertThat(got.minTime()).isEqualTo(expected.minTime());
        assertThat(got.maxTime()).isEqualTo(expected.maxTime());
        assertThat(got.timeSorted()).isEqualTo(expected.timeSorted());
        assertThat(got.columns()).hasSameSizeAs(expected.columns());
        for (int i = 0; i < got.columns().size(); i++) {
            SegmentFormat.ColumnEntry g = got.columns().get(i);
            SegmentFormat.ColumnEntry e = expected.columns().get(i);
            assertThat(g.name()).isEqualTo(e.name());
            assertThat(g.type()).isEqualTo(e.type());
            assertThat(g.multiValue()).isEqualTo(e.multiValue());
            assertThat(g.sections().keySet()).containsExactlyElementsOf(e.sections().keySet());
            for (String k : g.sections().keySet()) {
                assertThat(g.sections().get(k)).containsExactly(e.sections().get(k));
            }
        }
    }
}
