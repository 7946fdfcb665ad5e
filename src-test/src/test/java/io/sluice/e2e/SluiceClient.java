package io.sluice.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A Druid-client-like helper for tests: submit SQL tasks, poll status, read reports — over real HTTP. */
final class SluiceClient {
    static final ObjectMapper JSON = new ObjectMapper();

    record Response(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    SluiceClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    Response post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    Response submit(String sql, Map<String, Object> context) {
        ObjectNode req = JSON.createObjectNode();
        req.put("query", sql);
        req.set("context", JSON.valueToTree(context));
        return post("/druid/v2/sql/task", req.toString());
    }

    /** Submits and expects 202; returns the task id. */
    String submitOk(String sql, Map<String, Object> context) {
        Response r = submit(sql, context);
        if (r.status() != 202) {
            throw new AssertionError("submit failed " + r.status() + ": " + r.body());
        }
        return r.json().get("taskId").asText();
    }

    JsonNode status(String taskId) {
        return get("/druid/indexer/v1/task/" + taskId + "/status").json().get("status");
    }

    /** Polls until SUCCESS or FAILED (or the deadline) and returns the final status object. */
    JsonNode await(String taskId, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            JsonNode s = status(taskId);
            String code = s.get("statusCode").asText();
            if (!"RUNNING".equals(code)) {
                return s;
            }
            sleep(50);
        }
        throw new AssertionError("task " + taskId + " still RUNNING after " + deadline);
    }

    JsonNode report(String taskId) {
        Response r = get("/druid/indexer/v1/task/" + taskId + "/reports");
        if (r.status() != 200) {
            throw new AssertionError("reports " + r.status() + ": " + r.body());
        }
        return r.json();
    }

    /** Runs a SELECT to completion and returns the report's results rows. */
    JsonNode select(String sql) {
        String id = submitOk(sql, Map.of());
        JsonNode s = await(id, Duration.ofSeconds(60));
        JsonNode report = report(id);
        if (!"SUCCESS".equals(s.get("statusCode").asText())) {
            throw new AssertionError("SELECT failed: " + report.toPrettyString());
        }
        return report.at("/multiStageQuery/payload/results/results");
    }

    private Response send(HttpRequest req) {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
