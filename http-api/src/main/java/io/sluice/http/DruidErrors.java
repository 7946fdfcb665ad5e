package io.sluice.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.planner.DruidSqlException;
import java.util.Map;

/** Druid's error bodies, built field by field so that key order and explicit nulls match the wire. */
public final class DruidErrors {
    private DruidErrors() {}

    /**
     * The inner error of a failed submit: the modern {@code druidException} envelope, or the legacy-wrapped one when
     * the exception carries a legacy error ({@code legacyQueryException}).
     */
    public static ObjectNode envelope(DruidSqlException e) {
        ObjectNode error = DruidJson.object();
        if (e.legacyError() != null) {
            error.put("error", e.legacyError());
            error.put("errorClass", e.legacyErrorClass());
            error.putNull("host");
            error.put("errorCode", "legacyQueryException");
        } else {
            error.put("error", "druidException");
            error.put("errorCode", e.errorCode());
        }
        error.put("persona", e.persona());
        error.put("category", e.category());
        error.put("errorMessage", e.getMessage());
        ObjectNode context = error.putObject("context");
        if (e.legacyError() != null) {
            context.putNull("host");
            context.put("errorClass", e.legacyErrorClass());
            context.put("legacyErrorCode", e.legacyError());
        }
        for (Map.Entry<String, String> entry : e.context().entrySet()) {
            if (!context.has(entry.getKey())) {
                context.put(entry.getKey(), entry.getValue());
            }
        }
        return error;
    }

    /** An unexpected exception as Druid reports it: {@code general}, DEVELOPER, UNCATEGORIZED (HTTP 500). */
    public static DruidSqlException unexpected(Throwable t) {
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        return new DruidSqlException("general", "DEVELOPER", "UNCATEGORIZED", message, Map.of());
    }

    /** {@code {"taskId": <sqlQueryId>, "state": "FAILED", "error": {...}}}: a submit that failed. */
    public static ObjectNode failedSubmit(String sqlQueryId, DruidSqlException e) {
        ObjectNode body = DruidJson.object();
        body.put("taskId", sqlQueryId);
        body.put("state", "FAILED");
        body.set("error", envelope(e));
        return body;
    }

    /**
     * The Jersey-level envelope for a body Jackson could not read:
     * {@code {"error":"Unknown exception","errorMessage":…,"errorClass":…,"host":null}}.
     */
    public static ObjectNode badJson(JsonProcessingException e) {
        ObjectNode body = DruidJson.object();
        body.put("error", "Unknown exception");
        body.put("errorMessage", e.getMessage());
        body.put("errorClass", e.getClass().getName());
        body.putNull("host");
        return body;
    }

    /** Last-resort 500 body; never a stack trace. */
    public static ObjectNode unknown(Throwable t) {
        ObjectNode body = DruidJson.object();
        body.put("error", "Unknown exception");
        body.put("errorMessage", t.getMessage() != null ? t.getMessage() : t.getClass().getName());
        return body;
    }
}
