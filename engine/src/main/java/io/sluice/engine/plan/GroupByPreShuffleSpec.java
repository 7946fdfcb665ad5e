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
 *
 * <p>{@code expressionDimensions} names the dimensions whose grouped value a later expression reads (such as
 * {@code MV_TO_ARRAY(d0)}); with {@code groupByEnableMultiValueUnnesting=false} a multi-value value in one of them
 * fails with the expression engine's message rather than the column's.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations,
        JoinSpec join, List<String> expressionDimensions) implements ProcessorSpec {
    /** A pre-shuffle aggregation without a join. */
    public GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations) {
        this(filter, dimensions, aggregations, null, List.of());
    }

    /** A pre-shuffle aggregation over rows joined with a broadcast input. */
    public GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations,
            JoinSpec join) {
        this(filter, dimensions, aggregations, join, List.of());
    }

    public GroupByPreShuffleSpec {
        dimensions = List.copyOf(dimensions);
        aggregations = List.copyOf(aggregations);
        expressionDimensions = expressionDimensions == null ? List.of() : List.copyOf(expressionDimensions);
    }
}
