package io.sluice.http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@code /druid/indexer/v1}: the Overlord's task API as Druid's {@code OverlordResource} answers it (status, reports,
 * payload, shutdown, task lists, multi-status, per-datasource shutdown, workers).
 */
final class OverlordRoutes extends AllDirectives {
    static final List<String> API_TASK_STATES = List.of("pending", "waiting", "running", "complete");
    static final String NO_REPORTS =
            "No task reports were found for this task. The task may not exist, or it may not have begun yet.";

    private static final ObjectReader ID_SET_READER =
            DruidJson.MAPPER.readerFor(new TypeReference<LinkedHashSet<String>>() {});

    private final TaskService service;

    OverlordRoutes(TaskService service) {
        this.service = service;
    }

    Route route() {
        return pathPrefix(PathMatchers.segment("druid").slash("indexer").slash("v1"), () -> concat(
                pathPrefix("task", () -> pathPrefix(PathMatchers.segment(), this::task)),
                path("tasks", () -> get(this::tasks)),
                path("runningTasks", () -> get(() -> shortcut("running", Optional.empty()))),
                path("waitingTasks", () -> get(() -> shortcut("waiting", Optional.empty()))),
                path("pendingTasks", () -> get(() -> shortcut("pending", Optional.empty()))),
                path("completeTasks", () -> get(() -> parameterOptional("n", n -> shortcut("complete", n)))),
                path("taskStatus", () -> post(() -> entity(Unmarshaller.entityToByteString(), this::multiStatus))),
                path(PathMatchers.segment("datasources").slash(PathMatchers.segment()).slash("shutdownAllTasks"),
                        ds -> post(() -> completeWithFuture(shutdownAll(ds)))),
                path("workers", () -> get(() -> completeWithFuture(service.workers().thenApply(DruidJson::ok))))));
    }

    private Route task(String taskId) {
        return concat(
                pathEnd(() -> get(() -> completeWithFuture(payload(taskId)))),
                path("status", () -> get(() -> completeWithFuture(status(taskId)))),
                path("reports", () -> get(() -> completeWithFuture(report(taskId)))),
                path("shutdown", () -> post(() -> completeWithFuture(shutdown(taskId)))));
    }

    private CompletionStage<HttpResponse> payload(String taskId) {
        return service.payload(taskId).thenApply(p -> payload(taskId, p));
    }

    private CompletionStage<HttpResponse> status(String taskId) {
        return service.status(taskId).thenApply(s -> status(taskId, s));
    }

    private CompletionStage<HttpResponse> report(String taskId) {
        return service.report(taskId).thenApply(OverlordRoutes::report);
    }

    /** Always 200 {@code {"task":id}}, known or not, running or not: what Druid's {@code doShutdown} does. */
    private CompletionStage<HttpResponse> shutdown(String taskId) {
        return service.shutdown(taskId).thenApply(ignored -> DruidJson.ok(taskOnly(taskId)));
    }

    private static ObjectNode taskOnly(String taskId) {
        ObjectNode body = DruidJson.object();
        body.put("task", taskId);
        return body;
    }

    private static HttpResponse status(String taskId, Optional<JsonNode> status) {
        ObjectNode body = taskOnly(taskId);
        if (status.isEmpty()) {
            return DruidJson.json(404, body);
        }
        body.set("status", status.get());
        return DruidJson.ok(body);
    }

    private static HttpResponse payload(String taskId, Optional<JsonNode> payload) {
        ObjectNode body = taskOnly(taskId);
        if (payload.isEmpty()) {
            body.putNull("payload");
            return DruidJson.json(404, body);
        }
        body.set("payload", payload.get());
        return DruidJson.ok(body);
    }

    private static HttpResponse report(Optional<JsonNode> report) {
        return report.map(DruidJson::ok).orElseGet(() -> DruidJson.text(404, NO_REPORTS));
    }

    private Route tasks() {
        return parameterOptional("state", state -> parameterOptional("datasource", ds ->
                parameterOptional("max", max -> parameterOptional("type", type ->
                        parameterOptional("createdTimeInterval", interval -> {
                    Optional<String> normalized = state.map(s -> s.toLowerCase(Locale.ROOT));
                    if (normalized.isPresent() && !API_TASK_STATES.contains(normalized.get())) {
                        return complete(DruidJson.text(400, "Invalid task state[" + state.get()
                                + "]. Must be one of " + API_TASK_STATES + "."));
                    }
                    Instant[] window;
                    try {
                        window = interval.map(OverlordRoutes::parseInterval).orElse(null);
                    } catch (RuntimeException e) {
                        return complete(DruidJson.text(400, "Invalid createdTimeInterval[" + interval.get() + "]"));
                    }
                    return list(normalized.orElse(null), ds.orElse(null), max, type.orElse(null), window);
                })))));
    }

    private Route shortcut(String state, Optional<String> n) {
        return parameterOptional("type", type -> list(state, null, n, type.orElse(null), null));
    }

