package io.sluice.engine.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Opens the body of an {@code http} split as a stream (GET, redirects followed, optional basic auth). */
final class HttpReader {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    private HttpReader() {}

    static InputStream open(ObjectNode source, String uri) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(uri)).GET();
        JsonNode user = source.get("httpAuthenticationUsername");
        if (user != null && !user.isNull()) {
            String pw = password(source);
            String token = user.asText() + ":" + (pw == null ? "" : pw);
            req.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<InputStream> resp;
        try {
            resp = CLIENT.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new FaultException(Faults.unknownError("Failed to read [" + uri + "]: " + e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FaultException(Faults.canceled("UNKNOWN"), e);
        }
        int status = resp.statusCode();
        if (status < 200 || status > 299) {
            try (InputStream body = resp.body()) {
                body.transferTo(OutputStreamSink.INSTANCE);
            } catch (IOException ignored) {
                // the status is what we report
            }
            throw new FaultException(Faults.unknownError("Failed to read [" + uri + "]: HTTP " + status));
        }
        return resp.body();
    }

    /**
     * The basic-auth password: a string, {@code {"type":"default","password":"..."}} or
     * {@code {"type":"environment","variable":"X"}}; null if absent.
     */
    static String password(ObjectNode source) {
        JsonNode pw = source.get("httpAuthenticationPassword");
        if (pw == null || pw.isNull()) {
            return null;
        }
        if (pw.isTextual()) {
            return pw.asText();
        }
        if (pw.isObject()) {
            String type = pw.path("type").asText("default");
            switch (type) {
                case "default":
                    return pw.path("password").asText(null);
                case "environment":
                    String var = pw.path("variable").asText(null);
                    if (var == null) {
                        throw new IllegalArgumentException("httpAuthenticationPassword: variable is required");
                    }
                    return System.getenv(var);
                default:
                    throw new IllegalArgumentException("Could not resolve type id '" + type
                            + "' as a subtype of PasswordProvider known type ids = [default, environment]");
            }
        }
        throw new IllegalArgumentException("httpAuthenticationPassword must be a string or an object, got " + pw);
    }

    /** Discards what is written to it (used to drain an error body). */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
