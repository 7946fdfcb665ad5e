package io.sluice.engine.exec;

import io.sluice.engine.rows.RowSource;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.worker.PartitionReader;
import java.nio.file.Path;
import java.util.List;

/** Test helper: every row of some segment files, one file after the other, each closed when read. */
final class SegmentRows {
    private SegmentRows() {}

    static RowSource all(List<Path> files, List<String> columns) {
        return all(files, columns, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Rows with {@code start <= __time < end}, as {@link SegmentReader#scan} selects them. */
    static RowSource all(List<Path> files, List<String> columns, long start, long end) {
        return PartitionReader.sequence(files.size(), i -> {
            SegmentReader reader = SegmentReader.open(files.get(i));
            RowSource rows = reader.scan(columns, start, end);
            return new RowSource() {
                @Override
                public Object[] next() {
                    return rows.next();
                }

                @Override
                public void close() {
                    rows.close();
                    reader.close();
                }
            };
        });
    }
}
