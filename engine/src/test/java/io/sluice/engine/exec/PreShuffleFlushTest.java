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

/** A pre-shuffle GROUP BY with more groups than it keeps in memory flushes partial groups that still add up. */
class PreShuffleFlushTest {
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
