package io.sluice.http;

import static java.util.Objects.requireNonNull;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Druid-compatible HTTP API of a Sluice node: every endpoint an MSQ user touches, answering in Druid's wire
 * format (bodies, status codes, Content-Type). Routes only parse, call {@link TaskService} and wrap its JSON.
 *
 * <p>Start it with {@link #start}; the binding is unbound by CoordinatedShutdown when the system stops.
 */
public final class HttpApi extends AllDirectives {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final List<HttpHeader> GET_HEADERS = List.of(
            RawHeader.create("Cache-Control", "no-cache, no-store, max-age=0"),
            RawHeader.create("Content-Security-Policy", "frame-ancestors 'none'"));

    private final TaskService service;
    private final Executor planningExecutor;

    /** Plans SQL on the system's blocking-I/O dispatcher, never on the HTTP one. */
    public HttpApi(ActorSystem<?> system, TaskService service) {
        this(service, system.dispatchers().lookup(DispatcherSelector.blocking()));
    }

    public HttpApi(TaskService service, Executor planningExecutor) {
        this.service = requireNonNull(service, "service is null");
        this.planningExecutor = requireNonNull(planningExecutor, "planningExecutor is null");
    }

    /** Binds the routes on {@code host:port} (port 0 = any free port) and registers the unbind on shutdown. */
    public static CompletionStage<ServerBinding> start(
            ActorSystem<?> system, String host, int port, TaskService service) {
        Route route = new HttpApi(system, service).routes();
        return Http.get(system).newServerAt(host, port).bind(route).whenComplete((binding, failure) -> {
            if (failure != null) {
                system.log().error("Failed to bind HTTP endpoint at {}:{}", host, port, failure);
            } else {
                binding.addToCoordinatedShutdown(Duration.ofSeconds(3), system);
                system.log().info("Sluice HTTP API online at http://{}:{}/",
                        binding.localAddress().getHostString(), binding.localAddress().getPort());
            }
        });
    }

    /** All endpoints, with Druid's error handling around them. */
    public Route routes() {
        Route all = concat(
                new SqlTaskRoutes(service, planningExecutor).route(),
                new OverlordRoutes(service).route(),
                new CoordinatorRoutes(service).route(),
                new StatusRoutes().route());
        return handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () ->
                extractMethod(method ->
                        method.equals(HttpMethods.GET) ? respondWithHeaders(GET_HEADERS, () -> all) : all)));
    }

    private ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder()
                .matchAny(t -> {
                    Throwable cause = SqlTaskRoutes.unwrap(t);
                    log.error("Unhandled exception in HTTP route", cause);
                    return complete(DruidJson.json(500, DruidErrors.unknown(cause)));
                })
                .build();
    }

    private RejectionHandler rejectionHandler() {
        return RejectionHandler.newBuilder()
                .handleAll(MethodRejection.class, rejections -> {
                    String allowed = rejections.stream()
                            .map(r -> r.supported().name())
                            .distinct()
                            .collect(Collectors.joining(","));
                    return complete(DruidJson.empty(405).addHeader(RawHeader.create("Allow", allowed)));
                })
                .handleNotFound(complete(DruidJson.notFound()))
                .build()
                .withFallback(RejectionHandler.defaultHandler());
    }
}
