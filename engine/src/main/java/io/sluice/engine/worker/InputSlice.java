package io.sluice.engine.worker;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.input.InputSplit;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.types.RowSignature;
import java.util.List;

/** The part of one stage input that one worker reads, decided by the controller. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = InputSlice.External.class, name = "external"),
    @JsonSubTypes.Type(value = InputSlice.Table.class, name = "table"),
    @JsonSubTypes.Type(value = InputSlice.Stage.class, name = "stage"),
    @JsonSubTypes.Type(value = InputSlice.Inline.class, name = "inline")
})
public sealed interface InputSlice {
    /** External files/URIs to read with one format; {@code totalFiles} is the stage-wide count (for counters). */
    record External(ObjectNode inputFormat, RowSignature signature, List<InputSplit> splits, int totalFiles)
            implements InputSlice {}

    /** Segments of a datasource to scan for rows in [start, end). */
    record Table(String dataSource, RowSignature signature, List<String> segmentPaths, long start, long end,
            List<SegmentFacts> segmentFacts) implements InputSlice {
        /**
         * @param segmentFacts what the metadata store says of each segment, in the order of {@code segmentPaths}, or
         *     empty (a worker then learns it from the files)
         */
        public Table {
            segmentPaths = List.copyOf(segmentPaths);
            segmentFacts = segmentFacts == null ? List.of() : List.copyOf(segmentFacts);
            if (!segmentFacts.isEmpty() && segmentFacts.size() != segmentPaths.size()) {
                throw new IllegalArgumentException(segmentFacts.size() + " segment facts for "
                        + segmentPaths.size() + " segments");
            }
        }

        public Table(String dataSource, RowSignature signature, List<String> segmentPaths, long start, long end) {
            this(dataSource, signature, segmentPaths, start, end, List.of());
        }
    }

    /**
     * A published segment's time chunk [start, end), rows and file size, as its metadata record has them: a COUNT(*)
     * over whole chunks is the sum of the rows, with no file opened.
     */
    record SegmentFacts(long start, long end, long numRows, long sizeBytes) {}

    /**
     * Partitions of an upstream stage, in partition order; each partition may be spread over several upstream
     * workers. {@code sortKey} is the upstream sort order (empty = unsorted), used to merge a partition's pieces.
     */
    record Stage(int stage, RowSignature signature, List<KeyColumn> sortKey, List<List<PartitionSource>> partitions)
            implements InputSlice {}

    /** Literal rows (given to one worker only; others get an empty list). */
    record Inline(InlineRowsInputSpec spec) implements InputSlice {}
}
