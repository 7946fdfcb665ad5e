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
    void notASegmentIsRefused() throws Exception {
        Path file = dir.resolve("junk.sluice");
        Files.write(file, new byte[64]);
        assertThatThrownBy(() -> SegmentReader.open(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Not a Sluice segment file");
    }
}
