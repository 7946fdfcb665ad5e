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
 * With {@code join} (nullable), each input row is first joined with a broadcast input as in a scan
 * ({@link ScanProcessorSpec}, {@link JoinSpec}); filter, dimensions and aggregators are over the joined row, so the
 * joined rows are aggregated where they are made instead of going through a shuffle.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GroupByPreShuffleSpec(
        Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations, JoinSpec join)
        implements ProcessorSpec {
    public GroupByPreShuffleSpec {
        dimensions = List.copyOf(dimensions);
        aggregations = List.copyOf(aggregations);
    }

    /** A pre-shuffle aggregation without a join. */
    public GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations) {
        this(filter, dimensions, aggregations, null);
    }
}
