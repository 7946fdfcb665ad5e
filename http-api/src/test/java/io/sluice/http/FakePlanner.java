package io.sluice.http;

import io.sluice.engine.expr.ColumnRef;
import io.sluice.engine.expr.NamedExpr;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.InlineRowsInputSpec;
import io.sluice.engine.plan.QueryDefinition;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.plan.ScanProcessorSpec;
import io.sluice.engine.plan.StageDefinition;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import io.sluice.planner.SqlParameter;
import io.sluice.planner.SqlPlanner;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Fails with the exception registered for a SQL text, else plans a one-stage {@code SELECT 1 AS x}. */
final class FakePlanner implements SqlPlanner {
    /** What the last successful or failed {@link #plan} call saw. */
    record Call(
            String sql, Map<String, Object> context, List<SqlParameter> parameters, String queryId, String thread) {}

    private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
    final Map<String, Call> calls = new ConcurrentHashMap<>();

    void failOn(String sql, RuntimeException e) {
        failures.put(sql, e);
    }

    @Override
    public QuerySpec plan(String sql, Map<String, Object> context, List<SqlParameter> parameters, String queryId) {
        calls.put(queryId, new Call(sql, Map.copyOf(context), parameters, queryId, Thread.currentThread().getName()));
        RuntimeException failure = failures.get(sql);
        if (failure != null) {
            throw failure;
        }
        return selectOne(sql, queryId, context);
    }

    static QuerySpec selectOne(String sql, String queryId, Map<String, Object> context) {
        RowSignature signature = RowSignature.builder().add("x", ColumnType.LONG).build();
        StageDefinition stage = new StageDefinition(
                0,
                queryId + "_0",
                List.of(new InlineRowsInputSpec(signature, List.of(List.of(1L)))),
                Set.of(),
                new ScanProcessorSpec(null, List.of(new NamedExpr("x", new ColumnRef("x"), ColumnType.LONG)), null),
                signature,
                null,
                1);
        return new QuerySpec(
                sql,
                "__query_select",
                new QueryDefinition(queryId, List.of(stage)),
                List.of(new ColumnMapping("x", "x")),
                signature,
                List.of("BIGINT"),
                new Destination.TaskReport(),
                context);
    }
}
