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
 *
 * <p>With {@code complete} (nullable), the stage runs on one worker, which reads all of the input: its groups are
 * whole, so it also does the post-shuffle stage's work ({@code complete}: combine its partial groups, finalize,
 * HAVING, projection) and its output is that stage's (signature and shuffle), sparing a shuffle of every group.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations,
        JoinSpec join, List<String> expressionDimensions, GroupByPostShuffleSpec complete) implements ProcessorSpec {
    /** A pre-shuffle aggregation without a join. */
    public GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations) {
        this(filter, dimensions, aggregations, null, List.of(), null);
    }

    /** A pre-shuffle aggregation over rows joined with a broadcast input. */
    public GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations,
            JoinSpec join) {
        this(filter, dimensions, aggregations, join, List.of(), null);
    }

    /** A pre-shuffle aggregation whose output the post-shuffle stage finishes. */
    public GroupByPreShuffleSpec(Expr filter, List<NamedExpr> dimensions, List<AggregatorSpec> aggregations,
            JoinSpec join, List<String> expressionDimensions) {
        this(filter, dimensions, aggregations, join, expressionDimensions, null);
    }

    /** This spec finishing its groups with {@code post} ({@link #complete}). */
    public GroupByPreShuffleSpec completedBy(GroupByPostShuffleSpec post) {
        return new GroupByPreShuffleSpec(filter, dimensions, aggregations, join, expressionDimensions, post);
    }

    /** The partial groups' columns: the dimensions, then each aggregator's intermediate state. */
    public io.sluice.engine.types.RowSignature intermediateSignature() {
        io.sluice.engine.types.RowSignature.Builder b = io.sluice.engine.types.RowSignature.builder();
        for (NamedExpr d : dimensions) {
            b.add(d.name(), d.type());
        }
        for (AggregatorSpec a : aggregations) {
            b.add(a.name(), a.intermediateType());
        }
        return b.build();
    }

    public GroupByPreShuffleSpec {
        dimensions = List.copyOf(dimensions);
        aggregations = List.copyOf(aggregations);
        expressionDimensions = expressionDimensions == null ? List.of() : List.copyOf(expressionDimensions);
    }
}
