package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Global OFFSET/LIMIT over the upstream stage's output, which arrives as one sorted partition (maxWorkerCount 1).
 * {@code limit} null = no limit. Report JSON: {@code {"type":"limit","offset":0,"limit":5}}.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record LimitProcessorSpec(long offset, Long limit) implements ProcessorSpec {}
