package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

/** One sort/partition key column: {@code {"columnName": "d0", "order": "ASCENDING"}}. */
public record KeyColumn(String columnName, KeyOrder order) {
    public KeyColumn {
        requireNonNull(columnName, "columnName is null");
        requireNonNull(order, "order is null");
    }

    public static KeyColumn asc(String name) {
        return new KeyColumn(name, KeyOrder.ASCENDING);
    }

    public static KeyColumn desc(String name) {
        return new KeyColumn(name, KeyOrder.DESCENDING);
    }
}
