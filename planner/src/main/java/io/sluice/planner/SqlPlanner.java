package io.sluice.planner;

import io.sluice.engine.plan.QuerySpec;
import java.util.List;
import java.util.Map;

/**
 * Turns MSQ SQL text into a runnable {@link QuerySpec}: leading {@code SET k = v;} statements go into the context,
 * then INSERT / REPLACE / SELECT (with EXTERN, PARTITIONED BY, CLUSTERED BY) is parsed, validated against the
 * catalog, and translated into stages. Every user mistake is a {@link DruidSqlException} with Druid's error.
 */
public interface SqlPlanner {
    /**
     * @param queryId the query id (the task id without {@code query-}); stage ids are {@code <queryId>_<n>}
     */
    QuerySpec plan(String sql, Map<String, Object> context, List<SqlParameter> parameters, String queryId);
}
