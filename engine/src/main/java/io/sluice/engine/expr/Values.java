package io.sluice.engine.expr;

import io.sluice.engine.types.ColumnType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Runtime value conversions shared by the evaluator, aggregators and processors. */
public final class Values {
    private Values() {}

    /** Lenient number parsing: Long when integral text, else Double; null when it does not parse. */
    public static Number parseNumber(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(t);
            } catch (NumberFormatException e2) {
                return null;
            }
        }
    }

    /** The value as a Number (Long or Double/Float), or null. Booleans are 1/0. */
    public static Number toNumber(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n instanceof Integer i ? (Number) i.longValue() : n;
        }
        if (v instanceof String s) {
            return parseNumber(s);
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (v instanceof List<?> l && l.size() == 1) {
            return toNumber(l.get(0));
        }
        return null;
    }

    public static Long toLong(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        Number n = toNumber(v);
        return n == null ? null : n.longValue();
    }

    public static Double toDouble(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        Number n = toNumber(v);
        return n == null ? null : n.doubleValue();
    }

    /** Druid's string rendering of a value (numbers as Java prints them). */
    public static String toStr(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof List<?> l) {
            return l.size() == 1 ? toStr(l.get(0)) : l.toString();
        }
        return String.valueOf(v);
    }

    /** Converts a value to a column type's runtime representation (null when it cannot be converted). */
    public static Object coerce(Object v, ColumnType type) {
        if (v == null) {
            return null;
        }
        // the usual case first, by exact class (no interface checks): a value already of the type
        Class<?> c = v.getClass();
        if (c == String.class ? type == ColumnType.STRING
                : c == Long.class ? type == ColumnType.LONG
                : c == Double.class && type == ColumnType.DOUBLE) {
            return v;
        }
        switch (type) {
            case LONG:
                return v instanceof Long ? v : toLong(v);
            case DOUBLE:
                return v instanceof Double ? v : toDouble(v);
            case FLOAT: {
                if (v instanceof Float) {
                    return v;
                }
                Number n = toNumber(v);
                return n == null ? null : n.floatValue();
            }
            case STRING:
                if (v instanceof String) {
                    return v;
                }
                return v instanceof List<?> l ? stringList(l) : toStr(v);
            case STRING_ARRAY:
                return v instanceof List<?> l ? stringList(l) : List.of(toStr(v));
            case LONG_ARRAY:
                return mapList(v, ColumnType.LONG);
            case DOUBLE_ARRAY:
                return mapList(v, ColumnType.DOUBLE);
            case COMPLEX_JSON:
            case COMPLEX_STATE:
            case COMPLEX_HLL:
            case COMPLEX_THETA:
                return v;
            default:
                throw new IllegalStateException("unreachable");
        }
    }

    private static List<Object> mapList(Object v, ColumnType elementType) {
        List<?> in = v instanceof List<?> l ? l : List.of(v);
        List<Object> out = new ArrayList<>(in.size());
        for (Object o : in) {
            out.add(coerce(o, elementType));
        }
        return Collections.unmodifiableList(out);
    }

    private static List<?> stringList(List<?> l) {
        boolean allStrings = true;
        for (Object o : l) {
            if (o != null && !(o instanceof String)) {
                allStrings = false;
                break;
            }
        }
        if (allStrings) {
            return l;
        }
        List<Object> out = new ArrayList<>(l.size());
        for (Object o : l) {
            out.add(toStr(o));
        }
        return Collections.unmodifiableList(out);
    }
}
