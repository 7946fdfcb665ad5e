package io.sluice.planner;

/** A dynamic parameter as the API takes it: {@code {"type": "VARCHAR", "value": "x"}}; value may be a list. */
public record SqlParameter(String type, Object value) {}
