package io.sluice.engine.exec;

import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.segment.SegmentReader;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.roaringbitmap.RoaringBitmap;

/**
 * A row filter over a segment answered from its indexes instead of row by row: {@code __time} bounds among the
 * top-level conjuncts narrow the row range (the sorted time column), and string equality and inequality, IN,
 * IS [NOT] NULL, NOT of those, AND and OR become Roaring bitmap operations over the dictionary's per-value bitmaps.
 * SQL's three-valued
 * logic is kept: a row is selected exactly when {@code ExprEvaluator.isTrue(filter)} holds for it (NULL never
 * matches an equality, and NOT of an equality does not select NULL rows). {@link #compile} says whether a filter
 * has only such parts; the columns it names must be single-value STRING columns (or numeric ones for IS [NOT] NULL)
 * in the segment, which {@link #canRead} checks.
 */
public final class SegmentFilter {
    private final long start;
    private final long end;
    private final Node node; // null: no condition besides the time bounds

    private SegmentFilter(long start, long end, Node node) {
        this.start = start;
        this.end = end;
        this.node = node;
    }

    /** The filter over {@code signature}'s columns, or empty when some part cannot be answered from the indexes. */
    public static Optional<SegmentFilter> compile(Expr filter, RowSignature signature) {
        long lo = Intervals.ETERNITY_START;
        long hi = Intervals.ETERNITY_END;
        if (filter == null) {
            return Optional.of(new SegmentFilter(lo, hi, null));
        }
        List<Expr> conjuncts = new ArrayList<>();
        flattenAnd(filter, conjuncts);
        List<Node> rest = new ArrayList<>();
        for (Expr c : conjuncts) {
            long[] bound = timeBound(c);
            if (bound != null) {
                lo = Math.max(lo, bound[0]);
                hi = Math.min(hi, bound[1]);
                continue;
            }
            Node n = node(c, signature);
            if (n == null) {
                return Optional.empty();
            }
            rest.add(n);
        }
        Node node = rest.isEmpty() ? null : rest.size() == 1 ? rest.get(0) : new And(rest);
        return Optional.of(new SegmentFilter(lo, Math.max(lo, hi), node));
    }

    /** Start of the {@code __time} range the filter allows (inclusive). */
    public long start() {
        return start;
    }

    /** End of the {@code __time} range the filter allows (exclusive). */
    public long end() {
        return end;
    }

    /** True when the filter has conditions besides the time range. */
    public boolean hasCondition() {
        return node != null;
    }

    /** The columns the conditions read. */
    public Set<String> columns() {
        Set<String> out = new LinkedHashSet<>();
        if (node != null) {
            node.columns(out);
        }
        return out;
    }

    /** True when the segment's columns have the shapes the conditions need. */
    public boolean canRead(SegmentReader segment) {
        return node == null || node.canRead(segment);
    }

    /**
     * The rows of the segment satisfying the conditions (not the time range), over {@code [0, numRows)}; a new
     * bitmap the caller may modify. Only for a filter with {@link #hasCondition()}.
     */
    public RoaringBitmap evaluate(SegmentReader segment) {
        int n = Math.toIntExact(segment.numRows());
        RoaringBitmap b = node.eval(segment, n);
        return b.clone();
    }

    private static void flattenAnd(Expr e, List<Expr> out) {
        if (e instanceof Call c && c.function().equals(Fn.AND.id())) {
            c.args().forEach(a -> flattenAnd(a, out));
        } else {
            out.add(e);
        }
    }

