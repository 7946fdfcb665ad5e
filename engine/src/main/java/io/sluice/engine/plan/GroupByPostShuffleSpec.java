package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.NamedExpr;
import java.util.List;

/**
 * Final aggregation over a pre-shuffle stage's output (input rows sorted by the dimension columns): combine rows
 * with equal {@code dimensions}, finalize aggregator state when {@code finalizeAggregations} (else keep the
 * intermediate state, for rollup ingestion), filter by {@code having}, then project with {@code postProjection}
 * (over dimension + aggregator columns; null = output dimensions and aggregators as they are). Output = stage signature.
 * With no dimensions and no input rows, one row of empty aggregates is produced (COUNT → 0, others NULL).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GroupByPostShuffleSpec(
        List<String> dimensions,
        List<AggregatorSpec> aggregations,
        boolean finalizeAggregations,
        Expr having,
        List<NamedExpr> postProjection)
        implements ProcessorSpec {
    public GroupByPostShuffleSpec {
        dimensions = List.copyOf(dimensions);
        aggregations = List.copyOf(aggregations);
        postProjection = postProjection == null ? null : List.copyOf(postProjection);
    }
}
