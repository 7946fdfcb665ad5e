package io.sluice.http;

import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.planner.DruidSqlException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /druid/v2/sql/task}: submit an MSQ statement ({@code SqlTaskResource} in Druid).
 *
 * <p>Wire rules, from Druid's code rather than its docs: success is 202
 * {@code {"taskId":"query-…","state":"RUNNING"}}; a body Jackson cannot read is a 400 Jersey envelope; any failure
 * while planning or submitting is
 * {@code {"taskId":<bare sqlQueryId>,"state":"FAILED","error":{…}}} with the status of the error's category.
 */
final class SqlTaskRoutes extends AllDirectives {
    private static final Logger log = LoggerFactory.getLogger(SqlTaskRoutes.class);
    private static final ObjectReader REQUEST_READER = DruidJson.MAPPER.readerFor(SqlTaskRequest.class);

    private final TaskService service;
    private final Executor planningExecutor;

    SqlTaskRoutes(TaskService service, Executor planningExecutor) {
        this.service = service;
        this.planningExecutor = planningExecutor;
    }

    Route route() {
        return pathPrefix(PathMatchers.segment("druid").slash("v2").slash("sql").slash("task"), () -> concat(
                pathEnd(this::submitOrNotAllowed),
                path("enabled", () -> get(() -> complete(DruidJson.ok(Map.of("enabled", true)))))));
    }

    private Route submitOrNotAllowed() {
        return concat(
                post(() -> extractRequest(request -> {
                    if (!request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                        return complete(DruidJson.empty(415));
                    }
                    return entity(Unmarshaller.entityToByteString(), this::submit);
                })),
                options(() -> complete(HttpResponse.create().addHeader(allow()))),
                extractMethod(method -> complete(DruidJson.empty(405).addHeader(allow()))));
    }

    private static RawHeader allow() {
        // Druid (Jersey) renders the list without a space; akka's modelled Allow header would add one.
        return RawHeader.create("Allow", HttpMethods.POST.name() + "," + HttpMethods.OPTIONS.name());
    }

    private Route submit(ByteString body) {
        SqlTaskRequest request;
        try {
            // A stream keeps the request text out of Jackson's location ("Source: (ByteArrayInputStream)").
            request = REQUEST_READER.readValue(new ByteArrayInputStream(body.toArray()));
        } catch (JsonProcessingException e) {
            return complete(DruidJson.json(400, DruidErrors.badJson(e)));
        } catch (IOException e) {
            throw new CompletionException(e);
        }
        if (request == null) {
            IllegalArgumentException nullBody = new IllegalArgumentException("Request body is null");
            return complete(DruidJson.json(400, DruidErrors.unknown(nullBody)));
        }
        return completeWithFuture(submit(request));
    }

    private CompletionStage<HttpResponse> submit(SqlTaskRequest request) {
        String sqlQueryId = request.sqlQueryId() != null ? request.sqlQueryId() : UUID.randomUUID().toString();
        String taskId = "query-" + sqlQueryId;
        Map<String, Object> context = new LinkedHashMap<>(request.context());
        context.put("sqlQueryId", sqlQueryId);
        return CompletableFuture.supplyAsync(
                        () -> service.planner().plan(request.query(), context, request.parameters(), sqlQueryId),
                        planningExecutor)
                .thenCompose((QuerySpec spec) -> service.submit(taskId, spec))
                .handle((ignored, failure) -> failure == null
                        ? accepted(taskId)
                        : failed(sqlQueryId, unwrap(failure)));
    }

    private static HttpResponse accepted(String taskId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("taskId", taskId);
        body.put("state", "RUNNING");
        return DruidJson.json(202, body);
    }

    private static HttpResponse failed(String sqlQueryId, Throwable failure) {
        if (!(failure instanceof DruidSqlException)) {
            log.warn("Unexpected failure planning or submitting query [{}]", sqlQueryId, failure);
        }
        DruidSqlException e = failure instanceof DruidSqlException d ? d : DruidErrors.unexpected(failure);
        return DruidJson.json(e.httpStatus(), DruidErrors.failedSubmit(sqlQueryId, e));
    }

    static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CompletionException || cur instanceof ExecutionException)
                && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }
}
