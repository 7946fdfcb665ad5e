package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

/** Maps a query (stage) column to a user-visible output column: {@code {"queryColumn":"v0","outputColumn":"__time"}}. */
public record ColumnMapping(String queryColumn, String outputColumn) {
    public ColumnMapping {
        requireNonNull(queryColumn, "queryColumn is null");
        requireNonNull(outputColumn, "outputColumn is null");
    }
}
