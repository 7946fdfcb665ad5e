package io.sluice.planner.translate;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.plan.ShuffleSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.plan.StageInputSpec;
import io.sluice.engine.plan.WindowProcessorSpec;
import io.sluice.engine.plan.WindowProcessorSpec.Bound;
import io.sluice.engine.plan.WindowProcessorSpec.Frame;
import io.sluice.engine.plan.WindowProcessorSpec.FrameUnit;
import io.sluice.engine.plan.WindowProcessorSpec.Kind;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.DruidSqlException;
import io.sluice.planner.PlannerContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.core.Window;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexWindowBound;

/**
 * Translates a Calcite {@link Window} into stages: for each window group (one PARTITION BY / ORDER BY / frame), the
 * rows so far are emitted into one partition sorted by the partition then the order columns (or gathered unsorted
 * when the window has neither), and a single-worker {@link WindowProcessorSpec} stage appends the group's
 * functions. The result is a pending stage over the last window stage's columns.
 */
final class WindowTranslator {
    static final String MAX_ROWS_KEY = "maxRowsMaterializedInWindow";

    private final StageBuilder builder;
    private final PlannerContext context;
    private final RexTranslator rex;

    WindowTranslator(StageBuilder builder, PlannerContext context, RexTranslator rex) {
        this.builder = builder;
        this.context = context;
        this.rex = rex;
    }

    StageBuilder.Pending translate(Window window, StageBuilder.Pending input) {
        int maxRows = context.getInt(MAX_ROWS_KEY, WindowProcessorSpec.DEFAULT_MAX_ROWS_MATERIALIZED_IN_WINDOW);
        if (maxRows < 1) {
            throw DruidSqlException.invalidInput("[" + MAX_ROWS_KEY + "] must be positive, got [" + maxRows + "]");
        }
        int inputCount = window.getInput().getRowType().getFieldCount();
        List<Literal> constants = new ArrayList<>();
        for (RexLiteral c : window.constants) {
            constants.add(rex.literal(c));
        }
        StageBuilder.Pending p = input;
        int outputField = inputCount;
        for (Window.Group group : window.groups) {
            List<RelFieldCollation> keys = new ArrayList<>();
            Set<Integer> seen = new HashSet<>();
            for (int k : group.keys) {
                if (seen.add(k)) {
                    keys.add(new RelFieldCollation(k));
                }
            }
            for (RelFieldCollation c : group.orderKeys.getFieldCollations()) {
                if (seen.add(c.getFieldIndex())) {
                    keys.add(c);
                }
            }
            StageBuilder.Emitted sorted;
            if (keys.isEmpty() && StageBuilder.isPassThrough(p)) {
                // the single window worker reads every partition of the stage: no copy needed
                List<String> columns = new ArrayList<>();
                p.fields.forEach(f -> columns.add(((ColumnRef) f).column()));
                sorted = new StageBuilder.Emitted(((StageInputSpec) p.inputs.get(0)).stage(), columns);
            } else if (keys.isEmpty()) {
                sorted = builder.emit(p, null, List.of(), new ShuffleSpec.Mix());
            } else {
                sorted = builder.emit(p, keys, List.of(), null);
            }
            List<String> names = sorted.names();
            StageDefinition sortedStage = builder.stage(sorted.stage());

            List<Expr> refs = new ArrayList<>();
            for (int i = 0; i < inputCount; i++) {
                refs.add(new ColumnRef(names.get(i)));
            }
            refs.addAll(constants);

            List<String> partition = new ArrayList<>();
            for (int k : group.keys) {
                partition.add(names.get(k));
            }
            List<KeyColumn> order = new ArrayList<>();
            for (RelFieldCollation c : group.orderKeys.getFieldCollations()) {
                String n = names.get(c.getFieldIndex());
                order.add(c.getDirection().isDescending() ? KeyColumn.desc(n) : KeyColumn.asc(n));
            }
            Frame frame = frame(group, refs);

            Set<String> used = new HashSet<>(sortedStage.signature().names());
            RowSignature.Builder sig = RowSignature.builder();
            sortedStage.signature().columns().forEach(c -> sig.add(c.name(), c.type()));
            List<String> outNames = new ArrayList<>(names);
            List<WindowProcessorSpec.Function> functions = new ArrayList<>();
            int w = 0;
            for (Window.RexWinAggCall call : group.aggCalls) {
                String name;
                do {
                    name = "w" + w++;
                } while (!used.add(name));
                ColumnType type = SqlTypes.nativeType(window.getRowType().getFieldList().get(outputField++).getType());
                functions.add(function(name, call, refs, frame, type));
                sig.add(name, type);
                outNames.add(name);
            }
            int n = builder.nextStageNumber();
            builder.add(new StageDefinition(n, builder.stageId(n), List.of(new StageInputSpec(sorted.stage())), null,
                    new WindowProcessorSpec(partition, order, functions, maxRows), sig.build(), null, 1));
            p = builder.overStage(new StageBuilder.Emitted(n, outNames));
        }
        return p;
    }

