package io.sluice.engine.types;

import static java.util.Objects.requireNonNull;

/** One column of a {@link RowSignature}: {@code {"name": "...", "type": "STRING"}} on the wire. */
public record ColumnSignature(String name, ColumnType type) {
    public ColumnSignature {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
    }
}