    /** {@code [lo, hi)} for {@code __time <op> literal}, else null. */
    private static long[] timeBound(Expr e) {
        if (!(e instanceof Call call) || call.args().size() != 2
                || !(call.args().get(0) instanceof ColumnRef ref) || !ref.column().equals("__time")
                || !(call.args().get(1) instanceof Literal lit) || !(lit.value() instanceof Long t)) {
            return null;
        }
        long min = Intervals.ETERNITY_START;
        long max = Intervals.ETERNITY_END;
        return switch (call.function()) {
            case ">=" -> new long[] {t, max};
            case ">" -> new long[] {t == Long.MAX_VALUE ? t : t + 1, max};
            case "<" -> new long[] {min, t};
            case "<=" -> new long[] {min, t == Long.MAX_VALUE ? t : t + 1};
            case "==" -> new long[] {t, t == Long.MAX_VALUE ? t : t + 1};
            default -> null;
        };
    }

    private static Node node(Expr e, RowSignature sig) {
        if (!(e instanceof Call call)) {
            return null;
        }
        List<Expr> args = call.args();
        String fn = call.function();
        if (fn.equals(Fn.AND.id()) || fn.equals(Fn.OR.id())) {
            List<Node> parts = new ArrayList<>();
            for (Expr a : args) {
                Node n = node(a, sig);
                if (n == null) {
                    return null;
                }
                parts.add(n);
            }
            if (parts.isEmpty()) {
                return null;
            }
            return fn.equals(Fn.AND.id()) ? new And(parts) : new Or(parts);
        }
        if (fn.equals(Fn.NOT.id()) && args.size() == 1) {
            Node inner = node(args.get(0), sig);
            return inner instanceof Values v ? new NotValues(v) : null;
        }
        if ((fn.equals(Fn.IS_NULL.id()) || fn.equals(Fn.IS_NOT_NULL.id())) && args.size() == 1
                && args.get(0) instanceof ColumnRef ref && sig.indexOf(ref.column()) >= 0
                && !ref.column().equals("__time")) {
            ColumnType t = sig.typeOf(ref.column()).orElseThrow();
            if (t != ColumnType.STRING && t != ColumnType.LONG && t != ColumnType.DOUBLE && t != ColumnType.FLOAT) {
                return null;
            }
            return new IsNull(ref.column(), t, fn.equals(Fn.IS_NOT_NULL.id()));
        }
        if (fn.equals(Fn.NE.id()) && args.size() == 2) {
            Node eq = node(new Call(Fn.EQ.id(), args), sig);
            return eq instanceof Values v && !v.values().isEmpty() ? new NotValues(v) : null;
        }
        if (fn.equals(Fn.EQ.id()) && args.size() == 2) {
            Expr a = args.get(0);
            Expr b = args.get(1);
            if (b instanceof ColumnRef && a instanceof Literal) {
                Expr t = a;
                a = b;
                b = t;
            }
            if (a instanceof ColumnRef ref && isString(sig, ref.column()) && b instanceof Literal lit
                    && (lit.value() == null || lit.value() instanceof String)) {
                List<String> values = new ArrayList<>();
                if (lit.value() != null) {
                    values.add((String) lit.value());
                }
                return new Values(ref.column(), values);
            }
            return null;
        }
        if (fn.equals(Fn.IN.id()) && args.size() >= 1 && args.get(0) instanceof ColumnRef ref
                && isString(sig, ref.column())) {
            List<String> values = new ArrayList<>();
            for (int i = 1; i < args.size(); i++) {
                if (!(args.get(i) instanceof Literal lit)) {
                    return null;
                }
                if (lit.value() instanceof String s) {
                    values.add(s);
                } else if (lit.value() instanceof List<?> l) {
                    for (Object o : l) {
                        if (o instanceof String s) {
                            values.add(s);
                        } else if (o != null) {
                            return null;
                        }
                    }
                } else if (lit.value() != null) {
                    return null;
                }
            }
            return new Values(ref.column(), values);
        }
        return null;
    }

    private static boolean isString(RowSignature sig, String column) {
        return !column.equals("__time") && sig.typeOf(column).orElse(null) == ColumnType.STRING;
    }

    private static boolean singleValueString(SegmentReader s, String column) {
        return s.columnType(column).orElse(null) == ColumnType.STRING && !s.isMultiValue(column);
    }

