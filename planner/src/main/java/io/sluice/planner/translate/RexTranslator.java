package io.sluice.planner.translate;

import io.sluice.engine.expr.Call;
import io.sluice.engine.expr.Expr;
import io.sluice.engine.expr.Fn;
import io.sluice.engine.expr.Literal;
import io.sluice.engine.types.ColumnType;
import io.sluice.planner.DruidSqlException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.calcite.avatica.util.TimeUnitRange;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.TimestampString;

/** Translates Calcite row expressions into engine {@link Expr}s over the given input field expressions. */
public final class RexTranslator {
    private static final Map<String, Fn> BY_NAME = Map.ofEntries(
            Map.entry("TIME_PARSE", Fn.TIMESTAMP_PARSE),
            Map.entry("TIME_FLOOR", Fn.TIMESTAMP_FLOOR),
            Map.entry("TIME_CEIL", Fn.TIMESTAMP_CEIL),
            Map.entry("TIME_FORMAT", Fn.TIMESTAMP_FORMAT),
            Map.entry("TIME_SHIFT", Fn.TIMESTAMP_SHIFT),
            Map.entry("TIME_EXTRACT", Fn.TIMESTAMP_EXTRACT),
            Map.entry("NVL", Fn.COALESCE),
            Map.entry("COALESCE", Fn.COALESCE),
            Map.entry("CHAR_LENGTH", Fn.STRLEN),
            Map.entry("CHARACTER_LENGTH", Fn.STRLEN),
            Map.entry("LENGTH", Fn.STRLEN),
            Map.entry("LN", Fn.LN),
            Map.entry("POWER", Fn.POWER),
            Map.entry("||", Fn.CONCAT),
            Map.entry("ARRAY", Fn.ARRAY),
            Map.entry("ARRAY_VALUE_CONSTRUCTOR", Fn.ARRAY));

    private final RexBuilder rexBuilder;

    public RexTranslator(RexBuilder rexBuilder) {
        this.rexBuilder = rexBuilder;
    }

    public Expr translate(RexNode node, List<Expr> inputs) {
        if (node instanceof RexInputRef ref) {
            return inputs.get(ref.getIndex());
        }
        if (node instanceof RexLiteral lit) {
            return literal(lit);
        }
        if (node instanceof org.apache.calcite.rex.RexOver) {
            throw unsupported("window functions");
        }
        if (node instanceof org.apache.calcite.rex.RexSubQuery) {
            throw unsupported("sub-queries");
        }
        if (node instanceof RexCall call) {
            return call(call, inputs);
        }
        throw unsupported("expression [" + node + "]");
    }

    /** Druid's invalid-input error for a bad argument. */
    public static DruidSqlException invalidInput(String message) {
        return new DruidSqlException("invalidInput", "USER", "INVALID_INPUT", message, Map.of("sourceType", "sql"));
    }

    public static DruidSqlException unsupported(String what) {
        return new DruidSqlException("general", "USER", "UNSUPPORTED",
                "SQL feature is not supported yet by this engine: " + what, Map.of());
    }

    Literal literal(RexLiteral lit) {
        ColumnType type = SqlTypes.nativeType(lit.getType());
        if (lit.isNull()) {
            return Literal.ofNull(type);
        }
        SqlTypeName n = lit.getTypeName();
        switch (n) {
            case CHAR, VARCHAR:
                return Literal.of(lit.getValueAs(String.class));
            case BOOLEAN:
                return Literal.of(Boolean.TRUE.equals(lit.getValueAs(Boolean.class)) ? 1L : 0L);
            case TIMESTAMP, TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return Literal.of(lit.getValueAs(TimestampString.class).getMillisSinceEpoch());
            case DATE:
                return Literal.of(lit.getValueAs(DateString.class).getMillisSinceEpoch());
            default:
                break;
        }
        if (SqlTypeName.INTERVAL_TYPES.contains(n)) {
            return Literal.of(lit.getValueAs(BigDecimal.class).longValue());
        }
        BigDecimal bd = lit.getValueAs(BigDecimal.class);
        if (bd != null) {
            if (type == ColumnType.LONG) {
                return Literal.of(bd.longValue());
            }
            return new Literal(bd.doubleValue(), type == ColumnType.FLOAT ? ColumnType.FLOAT : ColumnType.DOUBLE);
        }
        if (n == SqlTypeName.ARRAY) {
            throw unsupported("array literal");
        }
        throw unsupported("literal [" + lit + "]");
    }

