package io.sluice.planner;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Druid-style error (the {@code DruidException} envelope): {@code errorCode} (invalidInput, general, notFound,
 * …), {@code persona}, {@code category} (which decides the HTTP status) and a context map of strings. A legacy
 * error ({@code legacyQueryException}) also carries {@code legacyError} / {@code legacyErrorClass}, rendered as the
 * top-level {@code error} / {@code errorClass} / {@code host} fields as Druid does.
 */
public class DruidSqlException extends RuntimeException {
    private final String errorCode;
    private final String persona;
    private final String category;
    private final Map<String, String> context;
    private final String legacyError;
    private final String legacyErrorClass;

    public DruidSqlException(
            String errorCode, String persona, String category, String message, Map<String, String> context) {
        this(errorCode, persona, category, message, context, null, null);
    }

    public DruidSqlException(
            String errorCode,
            String persona,
            String category,
            String message,
            Map<String, String> context,
            String legacyError,
            String legacyErrorClass) {
        super(requireNonNull(message, "message is null"));
        this.errorCode = requireNonNull(errorCode, "errorCode is null");
        this.persona = requireNonNull(persona, "persona is null");
        this.category = requireNonNull(category, "category is null");
        this.context = context == null ? Map.of() : new LinkedHashMap<>(context);
        this.legacyError = legacyError;
        this.legacyErrorClass = legacyErrorClass;
    }

    /** 400 INVALID_INPUT from the USER persona, with {@code sourceType: sql} in the context. */
    public static DruidSqlException invalidSqlInput(String message) {
        Map<String, String> ctx = new LinkedHashMap<>();
        ctx.put("sourceType", "sql");
        return new DruidSqlException("invalidInput", "USER", "INVALID_INPUT", message, ctx);
    }

    /** 400 INVALID_INPUT from the USER persona with an empty context. */
    public static DruidSqlException invalidInput(String message) {
        return new DruidSqlException("invalidInput", "USER", "INVALID_INPUT", message, Map.of());
    }

    public String errorCode() {
        return errorCode;
    }

    public String persona() {
        return persona;
    }

    public String category() {
        return category;
    }

    public Map<String, String> context() {
        return context;
    }

    public String legacyError() {
        return legacyError;
    }

    public String legacyErrorClass() {
        return legacyErrorClass;
    }

    /** HTTP status from the category, as Druid's DruidException.Category. */
    public int httpStatus() {
        return switch (category) {
            case "INVALID_INPUT" -> 400;
            case "UNAUTHORIZED" -> 401;
            case "FORBIDDEN" -> 403;
            case "NOT_FOUND" -> 404;
            case "CONFLICT" -> 409;
            case "CAPACITY_EXCEEDED" -> 429;
            case "UNSUPPORTED" -> 501;
            case "TIMEOUT" -> 504;
            default -> 500;
        };
    }
}
