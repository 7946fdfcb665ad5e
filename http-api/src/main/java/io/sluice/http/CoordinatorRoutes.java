package io.sluice.http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The few Coordinator endpoints MSQ users script against: datasource list and summary, used segments, load status.
 * Sluice publishes and serves segments in one step, so every visible segment counts as loaded (100%).
 */
final class CoordinatorRoutes extends AllDirectives {
    static final String DEFAULT_TIER = "_default_tier";
    private static final DateTimeFormatter DRUID_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final TaskService service;

    CoordinatorRoutes(TaskService service) {
        this.service = service;
    }

    Route route() {
        return pathPrefix(PathMatchers.segment("druid").slash("coordinator").slash("v1"), () -> get(() -> concat(
                path("datasources", () -> completeWithFuture(service.dataSources().thenApply(DruidJson::ok))),
                path(PathMatchers.segment("datasources").slash(PathMatchers.segment()),
                        ds -> completeWithFuture(summary(ds))),
                path(PathMatchers.segment("metadata")
                                .slash("datasources")
                                .slash(PathMatchers.segment())
                                .slash("segments"),
                        ds -> parameterOptional("full", full -> completeWithFuture(segments(ds, full.isPresent())))),
                path("loadstatus", () -> completeWithFuture(loadStatus())))));
    }

    private CompletionStage<HttpResponse> summary(String dataSource) {
        return ifExists(dataSource, () -> service.segments(dataSource).thenApply(CoordinatorRoutes::summary));
    }

    /** Used segments: DataSegment objects with {@code ?full}, else their ids (Druid's MetadataResource). */
    private CompletionStage<HttpResponse> segments(String dataSource, boolean full) {
        return ifExists(dataSource, () -> service.segments(dataSource).thenApply(segs -> segments(segs, full)));
    }

    private CompletionStage<HttpResponse> loadStatus() {
        return service.dataSources().thenApply(CoordinatorRoutes::loadStatus);
    }

    private CompletionStage<HttpResponse> ifExists(
            String dataSource, Supplier<CompletionStage<HttpResponse>> then) {
        return service.dataSources().thenCompose(names -> names.contains(dataSource)
                ? then.get()
                : CompletableFuture.completedFuture(DruidJson.notFound()));
    }

    private static HttpResponse loadStatus(List<String> dataSources) {
        ObjectNode out = DruidJson.object();
        dataSources.forEach(ds -> out.put(ds, 100.0));
        return DruidJson.ok(out);
    }

    private static HttpResponse segments(List<JsonNode> segments, boolean full) {
        ArrayNode out = DruidJson.MAPPER.createArrayNode();
        for (JsonNode s : segments) {
            if (full) {
                out.add(s);
            } else {
                out.add(segmentId(s));
            }
        }
        return DruidJson.ok(out);
    }

    /** {@code identifier} when present, else Druid's {@code ds_start_end_version[_partitionNum]}. */
    static String segmentId(JsonNode segment) {
        String identifier = DruidJson.textOrNull(segment, "identifier");
        if (identifier != null) {
            return identifier;
        }
        String interval = String.valueOf(DruidJson.textOrNull(segment, "interval"));
        StringBuilder id = new StringBuilder()
                .append(DruidJson.textOrNull(segment, "dataSource")).append('_')
                .append(interval.replace('/', '_')).append('_')
                .append(DruidJson.textOrNull(segment, "version"));
        JsonNode shardSpec = segment.get("shardSpec");
        int partition = shardSpec == null ? 0 : shardSpec.path("partitionNum").asInt(0);
        if (partition != 0) {
            id.append('_').append(partition);
        }
        return id.toString();
    }

    /** Druid's datasource summary: {@code {"tiers":{…},"segments":{maxTime,size,minTime,count,replicatedSize}}}. */
    static HttpResponse summary(List<JsonNode> segments) {
        long size = 0;
        Instant min = null;
        Instant max = null;
        for (JsonNode s : segments) {
            size += s.path("size").asLong(0);
            String interval = DruidJson.textOrNull(s, "interval");
            if (interval != null && interval.contains("/")) {
                Instant start = Instant.parse(interval.substring(0, interval.indexOf('/')));
                Instant end = Instant.parse(interval.substring(interval.indexOf('/') + 1));
                min = min == null || start.isBefore(min) ? start : min;
                max = max == null || end.isAfter(max) ? end : max;
            }
        }
        ObjectNode body = DruidJson.object();
        ObjectNode tiers = body.putObject("tiers");
        if (!segments.isEmpty()) {
            ObjectNode tier = tiers.putObject(DEFAULT_TIER);
            tier.put("size", size);
            tier.put("replicatedSize", size);
            tier.put("segmentCount", segments.size());
        }
        ObjectNode summary = body.putObject("segments");
        if (max != null) {
            summary.put("maxTime", DRUID_TIME.format(max));
        }
        summary.put("size", size);
        if (min != null) {
            summary.put("minTime", DRUID_TIME.format(min));
        }
        summary.put("count", segments.size());
        summary.put("replicatedSize", size);
        return DruidJson.ok(body);
    }
}
