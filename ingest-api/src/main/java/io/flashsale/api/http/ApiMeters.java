package io.flashsale.api.http;

import io.flashsale.metrics.MetricsServer;
import io.flashsale.metrics.ProcessMeters;
import io.flashsale.schemas.PurchaseOutcome;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The API's meters, served at {@code GET /metrics}: every request's time by method, route template (never the
 * raw path, so that ids do not become series) and status; the outcomes the purchase view reads, by status and
 * reason; the producer's and the JVM's own meters.
 */
public final class ApiMeters {
  /** Time from the first handler to the answer, tagged method, route and status; a histogram for quantiles. */
  static final String HTTP_REQUESTS = "flashsale.http.server.requests";
  /** Outcomes the purchase view read from purchase-outcomes, tagged status and reason ("none" unless REJECTED). */
  static final String OUTCOMES_SEEN = "flashsale.api.outcomes.seen";
  /** Buyers in a sale's waiting room not admitted yet, tagged sale. */
  public static final String WAITING_ROOM_BUYERS = "flashsale.waiting.room.buyers";
  /** The proof-of-work difficulty a sale's waiting room asks of a join now, tagged sale. */
  public static final String PROOF_OF_WORK_BITS = "flashsale.waiting.room.proof.of.work.bits";
  /** The route tag of requests that matched no route (answered 404 or 405), so that scanners make one series. */
  public static final String UNMATCHED_ROUTE = "unmatched";
  /** Bucket bounds of the request histogram: enough for a p95 against the checkout alert's 5 s and the long-polls. */
  private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30)};
  private static final String STARTED_ATTRIBUTE = "flashsale.started";
  /** The methods a timer is kept for, by index (at most 15, so that status * 16 + index is a key). */
  private static final List<HandlerType> METHODS = HandlerType.values().stream().filter(HandlerType::isHttpMethod)
      .toList();
  /** The method tag of any other method a client sends (Javalin 6's name for it), so that made-up ones make one series. */
  public static final String OTHER_METHOD = "INVALID";

  public final PrometheusMeterRegistry registry;
  /** Timers by route, then by method and status, so that a request costs two lookups and no allocation. */
  private final Map<String, Map<Integer, Timer>> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

  public ApiMeters() {
    this.registry = ProcessMeters.create("api");
  }

  /** Before every request (matched or not): when it started. */
  public void started(Context ctx) {
    ctx.attribute(STARTED_ATTRIBUTE, System.nanoTime());
  }

  /** After every request, including long-polls answered later and failures answered by an exception handler. */
  public void answered(Context ctx) {
    Long started = ctx.attribute(STARTED_ATTRIBUTE);
    if (started == null) {
      return;
    }
    String route = route(ctx);
    int status = ctx.statusCode();
    HandlerType handlerType = ctx.method();
    int methodIndex = METHODS.indexOf(handlerType);
    String method = methodIndex < 0 ? OTHER_METHOD : handlerType.name();
    requests.computeIfAbsent(route, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(status * 16 + (methodIndex < 0 ? METHODS.size() : methodIndex), key -> Timer.builder(HTTP_REQUESTS)
            .description("HTTP requests by method, route template and status")
            .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
            .serviceLevelObjectives(BUCKETS)
            .register(registry))
        .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
  }

  public void outcomeSeen(PurchaseOutcome outcome) {
    if (outcome.getRepeat()) {
      return; // a copy of an outcome already counted, sent again for a retry the view had forgotten
    }
    String status = outcome.getStatus().name();
    String reason = outcome.getReason() == null ? "none" : outcome.getReason().name();
    outcomes.computeIfAbsent(status + "/" + reason, key -> Counter.builder(OUTCOMES_SEEN)
        .description("Purchase outcomes the API's view read, by status and reason")
        .tag("status", status).tag("reason", reason).register(registry)).increment();
  }

  public void scrape(Context ctx) {
    ctx.contentType(MetricsServer.CONTENT_TYPE).result(registry.scrape());
  }

  private static String route(Context ctx) {
    // No endpoint, or Javalin's placeholder without a path, for a request no route matched.
    Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
    return endpoint == null || !endpoint.path.startsWith("/") ? UNMATCHED_ROUTE : endpoint.path;
  }
}
