package io.sluice.engine.expr;

import io.sluice.engine.types.ColumnType;
import java.util.List;

/**
 * A constant. {@code value} is null (SQL NULL) or a String, Long, Double, or a List for arrays; {@code type} is
 * its native type (TIMESTAMP literals are LONG millis).
 */
public record Literal(Object value, ColumnType type) implements Expr {
    public Literal {
        if (type == null) {
            throw new NullPointerException("type is null");
        }
        if (value instanceof Integer i) {
            value = i.longValue();
        } else if (value instanceof Float f) {
            value = f.doubleValue();
        } else if (value instanceof List<?> l) {
            value = List.copyOf(l);
        }
    }

    public static Literal ofNull(ColumnType type) {
        return new Literal(null, type);
    }

    public static Literal of(String s) {
        return new Literal(s, ColumnType.STRING);
    }

    public static Literal of(long l) {
        return new Literal(l, ColumnType.LONG);
    }

    public static Literal of(double d) {
        return new Literal(d, ColumnType.DOUBLE);
    }

    @Override
    public String toDruidString() {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "'" + s.replace("'", "\\'") + "'";
        }
        return String.valueOf(value);
    }
}
