package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.GroupByPreShuffleSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pre-shuffle GROUP BY with more groups than it keeps in memory flushes partial groups that still add up; input whose
 * groups barely repeat passes through row by row for a while, and is aggregated again once it repeats.
 */
class PreShuffleFlushTest {
    private static final RowSignature OUT = RowSignature.builder()
            .add("d0", ColumnType.LONG).add("a0", ColumnType.LONG).build();

    private static GroupByPreShuffleSpec countBy(String column, ColumnType type) {
        return new GroupByPreShuffleSpec(null,
                List.of(new NamedExpr("d0", new ColumnRef(column), type)),
                List.of(new AggregatorSpec("a0", AggKind.COUNT, null, null, ColumnType.LONG, false)));
    }

    /** Counts per group of the partial rows, and in {@code rows[0]} how many partial rows there were. */
    private static Map<Object, Long> drain(RowSource partials, long[] rows) {
        Map<Object, Long> counts = new HashMap<>();
        Object[] r;
        while ((r = partials.next()) != null) {
            counts.merge(r[0], (Long) r[1], Long::sum);
            rows[0]++;
        }
        return counts;
    }

    @Test
    void distinctGroupsPassThroughAndRepeatingOnesAreAggregatedAgain() {
        RowSignature in = RowSignature.builder().add("k", ColumnType.LONG).build();
        long distinct = StageProcessors.MAX_GROUPS_IN_MEMORY + StageProcessors.PASS_THROUGH_ROWS;
        long repeating = 500_000;
        long[] n = {0};
        // first every row its own group (the map fills, then rows pass through), then ten groups over and over
        RowSource input = () -> n[0] >= distinct + repeating ? null
                : new Object[] {n[0] < distinct ? n[0]++ : -1 - (n[0]++ % 10)};
        long[] rows = {0};
        Map<Object, Long> counts = drain(
                StageProcessors.create(countBy("k", ColumnType.LONG), in, OUT, 0).transform(input), rows);
        assertThat(rows[0]).as("one partial row per distinct row, ten for the repeating tail").isEqualTo(distinct + 10);
        assertThat(counts).hasSize((int) distinct + 10);
        for (long k = 0; k < distinct; k += 9973) {
            assertThat(counts.get(k)).isEqualTo(1L);
        }
        for (long k = -1; k >= -10; k--) {
            assertThat(counts.get(k)).isEqualTo(repeating / 10);
        }
    }

    @Test
    void multiValueRowsPassingThroughCountUnderEachValue() {
        RowSignature in = RowSignature.builder().add("tags", ColumnType.STRING).build();
        RowSignature out = RowSignature.builder().add("d0", ColumnType.STRING).add("a0", ColumnType.LONG).build();
        int total = StageProcessors.MAX_GROUPS_IN_MEMORY * 2;
        int[] n = {0};
        RowSource input = () -> n[0] >= total ? null
                : new Object[] {List.of("a" + n[0], "b" + n[0]++, "shared")};
        long[] rows = {0};
        Map<Object, Long> counts = drain(
                StageProcessors.create(countBy("tags", ColumnType.STRING), in, out, 0).transform(input), rows);
        assertThat(rows[0]).as("the map filled, later rows passed through").isGreaterThan(2L * total);
        assertThat(counts).hasSize(2 * total + 1);
        assertThat(counts.get("a0")).isEqualTo(1L);
        assertThat(counts.get("b" + (total - 1))).isEqualTo(1L);
        assertThat(counts.get("shared")).isEqualTo((long) total);
    }

    @Test
    void moreGroupsThanTheMapHoldsAreFlushedAsPartialsThatAddUp() {
        RowSignature in = RowSignature.builder().add("k", ColumnType.LONG).build();
        RowSignature out = RowSignature.builder().add("d0", ColumnType.LONG).add("a0", ColumnType.LONG).build();
        GroupByPreShuffleSpec spec = new GroupByPreShuffleSpec(null,
                List.of(new NamedExpr("d0", new ColumnRef("k"), ColumnType.LONG)),
                List.of(new AggregatorSpec("a0", AggKind.COUNT, null, null, ColumnType.LONG, false)));
        int keys = StageProcessors.MAX_GROUPS_IN_MEMORY + 50_000;
        long[] n = {0};
        RowSource input = () -> n[0] < 2L * keys ? new Object[] {n[0]++ % keys} : null; // every key twice, far apart
        RowSource partials = StageProcessors.create(spec, in, out, 0).transform(input);
        Map<Long, Long> counts = new HashMap<>();
        long rows = 0;
        Object[] r;
        while ((r = partials.next()) != null) {
            counts.merge((Long) r[0], (Long) r[1], Long::sum);
            rows++;
        }
        assertThat(rows).as("partial groups were flushed").isGreaterThan(keys);
        assertThat(counts).hasSize(keys);
        assertThat(counts.values()).allMatch(c -> c == 2L);
    }
}
