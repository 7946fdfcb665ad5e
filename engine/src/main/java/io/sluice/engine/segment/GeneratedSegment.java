package io.sluice.engine.segment;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.types.ColumnSignature;
import java.util.List;

/**
 * A segment file a worker built and pushed to deep storage, before the controller numbers its partition and
 * publishes it as a {@link DataSegment}.
 */
public record GeneratedSegment(
        long start,
        long end,
        long numRows,
        long sizeBytes,
        String loadSpecPath,
        List<ColumnSignature> columns,
        List<String> metrics) {
    public GeneratedSegment {
        requireNonNull(loadSpecPath, "loadSpecPath is null");
        columns = List.copyOf(columns);
        metrics = List.copyOf(metrics);
    }

    /** The publishable descriptor once the controller has numbered partitions in this interval. */
    public DataSegment toDataSegment(
            String dataSource, String version, int partitionNum, String shardSpecType, int numCorePartitions) {
        return new DataSegment(
                dataSource,
                start,
                end,
                version,
                partitionNum,
                shardSpecType,
                numCorePartitions,
                columns,
                metrics,
                sizeBytes,
                numRows,
                loadSpecPath);
    }
}
