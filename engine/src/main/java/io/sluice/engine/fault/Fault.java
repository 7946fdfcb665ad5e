package io.sluice.engine.fault;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An MSQ fault as Druid serialises it: {@code {"errorCode": "...", "errorMessage": "...", ...fault fields}}.
 * Codes and fields are Druid's (see {@link Faults} for constructors).
 */
@JsonPropertyOrder({"errorCode", "errorMessage"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Fault {
    @JsonProperty("errorCode")
    private String errorCode;

    @JsonProperty("errorMessage")
    private String errorMessage;

    private final Map<String, Object> fields = new LinkedHashMap<>();

    /** For Jackson. */
    private Fault() {}

    public Fault(String errorCode, String errorMessage, Map<String, Object> fields) {
        this.errorCode = requireNonNull(errorCode, "errorCode is null");
        this.errorMessage = errorMessage;
        if (fields != null) {
            this.fields.putAll(fields);
        }
    }

    @JsonAnySetter
    private void setField(String k, Object v) {
        fields.put(k, v);
    }

    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    @JsonAnyGetter
    public Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /** {@code "<ErrorCode>: <message>"}, Druid's task status errorMsg before truncation. */
    @JsonIgnore
    public String codeAndMessage() {
        String s = errorMessage == null ? errorCode : errorCode + ": " + errorMessage;
        // the root cause stays visible in the task status (QueryRuntimeError's baseErrorMessage)
        return fields.get("baseErrorMessage") instanceof String base ? s + " (" + base + ")" : s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fault f
                && f.errorCode.equals(errorCode)
                && Objects.equals(f.errorMessage, errorMessage)
                && f.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return errorCode.hashCode();
    }

    @Override
    public String toString() {
        return codeAndMessage();
    }
}
