package io.sluice.engine.expr;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A row expression, produced by the planner and evaluated by the engine ({@code ExprEvaluator}). Serialises as
 * JSON (it is part of the plan model) and renders to Druid's native expression text with {@link #toDruidString()}
 * for reports. Function names and their semantics are the contract in {@link Fn}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ColumnRef.class, name = "column"),
    @JsonSubTypes.Type(value = Literal.class, name = "literal"),
    @JsonSubTypes.Type(value = Call.class, name = "call")
})
public sealed interface Expr permits ColumnRef, Literal, Call {
    /** Druid-style native expression text, e.g. {@code timestamp_parse("time",null,'UTC')}. */
    String toDruidString();
}
