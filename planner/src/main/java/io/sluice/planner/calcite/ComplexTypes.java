package io.sluice.planner.calcite;

import io.sluice.engine.types.ColumnType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.type.AbstractSqlType;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * SQL types for Druid's complex column types that the engine must tell apart after planning (sketches): an
 * {@code OTHER} type named by the native type, as Druid's own complex SQL types are. They are always nullable, so
 * Calcite's type factory hands them back unchanged when asked for a nullable type.
 */
public final class ComplexTypes {
    private ComplexTypes() {}

    /** An OTHER type that remembers which sketch it holds. */
    static final class SketchSqlType extends AbstractSqlType {
        private final ColumnType type;

        SketchSqlType(ColumnType type) {
            super(SqlTypeName.OTHER, true, null);
            this.type = type;
            computeDigest();
        }

        @Override
        protected void generateTypeString(StringBuilder sb, boolean withDetail) {
            sb.append(type.druidName());
        }
    }

    /** The (nullable) SQL type of a sketch column of the given native type. */
    public static RelDataType sketch(ColumnType type) {
        if (!type.isSketch()) {
            throw new IllegalArgumentException("not a sketch type: " + type);
        }
        return new SketchSqlType(type);
    }

    /** The native sketch type a SQL type stands for, or null when it is not a sketch type. */
    public static ColumnType sketchType(RelDataType t) {
        return t instanceof SketchSqlType s ? s.type : null;
    }
}
