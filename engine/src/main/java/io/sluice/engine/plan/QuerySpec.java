package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import io.sluice.engine.types.RowSignature;
import java.util.List;
import java.util.Map;

/**
 * A planned statement, ready to run as a task: the stage DAG, how the final stage's columns map to output columns,
 * the SQL types of the result, the destination, and the effective query context (request context plus SET
 * statements). This is what the planner produces and what the TaskMaster runs and stores as the task payload.
 *
 * @param resultSignature SELECT output columns (output names) with native types; for ingestion, the stored columns
 * @param sqlTypeNames SQL type names of resultSignature, in order (VARCHAR, BIGINT, TIMESTAMP …)
 * @param dataSource target datasource, or {@code __query_select} for SELECT
 */
public record QuerySpec(
        String sql,
        String dataSource,
        QueryDefinition queryDefinition,
        List<ColumnMapping> columnMappings,
        RowSignature resultSignature,
        List<String> sqlTypeNames,
        Destination destination,
        Map<String, Object> context) {
    public QuerySpec {
        requireNonNull(sql, "sql is null");
        requireNonNull(dataSource, "dataSource is null");
        requireNonNull(queryDefinition, "queryDefinition is null");
        columnMappings = List.copyOf(columnMappings);
        requireNonNull(resultSignature, "resultSignature is null");
        sqlTypeNames = List.copyOf(sqlTypeNames);
        requireNonNull(destination, "destination is null");
        context = Map.copyOf(context);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isIngestion() {
        return destination instanceof Destination.DataSource;
    }
}
