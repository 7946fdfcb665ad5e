package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.Expr;
import java.util.List;

/**
 * A broadcast hash join in a scan stage: every worker reads input {@code broadcastInput} (a stage output) whole into
 * a hash table keyed on {@code rightKeys}, then streams its primary input through it. The joined row is the primary
 * input's row followed by the broadcast row, whose columns are renamed {@code rightPrefix + name}; the scan's filter
 * and columns are over that joined row. {@code joinType} is INNER or LEFT (unmatched rows get NULLs on the right).
 * An empty key list is a cross join. NULL keys never match.
 */
public record JoinSpec(int broadcastInput, String rightPrefix, List<Expr> leftKeys, List<String> rightKeys,
        String joinType) {
    public JoinSpec {
        requireNonNull(rightPrefix, "rightPrefix is null");
        leftKeys = List.copyOf(leftKeys);
        rightKeys = List.copyOf(rightKeys);
        if (leftKeys.size() != rightKeys.size()) {
            throw new IllegalArgumentException("left and right key counts differ");
        }
        if (!"INNER".equals(joinType) && !"LEFT".equals(joinType)) {
            throw new IllegalArgumentException("joinType must be INNER or LEFT, got " + joinType);
        }
    }
}
