package io.sluice.engine.expr;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.types.ColumnType;

/** An output column computed by an expression: {@code name} is the output column, {@code type} its native type. */
public record NamedExpr(String name, Expr expr, ColumnType type) {
    public NamedExpr {
        requireNonNull(name, "name is null");
        requireNonNull(expr, "expr is null");
        requireNonNull(type, "type is null");
    }
}
