package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.Expr;
import java.util.List;

/**
 * A hash join in a scan stage. Input {@code broadcastInput} (a stage output) is the right side: every worker reads it
 * into a hash table keyed on {@code rightKeys}, then streams its primary input through it. The joined row is the
 * primary input's row followed by the right row, whose columns are renamed {@code rightPrefix + name}; the scan's
 * filter and columns are over that joined row. An empty key list is a cross join. NULL keys never match.
 *
 * <p>Broadcast ({@code shuffled = false}, Druid's default {@code sqlJoinAlgorithm}): every worker reads the right
 * side whole; INNER or LEFT only. Shuffled ({@code sqlJoinAlgorithm: sortMerge}, and RIGHT/FULL joins): both sides
 * are hash-partitioned on the keys by their stages, and each worker joins the partitions it was given of both,
 * so no side must fit in one worker's memory; INNER, LEFT, RIGHT and FULL (unmatched rows get NULLs on the other
 * side).
 */
public record JoinSpec(int broadcastInput, String rightPrefix, List<Expr> leftKeys, List<String> rightKeys,
        String joinType, boolean shuffled) {
    private static final java.util.Set<String> TYPES = java.util.Set.of("INNER", "LEFT", "RIGHT", "FULL");

    public JoinSpec(int broadcastInput, String rightPrefix, List<Expr> leftKeys, List<String> rightKeys,
            String joinType) {
        this(broadcastInput, rightPrefix, leftKeys, rightKeys, joinType, false);
    }

    public JoinSpec {
        requireNonNull(rightPrefix, "rightPrefix is null");
        leftKeys = List.copyOf(leftKeys);
        rightKeys = List.copyOf(rightKeys);
        if (leftKeys.size() != rightKeys.size()) {
            throw new IllegalArgumentException("left and right key counts differ");
        }
        if (!TYPES.contains(joinType)) {
            throw new IllegalArgumentException("joinType must be INNER, LEFT, RIGHT or FULL, got " + joinType);
        }
        if (!shuffled && !"INNER".equals(joinType) && !"LEFT".equals(joinType)) {
            throw new IllegalArgumentException("a broadcast join must be INNER or LEFT, got " + joinType);
        }
    }

    /** Whether unmatched right rows are emitted (RIGHT and FULL joins). */
    public boolean keepsUnmatchedRight() {
        return "RIGHT".equals(joinType) || "FULL".equals(joinType);
    }

    /** Whether unmatched left rows are emitted (LEFT and FULL joins). */
    public boolean keepsUnmatchedLeft() {
        return "LEFT".equals(joinType) || "FULL".equals(joinType);
    }
}
