package io.sluice.engine.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.NamedExpr;
import java.util.List;

/**
 * Filter then project each input row (the stage has exactly one non-broadcast input). Output columns are
 * {@code columns} in order; they equal the stage signature. {@code limit} (nullable) caps rows per worker (the
 * planner adds a limit stage after the shuffle for the global limit); {@code offset} is applied only by a limit stage.
 *
 * <p>Input rows are in the input's signature: the EXTERN signature, the datasource signature ({@code __time} first),
 * or the upstream stage's signature. With {@code unnest} (nullable), each input row first becomes one row per array
 * element, in the input's signature plus the unnest column; filter and columns are over that extended signature.
 * With {@code join} (nullable), the input row is first joined with a broadcast input (see {@link JoinSpec}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScanProcessorSpec(UnnestSpec unnest, Expr filter, List<NamedExpr> columns, Long limit, JoinSpec join)
        implements ProcessorSpec {
    public ScanProcessorSpec {
        columns = List.copyOf(columns);
        if (unnest != null && join != null) {
            throw new IllegalArgumentException("a scan does either UNNEST or a join");
        }
    }

    /** A scan without a join. */
    public ScanProcessorSpec(UnnestSpec unnest, Expr filter, List<NamedExpr> columns, Long limit) {
        this(unnest, filter, columns, limit, null);
    }

    /** A scan without UNNEST. */
    public ScanProcessorSpec(Expr filter, List<NamedExpr> columns, Long limit) {
        this(null, filter, columns, limit, null);
    }
}
