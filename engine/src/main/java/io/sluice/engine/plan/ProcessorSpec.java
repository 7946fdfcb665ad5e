package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a stage's workers do with their input rows. The JSON {@code type} names match Druid's report. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ScanProcessorSpec.class, name = "scan"),
    @JsonSubTypes.Type(value = GroupByPreShuffleSpec.class, name = "groupByPreShuffle"),
    @JsonSubTypes.Type(value = GroupByPostShuffleSpec.class, name = "groupByPostShuffle"),
    @JsonSubTypes.Type(value = LimitProcessorSpec.class, name = "limit"),
    @JsonSubTypes.Type(value = SegmentGeneratorSpec.class, name = "segmentGenerator"),
    @JsonSubTypes.Type(value = ExportProcessorSpec.class, name = "export"),
    @JsonSubTypes.Type(value = WindowProcessorSpec.class, name = "windowOperator")
})
public sealed interface ProcessorSpec
        permits ScanProcessorSpec, GroupByPreShuffleSpec, GroupByPostShuffleSpec, LimitProcessorSpec,
                SegmentGeneratorSpec,
                ExportProcessorSpec, WindowProcessorSpec {}
