package io.sluice.planner.calcite;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.type.SqlTypeName;

/** Druid's type rules where they differ from Calcite's: AVG is always DOUBLE; timestamps have millisecond precision. */
public final class DruidTypeSystem extends RelDataTypeSystemImpl {
    public static final DruidTypeSystem INSTANCE = new DruidTypeSystem();

    @Override
    public RelDataType deriveAvgAggType(RelDataTypeFactory tf, RelDataType argumentType) {
        return tf.createTypeWithNullability(tf.createSqlType(SqlTypeName.DOUBLE), true);
    }

    /** SUM over integers is BIGINT, over FLOAT/DOUBLE/DECIMAL is DOUBLE (Druid's longSum / doubleSum). */
    @Override
    public RelDataType deriveSumType(RelDataTypeFactory tf, RelDataType argumentType) {
        SqlTypeName t = argumentType.getSqlTypeName();
        SqlTypeName out = switch (t) {
            case TINYINT, SMALLINT, INTEGER, BIGINT -> SqlTypeName.BIGINT;
            case FLOAT, REAL, DOUBLE, DECIMAL -> SqlTypeName.DOUBLE;
            default -> null;
        };
        if (out == null) {
            return super.deriveSumType(tf, argumentType);
        }
        return tf.createTypeWithNullability(tf.createSqlType(out), argumentType.isNullable());
    }

    /** CASE branches of different string lengths are VARCHAR, not blank-padded CHAR. */
    @Override
    public boolean shouldConvertRaggedUnionTypesToVarying() {
        return true;
    }

    @Override
    public int getDefaultPrecision(SqlTypeName typeName) {
        return typeName == SqlTypeName.TIMESTAMP ? 3 : super.getDefaultPrecision(typeName);
    }
}
