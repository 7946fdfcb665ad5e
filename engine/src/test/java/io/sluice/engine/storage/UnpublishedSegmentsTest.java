package io.sluice.engine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.segment.DataSegment;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed ingestion's pushed files go from deep storage, but never one a recorded segment names. */
class UnpublishedSegmentsTest {
    private static final long DAY = 86_400_000L;
    private static final String V = "2026-11-25T00:00:00.000Z";

    @TempDir
    Path dir;

    @Test
    void removesOnlyTheFilesNoRecordedSegmentNames() throws Exception {
        LocalDeepStorage deep = new LocalDeepStorage(dir.resolve("deep"));
        List<String> pushed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path local = Files.writeString(dir.resolve("seg" + i), "segment " + i);
            pushed.add(deep.push(local, "wiki", i * DAY, (i + 1) * DAY, V, "task-w0-" + i));
        }
        try (MetadataStore store = MetadataStore.h2(dir.resolve("meta"))) {
            // one of them was published (a publish whose answer was lost, say): it stays
            store.publishSegments("wiki", List.of(new DataSegment("wiki", 0, DAY, V, 0, DataSegment.NUMBERED, 1,
                    List.of(new ColumnSignature("__time", ColumnType.LONG)), List.of(), 10, 1, pushed.get(0))), null);
            // another datasource names nothing of ours
            assertThat(store.referencedPaths("other", pushed)).isEmpty();
            assertThat(store.referencedPaths("wiki", pushed)).containsExactly(pushed.get(0));

            int deleted = UnpublishedSegments.delete(store, deep, "wiki", pushed);

            assertThat(deleted).isEqualTo(2);
            assertThat(Path.of(pushed.get(0))).exists();
            assertThat(Path.of(pushed.get(1))).doesNotExist();
            assertThat(Path.of(pushed.get(2))).doesNotExist();
            assertThat(dir.resolve("deep").resolve("wiki").resolve(DAY + "_" + 2 * DAY))
                    .as("emptied folders go too").doesNotExist();
            assertThat(UnpublishedSegments.delete(store, deep, "wiki", List.of())).isZero();
        }
    }
}
