package io.sluice.planner.calcite;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.sql.ExternRewriter.ExternTable;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;

/** A datasource or an EXTERN input seen by Calcite: only a row type; the planner translates scans itself. */
public final class DruidTable extends AbstractTable {
    private final String dataSource;
    private final RowSignature signature;
    private final ExternTable extern;

    private DruidTable(String dataSource, RowSignature signature, ExternTable extern) {
        this.dataSource = dataSource;
        this.signature = requireNonNull(signature, "signature is null");
        this.extern = extern;
    }

    public static DruidTable dataSource(String name, RowSignature signature) {
        return new DruidTable(requireNonNull(name, "name is null"), signature, null);
    }

    public static DruidTable extern(ExternTable extern) {
        return new DruidTable(null, extern.signature(), extern);
    }

    /** The datasource name, or null for EXTERN. */
    public String dataSource() {
        return dataSource;
    }

    /** The EXTERN call, or null for a datasource. */
    public ExternTable extern() {
        return extern;
    }

    public RowSignature signature() {
        return signature;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory tf) {
        RelDataTypeFactory.Builder b = tf.builder();
        for (ColumnSignature c : signature.columns()) {
            if (extern == null && c.name().equals("__time")) {
                b.add(c.name(), tf.createSqlType(SqlTypeName.TIMESTAMP, 3));
            } else {
                b.add(c.name(), tf.createTypeWithNullability(sqlType(tf, c.type()), true));
            }
        }
        return b.build();
    }

    static RelDataType sqlType(RelDataTypeFactory tf, ColumnType type) {
        return switch (type) {
            case STRING -> tf.createSqlType(SqlTypeName.VARCHAR);
            case LONG -> tf.createSqlType(SqlTypeName.BIGINT);
            case FLOAT -> tf.createSqlType(SqlTypeName.FLOAT);
            case DOUBLE -> tf.createSqlType(SqlTypeName.DOUBLE);
            case STRING_ARRAY -> tf.createArrayType(nullable(tf, SqlTypeName.VARCHAR), -1);
            case LONG_ARRAY -> tf.createArrayType(nullable(tf, SqlTypeName.BIGINT), -1);
            case DOUBLE_ARRAY -> tf.createArrayType(nullable(tf, SqlTypeName.DOUBLE), -1);
            case COMPLEX_JSON, COMPLEX_STATE -> tf.createSqlType(SqlTypeName.OTHER);
            case COMPLEX_HLL, COMPLEX_THETA -> ComplexTypes.sketch(type);
        };
    }

    private static RelDataType nullable(RelDataTypeFactory tf, SqlTypeName n) {
        return tf.createTypeWithNullability(tf.createSqlType(n), true);
    }
}
