package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.types.ColumnType;
import java.util.List;

/**
 * Window functions over input rows sorted by {@code partitionColumns} then {@code orderColumns} (the upstream
 * stage shuffles them so, into one partition). Rows with equal partition values are consecutive; each such window
 * partition is materialised (at most {@code maxRowsMaterializedInWindow} rows, else {@code TooManyRowsInAWindow}),
 * and every row is emitted as its input columns followed by one column per function, in order. Rows with equal
 * {@code orderColumns} values are peers (RANGE frames and ranks treat them alike); with no order columns the whole
 * partition is one peer group. Report JSON: {@code {"type": "windowOperator", ...}}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WindowProcessorSpec(
        List<String> partitionColumns,
        List<KeyColumn> orderColumns,
        List<Function> functions,
        int maxRowsMaterializedInWindow)
        implements ProcessorSpec {
    public static final int DEFAULT_MAX_ROWS_MATERIALIZED_IN_WINDOW = 100_000;

    public WindowProcessorSpec {
        partitionColumns = List.copyOf(partitionColumns);
        orderColumns = List.copyOf(orderColumns);
        functions = List.copyOf(functions);
        if (maxRowsMaterializedInWindow < 1) {
            throw new IllegalArgumentException("maxRowsMaterializedInWindow must be >= 1");
        }
    }

    /** What a window function computes. */
    public enum Kind {
        ROW_NUMBER,
        RANK,
        DENSE_RANK,
        PERCENT_RANK,
        CUME_DIST,
        /** {@code argument} buckets */
        NTILE,
        /** value {@code argument} rows before (LAG) or after (LEAD), else {@code defaultValue} */
        LAG,
        LEAD,
        /** value at the first / last row of the frame; NULL for an empty frame */
        FIRST_VALUE,
        LAST_VALUE,
        /** aggregates over the frame; COUNT with no input counts rows; SUM/MIN/MAX/AVG over no non-NULL → NULL */
        COUNT,
        SUM,
        /** SUM that is 0 (not NULL) over no non-NULL values (Calcite's $SUM0) */
        SUM0,
        MIN,
        MAX,
        AVG;

        public boolean usesFrame() {
            return switch (this) {
                case FIRST_VALUE, LAST_VALUE, COUNT, SUM, SUM0, MIN, MAX, AVG -> true;
                default -> false;
            };
        }
    }

    /** ROWS counts rows from the current one; RANGE moves by peer groups (only UNBOUNDED/CURRENT ROW bounds). */
    public enum FrameUnit {
        ROWS,
        RANGE
    }

    public enum BoundKind {
        UNBOUNDED_PRECEDING,
        PRECEDING,
        CURRENT_ROW,
        FOLLOWING,
        UNBOUNDED_FOLLOWING
    }

    /** A frame bound; {@code offset} counts rows for PRECEDING/FOLLOWING and is 0 otherwise. */
    public record Bound(BoundKind kind, long offset) {
        public Bound {
            requireNonNull(kind, "kind is null");
            if (offset < 0) {
                throw new IllegalArgumentException("negative frame offset " + offset);
            }
        }

        public static Bound unboundedPreceding() {
            return new Bound(BoundKind.UNBOUNDED_PRECEDING, 0);
        }

        public static Bound currentRow() {
            return new Bound(BoundKind.CURRENT_ROW, 0);
        }

        public static Bound unboundedFollowing() {
            return new Bound(BoundKind.UNBOUNDED_FOLLOWING, 0);
        }

        public static Bound preceding(long n) {
            return new Bound(BoundKind.PRECEDING, n);
        }

        public static Bound following(long n) {
            return new Bound(BoundKind.FOLLOWING, n);
        }

        boolean hasOffset() {
            return kind == BoundKind.PRECEDING || kind == BoundKind.FOLLOWING;
        }
    }

    /** The rows of the partition a frame-using function sees for the current row. */
    public record Frame(FrameUnit unit, Bound lower, Bound upper) {
        public Frame {
            requireNonNull(unit, "unit is null");
            requireNonNull(lower, "lower is null");
            requireNonNull(upper, "upper is null");
            if (unit == FrameUnit.RANGE && (lower.hasOffset() || upper.hasOffset())) {
                throw new IllegalArgumentException("RANGE frames support only UNBOUNDED and CURRENT ROW bounds");
            }
            if (lower.kind() == BoundKind.UNBOUNDED_FOLLOWING || upper.kind() == BoundKind.UNBOUNDED_PRECEDING) {
                throw new IllegalArgumentException("bad frame " + lower + " .. " + upper);
            }
        }

        /** The whole partition. */
        public static Frame partition() {
            return new Frame(FrameUnit.ROWS, Bound.unboundedPreceding(), Bound.unboundedFollowing());
        }

        /** SQL's default with ORDER BY: from the partition start to the current row's last peer. */
        public static Frame toCurrentPeers() {
            return new Frame(FrameUnit.RANGE, Bound.unboundedPreceding(), Bound.currentRow());
        }
    }

    /**
     * One window function.
     *
     * @param name output column
     * @param input the argument over the input row (null for ranks, NTILE and COUNT(*))
     * @param argument LAG/LEAD offset or NTILE bucket count (0 when unused)
     * @param defaultValue LAG/LEAD value when the offset row is outside the partition (null = NULL)
     * @param frame for {@link Kind#usesFrame()} kinds; null otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Function(
            String name, Kind kind, Expr input, long argument, Expr defaultValue, Frame frame, ColumnType outputType) {
        public Function {
            requireNonNull(name, "name is null");
            requireNonNull(kind, "kind is null");
            requireNonNull(outputType, "outputType is null");
            if (kind.usesFrame() && frame == null) {
                throw new IllegalArgumentException(kind + " needs a frame");
            }
            if (kind == Kind.NTILE && argument < 1) {
                throw new IllegalArgumentException("NTILE needs a positive bucket count, got " + argument);
            }
            if ((kind == Kind.LAG || kind == Kind.LEAD) && argument < 0) {
                throw new IllegalArgumentException(kind + " needs a non-negative offset, got " + argument);
            }
            if (input == null && kind != Kind.COUNT && !isRanking(kind)) {
                throw new IllegalArgumentException(kind + " needs an input");
            }
        }

        private static boolean isRanking(Kind k) {
            return switch (k) {
                case ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE -> true;
                default -> false;
            };
        }
    }
}
