package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.segment.SegmentWriter;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentPrefetchTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("__time", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .build();

    @TempDir
    Path dir;

    private List<Path> files(int n) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve("s" + i + ".sluice");
            List<Object[]> rows = new ArrayList<>();
            for (int r = 0; r <= i; r++) {
                rows.add(new Object[] {(long) r, "v" + r});
            }
            Iterator<Object[]> it = rows.iterator();
            SegmentWriter.write(f, SIG, () -> it.hasNext() ? it.next() : null);
            files.add(f);
        }
        return files;
    }

    @Test
    void givesSegmentsInOrderPreloadedAheadOrInline() {
        List<Path> files = files(7);
        for (int ahead : new int[] {0, 1, 2, 5}) {
            Set<Long> preloaded = ConcurrentHashMap.newKeySet();
            List<Long> sizes = new ArrayList<>();
            try (SegmentPrefetch p = new SegmentPrefetch(files, r -> preloaded.add(r.numRows()), ahead)) {
                while (p.hasNext()) {
                    try (SegmentReader r = p.next()) {
                        sizes.add(r.numRows());
                    }
                }
            }
            assertThat(sizes).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(preloaded).hasSize(ahead == 0 ? 0 : 7);
        }
    }

    @Test
    void failuresSurfaceWhenTheSegmentIsAskedFor() {
        List<Path> files = new ArrayList<>(files(2));
        files.add(1, dir.resolve("missing.sluice"));
        try (SegmentPrefetch p = new SegmentPrefetch(files, r -> {}, 2)) {
            p.next().close();
            assertThatThrownBy(p::next).isInstanceOf(RuntimeException.class);
            assertThat(p.next().numRows()).isEqualTo(2L);
        }
    }
    @Test
    void readersOpenedByTheCallerArePreloadedAndHandedOutNotReopened() {
        List<Path> files = files(5);
        for (int ahead : new int[] {1, 2, 5}) {
            List<SegmentReader> opened = new ArrayList<>();
            for (Path f : files) {
                opened.add(SegmentReader.open(f));
            }
            Set<SegmentReader> preloaded = ConcurrentHashMap.newKeySet();
            List<SegmentReader> given = new ArrayList<>();
            try (SegmentPrefetch p = SegmentPrefetch.ofOpen(opened, preloaded::add, ahead)) {
                while (p.hasNext()) {
                    SegmentReader r = p.next();
                    given.add(r);
                    r.close();
                }
            }
            assertThat(given).containsExactlyElementsOf(opened); // the same readers, in order
            assertThat(preloaded).containsExactlyInAnyOrderElementsOf(opened);
        }
        // closed early: the readers never handed out are closed with it (reading one of them fails)
        List<SegmentReader> opened = new ArrayList<>();
        for (Path f : files) {
            opened.add(SegmentReader.open(f));
        }
        try (SegmentPrefetch p = SegmentPrefetch.ofOpen(opened, r -> {}, 1)) {
            p.next().close();
        }
        for (SegmentReader r : opened.subList(2, opened.size())) {
            assertThatThrownBy(() -> r.dictionaryColumn("s")).isInstanceOf(IllegalStateException.class);
        }
    }
}
