package io.sluice.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/**
 * The one Jackson mapper of the HTTP API and the response builders every route uses. Nulls are written (Druid shows
 * {@code "errorMsg":null}, {@code "host":null}); unknown request fields are ignored, as Druid's mapper does.
 */
public final class DruidJson {
    /** Shared, thread-safe once configured. */
    public static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private DruidJson() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code status} with a JSON body and {@code Content-Type: application/json}. */
    public static HttpResponse json(int status, Object body) {
        return HttpResponse.create()
                .withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON, bytes(body));
    }

    public static HttpResponse ok(Object body) {
        return json(200, body);
    }

    /** {@code status} with a plain-text body, as Druid's resources answer some 400 and 404s. */
    public static HttpResponse text(int status, String body) {
        return HttpResponse.create().withStatus(status).withEntity(ContentTypes.TEXT_PLAIN_UTF8, body);
    }

    /** {@code status} with no body at all ({@code Content-Length: 0}). */
    public static HttpResponse empty(int status) {
        return HttpResponse.create().withStatus(status);
    }

    public static HttpResponse notFound() {
        return empty(StatusCodes.NOT_FOUND.intValue());
    }

    /** Text of a field, or null when missing or JSON null. */
    static String textOrNull(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
