package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.NamedExpr;
import java.util.List;

/**
 * Partial aggregation: filter, compute the dimension expressions, fold rows per distinct dimension tuple into
 * aggregator state. Output = dimensions (as named) followed by each aggregator's intermediate column; the stage
 * shuffles by the dimension columns (maxCount or hash, aggregate=true) so equal keys meet in one partition.
 * With no dimensions, one row is emitted even for empty input (SQL: COUNT(*) of nothing is 0) — only by worker 0.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations)
        implements ProcessorSpec {
    public GroupByPreShuffleSpec {
        dimensions = List.copyOf(dimensions);
        aggregations = List.copyOf(aggregations);
    }
}
