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
    record Table(String dataSource, RowSignature signature, List<String> segmentPaths, long start, long end)
            implements InputSlice {}

    /**
     * Partitions of an upstream stage, in partition order; each partition may be spread over several upstream
     * workers. {@code sortKey} is the upstream sort order (empty = unsorted), used to merge a partition's pieces.
     */
    record Stage(int stage, RowSignature signature, List<KeyColumn> sortKey, List<List<PartitionSource>> partitions)
            implements InputSlice {}

    /** Literal rows (given to one worker only; others get an empty list). */
    record Inline(InlineRowsInputSpec spec) implements InputSlice {}
}