    private WindowProcessorSpec.Function function(
            String name, Window.RexWinAggCall call, List<Expr> refs, Frame frame, ColumnType type) {
        String fn = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (call.distinct) {
            throw RexTranslator.unsupported("DISTINCT in window function [" + fn + "]");
        }
        if (call.ignoreNulls) {
            throw RexTranslator.unsupported("IGNORE NULLS in window function [" + fn + "]");
        }
        List<RexNode> ops = call.getOperands();
        Kind kind = switch (call.getOperator().getKind()) {
            case ROW_NUMBER -> Kind.ROW_NUMBER;
            case RANK -> Kind.RANK;
            case DENSE_RANK -> Kind.DENSE_RANK;
            case PERCENT_RANK -> Kind.PERCENT_RANK;
            case CUME_DIST -> Kind.CUME_DIST;
            case NTILE -> Kind.NTILE;
            case LAG -> Kind.LAG;
            case LEAD -> Kind.LEAD;
            case FIRST_VALUE -> Kind.FIRST_VALUE;
            case LAST_VALUE -> Kind.LAST_VALUE;
            case COUNT -> Kind.COUNT;
            case SUM -> Kind.SUM;
            case SUM0 -> Kind.SUM0;
            case MIN -> Kind.MIN;
            case MAX -> Kind.MAX;
            case AVG -> Kind.AVG;
            default -> throw RexTranslator.unsupported("window function [" + fn + "]");
        };
        Expr input = null;
        long argument = 0;
        Expr defaultValue = null;
        switch (kind) {
            case ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST -> {}
            case NTILE -> {
                argument = constant(ops.get(0), refs, fn);
                if (argument < 1) {
                    throw DruidSqlException.invalidSqlInput("NTILE needs a positive number of buckets, got ["
                            + argument + "]");
                }
            }
            case LAG, LEAD -> {
                input = rex.translate(ops.get(0), refs);
                argument = ops.size() > 1 ? constant(ops.get(1), refs, fn) : 1;
                if (argument < 0) {
                    throw DruidSqlException.invalidSqlInput(fn + " needs a non-negative offset, got [" + argument
                            + "]");
                }
                defaultValue = ops.size() > 2 ? rex.translate(ops.get(2), refs) : null;
            }
            case COUNT -> {
                if (ops.size() > 1) {
                    throw RexTranslator.unsupported("COUNT with " + ops.size() + " arguments in a window");
                }
                input = ops.isEmpty() ? null : rex.translate(ops.get(0), refs);
            }
            default -> {
                if (ops.size() != 1) {
                    throw RexTranslator.unsupported("window function [" + fn + "] with " + ops.size() + " arguments");
                }
                input = rex.translate(ops.get(0), refs);
            }
        }
        return new WindowProcessorSpec.Function(name, kind, input, argument, defaultValue,
                kind.usesFrame() ? frame : null, type);
    }

    private long constant(RexNode node, List<Expr> refs, String fn) {
        Expr e = rex.translate(node, refs);
        if (e instanceof Literal lit && lit.value() instanceof Number n) {
            return n.longValue();
        }
        throw DruidSqlException.invalidSqlInput("The arguments of window function [" + fn + "] other than the first "
                + "must be numeric constants");
    }

    private Frame frame(Window.Group group, List<Expr> refs) {
        FrameUnit unit = group.isRows ? FrameUnit.ROWS : FrameUnit.RANGE;
        Bound lower = bound(group.lowerBound, refs);
        Bound upper = bound(group.upperBound, refs);
        if (unit == FrameUnit.RANGE
                && (lower.kind() == WindowProcessorSpec.BoundKind.PRECEDING
                        || lower.kind() == WindowProcessorSpec.BoundKind.FOLLOWING
                        || upper.kind() == WindowProcessorSpec.BoundKind.PRECEDING
                        || upper.kind() == WindowProcessorSpec.BoundKind.FOLLOWING)) {
            throw DruidSqlException.invalidSqlInput("Order By with RANGE clause currently supports only UNBOUNDED or "
                    + "CURRENT ROW. Use ROWS clause instead.");
        }
        return new Frame(unit, lower, upper);
    }

    private Bound bound(RexWindowBound b, List<Expr> refs) {
        if (b.isCurrentRow()) {
            return Bound.currentRow();
        }
        if (b.isUnbounded()) {
            return b.isPreceding() ? Bound.unboundedPreceding() : Bound.unboundedFollowing();
        }
        long offset = constant(b.getOffset(), refs, "OVER");
        return b.isPreceding() ? Bound.preceding(offset) : Bound.following(offset);
    }
}