    private Expr call(RexCall call, List<Expr> inputs) {
        SqlKind kind = call.getKind();
        List<RexNode> ops = call.getOperands();
        switch (kind) {
            case SEARCH:
                return translate(RexUtil.expandSearch(rexBuilder, null, call), inputs);
            case PLUS:
                return Call.of(Fn.ADD, args(ops, inputs).toArray(Expr[]::new));
            case MINUS:
                return Call.of(Fn.SUBTRACT, args(ops, inputs).toArray(Expr[]::new));
            case TIMES:
                return Call.of(Fn.MULTIPLY, args(ops, inputs).toArray(Expr[]::new));
            case DIVIDE:
                return Call.of(Fn.DIVIDE, args(ops, inputs).toArray(Expr[]::new));
            case MOD:
                return Call.of(Fn.MOD, args(ops, inputs).toArray(Expr[]::new));
            case MINUS_PREFIX:
                return Call.of(Fn.NEGATE, translate(ops.get(0), inputs));
            case PLUS_PREFIX, REINTERPRET:
                return translate(ops.get(0), inputs);
            case EQUALS:
                return Call.of(Fn.EQ, args(ops, inputs).toArray(Expr[]::new));
            case NOT_EQUALS:
                return Call.of(Fn.NE, args(ops, inputs).toArray(Expr[]::new));
            case LESS_THAN:
                return Call.of(Fn.LT, args(ops, inputs).toArray(Expr[]::new));
            case LESS_THAN_OR_EQUAL:
                return Call.of(Fn.LE, args(ops, inputs).toArray(Expr[]::new));
            case GREATER_THAN:
                return Call.of(Fn.GT, args(ops, inputs).toArray(Expr[]::new));
            case GREATER_THAN_OR_EQUAL:
                return Call.of(Fn.GE, args(ops, inputs).toArray(Expr[]::new));
            case AND:
                return chain(Fn.AND, args(ops, inputs));
            case OR:
                return chain(Fn.OR, args(ops, inputs));
            case NOT:
                return Call.of(Fn.NOT, translate(ops.get(0), inputs));
            case IS_NULL:
                return Call.of(Fn.IS_NULL, translate(ops.get(0), inputs));
            case IS_NOT_NULL:
                return Call.of(Fn.IS_NOT_NULL, translate(ops.get(0), inputs));
            case IS_TRUE:
                return Call.of(Fn.IS_TRUE, translate(ops.get(0), inputs));
            case IS_FALSE:
                return Call.of(Fn.IS_FALSE, translate(ops.get(0), inputs));
            case IS_NOT_TRUE:
                return Call.of(Fn.IS_NOT_TRUE, translate(ops.get(0), inputs));
            case IS_NOT_FALSE:
                return Call.of(Fn.IS_NOT_FALSE, translate(ops.get(0), inputs));
            case CASE:
                return new Call(Fn.CASE_SEARCHED.id(), args(ops, inputs));
            case COALESCE:
                return new Call(Fn.COALESCE.id(), args(ops, inputs));
            case NULLIF:
                return Call.of(Fn.NULLIF, args(ops, inputs).toArray(Expr[]::new));
            case IN:
                return new Call(Fn.IN.id(), args(ops, inputs));
            case LIKE: {
                List<Expr> a = args(ops, inputs);
                Expr like = new Call(Fn.LIKE.id(), a);
                return call.getOperator().getName().toUpperCase(Locale.ROOT).startsWith("NOT")
                        ? Call.of(Fn.NOT, like)
                        : like;
            }
            case CAST:
                return cast(call, inputs);
            case FLOOR, CEIL:
                if (ops.size() == 2 && ops.get(1) instanceof RexLiteral unit) {
                    String period = period(unit.getValueAs(TimeUnitRange.class));
                    return Call.of(kind == SqlKind.FLOOR ? Fn.TIMESTAMP_FLOOR : Fn.TIMESTAMP_CEIL,
                            translate(ops.get(0), inputs), Literal.of(period));
                }
                return Call.of(kind == SqlKind.FLOOR ? Fn.FLOOR : Fn.CEIL, translate(ops.get(0), inputs));
            case EXTRACT: {
                TimeUnitRange unit = ((RexLiteral) ops.get(0)).getValueAs(TimeUnitRange.class);
                return Call.of(Fn.TIMESTAMP_EXTRACT, translate(ops.get(1), inputs), Literal.of(unit.name()));
            }
            case TRIM: {
                String flag = ((RexLiteral) ops.get(0)).getValueAs(org.apache.calcite.sql.fun.SqlTrimFunction.Flag.class)
                        .name();
                Fn fn = switch (flag) {
                    case "LEADING" -> Fn.LTRIM;
                    case "TRAILING" -> Fn.RTRIM;
                    default -> Fn.TRIM;
                };
                return Call.of(fn, translate(ops.get(2), inputs), translate(ops.get(1), inputs));
            }
            case POSITION: {
                if (ops.size() > 2) {
                    throw unsupported("POSITION with FROM");
                }
                return Call.of(Fn.STRPOS, translate(ops.get(1), inputs), translate(ops.get(0), inputs));
            }
            case OTHER_FUNCTION, OTHER, ARRAY_VALUE_CONSTRUCTOR:
            default:
                return byName(call, inputs);
        }
    }

