package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.Granularity;
import java.util.List;

/**
 * Builds segments from the upstream stage's partitions (each partition sorted by [__bucket, clusteredBy…] and
 * holding rows of a single time chunk). Each worker turns each partition it reads into one or more segment files
 * of at most {@code rowsPerSegment} rows, pushes them to deep storage, and reports their descriptors; the
 * controller publishes all of them in one metadata transaction.
 *
 * @param columnMappings upstream column → stored column; the one mapped to {@code __time} is the timestamp
 * @param dimensions stored dimension columns (not {@code __time}) in stored order
 * @param metrics rollup metrics (stored as aggregator state); empty for non-rollup ingestion
 * @param replaceTimeChunks null for INSERT; REPLACE's overwritten intervals ({@code ETERNITY} for OVERWRITE ALL)
 * @param clusteredBy output column names from CLUSTERED BY (sort order inside segments is [__time?, clusteredBy…])
 * @param typeChecks columns whose type is verified against the target's existing columns before the stage runs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SegmentGeneratorSpec(
        String dataSource,
        Granularity segmentGranularity,
        List<ColumnMapping> columnMappings,
        List<ColumnSignature> dimensions,
        List<AggregatorSpec> metrics,
        List<String> replaceTimeChunks,
        List<String> clusteredBy,
        long rowsPerSegment,
        int maxRowsInMemory,
        List<ColumnTypeCheck> typeChecks)
        implements ProcessorSpec {
    public SegmentGeneratorSpec(
            String dataSource,
            Granularity segmentGranularity,
            List<ColumnMapping> columnMappings,
            List<ColumnSignature> dimensions,
            List<AggregatorSpec> metrics,
            List<String> replaceTimeChunks,
            List<String> clusteredBy,
            long rowsPerSegment,
            int maxRowsInMemory) {
        this(dataSource, segmentGranularity, columnMappings, dimensions, metrics, replaceTimeChunks, clusteredBy,
                rowsPerSegment, maxRowsInMemory, List.of());
    }

    public SegmentGeneratorSpec {
        requireNonNull(dataSource, "dataSource is null");
        requireNonNull(segmentGranularity, "segmentGranularity is null");
        columnMappings = List.copyOf(columnMappings);
        dimensions = List.copyOf(dimensions);
        metrics = metrics == null ? List.of() : List.copyOf(metrics);
        replaceTimeChunks = replaceTimeChunks == null ? null : List.copyOf(replaceTimeChunks);
        clusteredBy = clusteredBy == null ? List.of() : List.copyOf(clusteredBy);
        typeChecks = typeChecks == null ? List.of() : List.copyOf(typeChecks);
    }
}
