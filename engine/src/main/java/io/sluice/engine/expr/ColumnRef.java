package io.sluice.engine.expr;

import static java.util.Objects.requireNonNull;

/** Reads a column of the input row by name. */
public record ColumnRef(String column) implements Expr {
    public ColumnRef {
        requireNonNull(column, "column is null");
    }

    @Override
    public String toDruidString() {
        return "\"" + column.replace("\"", "\\\"") + "\"";
    }
}
