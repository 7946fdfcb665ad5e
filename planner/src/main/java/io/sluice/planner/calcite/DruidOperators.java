package io.sluice.planner.calcite;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlBasicFunction;
import org.apache.calcite.sql.SqlFunctionCategory;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.ReturnTypes;
import org.apache.calcite.sql.type.SqlReturnTypeInference;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlOperatorTables;
import org.apache.calcite.util.Optionality;

/** Druid SQL functions that Calcite's standard operator table lacks, with Druid's return types. */
public final class DruidOperators {
    private DruidOperators() {}

    /** Calcite's standard operators chained with the Druid ones. */
    public static SqlOperatorTable table() {
        return SqlOperatorTables.chain(new Without(SqlStdOperatorTable.instance()),
                new CaseInsensitive(SqlOperatorTables.of(operators())));
    }

    /** Druid's function names match in any case ({@code strlen}, {@code array_to_mv}), as in Druid. */
    private record CaseInsensitive(SqlOperatorTable delegate) implements SqlOperatorTable {
        @Override
        public void lookupOperatorOverloads(
                org.apache.calcite.sql.SqlIdentifier name,
                org.apache.calcite.sql.SqlFunctionCategory category,
                org.apache.calcite.sql.SqlSyntax syntax,
                List<SqlOperator> result,
                org.apache.calcite.sql.validate.SqlNameMatcher matcher) {
            delegate.lookupOperatorOverloads(name, category, syntax, result,
                    org.apache.calcite.sql.validate.SqlNameMatchers.withCaseSensitive(false));
        }

        @Override
        public List<SqlOperator> getOperatorList() {
            return delegate.getOperatorList();
        }
    }

    private static final java.util.Set<String> HIDDEN = java.util.Set.of("USER");

    /**
     * Calcite's table without the niladic USER function, so that {@code user} names a column as in Druid.
     */
    private record Without(SqlOperatorTable delegate) implements SqlOperatorTable {
        @Override
        public void lookupOperatorOverloads(
                org.apache.calcite.sql.SqlIdentifier name,
                org.apache.calcite.sql.SqlFunctionCategory category,
                org.apache.calcite.sql.SqlSyntax syntax,
                List<SqlOperator> result,
                org.apache.calcite.sql.validate.SqlNameMatcher matcher) {
            if (name.isSimple() && HIDDEN.contains(name.getSimple().toUpperCase(java.util.Locale.ROOT))) {
                return;
            }
            delegate.lookupOperatorOverloads(name, category, syntax, result, matcher);
        }

        @Override
        public List<SqlOperator> getOperatorList() {
            return delegate.getOperatorList().stream().filter(o -> !HIDDEN.contains(o.getName())).toList();
        }
    }

    private static SqlReturnTypeInference nullable(SqlTypeName name) {
        return b -> {
            RelDataTypeFactory tf = b.getTypeFactory();
            RelDataType t = name == SqlTypeName.TIMESTAMP ? tf.createSqlType(name, 3) : tf.createSqlType(name);
            return tf.createTypeWithNullability(t, true);
        };
    }

    private static SqlReturnTypeInference array(SqlTypeName element) {
        return b -> {
            RelDataTypeFactory tf = b.getTypeFactory();
            RelDataType e = tf.createTypeWithNullability(tf.createSqlType(element), true);
            return tf.createTypeWithNullability(tf.createArrayType(e, -1), true);
        };
    }

    private static final SqlReturnTypeInference ARRAY_ELEMENT = b -> {
        RelDataTypeFactory tf = b.getTypeFactory();
        RelDataType comp = b.getOperandType(0).getComponentType();
        return tf.createTypeWithNullability(comp == null ? tf.createSqlType(SqlTypeName.VARCHAR) : comp, true);
    };

    private static SqlOperator fn(String name, SqlReturnTypeInference type) {
        return SqlBasicFunction.create(name, type, OperandTypes.VARIADIC, SqlFunctionCategory.USER_DEFINED_FUNCTION);
    }

