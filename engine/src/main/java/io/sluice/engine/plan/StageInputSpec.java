package io.sluice.engine.plan;

/** Reads all output partitions of an earlier stage that are assigned to this worker (or all, if broadcast). */
public record StageInputSpec(int stage) implements InputSpec {}
