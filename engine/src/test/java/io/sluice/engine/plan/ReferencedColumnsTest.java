package io.sluice.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.agg.AggKind;
import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.types.ColumnType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferencedColumnsTest {
    @Test
    void scanReadsWhatItsFilterAndColumnsName() {
        ScanProcessorSpec scan = new ScanProcessorSpec(
                Call.of(Fn.EQ, new ColumnRef("countryName"), Literal.of("US")),
                List.of(new NamedExpr("p", Call.of(Fn.UPPER, new ColumnRef("page")), ColumnType.STRING)), null);
        assertThat(ReferencedColumns.of(scan)).hasValueSatisfying(
                s -> assertThat(s).containsExactlyInAnyOrder("__time", "countryName", "page"));
    }

    @Test
    void countStarReadsOnlyTime() {
        GroupByPreShuffleSpec g = new GroupByPreShuffleSpec(null, List.of(),
                List.of(new AggregatorSpec("a0", AggKind.COUNT, null, null, ColumnType.LONG, false),
                        new AggregatorSpec("a1", AggKind.SUM, new ColumnRef("added"),
                                Call.of(Fn.GT, new ColumnRef("deleted"), Literal.of(0)), ColumnType.LONG, false)));
        assertThat(ReferencedColumns.of(g)).hasValueSatisfying(
                s -> assertThat(s).containsExactlyInAnyOrder("__time", "added", "deleted"));
    }

    @Test
    void unknownProcessorsReadEverything() {
        assertThat(ReferencedColumns.of(new LimitProcessorSpec(0, 5L))).isEmpty();
    }
}