    private Expr byName(RexCall call, List<Expr> inputs) {
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (name.equals("JSON_OBJECT")) {
            // operand 0 is the NULL ON NULL / ABSENT ON NULL symbol; then key, value pairs
            List<RexNode> ops = call.getOperands();
            return new Call(Fn.JSON_OBJECT.id(), args(ops.subList(1, ops.size()), inputs));
        }
        List<Expr> a = args(call.getOperands(), inputs);
        switch (name) {
            case "MILLIS_TO_TIMESTAMP", "TIMESTAMP_TO_MILLIS":
                return a.get(0);
            case "TIME_PARSE":
                List<Expr> p = new ArrayList<>(a);
                while (p.size() < 2) {
                    p.add(Literal.ofNull(ColumnType.STRING));
                }
                if (p.size() < 3) {
                    p.add(Literal.of("UTC"));
                }
                return new Call(Fn.TIMESTAMP_PARSE.id(), p);
            case "SUBSTRING":
                return new Call(Fn.SUBSTRING.id(), a);
            case "DATE_FLOOR", "DATE_TRUNC": {
                // DATE_TRUNC('unit', ts) floors to the unit, as TIME_FLOOR with the unit's period.
                if (!(call.getOperands().get(0) instanceof RexLiteral unitLit)) {
                    throw unsupported("DATE_TRUNC with a non-literal unit");
                }
                String unit = unitLit.getValueAs(String.class).toUpperCase(Locale.ROOT);
                String period = switch (unit) {
                    case "MILLISECOND", "MILLISECONDS" -> "PT0.001S";
                    case "SECOND" -> "PT1S";
                    case "MINUTE" -> "PT1M";
                    case "HOUR" -> "PT1H";
                    case "DAY" -> "P1D";
                    case "WEEK" -> "P1W";
                    case "MONTH" -> "P1M";
                    case "QUARTER" -> "P3M";
                    case "YEAR" -> "P1Y";
                    case "DECADE" -> "P10Y";
                    case "CENTURY" -> "P100Y";
                    case "MILLENNIUM" -> "P1000Y";
                    default -> throw io.sluice.planner.DruidSqlException.invalidSqlInput(
                            "Operator [DATE_TRUNC] Invalid unit [" + unit + "]");
                };
                return Call.of(Fn.TIMESTAMP_FLOOR, a.get(1), Literal.of(period));
            }
            case "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "NOW":
                return Literal.of(System.currentTimeMillis());
            case "CURRENT_DATE":
                return Literal.of(Math.floorDiv(System.currentTimeMillis(), 86_400_000L) * 86_400_000L);
            default:
                break;
        }
        Fn fn = BY_NAME.get(name);
        if (fn == null) {
            fn = Fn.byId(name.toLowerCase(Locale.ROOT));
        }
        if (fn == null) {
            for (Fn f : Fn.values()) {
                if (f.name().equals(name)) {
                    fn = f;
                }
            }
        }
        if (fn == null) {
            throw unsupported("function [" + call.getOperator().getName() + "]");
        }
        return new Call(fn.id(), a);
    }

    private Expr cast(RexCall call, List<Expr> inputs) {
        RexNode operand = call.getOperands().get(0);
        Expr in = translate(operand, inputs);
        SqlTypeName from = operand.getType().getSqlTypeName();
        SqlTypeName to = call.getType().getSqlTypeName();
        ColumnType target = SqlTypes.nativeType(call.getType());
        boolean fromChar = SqlTypeFamily.CHARACTER.getTypeNames().contains(from);
        boolean fromTime = from == SqlTypeName.TIMESTAMP || from == SqlTypeName.DATE;
        if (to == SqlTypeName.TIMESTAMP || to == SqlTypeName.DATE) {
            Expr millis = fromChar
                    ? Call.of(Fn.TIMESTAMP_PARSE, in, Literal.ofNull(ColumnType.STRING), Literal.of("UTC"))
                    : (fromTime ? in : Call.of(Fn.CAST, in, Literal.of("LONG")));
            return to == SqlTypeName.DATE ? Call.of(Fn.TIMESTAMP_FLOOR, millis, Literal.of("P1D")) : millis;
        }
        if (fromTime && target == ColumnType.STRING) {
            String pattern = from == SqlTypeName.DATE ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss";
            return Call.of(Fn.TIMESTAMP_FORMAT, in, Literal.of(pattern), Literal.of("UTC"));
        }
        if (SqlTypes.nativeType(operand.getType()) == target && from != SqlTypeName.DECIMAL) {
            return in;
        }
        return Call.of(Fn.CAST, in, Literal.of(target.druidName()));
    }

    private static String period(TimeUnitRange unit) {
        return switch (unit) {
            case SECOND -> "PT1S";
            case MINUTE -> "PT1M";
            case HOUR -> "PT1H";
            case DAY -> "P1D";
            case WEEK -> "P1W";
            case MONTH -> "P1M";
            case QUARTER -> "P3M";
            case YEAR -> "P1Y";
            default -> throw unsupported("time unit [" + unit + "]");
        };
    }

    private Expr chain(Fn fn, List<Expr> args) {
        Expr acc = args.get(0);
        for (int i = 1; i < args.size(); i++) {
            acc = Call.of(fn, acc, args.get(i));
        }
        return acc;
    }

    private List<Expr> args(List<RexNode> ops, List<Expr> inputs) {
        List<Expr> out = new ArrayList<>(ops.size());
        for (RexNode o : ops) {
            out.add(translate(o, inputs));
        }
        return out;
    }
}
