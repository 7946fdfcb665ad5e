package io.sluice.planner.translate;

import io.sluice.engine.types.ColumnType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.type.SqlTypeName;

/** SQL type ↔ native type, as Druid maps them. */
public final class SqlTypes {
    private SqlTypes() {}

    public static ColumnType nativeType(RelDataType t) {
        ColumnType sketch = io.sluice.planner.calcite.ComplexTypes.sketchType(t);
        if (sketch != null) {
            return sketch;
        }
        SqlTypeName n = t.getSqlTypeName();
        return switch (n) {
            case CHAR, VARCHAR -> ColumnType.STRING;
            case BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, TIMESTAMP, TIMESTAMP_WITH_LOCAL_TIME_ZONE, DATE, TIME,
                    INTERVAL_DAY, INTERVAL_DAY_HOUR, INTERVAL_DAY_MINUTE, INTERVAL_DAY_SECOND, INTERVAL_HOUR,
                    INTERVAL_HOUR_MINUTE, INTERVAL_HOUR_SECOND, INTERVAL_MINUTE, INTERVAL_MINUTE_SECOND,
                    INTERVAL_SECOND, INTERVAL_YEAR, INTERVAL_YEAR_MONTH, INTERVAL_MONTH -> ColumnType.LONG;
            case DECIMAL -> t.getScale() == 0 ? ColumnType.LONG : ColumnType.DOUBLE;
            case FLOAT, REAL -> ColumnType.FLOAT;
            case DOUBLE -> ColumnType.DOUBLE;
            case ARRAY -> switch (nativeType(t.getComponentType())) {
                case STRING -> ColumnType.STRING_ARRAY;
                case LONG -> ColumnType.LONG_ARRAY;
                default -> ColumnType.DOUBLE_ARRAY;
            };
            case NULL -> ColumnType.STRING;
            default -> ColumnType.COMPLEX_JSON;
        };
    }

    /** The SQL type name Druid reports in {@code sqlTypeNames}. */
    public static String sqlTypeName(RelDataType t) {
        SqlTypeName n = t.getSqlTypeName();
        return switch (n) {
            case CHAR, VARCHAR -> "VARCHAR";
            case ARRAY -> sqlTypeName(t.getComponentType()) + " ARRAY";
            case DECIMAL -> t.getScale() == 0 ? "BIGINT" : "DOUBLE";
            case NULL -> "VARCHAR";
            case ANY -> "OTHER";
            default -> n.getName();
        };
    }
}
