package io.sluice.engine.expr;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import io.sluice.engine.types.RowSignature;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles {@link Expr} trees into trees of small {@link CompiledExpr} closures with column references resolved to
 * row positions (an unknown column evaluates to NULL, as in Druid). Semantics are the contract in {@link Fn}.
 *
 * <p>Choices where the contract leaves room: LONG division or modulo by zero gives NULL (DOUBLE division follows
 * IEEE: Infinity/NaN); {@code +} with a STRING operand concatenates; other arithmetic parses strings as numbers
 * (NULL when they do not parse); {@code timestamp_extract} DOW is 0–6 from Sunday, ISODOW 1–7 from Monday.
 */
public final class ExprEvaluator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Pattern> REGEX_CACHE = new ConcurrentHashMap<>();
    private static final Map<String, DateTimeFormatter> FORMAT_CACHE = new ConcurrentHashMap<>();
    private static final Long ONE = 1L;
    private static final Long ZERO = 0L;

    private ExprEvaluator() {}

    public static CompiledExpr compile(Expr expr, RowSignature inputSignature) {
        requireNonNull(expr, "expr is null");
        requireNonNull(inputSignature, "inputSignature is null");
        if (expr instanceof ColumnRef c) {
            return compileColumn(c, inputSignature);
        }
        if (expr instanceof Literal l) {
            return literal(l.value());
        }
        return compileCall((Call) expr, inputSignature);
    }

    /** SQL truth of a value: non-null and a nonzero number, or the string "true" (any case). */
    public static boolean isTrue(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Long l) {
            return l != 0L;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0d;
        }
        if (v instanceof String s) {
            return Boolean.parseBoolean(s.trim());
        }
        if (v instanceof Boolean b) {
            return b;
        }
        return false;
    }

    private static Long bool(boolean b) {
        return b ? ONE : ZERO;
    }

    private static CompiledExpr literal(Object v) {
        return row -> v;
    }

    private static CompiledExpr compileColumn(ColumnRef c, RowSignature sig) {
        int i = sig.indexOf(c.column());
        if (i < 0) {
            return row -> null;
        }
        return row -> row[i];
    }

    private static Object constantOf(Expr e) {
        return e instanceof Literal l ? l.value() : null;
    }

    private static boolean isConstant(Expr e) {
        return e instanceof Literal;
    }

    private static CompiledExpr compileCall(Call call, RowSignature sig) {
        Fn fn = Fn.byId(call.function());
        if (fn == null) {
            throw new IllegalArgumentException("Unknown function [" + call.function() + "]");
        }
        List<Expr> argExprs = call.args();
        CompiledExpr[] a = new CompiledExpr[argExprs.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = compile(argExprs.get(i), sig);
        }
        return switch (fn) {
            case ADD -> binary(fn, a, ExprEvaluator::add);
            case SUBTRACT -> binary(fn, a, (x, y) -> arith(x, y, '-'));
            case MULTIPLY -> binary(fn, a, (x, y) -> arith(x, y, '*'));
            case DIVIDE -> binary(fn, a, (x, y) -> arith(x, y, '/'));
            case MOD -> binary(fn, a, (x, y) -> arith(x, y, '%'));
            case NEGATE -> unary(fn, a, ExprEvaluator::negate);
            case EQ -> binary(fn, a, (x, y) -> cmpOp(x, y, 0));
            case NE -> binary(fn, a, (x, y) -> cmpOp(x, y, 1));
            case LT -> binary(fn, a, (x, y) -> cmpOp(x, y, 2));
            case LE -> binary(fn, a, (x, y) -> cmpOp(x, y, 3));
            case GT -> binary(fn, a, (x, y) -> cmpOp(x, y, 4));
            case GE -> binary(fn, a, (x, y) -> cmpOp(x, y, 5));
            case AND -> and(a);
            case OR -> or(a);
            case NOT -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> {
                    Object v = x.eval(row);
                    return v == null ? null : bool(!isTrue(v));
                };
            }
            case IS_NULL -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> bool(x.eval(row) == null);
            }
            case IS_NOT_NULL -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> bool(x.eval(row) != null);
            }
            case IS_TRUE -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> bool(isTrue(x.eval(row)));
            }
            case IS_NOT_TRUE -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> bool(!isTrue(x.eval(row)));
            }
            case IS_FALSE -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> {
                    Object v = x.eval(row);
                    return bool(v != null && !isTrue(v));
                };
            }
            case IS_NOT_FALSE -> {
                arity(fn, a, 1);
                CompiledExpr x = a[0];
                yield row -> {
                    Object v = x.eval(row);
                    return bool(v == null || isTrue(v));
                };
            }
            case CASE_SEARCHED -> caseSearched(a);
            case CASE_SIMPLE -> caseSimple(a);
            case COALESCE -> row -> {
                for (CompiledExpr e : a) {
                    Object v = e.eval(row);
                    if (v != null) {
                        return v;
                    }
                }
                return null;
            };
            case NULLIF -> {
                arity(fn, a, 2);
                CompiledExpr x = a[0];
                CompiledExpr y = a[1];
                yield row -> {
                    Object v = x.eval(row);
                    if (v == null) {
                        return null;
                    }
                    Object w = y.eval(row);
                    return w != null && valueEquals(v, w) ? null : v;
                };
            }
            case IN -> in(fn, a);
            case CAST -> cast(fn, a, argExprs);
            case LIKE -> like(fn, a, argExprs);
            case CONCAT -> row -> {
                StringBuilder sb = new StringBuilder();
                for (CompiledExpr e : a) {
                    Object v = e.eval(row);
                    if (v == null) {
                        return null;
                    }
                    sb.append(Values.toStr(v));
                }
                return sb.toString();
            };
            case LOWER -> str1(fn, a, s -> s.toLowerCase(Locale.ROOT));
            case UPPER -> str1(fn, a, s -> s.toUpperCase(Locale.ROOT));
            case SUBSTRING -> substring(fn, a);
            case STRLEN -> str1(fn, a, s -> (long) s.length());
            case TRIM -> trim(fn, a, true, true);
            case LTRIM -> trim(fn, a, true, false);
            case RTRIM -> trim(fn, a, false, true);
            case REPLACE -> {
                arity(fn, a, 3);
                yield row -> {
                    String s = Values.toStr(a[0].eval(row));
                    String from = Values.toStr(a[1].eval(row));
                    String to = Values.toStr(a[2].eval(row));
                    if (s == null || from == null || to == null) {
                        return null;
                    }
                    return from.isEmpty() ? s : s.replace(from, to);
                };
            }
            case STRPOS -> {
                arity(fn, a, 2);
                yield row -> {
                    String s = Values.toStr(a[0].eval(row));
                    String n = Values.toStr(a[1].eval(row));
                    return s == null || n == null ? null : (Object) (long) (s.indexOf(n) + 1);
                };
            }
            case LPAD -> pad(fn, a, true);
            case RPAD -> pad(fn, a, false);
            case REGEXP_EXTRACT -> regexpExtract(fn, a, argExprs);
            case REGEXP_LIKE -> {
                arity(fn, a, 2);
                CompiledExpr p = patternArg(argExprs.get(1), a[1], false);
                yield row -> {
                    String s = Values.toStr(a[0].eval(row));
                    Object pat = p.eval(row);
                    if (s == null || pat == null) {
                        return null;
                    }
                    return bool(((Pattern) pat).matcher(s).find());
                };
            }
            case CONTAINS_STRING -> {
                arity(fn, a, 2);
                yield row -> {
                    String s = Values.toStr(a[0].eval(row));
                    String n = Values.toStr(a[1].eval(row));
                    return s == null || n == null ? null : bool(s.contains(n));
                };
            }
            case ICONTAINS_STRING -> {
                arity(fn, a, 2);
                yield row -> {
                    String s = Values.toStr(a[0].eval(row));
                    String n = Values.toStr(a[1].eval(row));
                    return s == null || n == null
                            ? null
                            : bool(s.toLowerCase(Locale.ROOT).contains(n.toLowerCase(Locale.ROOT)));
                };
            }
            case LEFT -> strInt(fn, a, (s, n) -> n < 0 ? null : s.substring(0, (int) Math.min(n, s.length())));
            case RIGHT -> strInt(fn, a, (s, n) -> n < 0 ? null : s.substring(s.length() - (int) Math.min(n, s.length())));
            case REVERSE -> str1(fn, a, s -> new StringBuilder(s).reverse().toString());
            case REPEAT -> strInt(fn, a, (s, n) -> n <= 0 ? "" : s.repeat((int) n));
            case ABS -> num1(fn, a, n -> n instanceof Long l ? (Object) Math.abs(l) : (Object) Math.abs(n.doubleValue()));
            case CEIL -> num1(fn, a, n -> n instanceof Long ? n : (Object) Math.ceil(n.doubleValue()));
            case FLOOR -> num1(fn, a, n -> n instanceof Long ? n : (Object) Math.floor(n.doubleValue()));
            case ROUND -> round(fn, a);
            case POWER -> binary(fn, a, (x, y) -> dbl2(x, y, Math::pow));
            case SQRT -> num1(fn, a, n -> Math.sqrt(n.doubleValue()));
            case EXP -> num1(fn, a, n -> Math.exp(n.doubleValue()));
            case LN -> num1(fn, a, n -> Math.log(n.doubleValue()));
            case LOG10 -> num1(fn, a, n -> Math.log10(n.doubleValue()));
            case GREATEST -> extreme(a, true);
            case LEAST -> extreme(a, false);
            case SAFE_DIVIDE -> binary(fn, a, (x, y) -> {
                Number d = Values.toNumber(y);
                if (d == null || d.doubleValue() == 0d) {
                    return null;
                }
                return arith(x, y, '/');
            });
            case TIMESTAMP_PARSE -> timestampParse(fn, a, argExprs);
            case TIMESTAMP_FLOOR -> timestampFloor(fn, a, argExprs);
            case TIMESTAMP_CEIL -> {
                atLeast(fn, a, 2);
                yield row -> {
                    Long t = Values.toLong(a[0].eval(row));
                    String p = Values.toStr(a[1].eval(row));
                    if (t == null || p == null) {
                        return null;
                    }
                    long f = Granularity.floor(t, p);
                    return f == t ? f : Granularity.increment(f, p, 1);
                };
            }
            case TIMESTAMP_FORMAT -> timestampFormat(fn, a, argExprs);
            case TIMESTAMP_EXTRACT -> timestampExtract(fn, a);
            case TIMESTAMP_SHIFT -> {
                atLeast(fn, a, 3);
                yield row -> {
                    Long t = Values.toLong(a[0].eval(row));
                    String p = Values.toStr(a[1].eval(row));
                    Long step = Values.toLong(a[2].eval(row));
                    if (t == null || p == null || step == null) {
                        return null;
                    }
                    return Granularity.increment(t, p, (int) (long) step);
                };
            }
            case MV_TO_ARRAY -> unary(fn, a, v -> v instanceof List<?> l ? stringList(l) : List.of(Values.toStr(v)));
            case ARRAY_TO_MV -> unary(fn, a, v -> v instanceof List<?> l ? stringList(l) : Values.toStr(v));
            case ARRAY -> row -> {
                Object[] out = new Object[a.length];
                for (int i = 0; i < a.length; i++) {
                    out[i] = a[i].eval(row);
                }
                return Collections.unmodifiableList(Arrays.asList(out));
            };
            case ARRAY_LENGTH, MV_LENGTH -> unary(fn, a, v -> (long) asList(v).size());
            case ARRAY_OFFSET -> arrayIndex(fn, a, 0);
            case ARRAY_ORDINAL -> arrayIndex(fn, a, 1);
            case ARRAY_CONTAINS, MV_CONTAINS -> binary(fn, a, (x, y) -> {
                List<?> l = asList(x);
                if (y instanceof List<?> ys) {
                    for (Object o : ys) {
                        if (!containsValue(l, o)) {
                            return ZERO;
                        }
                    }
                    return ONE;
                }
                return bool(containsValue(l, y));
            });
            case ARRAY_OVERLAP -> binary(fn, a, (x, y) -> {
                List<?> l = asList(x);
                for (Object o : asList(y)) {
                    if (containsValue(l, o)) {
                        return ONE;
                    }
                }
                return ZERO;
            });
            case ARRAY_CONCAT -> binary(fn, a, (x, y) -> {
                List<Object> out = new ArrayList<>(asList(x));
                out.addAll(asList(y));
                return Collections.unmodifiableList(out);
            });
            case ARRAY_APPEND -> {
                arity(fn, a, 2);
                yield row -> {
                    Object arr = a[0].eval(row);
                    if (arr == null) {
                        return null;
                    }
                    List<Object> out = new ArrayList<>(asList(arr));
                    out.add(a[1].eval(row));
                    return Collections.unmodifiableList(out);
                };
            }
            case ARRAY_PREPEND -> {
                arity(fn, a, 2);
                yield row -> {
                    Object arr = a[1].eval(row);
                    if (arr == null) {
                        return null;
                    }
                    List<Object> out = new ArrayList<>();
                    out.add(a[0].eval(row));
                    out.addAll(asList(arr));
                    return Collections.unmodifiableList(out);
                };
            }
            case ARRAY_TO_STRING -> binary(fn, a, (x, y) -> {
                StringBuilder sb = new StringBuilder();
                String d = Values.toStr(y);
                List<?> l = asList(x);
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(d);
                    }
                    sb.append(l.get(i) == null ? "null" : Values.toStr(l.get(i)));
                }
                return sb.toString();
            });
            case STRING_TO_ARRAY -> {
                arity(fn, a, 2);
                CompiledExpr p = patternArg(argExprs.get(1), a[1], false);
                yield row -> {
                    String s = Values.toStr(a[0].eval(row));
                    Object pat = p.eval(row);
                    if (s == null || pat == null) {
                        return null;
                    }
                    return List.of(((Pattern) pat).split(s));
                };
            }
            case JSON_VALUE -> jsonValue(fn, a);
            case HLL_SKETCH_ESTIMATE -> row -> {
                byte[] sketch = io.sluice.engine.agg.SketchAggregators.sketchBytes(a[0].eval(row));
                if (sketch == null) {
                    return null;
                }
                double e = io.sluice.engine.agg.SketchAggregators.hllEstimate(sketch);
                return a.length > 1 && isTrue(a[1].eval(row)) ? (double) Math.round(e) : e;
            };
            case THETA_SKETCH_ESTIMATE -> unary(fn, a, v -> {
                byte[] sketch = io.sluice.engine.agg.SketchAggregators.sketchBytes(v);
                return sketch == null ? null : io.sluice.engine.agg.SketchAggregators.thetaEstimate(sketch);
            });
            case JSON_OBJECT -> jsonObject(fn, a);
        };
    }

    // ---------------------------------------------------------------- helpers: shapes

    @FunctionalInterface
    private interface Fn1 {
        Object apply(Object v);
    }

    @FunctionalInterface
    private interface Fn2 {
        Object apply(Object x, Object y);
    }

    @FunctionalInterface
    private interface StrFn {
        Object apply(String s);
    }

    @FunctionalInterface
    private interface StrIntFn {
        Object apply(String s, long n);
    }

    @FunctionalInterface
    private interface NumFn {
        Object apply(Number n);
    }

    private static void arity(Fn fn, CompiledExpr[] a, int n) {
        if (a.length != n) {
            throw new IllegalArgumentException(
                    "Function [" + fn.id() + "] needs " + n + " arguments, got " + a.length);
        }
    }

    private static void atLeast(Fn fn, CompiledExpr[] a, int n) {
        if (a.length < n) {
            throw new IllegalArgumentException(
                    "Function [" + fn.id() + "] needs at least " + n + " arguments, got " + a.length);
        }
    }

    private static CompiledExpr unary(Fn fn, CompiledExpr[] a, Fn1 f) {
        arity(fn, a, 1);
        CompiledExpr x = a[0];
        return row -> {
            Object v = x.eval(row);
            return v == null ? null : f.apply(v);
        };
    }

    /** Two arguments, NULL if either is NULL. */
    private static CompiledExpr binary(Fn fn, CompiledExpr[] a, Fn2 f) {
        arity(fn, a, 2);
        CompiledExpr x = a[0];
        CompiledExpr y = a[1];
        return row -> {
            Object v = x.eval(row);
            if (v == null) {
                return null;
            }
            Object w = y.eval(row);
            return w == null ? null : f.apply(v, w);
        };
    }

    private static CompiledExpr str1(Fn fn, CompiledExpr[] a, StrFn f) {
        arity(fn, a, 1);
        CompiledExpr x = a[0];
        return row -> {
            String s = Values.toStr(x.eval(row));
            return s == null ? null : f.apply(s);
        };
    }

    private static CompiledExpr strInt(Fn fn, CompiledExpr[] a, StrIntFn f) {
        arity(fn, a, 2);
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            Long n = Values.toLong(a[1].eval(row));
            return s == null || n == null ? null : f.apply(s, n);
        };
    }

    private static CompiledExpr num1(Fn fn, CompiledExpr[] a, NumFn f) {
        arity(fn, a, 1);
        CompiledExpr x = a[0];
        return row -> {
            Number n = Values.toNumber(x.eval(row));
            return n == null ? null : f.apply(n);
        };
    }

    // ---------------------------------------------------------------- arithmetic and comparison

    private static Object add(Object x, Object y) {
        if (x instanceof Long l && y instanceof Long m) {
            return l + m;
        }
        if (x instanceof String || y instanceof String) {
            return Values.toStr(x) + Values.toStr(y);
        }
        return arith(x, y, '+');
    }

    static Object arith(Object x, Object y, char op) {
        Number a = Values.toNumber(x);
        Number b = Values.toNumber(y);
        if (a == null || b == null) {
            return null;
        }
        if (a instanceof Long la && b instanceof Long lb) {
            long l = la;
            long m = lb;
            return switch (op) {
                case '+' -> l + m;
                case '-' -> l - m;
                case '*' -> l * m;
                case '/' -> m == 0 ? null : (Object) (l / m);
                case '%' -> m == 0 ? null : (Object) (l % m);
                default -> throw new IllegalStateException("op " + op);
            };
        }
        double d = a.doubleValue();
        double e = b.doubleValue();
        return switch (op) {
            case '+' -> d + e;
            case '-' -> d - e;
            case '*' -> d * e;
            case '/' -> d / e;
            case '%' -> d % e;
            default -> throw new IllegalStateException("op " + op);
        };
    }

    private static Object dbl2(Object x, Object y, java.util.function.DoubleBinaryOperator f) {
        Number a = Values.toNumber(x);
        Number b = Values.toNumber(y);
        return a == null || b == null ? null : (Object) f.applyAsDouble(a.doubleValue(), b.doubleValue());
    }

    private static Object negate(Object v) {
        if (v instanceof Long l) {
            return -l;
        }
        Number n = Values.toNumber(v);
        if (n == null) {
            return null;
        }
        return n instanceof Long l ? (Object) (-l) : (Object) (-n.doubleValue());
    }

    /**
     * Compares two non-null values: numbers numerically, strings lexicographically, a string against a number as a
     * number. Returns null when incomparable (e.g. a non-numeric string against a number).
     */
    static Integer compareValues(Object x, Object y) {
        if (x instanceof Long l && y instanceof Long m) {
            return Long.compare(l, m);
        }
        if (x instanceof String s && y instanceof String t) {
            return s.compareTo(t);
        }
        if (x instanceof List<?> || y instanceof List<?>) {
            List<?> l = asList(x);
            List<?> m = asList(y);
            for (int i = 0; i < Math.min(l.size(), m.size()); i++) {
                Object p = l.get(i);
                Object q = m.get(i);
                if (p == null || q == null) {
                    if (p != q) {
                        return p == null ? -1 : 1;
                    }
                    continue;
                }
                Integer c = compareValues(p, q);
                if (c == null) {
                    return null;
                }
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(l.size(), m.size());
        }
        Number a = Values.toNumber(x);
        Number b = Values.toNumber(y);
        if (a == null || b == null) {
            return null;
        }
        if (a instanceof Long la && b instanceof Long lb) {
            return Long.compare(la, lb);
        }
        return Double.compare(a.doubleValue(), b.doubleValue());
    }

    static boolean valueEquals(Object x, Object y) {
        if (x.equals(y)) {
            return true;
        }
        Integer c = compareValues(x, y);
        return c != null && c == 0;
    }

    private static Object cmpOp(Object x, Object y, int op) {
        Integer c = compareValues(x, y);
        if (c == null) {
            return op == 1 ? ONE : (op == 0 ? ZERO : null);
        }
        int v = c;
        return bool(switch (op) {
            case 0 -> v == 0;
            case 1 -> v != 0;
            case 2 -> v < 0;
            case 3 -> v <= 0;
            case 4 -> v > 0;
            default -> v >= 0;
        });
    }

    // ---------------------------------------------------------------- logic and conditionals

    private static CompiledExpr and(CompiledExpr[] a) {
        return row -> {
            boolean sawNull = false;
            for (CompiledExpr e : a) {
                Object v = e.eval(row);
                if (v == null) {
                    sawNull = true;
                } else if (!isTrue(v)) {
                    return ZERO;
                }
            }
            return sawNull ? null : ONE;
        };
    }

    private static CompiledExpr or(CompiledExpr[] a) {
        return row -> {
            boolean sawNull = false;
            for (CompiledExpr e : a) {
                Object v = e.eval(row);
                if (v == null) {
                    sawNull = true;
                } else if (isTrue(v)) {
                    return ONE;
                }
            }
            return sawNull ? null : ZERO;
        };
    }

    private static CompiledExpr caseSearched(CompiledExpr[] a) {
        int pairs = a.length / 2;
        CompiledExpr otherwise = a.length % 2 == 1 ? a[a.length - 1] : null;
        return row -> {
            for (int i = 0; i < pairs; i++) {
                if (isTrue(a[2 * i].eval(row))) {
                    return a[2 * i + 1].eval(row);
                }
            }
            return otherwise == null ? null : otherwise.eval(row);
        };
    }

    private static CompiledExpr caseSimple(CompiledExpr[] a) {
        if (a.length < 1) {
            throw new IllegalArgumentException("case_simple needs arguments");
        }
        int pairs = (a.length - 1) / 2;
        CompiledExpr otherwise = (a.length - 1) % 2 == 1 ? a[a.length - 1] : null;
        return row -> {
            Object v = a[0].eval(row);
            if (v != null) {
                for (int i = 0; i < pairs; i++) {
                    Object w = a[1 + 2 * i].eval(row);
                    if (w != null && valueEquals(v, w)) {
                        return a[2 + 2 * i].eval(row);
                    }
                }
            }
            return otherwise == null ? null : otherwise.eval(row);
        };
    }

    private static CompiledExpr in(Fn fn, CompiledExpr[] a) {
        atLeast(fn, a, 1);
        return row -> {
            Object v = a[0].eval(row);
            if (v == null) {
                return null;
            }
            for (int i = 1; i < a.length; i++) {
                Object w = a[i].eval(row);
                if (w instanceof List<?> l) {
                    for (Object o : l) {
                        if (o != null && valueEquals(v, o)) {
                            return ONE;
                        }
                    }
                } else if (w != null && valueEquals(v, w)) {
                    return ONE;
                }
            }
            return ZERO;
        };
    }

    private static CompiledExpr cast(Fn fn, CompiledExpr[] a, List<Expr> args) {
        arity(fn, a, 2);
        CompiledExpr x = a[0];
        if (isConstant(args.get(1))) {
            ColumnType t = ColumnType.fromString(String.valueOf(constantOf(args.get(1))));
            return row -> Values.coerce(x.eval(row), t);
        }
        return row -> {
            Object t = a[1].eval(row);
            return t == null ? null : Values.coerce(x.eval(row), ColumnType.fromString(t.toString()));
        };
    }

    // ---------------------------------------------------------------- strings

    private static CompiledExpr like(Fn fn, CompiledExpr[] a, List<Expr> args) {
        if (a.length < 2 || a.length > 3) {
            throw new IllegalArgumentException("like needs 2 or 3 arguments");
        }
        if (isConstant(args.get(1)) && (a.length == 2 || isConstant(args.get(2)))) {
            Object p = constantOf(args.get(1));
            String esc = a.length == 3 ? Values.toStr(constantOf(args.get(2))) : null;
            if (p == null) {
                return row -> null;
            }
            Pattern pat = likePattern(p.toString(), esc);
            return row -> {
                String s = Values.toStr(a[0].eval(row));
                return s == null ? null : bool(pat.matcher(s).matches());
            };
        }
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            String p = Values.toStr(a[1].eval(row));
            String esc = a.length == 3 ? Values.toStr(a[2].eval(row)) : null;
            if (s == null || p == null) {
                return null;
            }
            return bool(likePattern(p, esc).matcher(s).matches());
        };
    }

    static Pattern likePattern(String like, String escape) {
        char esc = escape == null || escape.isEmpty() ? 0 : escape.charAt(0);
        String key = "like:" + (int) esc + ":" + like;
        return REGEX_CACHE.computeIfAbsent(key, k -> {
            StringBuilder re = new StringBuilder();
            StringBuilder lit = new StringBuilder();
            for (int i = 0; i < like.length(); i++) {
                char c = like.charAt(i);
                if (esc != 0 && c == esc && i + 1 < like.length()) {
                    lit.append(like.charAt(++i));
                } else if (c == '%' || c == '_') {
                    if (lit.length() > 0) {
                        re.append(Pattern.quote(lit.toString()));
                        lit.setLength(0);
                    }
                    re.append(c == '%' ? ".*" : ".");
                } else {
                    lit.append(c);
                }
            }
            if (lit.length() > 0) {
                re.append(Pattern.quote(lit.toString()));
            }
            return Pattern.compile(re.toString(), Pattern.DOTALL);
        });
    }

    private static CompiledExpr substring(Fn fn, CompiledExpr[] a) {
        if (a.length < 2 || a.length > 3) {
            throw new IllegalArgumentException("substring needs 2 or 3 arguments");
        }
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            Long start = Values.toLong(a[1].eval(row));
            if (s == null || start == null) {
                return null;
            }
            long n = s.length();
            long from = start;
            long to;
            if (a.length == 3) {
                Long len = Values.toLong(a[2].eval(row));
                if (len == null) {
                    return null;
                }
                if (len < 0) {
                    return null;
                }
                to = from + len;
            } else {
                to = n + 1;
            }
            long b = Math.max(from, 1);
            long e = Math.min(to, n + 1);
            if (e <= b) {
                return "";
            }
            return s.substring((int) b - 1, (int) e - 1);
        };
    }

    private static CompiledExpr trim(Fn fn, CompiledExpr[] a, boolean left, boolean right) {
        if (a.length < 1 || a.length > 2) {
            throw new IllegalArgumentException(fn.id() + " needs 1 or 2 arguments");
        }
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            String chars = a.length == 2 ? Values.toStr(a[1].eval(row)) : " ";
            if (s == null || chars == null) {
                return null;
            }
            int b = 0;
            int e = s.length();
            if (left) {
                while (b < e && chars.indexOf(s.charAt(b)) >= 0) {
                    b++;
                }
            }
            if (right) {
                while (e > b && chars.indexOf(s.charAt(e - 1)) >= 0) {
                    e--;
                }
            }
            return s.substring(b, e);
        };
    }

    private static CompiledExpr pad(Fn fn, CompiledExpr[] a, boolean leftPad) {
        if (a.length < 2 || a.length > 3) {
            throw new IllegalArgumentException(fn.id() + " needs 2 or 3 arguments");
        }
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            Long len = Values.toLong(a[1].eval(row));
            String padding = a.length == 3 ? Values.toStr(a[2].eval(row)) : " ";
            if (s == null || len == null || padding == null) {
                return null;
            }
            int n = (int) Math.max(0, len);
            if (n <= s.length()) {
                return s.substring(0, n);
            }
            if (padding.isEmpty()) {
                return s;
            }
            StringBuilder p = new StringBuilder(n);
            while (p.length() < n - s.length()) {
                p.append(padding);
            }
            p.setLength(n - s.length());
            return leftPad ? p + s : s + p;
        };
    }

    /** A pattern argument: compiled once when constant; evaluates to a {@link Pattern} or null. */
    private static CompiledExpr patternArg(Expr e, CompiledExpr c, boolean unused) {
        if (isConstant(e)) {
            Object v = constantOf(e);
            Pattern p = v == null ? null : REGEX_CACHE.computeIfAbsent("re:" + v, k -> Pattern.compile(v.toString()));
            return row -> p;
        }
        return row -> {
            String v = Values.toStr(c.eval(row));
            return v == null ? null : REGEX_CACHE.computeIfAbsent("re:" + v, k -> Pattern.compile(v));
        };
    }

    private static CompiledExpr regexpExtract(Fn fn, CompiledExpr[] a, List<Expr> args) {
        if (a.length < 2 || a.length > 3) {
            throw new IllegalArgumentException("regexp_extract needs 2 or 3 arguments");
        }
        CompiledExpr p = patternArg(args.get(1), a[1], false);
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            Object pat = p.eval(row);
            Long group = a.length == 3 ? Values.toLong(a[2].eval(row)) : Long.valueOf(0);
            if (s == null || pat == null || group == null) {
                return null;
            }
            Matcher m = ((Pattern) pat).matcher(s);
            if (!m.find() || group > m.groupCount()) {
                return null;
            }
            return m.group((int) (long) group);
        };
    }

    // ---------------------------------------------------------------- math

    private static CompiledExpr round(Fn fn, CompiledExpr[] a) {
        if (a.length < 1 || a.length > 2) {
            throw new IllegalArgumentException("round needs 1 or 2 arguments");
        }
        return row -> {
            Number n = Values.toNumber(a[0].eval(row));
            Long digits = a.length == 2 ? Values.toLong(a[1].eval(row)) : Long.valueOf(0);
            if (n == null || digits == null) {
                return null;
            }
            int d = (int) (long) digits;
            if (n instanceof Long l) {
                if (d >= 0) {
                    return l;
                }
                return BigDecimal.valueOf(l).setScale(d, RoundingMode.HALF_UP).longValue();
            }
            double v = n.doubleValue();
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return v;
            }
            return BigDecimal.valueOf(v).setScale(d, RoundingMode.HALF_UP).doubleValue();
        };
    }

    private static CompiledExpr extreme(CompiledExpr[] a, boolean greatest) {
        return row -> {
            Object best = null;
            boolean anyDouble = false;
            boolean anyString = false;
            Object[] vals = new Object[a.length];
            for (int i = 0; i < a.length; i++) {
                Object v = a[i].eval(row);
                vals[i] = v;
                if (v instanceof String) {
                    anyString = true;
                } else if (v instanceof Double || v instanceof Float) {
                    anyDouble = true;
                }
            }
            for (Object v : vals) {
                if (v == null) {
                    continue;
                }
                Object c = anyString ? Values.toStr(v) : anyDouble ? (Object) Values.toDouble(v) : Values.toLong(v);
                if (c == null) {
                    continue;
                }
                if (best == null) {
                    best = c;
                } else {
                    Integer cmp = compareValues(c, best);
                    if (cmp != null && (greatest ? cmp > 0 : cmp < 0)) {
                        best = c;
                    }
                }
            }
            return best;
        };
    }

    // ---------------------------------------------------------------- time

    private static ZoneId zoneArg(Object v) {
        if (v == null) {
            return ZoneOffset.UTC;
        }
        String s = v.toString();
        return "UTC".equalsIgnoreCase(s) || "Z".equals(s) ? ZoneOffset.UTC : ZoneId.of(s);
    }

    private static CompiledExpr timestampParse(Fn fn, CompiledExpr[] a, List<Expr> args) {
        if (a.length < 1 || a.length > 3) {
            throw new IllegalArgumentException("timestamp_parse needs 1 to 3 arguments");
        }
        boolean constPattern = a.length < 2 || isConstant(args.get(1));
        boolean constZone = a.length < 3 || isConstant(args.get(2));
        if (constPattern && constZone) {
            Object p = a.length < 2 ? null : constantOf(args.get(1));
            ZoneId zone = zoneArg(a.length < 3 ? null : constantOf(args.get(2)));
            CompiledExpr x = a[0];
            if (p == null) {
                return row -> {
                    Object v = x.eval(row);
                    return v == null ? null : parseIso(Values.toStr(v), zone);
                };
            }
            DateTimeFormatter f = jodaFormatter(p.toString());
            return row -> {
                Object v = x.eval(row);
                return v == null ? null : parsePattern(Values.toStr(v), f, zone);
            };
        }
        return row -> {
            String s = Values.toStr(a[0].eval(row));
            if (s == null) {
                return null;
            }
            Object p = a.length < 2 ? null : a[1].eval(row);
            ZoneId zone = zoneArg(a.length < 3 ? null : a[2].eval(row));
            return p == null ? parseIso(s, zone) : parsePattern(s, jodaFormatter(p.toString()), zone);
        };
    }

    /** ISO-8601 parsing, lenient as Druid's; null when it does not parse. Fast path for {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z}. */
    static Long parseIso(String s, ZoneId zone) {
        if (zone == ZoneOffset.UTC) {
            long fast = fastIsoUtc(s);
            if (fast != Long.MIN_VALUE) {
                return fast;
            }
        }
        try {
            long utc = io.sluice.engine.types.TimeParsing.parseIsoMillis(s);
            if (zone != ZoneOffset.UTC && !hasZoneDesignator(s)) {
                LocalDateTime local = LocalDateTime.ofEpochSecond(
                        Math.floorDiv(utc, 1000), Math.floorMod(utc, 1000) * 1_000_000, ZoneOffset.UTC);
                return local.atZone(zone).toInstant().toEpochMilli();
            }
            return utc;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean hasZoneDesignator(String s) {
        String t = s.trim();
        if (t.endsWith("Z") || t.endsWith("z")) {
            return true;
        }
        int ti = Math.max(t.indexOf('T'), t.indexOf(' '));
        if (ti < 0) {
            return false;
        }
        return t.indexOf('+', ti) > 0 || t.indexOf('-', ti) > 0;
    }

    private static int digit(String s, int i) {
        char c = s.charAt(i);
        return c >= '0' && c <= '9' ? c - '0' : -1000;
    }

    private static int num(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            v = v * 10 + digit(s, i);
        }
        return v;
    }

    /** Parses {@code yyyy-MM-ddTHH:mm:ss[.S{1,9}]Z} without allocation; Long.MIN_VALUE if not in that shape. */
    static long fastIsoUtc(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != ' ')
                || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return Long.MIN_VALUE;
        }
        int year = num(s, 0, 4);
        int month = num(s, 5, 2);
        int day = num(s, 8, 2);
        int hour = num(s, 11, 2);
        int minute = num(s, 14, 2);
        int second = num(s, 17, 2);
        int millis = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n > 30 || n < 22) {
                return Long.MIN_VALUE;
            }
            int frac = 0;
            int digits = 0;
            for (int i = 20; i < n - 1; i++) {
                int d = digit(s, i);
                if (d < 0) {
                    return Long.MIN_VALUE;
                }
                if (digits < 3) {
                    frac = frac * 10 + d;
                    digits++;
                }
            }
            while (digits < 3) {
                frac *= 10;
                digits++;
            }
            millis = frac;
        }
        return utcMillis(year, month, day, hour, minute, second, millis);
    }

    /**
     * As {@link #fastIsoUtc(String)}, for the text's ASCII bytes {@code b[from, from + length)}; Long.MIN_VALUE also
     * for any byte that is not ASCII (the text then is not in that shape either).
     */
    public static long fastIsoUtc(byte[] b, int from, int length) {
        int n = length;
        if (n < 20 || b[from + 4] != '-' || b[from + 7] != '-' || (b[from + 10] != 'T' && b[from + 10] != ' ')
                || b[from + 13] != ':' || b[from + 16] != ':' || b[from + n - 1] != 'Z') {
            return Long.MIN_VALUE;
        }
        int year = num(b, from, 4);
        int month = num(b, from + 5, 2);
        int day = num(b, from + 8, 2);
        int hour = num(b, from + 11, 2);
        int minute = num(b, from + 14, 2);
        int second = num(b, from + 17, 2);
        int millis = 0;
        if (n > 20) {
            if (b[from + 19] != '.' || n > 30 || n < 22) {
                return Long.MIN_VALUE;
            }
            int frac = 0;
            int digits = 0;
            for (int i = 20; i < n - 1; i++) {
                int d = digit(b, from + i);
                if (d < 0) {
                    return Long.MIN_VALUE;
                }
                if (digits < 3) {
                    frac = frac * 10 + d;
                    digits++;
                }
            }
            while (digits < 3) {
                frac *= 10;
                digits++;
            }
            millis = frac;
        }
        return utcMillis(year, month, day, hour, minute, second, millis);
    }

    private static int digit(byte[] b, int i) {
        byte c = b[i];
        return c >= '0' && c <= '9' ? c - '0' : -1000;
    }

    private static int num(byte[] b, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            v = v * 10 + digit(b, i);
        }
        return v;
    }

    /** The epoch millis of a UTC date and time read by the fast ISO parsers; Long.MIN_VALUE when out of range. */
    private static long utcMillis(int year, int month, int day, int hour, int minute, int second, int millis) {
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        if (day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()) {
            return Long.MIN_VALUE;
        }
        long days = epochDay(year, month, day);
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    /** Days since 1970-01-01 for a proleptic Gregorian date (civil-from-days inverse). */
    private static long epochDay(int y, int m, int d) {
        long yy = m <= 2 ? y - 1 : y;
        long era = Math.floorDiv(yy, 400);
        long yoe = yy - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    /** Converts a Joda-Time pattern to java.time: year {@code y} → {@code u}, {@code ZZ} → {@code XXX}. */
    static DateTimeFormatter jodaFormatter(String joda) {
        return FORMAT_CACHE.computeIfAbsent(joda, p -> {
            StringBuilder out = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c == '\'') {
                    quoted = !quoted;
                    out.append(c);
                    continue;
                }
                if (quoted) {
                    out.append(c);
                    continue;
                }
                if (c == 'y' || c == 'Y') {
                    out.append('u');
                } else if (c == 'Z') {
                    int run = 1;
                    while (i + 1 < p.length() && p.charAt(i + 1) == 'Z') {
                        run++;
                        i++;
                    }
                    out.append(run == 1 ? "xx" : run == 2 ? "XXX" : "VV");
                } else if (c == 'e') {
                    out.append('e');
                } else {
                    out.append(c);
                }
            }
            return DateTimeFormatter.ofPattern(out.toString(), Locale.ENGLISH);
        });
    }

    static Long parsePattern(String s, DateTimeFormatter f, ZoneId zone) {
        try {
            TemporalAccessor t = f.parse(s.trim());
            if (t.isSupported(ChronoField.INSTANT_SECONDS)) {
                return Instant.from(t).toEpochMilli();
            }
            LocalDate date = t.isSupported(ChronoField.EPOCH_DAY)
                    ? LocalDate.ofEpochDay(t.getLong(ChronoField.EPOCH_DAY))
                    : LocalDate.of(
                            t.isSupported(ChronoField.YEAR) ? t.get(ChronoField.YEAR) : 1970,
                            t.isSupported(ChronoField.MONTH_OF_YEAR) ? t.get(ChronoField.MONTH_OF_YEAR) : 1,
                            t.isSupported(ChronoField.DAY_OF_MONTH) ? t.get(ChronoField.DAY_OF_MONTH) : 1);
            LocalTime time = t.isSupported(ChronoField.NANO_OF_DAY)
                    ? LocalTime.ofNanoOfDay(t.getLong(ChronoField.NANO_OF_DAY))
                    : t.isSupported(ChronoField.HOUR_OF_DAY)
                            ? LocalTime.of(
                                    t.get(ChronoField.HOUR_OF_DAY),
                                    t.isSupported(ChronoField.MINUTE_OF_HOUR) ? t.get(ChronoField.MINUTE_OF_HOUR) : 0)
                            : LocalTime.MIDNIGHT;
            ZoneId z = t.isSupported(ChronoField.OFFSET_SECONDS)
                    ? ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS))
                    : zone;
            return ZonedDateTime.of(date, time, z).toInstant().toEpochMilli();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static CompiledExpr timestampFloor(Fn fn, CompiledExpr[] a, List<Expr> args) {
        if (a.length < 2 || a.length > 4) {
            throw new IllegalArgumentException("timestamp_floor needs 2 to 4 arguments");
        }
        return row -> {
            Long t = Values.toLong(a[0].eval(row));
            String p = Values.toStr(a[1].eval(row));
            if (t == null || p == null) {
                return null;
            }
            Long origin = a.length >= 3 ? Values.toLong(a[2].eval(row)) : null;
            ZoneId zone = zoneArg(a.length >= 4 ? a[3].eval(row) : null);
            long off = 0;
            if (zone != ZoneOffset.UTC) {
                off = zone.getRules().getOffset(Instant.ofEpochMilli(t)).getTotalSeconds() * 1000L;
            }
            long local = t + off;
            long floored;
            if (origin != null && origin != 0) {
                floored = Granularity.floor(local - origin, p) + origin;
            } else {
                floored = Granularity.floor(local, p);
            }
            if (zone != ZoneOffset.UTC) {
                long back = floored - off;
                long off2 = zone.getRules().getOffset(Instant.ofEpochMilli(back)).getTotalSeconds() * 1000L;
                return floored - off2;
            }
            return floored;
        };
    }

    private static final DateTimeFormatter ISO_OFFSET =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ENGLISH);

    private static CompiledExpr timestampFormat(Fn fn, CompiledExpr[] a, List<Expr> args) {
        if (a.length < 1 || a.length > 3) {
            throw new IllegalArgumentException("timestamp_format needs 1 to 3 arguments");
        }
        return row -> {
            Long t = Values.toLong(a[0].eval(row));
            if (t == null) {
                return null;
            }
            Object p = a.length >= 2 ? a[1].eval(row) : null;
            ZoneId zone = zoneArg(a.length >= 3 ? a[2].eval(row) : null);
            if (p == null) {
                if (zone == ZoneOffset.UTC) {
                    return Intervals.formatInstant(t);
                }
                return ISO_OFFSET.format(Instant.ofEpochMilli(t).atZone(zone));
            }
            return jodaFormatter(p.toString()).format(Instant.ofEpochMilli(t).atZone(zone));
        };
    }

    private static CompiledExpr timestampExtract(Fn fn, CompiledExpr[] a) {
        if (a.length < 2 || a.length > 3) {
            throw new IllegalArgumentException("timestamp_extract needs 2 or 3 arguments");
        }
        return row -> {
            Long t = Values.toLong(a[0].eval(row));
            String unit = Values.toStr(a[1].eval(row));
            if (t == null || unit == null) {
                return null;
            }
            ZoneId zone = zoneArg(a.length == 3 ? a[2].eval(row) : null);
            ZonedDateTime d = Instant.ofEpochMilli(t).atZone(zone);
            return switch (unit.toUpperCase(Locale.ROOT)) {
                case "EPOCH" -> Math.floorDiv(t, 1000L);
                case "MILLISECOND" -> (long) (d.getSecond() * 1000 + d.getNano() / 1_000_000);
                case "SECOND" -> (long) d.getSecond();
                case "MINUTE" -> (long) d.getMinute();
                case "HOUR" -> (long) d.getHour();
                case "DAY" -> (long) d.getDayOfMonth();
                case "DOW" -> (long) (d.getDayOfWeek().getValue() % 7);
                case "ISODOW" -> (long) d.getDayOfWeek().getValue();
                case "DOY" -> (long) d.getDayOfYear();
                case "WEEK" -> (long) d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
                case "MONTH" -> (long) d.getMonthValue();
                case "QUARTER" -> (long) ((d.getMonthValue() - 1) / 3 + 1);
                case "YEAR" -> (long) d.getYear();
                case "ISOYEAR" -> (long) d.get(IsoFields.WEEK_BASED_YEAR);
                case "DECADE" -> (long) Math.floorDiv(d.getYear(), 10);
                case "CENTURY" -> (long) Math.floorDiv(d.getYear() - 1, 100) + 1;
                case "MILLENNIUM" -> (long) Math.floorDiv(d.getYear() - 1, 1000) + 1;
                default -> throw new IllegalArgumentException("Unknown timestamp_extract unit [" + unit + "]");
            };
        };
    }

    // ---------------------------------------------------------------- arrays and JSON

    static List<?> asList(Object v) {
        return v instanceof List<?> l ? l : Collections.singletonList(v);
    }

    private static List<?> stringList(List<?> l) {
        List<Object> out = new ArrayList<>(l.size());
        for (Object o : l) {
            out.add(Values.toStr(o));
        }
        return Collections.unmodifiableList(out);
    }

    private static boolean containsValue(List<?> l, Object v) {
        for (Object o : l) {
            if (o == null ? v == null : v != null && valueEquals(o, v)) {
                return true;
            }
        }
        return false;
    }

    private static CompiledExpr arrayIndex(Fn fn, CompiledExpr[] a, int base) {
        return binary(fn, a, (x, y) -> {
            List<?> l = asList(x);
            Long i = Values.toLong(y);
            if (i == null) {
                return null;
            }
            long idx = i - base;
            return idx < 0 || idx >= l.size() ? null : l.get((int) idx);
        });
    }

    private static CompiledExpr jsonObject(Fn fn, CompiledExpr[] a) {
        if (a.length % 2 != 0) {
            throw new IllegalArgumentException("Function[" + fn.id() + "] needs key/value pairs");
        }
        return row -> {
            com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
            for (int i = 0; i < a.length; i += 2) {
                String key = Values.toStr(a[i].eval(row));
                if (key == null) {
                    throw new IllegalArgumentException("Function[" + fn.id() + "] has a null key");
                }
                o.set(key, JSON.valueToTree(a[i + 1].eval(row)));
            }
            try {
                return JSON.writeValueAsString(o);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static CompiledExpr jsonValue(Fn fn, CompiledExpr[] a) {
        atLeast(fn, a, 2);
        return row -> {
            Object json = a[0].eval(row);
            String path = Values.toStr(a[1].eval(row));
            if (json == null || path == null) {
                return null;
            }
            try {
                JsonNode node = json instanceof String s ? JSON.readTree(s) : JSON.valueToTree(json);
                node = navigate(node, path);
                if (node == null || node.isNull() || node.isMissingNode() || node.isContainerNode()) {
                    return null;
                }
                if (node.isIntegralNumber()) {
                    return node.asLong();
                }
                if (node.isNumber()) {
                    return node.asDouble();
                }
                if (node.isBoolean()) {
                    return node.asBoolean() ? ONE : ZERO;
                }
                return node.asText();
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        };
    }

    /** Follows a JSONPath subset: {@code $}, {@code .field}, {@code ["field"]}, {@code [index]}. */
    static JsonNode navigate(JsonNode node, String path) {
        String p = path.trim();
        if (!p.startsWith("$")) {
            return null;
        }
        int i = 1;
        while (i < p.length() && node != null) {
            char c = p.charAt(i);
            if (c == '.') {
                int j = i + 1;
                while (j < p.length() && p.charAt(j) != '.' && p.charAt(j) != '[') {
                    j++;
                }
                node = node.get(p.substring(i + 1, j));
                i = j;
            } else if (c == '[') {
                int j = p.indexOf(']', i);
                if (j < 0) {
                    return null;
                }
                String inner = p.substring(i + 1, j).trim();
                if (inner.startsWith("\"") || inner.startsWith("'")) {
                    node = node.get(inner.substring(1, inner.length() - 1));
                } else {
                    node = node.get(Integer.parseInt(inner));
                }
                i = j + 1;
            } else {
                return null;
            }
        }
        return node;
    }
}
