package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where a stage reads from: external files, a datasource's segments, or an earlier stage's output. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ExternalInputSpec.class, name = "external"),
    @JsonSubTypes.Type(value = TableInputSpec.class, name = "table"),
    @JsonSubTypes.Type(value = StageInputSpec.class, name = "stage"),
    @JsonSubTypes.Type(value = InlineRowsInputSpec.class, name = "inline")
})
public sealed interface InputSpec permits ExternalInputSpec, TableInputSpec, StageInputSpec, InlineRowsInputSpec {}
