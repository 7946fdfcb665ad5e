package io.sluice.engine.plan;

import io.sluice.engine.agg.AggregatorSpec;
import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.NamedExpr;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The input columns a stage's processor reads, so that a table scan decodes only those. Empty when the processor's
 * needs are not known (then every column is read). {@code __time} is always included.
 */
public final class ReferencedColumns {
    private ReferencedColumns() {}

    public static Optional<Set<String>> of(ProcessorSpec processor) {
        Set<String> out = new HashSet<>();
        out.add("__time");
        if (processor instanceof ScanProcessorSpec scan) {
            add(out, scan.filter());
            for (NamedExpr c : scan.columns()) {
                add(out, c.expr());
            }
            if (scan.unnest() != null) {
                add(out, scan.unnest().array());
            }
            if (scan.join() != null) {
                scan.join().leftKeys().forEach(k -> add(out, k));
            }
            return Optional.of(out);
        }
        if (processor instanceof GroupByPreShuffleSpec g) {
            add(out, g.filter());
            for (NamedExpr d : g.dimensions()) {
                add(out, d.expr());
            }
            for (AggregatorSpec a : g.aggregations()) {
                add(out, a.input());
                add(out, a.filter());
            }
            if (g.join() != null) {
                g.join().leftKeys().forEach(k -> add(out, k));
            }
            return Optional.of(out);
        }
        return Optional.empty();
    }

    /** The columns an expression reads (none for null). */
    public static Set<String> of(Expr e) {
        Set<String> out = new HashSet<>();
        add(out, e);
        return out;
    }

    private static void add(Set<String> out, Expr e) {
        if (e instanceof ColumnRef c) {
            out.add(c.column());
        } else if (e instanceof Call call) {
            call.args().forEach(a -> add(out, a));
        }
    }
}
