package io.sluice.planner.calcite;

import io.sluice.engine.types.ColumnType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeComparability;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.ObjectSqlType;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * SQL types for Druid's complex column types that the engine must tell apart after planning (sketches): an
 * {@code OTHER} type named by the native type, as Druid's own complex SQL types are.
 */
public final class ComplexTypes {
    private ComplexTypes() {}

    /** The SQL type of a sketch column of the given native type. */
    public static RelDataType sketch(ColumnType type, boolean nullable) {
        if (!type.isSketch()) {
            throw new IllegalArgumentException("not a sketch type: " + type);
        }
        return new ObjectSqlType(SqlTypeName.OTHER, new SqlIdentifier(type.druidName(), SqlParserPos.ZERO),
                nullable, null, RelDataTypeComparability.NONE);
    }

    /** The native sketch type a SQL type stands for, or null when it is not a sketch type. */
    public static ColumnType sketchType(RelDataType t) {
        if (t instanceof ObjectSqlType o && o.getSqlIdentifier() != null) {
            String name = o.getSqlIdentifier().getSimple();
            for (ColumnType c : new ColumnType[] {ColumnType.COMPLEX_HLL, ColumnType.COMPLEX_THETA}) {
                if (c.druidName().equals(name)) {
                    return c;
                }
            }
        }
        return null;
    }
}
