package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.plan.JoinSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinTransformerTest {
    static final RowSignature LEFT = RowSignature.builder().add("k", ColumnType.STRING).add("v", ColumnType.LONG).build();
    static final RowSignature RIGHT = RowSignature.builder().add("k", ColumnType.STRING).add("w", ColumnType.DOUBLE).build();
    static final List<Object[]> RIGHT_ROWS = List.of(
            new Object[] {"a", 1.0}, new Object[] {"a", 2.0}, new Object[] {"b", 3.0}, new Object[] {null, 9.0});

    static RowSource source(Object[]... rows) {
        Iterator<Object[]> it = Arrays.asList(rows).iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    static List<List<Object>> drain(RowSource r) {
        List<List<Object>> out = new ArrayList<>();
        Object[] row;
        while ((row = r.next()) != null) {
            out.add(Arrays.asList(row));
        }
        return out;
    }

    @Test
    void innerJoinEmitsEveryMatchAndDropsNullAndMissingKeys() {
        JoinSpec spec = new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "INNER");
        RowSource out = new JoinTransformer(spec, LEFT, RIGHT, RIGHT_ROWS)
                .transform(source(new Object[] {"a", 10L}, new Object[] {"c", 11L}, new Object[] {null, 12L},
                        new Object[] {"b", 13L}));
        assertThat(drain(out)).containsExactly(
                Arrays.asList("a", 10L, "a", 1.0), Arrays.asList("a", 10L, "a", 2.0), Arrays.asList("b", 13L, "b", 3.0));
        assertThat(JoinTransformer.joinedSignature(LEFT, RIGHT, "j0.").names())
                .containsExactly("k", "v", "j0.k", "j0.w");
    }

    @Test
    void leftJoinKeepsUnmatchedRowsWithNulls() {
        JoinSpec spec = new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "LEFT");
        RowSource out = new JoinTransformer(spec, LEFT, RIGHT, RIGHT_ROWS)
                .transform(source(new Object[] {"c", 11L}, new Object[] {"b", 13L}));
        assertThat(drain(out)).containsExactly(Arrays.asList("c", 11L, null, null), Arrays.asList("b", 13L, "b", 3.0));
    }

    @Test
    void crossJoinWithoutKeysPairsEveryRow() {
        JoinSpec spec = new JoinSpec(1, "j0.", List.of(), List.of(), "INNER");
        RowSource out = new JoinTransformer(spec, LEFT, RIGHT, RIGHT_ROWS).transform(source(new Object[] {"x", 1L}));
        assertThat(drain(out)).hasSize(4);
    }

    @Test
    void numericKeysMatchAcrossLongAndDouble() {
        RowSignature l = RowSignature.builder().add("n", ColumnType.LONG).build();
        RowSignature r = RowSignature.builder().add("m", ColumnType.DOUBLE).build();
        JoinSpec spec = new JoinSpec(1, "j0.", List.of(new ColumnRef("n")), List.of("m"), "INNER");
        List<Object[]> rightRows = new ArrayList<>();
        rightRows.add(new Object[] {2.0});
        assertThat(drain(new JoinTransformer(spec, l, r, rightRows).transform(source(new Object[] {2L}))))
                .containsExactly(Arrays.asList(2L, 2.0));
    }

    @Test
    void rightJoinEmitsUnmatchedRightRowsOnceAfterTheLeftSide() {
        JoinSpec spec = new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "RIGHT", true);
        RowSource out = new JoinTransformer(spec, LEFT, RIGHT, RIGHT_ROWS)
                .transform(source(new Object[] {"a", 10L}, new Object[] {"c", 11L}, new Object[] {"a", 12L}));
        assertThat(drain(out)).containsExactly(
                Arrays.asList("a", 10L, "a", 1.0), Arrays.asList("a", 10L, "a", 2.0),
                Arrays.asList("a", 12L, "a", 1.0), Arrays.asList("a", 12L, "a", 2.0),
                Arrays.asList(null, null, "b", 3.0), Arrays.asList(null, null, null, 9.0));
    }

    @Test
    void fullJoinKeepsUnmatchedRowsOfBothSides() {
        JoinSpec spec = new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "FULL", true);
        RowSource out = new JoinTransformer(spec, LEFT, RIGHT, RIGHT_ROWS)
                .transform(source(new Object[] {"b", 13L}, new Object[] {null, 14L}));
        assertThat(drain(out)).containsExactly(
                Arrays.asList("b", 13L, "b", 3.0), Arrays.asList(null, 14L, null, null),
                Arrays.asList(null, null, "a", 1.0), Arrays.asList(null, null, "a", 2.0),
                Arrays.asList(null, null, null, 9.0));
    }

    @Test
    void broadcastJoinsRefuseRightAndFullAndShuffledJoinsSkipTheBroadcastBudget() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "FULL"))
                .isInstanceOf(IllegalArgumentException.class);
        List<Object[]> many = java.util.Collections.nCopies((int) JoinTransformer.MAX_BROADCAST_ROWS + 1,
                new Object[] {"a", 1.0});
        JoinSpec broadcast = new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "INNER");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JoinTransformer(broadcast, LEFT, RIGHT, many))
                .isInstanceOf(io.sluice.engine.fault.FaultException.class)
                .hasMessageContaining("BroadcastTablesTooLarge");
        JoinSpec shuffled = new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), "INNER", true);
        RowSource out = new JoinTransformer(shuffled, LEFT, RIGHT, many).transform(source(new Object[] {"z", 1L}));
        assertThat(drain(out)).isEmpty();
    }
}
