package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.types.ColumnType;
import java.util.Locale;
import java.util.Optional;

/**
 * A column an INSERT/REPLACE writes, checked against the type the target datasource already has for it (Druid's
 * {@code arrayIngestMode} type verification): writing an ARRAY into an existing multi-value STRING column, or a
 * STRING into an existing ARRAY column, is refused unless the column is listed in
 * {@code columnsExcludedFromTypeVerification}.
 *
 * @param column the target column
 * @param sqlType the SQL type of the value the query produces ({@code VARCHAR}, {@code VARCHAR ARRAY} …)
 * @param storedType the native type it is stored as under {@code arrayIngestMode}
 * @param arrayIngestMode {@code array} or {@code mvd}
 */
public record ColumnTypeCheck(String column, String sqlType, ColumnType storedType, String arrayIngestMode) {
    public ColumnTypeCheck {
        requireNonNull(column, "column is null");
        requireNonNull(sqlType, "sqlType is null");
        requireNonNull(storedType, "storedType is null");
        requireNonNull(arrayIngestMode, "arrayIngestMode is null");
    }

    /** Druid's message when writing this column into one whose existing type is {@code existing}; empty when fine. */
    public Optional<String> violation(ColumnType existing) {
        if (existing == null) {
            return Optional.empty();
        }
        boolean mvd = "mvd".equals(arrayIngestMode.toLowerCase(Locale.ROOT));
        boolean newArray = storedType.isArray();
        boolean newString = storedType == ColumnType.STRING;
        if (!(newArray && existing == ColumnType.STRING) && !(newString && existing.isArray())) {
            return Optional.empty();
        }
        StringBuilder m = new StringBuilder("Cannot write into field[" + column + "] using type[" + sqlType
                + "] and arrayIngestMode[" + arrayIngestMode.toLowerCase(Locale.ROOT) + "], since the existing type is["
                + existing.defaultSqlTypeName() + "]");
        if (newString && sqlType.endsWith(" ARRAY") && mvd) {
            m.append(". Try setting arrayIngestMode to[array] to retain the SQL type[").append(sqlType).append(']');
        } else if (newArray && existing == ColumnType.STRING && !mvd) {
            m.append(". Try wrapping this field using ARRAY_TO_MV(...) AS \"").append(column).append('"');
        } else if (newString && existing.isArray()) {
            m.append(". Try");
            if (mvd) {
                m.append(" setting arrayIngestMode to[array] and");
            }
            m.append(" adjusting your query to make this column an ARRAY instead of VARCHAR");
        }
        m.append(". See https://druid.apache.org/docs/latest/querying/arrays#arrayingestmode for more details about"
                + " this check and how to override it if needed.");
        return Optional.of(m.toString());
    }
}