    private static SqlOperator agg(String name, SqlReturnTypeInference type) {
        return new SqlAggFunction(name, null, SqlKind.OTHER_FUNCTION, type, null, OperandTypes.VARIADIC,
                SqlFunctionCategory.USER_DEFINED_FUNCTION, false, false, Optionality.FORBIDDEN) {};
    }

    static List<SqlOperator> operators() {
        List<SqlOperator> ops = new ArrayList<>();
        for (String n : List.of("TIME_PARSE", "TIME_FLOOR", "TIME_CEIL", "TIME_SHIFT", "MILLIS_TO_TIMESTAMP",
                "DATE_FLOOR")) {
            ops.add(fn(n, nullable(SqlTypeName.TIMESTAMP)));
        }
        for (String n : List.of("TIME_FORMAT", "REGEXP_EXTRACT", "LPAD", "RPAD", "ARRAY_TO_MV", "LEFT", "RIGHT",
                "REVERSE", "REPEAT", "LTRIM", "RTRIM", "CONCAT", "ARRAY_TO_STRING")) {
            ops.add(fn(n, nullable(SqlTypeName.VARCHAR)));
        }
        for (String n : List.of("TIME_EXTRACT", "TIMESTAMP_TO_MILLIS", "STRLEN", "LENGTH", "STRPOS", "ARRAY_LENGTH",
                "MV_LENGTH")) {
            ops.add(fn(n, nullable(SqlTypeName.BIGINT)));
        }
        for (String n : List.of("CONTAINS_STRING", "ICONTAINS_STRING", "REGEXP_LIKE", "ARRAY_CONTAINS",
                "ARRAY_OVERLAP", "MV_CONTAINS")) {
            ops.add(fn(n, nullable(SqlTypeName.BOOLEAN)));
        }
        for (String n : List.of("NVL", "SAFE_DIVIDE", "GREATEST", "LEAST")) {
            ops.add(fn(n, ReturnTypes.LEAST_RESTRICTIVE.andThen(org.apache.calcite.sql.type.SqlTypeTransforms.FORCE_NULLABLE)));
        }
        ops.add(fn("MV_TO_ARRAY", array(SqlTypeName.VARCHAR)));
        ops.add(fn("STRING_TO_ARRAY", array(SqlTypeName.VARCHAR)));
        ops.add(fn("ARRAY_OFFSET", ARRAY_ELEMENT));
        ops.add(fn("ARRAY_ORDINAL", ARRAY_ELEMENT));
        for (String n : List.of("ARRAY_CONCAT", "ARRAY_APPEND", "ARRAY_PREPEND")) {
            ops.add(fn(n, ReturnTypes.ARG0_NULLABLE));
        }
        for (String n : List.of("EARLIEST", "LATEST", "EARLIEST_BY", "LATEST_BY")) {
            ops.add(agg(n, ReturnTypes.ARG0_FORCE_NULLABLE));
        }
        for (String n : List.of("APPROX_COUNT_DISTINCT_DS_HLL", "APPROX_COUNT_DISTINCT_DS_THETA")) {
            ops.add(agg(n, ReturnTypes.BIGINT));
        }
        ops.add(agg("DS_HLL", b -> ComplexTypes.sketch(io.sluice.engine.types.ColumnType.COMPLEX_HLL)));
        ops.add(agg("DS_THETA", b -> ComplexTypes.sketch(io.sluice.engine.types.ColumnType.COMPLEX_THETA)));
        ops.add(agg("BIG_SUM", nullable(SqlTypeName.DOUBLE)));
        for (String n : List.of("HLL_SKETCH_ESTIMATE", "THETA_SKETCH_ESTIMATE")) {
            ops.add(fn(n, nullable(SqlTypeName.DOUBLE)));
        }
        return ops;
    }
}
