package io.sluice.engine.agg;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.types.ColumnType;

/**
 * One aggregation in a GROUP BY. Pre-shuffle workers fold input rows into per-group state and emit it as the
 * column {@code name} of type {@link AggKind#intermediateType(ColumnType)}; post-shuffle workers combine those
 * states and, when finalizing, emit {@code outputType}.
 *
 * @param name output column name (e.g. {@code a0})
 * @param kind what to compute
 * @param input the argument expression; null for COUNT(*)
 * @param filter FILTER (WHERE …) condition, or null
 * @param outputType the finalized native type
 * @param distinct for COUNT(DISTINCT …) exact counting
 * @param sketchSize for sketches: HLL lgK or Theta nominal entries; null for the default (12 / 16384)
 * @param hllType for HLL sketches: {@code HLL_4}, {@code HLL_6} or {@code HLL_8}; null for HLL_4
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AggregatorSpec(
        String name, AggKind kind, Expr input, Expr filter, ColumnType outputType, boolean distinct,
        Integer sketchSize, String hllType) {
    public AggregatorSpec {
        requireNonNull(name, "name is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(outputType, "outputType is null");
    }

    public AggregatorSpec(String name, AggKind kind, Expr input, Expr filter, ColumnType outputType, boolean distinct) {
        this(name, kind, input, filter, outputType, distinct, null, null);
    }

    public ColumnType intermediateType() {
        return distinct ? ColumnType.COMPLEX_STATE : kind.intermediateType(outputType);
    }
}
