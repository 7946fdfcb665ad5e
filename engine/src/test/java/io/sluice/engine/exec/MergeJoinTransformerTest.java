package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.plan.JoinSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-partition sort-merge join against the hash join on the same (sorted) rows. */
class MergeJoinTransformerTest {
    static final RowSignature LEFT = RowSignature.builder().add("k", ColumnType.LONG).add("v", ColumnType.STRING).build();
    static final RowSignature RIGHT = RowSignature.builder().add("k", ColumnType.LONG).add("w", ColumnType.DOUBLE).build();

    private static JoinSpec spec(String type) {
        return new JoinSpec(1, "j0.", List.of(new ColumnRef("k")), List.of("k"), type, true);
    }

    /** Rows sorted as the shuffle sorts them: NULL keys first, then ascending. */
    private static List<Object[]> sorted(List<Object[]> rows) {
        List<Object[]> out = new ArrayList<>(rows);
        out.sort((a, b) -> a[0] == null ? (b[0] == null ? 0 : -1) : b[0] == null ? 1 : Long.compare((Long) a[0], (Long) b[0]));
        return out;
    }

    private static RowSource source(List<Object[]> rows) {
        var it = rows.iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    private static List<List<Object>> drain(RowSource r) {
        List<List<Object>> out = new ArrayList<>();
        Object[] row;
        while ((row = r.next()) != null) {
            out.add(Arrays.asList(row));
        }
        return out;
    }

    private static List<Object[]> random(Random rnd, int n, boolean left) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Long k = rnd.nextInt(12) == 0 ? null : (long) rnd.nextInt(40);
            rows.add(new Object[] {k, left ? (Object) ("v" + i) : (Object) (double) i});
        }
        return sorted(rows);
    }

    @Test
    void everyJoinTypeMatchesTheHashJoin() {
        Random rnd = new Random(7);
        for (int round = 0; round < 20; round++) {
            List<Object[]> l = random(rnd, rnd.nextInt(60), true);
            List<Object[]> r = random(rnd, rnd.nextInt(60), false);
            for (String type : List.of("INNER", "LEFT", "RIGHT", "FULL")) {
                List<List<Object>> merged = drain(new MergeJoinTransformer(spec(type), LEFT, RIGHT)
                        .join(source(l), source(r)));
                List<List<Object>> hashed = drain(new JoinTransformer(spec(type), LEFT, RIGHT, r).transform(source(l)));
                assertThat(merged).as(type).containsExactlyInAnyOrderElementsOf(hashed);
            }
        }
    }

    @Test
    void fullJoinKeepsUnmatchedAndNullKeyedRowsOfBothSides() {
        List<Object[]> l = sorted(List.of(new Object[] {null, "n"}, new Object[] {1L, "a"}, new Object[] {3L, "c"}));
        List<Object[]> r = sorted(List.of(new Object[] {null, 9.0}, new Object[] {2L, 2.0}, new Object[] {3L, 3.0},
                new Object[] {3L, 3.5}));
        assertThat(drain(new MergeJoinTransformer(spec("FULL"), LEFT, RIGHT).join(source(l), source(r))))
                .containsExactlyInAnyOrder(
                        Arrays.asList(null, "n", null, null), Arrays.asList(1L, "a", null, null),
                        Arrays.asList(3L, "c", 3L, 3.0), Arrays.asList(3L, "c", 3L, 3.5),
                        Arrays.asList(null, null, null, 9.0), Arrays.asList(null, null, 2L, 2.0));
    }

    @Test
    void tooManyRightRowsWithOneKeyIsDruidsFault() {
        List<Object[]> r = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            r.add(new Object[] {5L, (double) i});
        }
        MergeJoinTransformer small = new MergeJoinTransformer(spec("INNER"), LEFT, RIGHT, 1000);
        List<Object[]> l = List.<Object[]>of(new Object[] {5L, "x"});
        assertThatThrownBy(() -> drain(small.join(source(l), source(r))))
                .isInstanceOf(FaultException.class)
                .hasMessageContaining("TooManyRowsWithSameKey");
    }
}
