package io.sluice.bench;

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

/** The Druid MSQ task API over java.net.http: submit, poll status, read reports. */
final class BenchClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A finished task: its id, final status, report, the wall time from submit to the final status and to the
     * report read, and where the client's time went: the submit's round trip and the number of status polls.
     */
    record Finished(String taskId, String statusCode, JsonNode status, JsonNode report, long submitToDoneNanos,
            long submitToReportNanos, long submitNanos, int polls) {
        boolean success() {
            return "SUCCESS".equals(statusCode);
        }

        JsonNode payload() {
            return report.at("/multiStageQuery/payload");
        }

        JsonNode results() {
            return payload().at("/results/results");
        }

        String error() {
            JsonNode err = payload().at("/status/errorReport/error");
            if (!err.isMissingNode()) {
                return err.path("errorCode").asText() + ": " + err.path("errorMessage").asText();
            }
            return status.path("errorMsg").asText(statusCode);
        }
    }

    /** A submit the API refused (HTTP status other than 202). */
    static final class Rejected extends Exception {
        final int httpStatus;
        final String body;

        Rejected(int httpStatus, String body) {
            super("HTTP " + httpStatus + ": " + body);
            this.httpStatus = httpStatus;
            this.body = body;
        }
    }

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;

    BenchClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/status/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    JsonNode getJson(String path) throws IOException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Submits, polls until the task is no longer RUNNING (or the deadline), then reads the report. */
    Finished run(String sql, Map<String, Object> context, Duration deadline) throws IOException, Rejected {
        ObjectNode req = JSON.createObjectNode();
        req.put("query", sql);
        req.set("context", JSON.valueToTree(context));
        long start = System.nanoTime();
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/druid/v2/sql/task"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                .build());
        if (r.statusCode() != 202) {
            throw new Rejected(r.statusCode(), r.body());
        }
        String taskId = JSON.readTree(r.body()).get("taskId").asText();
        long submitted = System.nanoTime();
        int polls = 0;
        long end = start + deadline.toNanos();
        JsonNode status;
        while (true) {
            status = getJson("/druid/indexer/v1/task/" + taskId + "/status").get("status");
            polls++;
            if (!"RUNNING".equals(status.path("statusCode").asText())) {
                break;
            }
            long now = System.nanoTime();
            if (now > end) {
                throw new IOException("task " + taskId + " still RUNNING after " + deadline);
            }
            // Poll tightly at first (small queries take milliseconds), then back off.
            long elapsedMs = (now - start) / 1_000_000;
            sleep(elapsedMs < 500 ? 1 : elapsedMs < 10_000 ? 20 : 100);
        }
        long done = System.nanoTime();
        JsonNode report = getJson("/druid/indexer/v1/task/" + taskId + "/reports");
        long reported = System.nanoTime();
        return new Finished(taskId, status.path("statusCode").asText(), status, report, done - start,
                reported - start, submitted - start, polls);
    }

    private HttpResponse<String> send(HttpRequest req) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Runs this client's own HTTP and JSON code {@code rounds} times without running anything on the server: a GET of
     * {@code /status/health}, and a POST to the task endpoint that the server refuses for its content type (415)
     * before reading it. A latency figure is the server's; a JVM client whose {@code java.net.http} stack is still
     * interpreted added 5–25 ms to each submit of a small query (measured against a warm node, see BENCH.md).
     *
     * @return the requests' wall time in seconds
     */
    double warmUp(int rounds) throws IOException {
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            if (!healthy()) {
                throw new IOException("node not healthy while warming the client up");
            }
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/druid/v2/sql/task"))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"SELECT 1\", \"context\": {}}"))
                    .build());
            if (r.statusCode() != 415) {
                throw new IOException("warm-up POST answered HTTP " + r.statusCode() + " (expected 415): " + r.body());
            }
            JSON.readTree("{\"taskId\": \"warm-up-" + i + "\", \"status\": {\"statusCode\": \"RUNNING\"}}")
                    .get("taskId").asText();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
