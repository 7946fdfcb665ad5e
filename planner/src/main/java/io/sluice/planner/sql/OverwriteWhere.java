package io.sluice.planner.sql;

import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import io.sluice.planner.DruidSqlException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlTimestampLiteral;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.util.TimestampString;

/** Turns a REPLACE … OVERWRITE WHERE condition on {@code __time} into Druid interval strings. */
public final class OverwriteWhere {
    private static final long MIN = Intervals.ETERNITY_START;
    private static final long MAX = Intervals.ETERNITY_END;

    private OverwriteWhere() {}

    /** Disjoint, sorted, half-open ranges. */
    private record Range(long start, long end) {}

    public static List<String> intervals(String condition, Granularity granularity, SqlParser.Config config) {
        SqlNode node;
        try {
            node = SqlParser.create(condition, config).parseExpression();
        } catch (SqlParseException e) {
            throw DruidSqlException.invalidSqlInput("Invalid OVERWRITE WHERE clause [" + condition + "]: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        List<Range> ranges = eval(node);
        if (ranges.isEmpty()) {
            throw DruidSqlException.invalidSqlInput("The OVERWRITE WHERE clause [" + node + "] produced no time "
                    + "intervals, are the bounds overly restrictive?");
        }
        List<String> out = new ArrayList<>();
        for (Range r : ranges) {
            String text = Intervals.format(r.start, r.end);
            if (!granularity.isAll()
                    && (!granularity.isAligned(r.start) && r.start != MIN || !granularity.isAligned(r.end) && r.end != MAX)) {
                throw DruidSqlException.invalidSqlInput("OVERWRITE WHERE clause identified interval [" + text
                        + "] which is not aligned with PARTITIONED BY granularity [" + granularity.describe() + "]");
            }
            out.add(text);
        }
        return out;
    }

    private static List<Range> eval(SqlNode node) {
        if (!(node instanceof SqlBasicCall call)) {
            throw DruidSqlException.invalidSqlInput("Invalid OVERWRITE WHERE clause [" + node + "]: expected clause "
                    + "including AND, OR, NOT, >, <, >=, <= OR BETWEEN operators");
        }
        SqlKind kind = call.getKind();
        switch (kind) {
            case AND: {
                List<Range> acc = List.of(new Range(MIN, MAX));
                for (SqlNode o : call.getOperandList()) {
                    acc = intersect(acc, eval(o));
                }
                return acc;
            }
            case OR: {
                List<Range> acc = new ArrayList<>();
                for (SqlNode o : call.getOperandList()) {
                    acc.addAll(eval(o));
                }
                return normalize(acc);
            }
            case NOT:
                return complement(eval(call.operand(0)));
            case BETWEEN: {
                checkTime(call.operand(0));
                long lo = millis(call.operand(1));
                long hi = millis(call.operand(2));
                boolean negated = call.getOperator().getName().toUpperCase(Locale.ROOT).startsWith("NOT");
                List<Range> r = hi < lo ? List.of() : List.of(new Range(lo, hi + 1));
                return negated ? complement(r) : r;
            }
            case GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL, EQUALS: {
                SqlNode a = call.operand(0);
                SqlNode b = call.operand(1);
                boolean flipped = !(a instanceof SqlIdentifier);
                SqlNode col = flipped ? b : a;
                SqlNode lit = flipped ? a : b;
                checkTime(col);
                long t = millis(lit);
                SqlKind k = flipped ? kind.reverse() : kind;
                return switch (k) {
                    case GREATER_THAN -> List.of(new Range(t + 1, MAX));
                    case GREATER_THAN_OR_EQUAL -> List.of(new Range(t, MAX));
                    case LESS_THAN -> List.of(new Range(MIN, t));
                    case LESS_THAN_OR_EQUAL -> List.of(new Range(MIN, t + 1));
                    default -> List.of(new Range(t, t + 1));
                };
            }
            default:
                throw DruidSqlException.invalidSqlInput(
                        "Unsupported operation [" + call.getOperator().getName() + "] in OVERWRITE WHERE clause.");
        }
    }

    private static void checkTime(SqlNode col) {
        if (!(col instanceof SqlIdentifier id) || !id.names.get(id.names.size() - 1).equals("__time")) {
            throw DruidSqlException.invalidSqlInput(
                    "OVERWRITE WHERE clause only supports filtering on the __time column, got [" + col + "]");
        }
    }

    private static long millis(SqlNode lit) {
        if (lit instanceof SqlTimestampLiteral ts) {
            return ts.getValueAs(TimestampString.class).getMillisSinceEpoch();
        }
        if (lit instanceof SqlLiteral l && l.getValue() != null) {
            try {
                return Intervals.parseInstant(l.toValue());
            } catch (IllegalArgumentException e) {
                // fall through
            }
        }
        throw DruidSqlException.invalidSqlInput("Cannot get a timestamp from sql expression [" + lit + "]");
    }

    private static List<Range> normalize(List<Range> in) {
        List<Range> sorted = new ArrayList<>(in);
        sorted.removeIf(r -> r.end <= r.start);
        sorted.sort(Comparator.comparingLong(Range::start));
        List<Range> out = new ArrayList<>();
        for (Range r : sorted) {
            if (!out.isEmpty() && out.get(out.size() - 1).end >= r.start) {
                Range last = out.remove(out.size() - 1);
                out.add(new Range(last.start, Math.max(last.end, r.end)));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    private static List<Range> intersect(List<Range> a, List<Range> b) {
        List<Range> out = new ArrayList<>();
        for (Range x : a) {
            for (Range y : b) {
                long s = Math.max(x.start, y.start);
                long e = Math.min(x.end, y.end);
                if (s < e) {
                    out.add(new Range(s, e));
                }
            }
        }
        return normalize(out);
    }

    private static List<Range> complement(List<Range> r) {
        List<Range> out = new ArrayList<>();
        long cur = MIN;
        for (Range x : normalize(r)) {
            if (x.start > cur) {
                out.add(new Range(cur, x.start));
            }
            cur = Math.max(cur, x.end);
        }
        if (cur < MAX) {
            out.add(new Range(cur, MAX));
        }
        return out;
    }
}
