package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.expr.Expr;
import io.sluice.engine.types.ColumnType;

/**
 * {@code CROSS JOIN UNNEST(array) AS t(column)} inside a scan: each input row is repeated once per element of
 * {@code array} (evaluated over the input row), with the element appended as column {@code name}; the scan's filter
 * and columns are then evaluated over that extended row.
 *
 * @param type the element type
 * @param nullIfEmpty when true a NULL or empty array yields one row with a NULL element (Druid's unnesting of a
 *     multi-value string column through {@code MV_TO_ARRAY}); when false it yields no rows (an ARRAY source)
 */
public record UnnestSpec(String name, Expr array, ColumnType type, boolean nullIfEmpty) {
    public UnnestSpec {
        requireNonNull(name, "name is null");
        requireNonNull(array, "array is null");
        requireNonNull(type, "type is null");
    }
}