    private interface Node {
        void columns(Set<String> out);

        boolean canRead(SegmentReader s);

        /** The selected rows; may be a bitmap the segment shares (never modified). */
        RoaringBitmap eval(SegmentReader s, int numRows);
    }

    private record And(List<Node> parts) implements Node {
        @Override
        public void columns(Set<String> out) {
            parts.forEach(p -> p.columns(out));
        }

        @Override
        public boolean canRead(SegmentReader s) {
            return parts.stream().allMatch(p -> p.canRead(s));
        }

        @Override
        public RoaringBitmap eval(SegmentReader s, int numRows) {
            RoaringBitmap acc = null;
            for (Node p : parts) {
                RoaringBitmap b = p.eval(s, numRows);
                acc = acc == null ? b : RoaringBitmap.and(acc, b);
                if (acc.isEmpty()) {
                    break;
                }
            }
            return acc;
        }
    }

    private record Or(List<Node> parts) implements Node {
        @Override
        public void columns(Set<String> out) {
            parts.forEach(p -> p.columns(out));
        }

        @Override
        public boolean canRead(SegmentReader s) {
            return parts.stream().allMatch(p -> p.canRead(s));
        }

        @Override
        public RoaringBitmap eval(SegmentReader s, int numRows) {
            RoaringBitmap acc = new RoaringBitmap();
            for (Node p : parts) {
                acc.or(p.eval(s, numRows));
            }
            return acc;
        }
    }

    /** {@code column = v1 OR column = v2 …} (equality and IN): the union of the values' bitmaps; NULL matches none. */
    private record Values(String column, List<String> values) implements Node {
        @Override
        public void columns(Set<String> out) {
            out.add(column);
        }

        @Override
        public boolean canRead(SegmentReader s) {
            return singleValueString(s, column);
        }

        @Override
        public RoaringBitmap eval(SegmentReader s, int numRows) {
            SegmentReader.DictionaryColumn c = s.dictionaryColumn(column).orElseThrow();
            RoaringBitmap acc = null;
            for (String v : values) {
                int id = c.idOf(v);
                if (id <= 0) {
                    continue;
                }
                acc = acc == null ? c.bitmap(id) : RoaringBitmap.or(acc, c.bitmap(id));
            }
            return acc == null ? new RoaringBitmap() : acc;
        }
    }

    /** NOT of an equality / IN: rows whose value is not NULL and not among the values. */
    private record NotValues(Values inner) implements Node {
        @Override
        public void columns(Set<String> out) {
            inner.columns(out);
        }

        @Override
        public boolean canRead(SegmentReader s) {
            return inner.canRead(s);
        }

        @Override
        public RoaringBitmap eval(SegmentReader s, int numRows) {
            SegmentReader.DictionaryColumn c = s.dictionaryColumn(inner.column()).orElseThrow();
            RoaringBitmap all = RoaringBitmap.bitmapOfRange(0, numRows);
            all.andNot(c.bitmap(0));
            all.andNot(inner.eval(s, numRows));
            return all;
        }
    }

    private record IsNull(String column, ColumnType type, boolean negate) implements Node {
        @Override
        public void columns(Set<String> out) {
            out.add(column);
        }

        @Override
        public boolean canRead(SegmentReader s) {
            if (type == ColumnType.STRING) {
                return singleValueString(s, column);
            }
            return s.columnType(column).orElse(null) == type;
        }

        @Override
        public RoaringBitmap eval(SegmentReader s, int numRows) {
            RoaringBitmap nulls = type == ColumnType.STRING
                    ? s.dictionaryColumn(column).orElseThrow().bitmap(0)
                    : s.nullRows(column).orElseThrow();
            if (!negate) {
                return nulls;
            }
            RoaringBitmap all = RoaringBitmap.bitmapOfRange(0, numRows);
            all.andNot(nulls);
            return all;
        }
    }
}