    /**
     * {@code start_end} or {@code start/end} (Druid takes {@code _} so the slash needs no escaping); each end is an
     * ISO date or date-time, UTC unless it carries an offset. Returns {start inclusive, end exclusive}.
     */
    static Instant[] parseInterval(String text) {
        int sep = text.indexOf('/') >= 0 ? text.indexOf('/') : text.indexOf('_');
        if (sep < 0) {
            throw new IllegalArgumentException("not an interval: " + text);
        }
        return new Instant[] {parseInstant(text.substring(0, sep)), parseInstant(text.substring(sep + 1))};
    }

    private static Instant parseInstant(String text) {
        if (text.length() == 10) {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        TemporalAccessor t = DateTimeFormatter.ISO_DATE_TIME.parseBest(text, OffsetDateTime::from, LocalDateTime::from);
        return t instanceof OffsetDateTime o ? o.toInstant() : ((LocalDateTime) t).toInstant(ZoneOffset.UTC);
    }

    private static boolean createdWithin(JsonNode task, Instant[] window) {
        String created = DruidJson.textOrNull(task, "createdTime");
        if (window == null) {
            return true;
        }
        if (created == null) {
            return false;
        }
        Instant at = Instant.parse(created);
        return !at.isBefore(window[0]) && at.isBefore(window[1]);
    }

    private Route list(String state, String dataSource, Optional<String> max, String type, Instant[] window) {
        Integer limit;
        try {
            limit = max.map(Integer::valueOf).orElse(null);
        } catch (NumberFormatException e) {
            // Jersey answers a query parameter it cannot convert with an empty 404.
            return complete(DruidJson.notFound());
        }
        return completeWithFuture(service.tasks(state, dataSource, limit).thenApply(tasks -> {
            ArrayNode out = DruidJson.MAPPER.createArrayNode();
            for (JsonNode t : tasks) {
                if ((type == null || type.equals(DruidJson.textOrNull(t, "type"))) && createdWithin(t, window)) {
                    out.add(t);
                }
            }
            return DruidJson.ok(out);
        }));
    }

    private Route multiStatus(ByteString body) {
        Set<String> ids = new LinkedHashSet<>();
        if (!body.isEmpty()) {
            try {
                Set<String> read = ID_SET_READER.readValue(new ByteArrayInputStream(body.toArray()));
                if (read != null) {
                    ids.addAll(read);
                }
            } catch (JsonProcessingException e) {
                return complete(DruidJson.json(400, DruidErrors.badJson(e)));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }
        if (ids.isEmpty()) {
            return complete(DruidJson.text(400, "No TaskIds provided."));
        }
        List<CompletableFuture<Optional<JsonNode>>> lookups = new ArrayList<>();
        for (String id : ids) {
            lookups.add(service.status(id).toCompletableFuture());
        }
        return completeWithFuture(CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    ObjectNode out = DruidJson.object();
                    int i = 0;
                    for (String id : ids) {
                        lookups.get(i++).join().ifPresent(s -> out.set(id, taskStatus(id, s)));
                    }
                    return DruidJson.ok(out);
                }));
    }

    /** Druid's {@code TaskStatus} (not TaskStatusPlus): {@code {id,status,duration,errorMsg,location}}. */
    static ObjectNode taskStatus(String id, JsonNode plus) {
        ObjectNode s = DruidJson.object();
        s.put("id", id);
        JsonNode code = plus.has("statusCode") ? plus.get("statusCode") : plus.get("status");
        s.set("status", code == null ? DruidJson.MAPPER.nullNode() : code);
        s.set("duration", plus.has("duration") ? plus.get("duration") : DruidJson.MAPPER.valueToTree(-1));
        s.set("errorMsg", plus.has("errorMsg") ? plus.get("errorMsg") : DruidJson.MAPPER.nullNode());
        JsonNode location = plus.get("location");
        if (location == null || location.isNull()) {
            ObjectNode unknown = DruidJson.object();
            unknown.putNull("host");
            unknown.put("port", -1);
            unknown.put("tlsPort", -1);
            location = unknown;
        }
        s.set("location", location);
        return s;
    }

    private CompletionStage<HttpResponse> shutdownAll(String dataSource) {
        return service.tasks(null, dataSource, null).thenCompose(tasks -> {
            List<String> active = new ArrayList<>();
            for (JsonNode t : tasks) {
                String code = DruidJson.textOrNull(t, "statusCode");
                String id = DruidJson.textOrNull(t, "id");
                if (id != null && "RUNNING".equals(code)) {
                    active.add(id);
                }
            }
            if (active.isEmpty()) {
                return CompletableFuture.completedFuture(DruidJson.notFound());
            }
            CompletableFuture<?>[] shutdowns = active.stream()
                    .map(id -> service.shutdown(id).toCompletableFuture())
                    .toArray(CompletableFuture[]::new);
            ObjectNode body = DruidJson.object();
            body.put("dataSource", dataSource);
            return CompletableFuture.allOf(shutdowns).thenApply(done -> DruidJson.ok(body));
        });
    }
}
