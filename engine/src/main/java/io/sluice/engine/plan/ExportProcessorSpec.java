package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The last stage of an export ({@code INSERT INTO EXTERN(local(exportPath => ...)) AS CSV SELECT ...}): each worker
 * writes the rows of the upstream partitions it reads as CSV files
 * {@code <taskId>-worker<N>-partition<M>.csv} (task ids are {@code query-<uuid>}) into {@code exportPath}, starting a new file every
 * {@code rowsPerFile} rows; it has no output partitions. The controller then writes the manifest.
 *
 * @param columnMappings upstream column → CSV header column, in CSV column order
 * @param resultFormat "csv", the only format
 */
public record ExportProcessorSpec(
        String exportPath, String resultFormat, List<ColumnMapping> columnMappings, long rowsPerFile)
        implements ProcessorSpec {
    public ExportProcessorSpec {
        requireNonNull(exportPath, "exportPath is null");
        requireNonNull(resultFormat, "resultFormat is null");
        columnMappings = List.copyOf(columnMappings);
        if (rowsPerFile < 1) {
            throw new IllegalArgumentException("rowsPerFile must be >= 1");
        }
    }
}
