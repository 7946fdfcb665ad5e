package io.sluice.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.sluice.planner.SqlParameter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /druid/v2/sql/task}. {@code resultFormat}, {@code header} and the other /sql fields are
 * accepted and ignored. A missing {@code query} fails in the creator, so Jackson reports it as Druid does:
 * {@code ValueInstantiationException: Cannot construct instance of …, problem: query}.
 *
 * @param context the request context without JSON nulls (a null value means the key is not set)
 */
public record SqlTaskRequest(String query, Map<String, Object> context, List<SqlParameter> parameters) {
    @JsonCreator
    public SqlTaskRequest(
            @JsonProperty("query") String query,
            @JsonProperty("context") Map<String, Object> context,
            @JsonProperty("parameters") List<SqlParameter> parameters) {
        this.query = requireNonNull(query, "query");
        Map<String, Object> ctx = new LinkedHashMap<>();
        if (context != null) {
            context.forEach((k, v) -> {
                if (v != null) {
                    ctx.put(k, v);
                }
            });
        }
        this.context = Collections.unmodifiableMap(ctx);
        this.parameters = parameters == null ? List.of() : List.copyOf(parameters);
    }

    /** {@code context.sqlQueryId} when it is a non-blank string, else null. */
    public String sqlQueryId() {
        return context.get("sqlQueryId") instanceof String s && !s.isBlank() ? s : null;
    }
}
