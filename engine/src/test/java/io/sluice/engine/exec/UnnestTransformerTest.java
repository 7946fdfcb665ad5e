package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.UnnestSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnnestTransformerTest {
    private static final RowSignature IN = RowSignature.builder()
            .add("dim3", ColumnType.STRING)
            .add("m1", ColumnType.FLOAT)
            .add("m2", ColumnType.DOUBLE)
            .build();

    private static RowSource source(Object[]... rows) {
        var it = Arrays.asList(rows).iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    private static List<List<Object>> drain(RowSource s) {
        List<List<Object>> out = new ArrayList<>();
        Object[] r;
        while ((r = s.next()) != null) {
            out.add(Arrays.asList(r));
        }
        return out;
    }

    private static Object[] row(Object... v) {
        return v;
    }

    @Test
    void multiValueStringsUnnestLikeDruidWithANullRowForNullValues() {
        UnnestSpec spec = new UnnestSpec("u", Call.of(Fn.MV_TO_ARRAY, new ColumnRef("dim3")), ColumnType.STRING, true);
        List<List<Object>> out = drain(new UnnestTransformer(spec, IN).transform(source(
                row(List.of("a", "b"), 1f, 1d), row("d", 3f, 3d), row("", 4f, 4d), row(null, 5f, 5d))));
        assertThat(out).extracting(r -> r.get(3)).containsExactly("a", "b", "d", "", null);
        assertThat(out.get(1)).containsExactly(List.of("a", "b"), 1f, 1d, "b");
    }

    @Test
    void arraysYieldOneRowPerElementAndNoneWhenNullOrEmpty() {
        UnnestSpec spec = new UnnestSpec("u", new ColumnRef("dim3"), ColumnType.STRING, false);
        RowSignature sig = RowSignature.builder().add("dim3", ColumnType.STRING_ARRAY).build();
        List<List<Object>> out = drain(new UnnestTransformer(spec, sig).transform(source(
                row(List.of("x", "y")), row((Object) null), row(List.of()), row(Arrays.asList("z", null)))));
        assertThat(out).extracting(r -> r.get(1)).containsExactly("x", "y", "z", null);
    }

    @Test
    void scanFiltersAndProjectsOverTheUnnestedColumn() {
        UnnestSpec spec = new UnnestSpec("j0.unnest", Call.of(Fn.ARRAY, new ColumnRef("m1"), new ColumnRef("m2")),
                ColumnType.DOUBLE, false);
        ScanProcessorSpec scan = new ScanProcessorSpec(spec,
                Call.of(Fn.NE, new ColumnRef("j0.unnest"), Literal.of(2.0)),
                List.of(new NamedExpr("d", new ColumnRef("j0.unnest"), ColumnType.DOUBLE)), null);
        RowSignature out = RowSignature.builder().add("d", ColumnType.DOUBLE).build();
        List<List<Object>> rows = drain(StageProcessors.create(scan, IN, out, 0)
                .transform(source(row("a", 1f, 1d), row("b", 2f, 2d), row("c", 3f, 3.5d))));
        assertThat(rows).extracting(r -> r.get(0)).containsExactly(1.0, 1.0, 3.0, 3.5);
    }
}
