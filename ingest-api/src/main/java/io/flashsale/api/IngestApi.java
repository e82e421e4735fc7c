package io.flashsale.api;

import io.flashsale.api.access.Access;
import io.flashsale.api.access.AdminJwt;
import io.flashsale.api.access.Identity;
import io.flashsale.api.admin.AdminAudit;
import io.flashsale.api.admin.AdminRoutes;
import io.flashsale.api.admin.AuditView;
import io.flashsale.api.http.ApiMeters;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.Problem;
import io.flashsale.api.http.Readiness;
import io.flashsale.api.http.ServerProblems;
import io.flashsale.api.log.PurchaseBatcher;
import io.flashsale.api.log.TopicView;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.payment.PaymentRoutes;
import io.flashsale.api.purchase.CheckoutExpiry;
import io.flashsale.api.purchase.PurchaseRoutes;
import io.flashsale.api.purchase.PurchaseView;
import io.flashsale.api.sale.SaleEvents;
import io.flashsale.api.sale.SaleRoutes;
import io.flashsale.api.sale.SaleView;
import io.flashsale.api.waitingroom.WaitingRoomRoutes;
import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.api.waitingroom.WaitingRoomView;
import io.flashsale.api.waitingroom.WaitingRooms;
import io.flashsale.api.waitingroom.PassCheck;
import io.flashsale.api.sale.SaleBody;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.pages.Pages;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.security.RouteRole;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP edge of Flashsale: {@link #start} wires topics, producer, views and routes. */
public final class IngestApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);

  private final List<AutoCloseable> resources; // closed in reverse order of start
  private final Javalin app;
  private final SaleEvents saleEvents;
  private final WaitingRoomRoutes waitingRoom;
  private final Integer metricsPort;

  private IngestApi(List<AutoCloseable> resources, Javalin app, SaleEvents saleEvents, WaitingRoomRoutes waitingRoom,
                    Integer metricsPort) {
    this.resources = resources;
    this.app = app;
    this.saleEvents = saleEvents;
    this.waitingRoom = waitingRoom;
    this.metricsPort = metricsPort;
  }

  public static void main(String[] args) {
    IngestApi api = start(ApiConfig.fromEnv(System.getenv()));
    Runtime.getRuntime().addShutdownHook(new Thread(api::close, "flashsale-api-shutdown"));
  }

  /** Ensures the topics, starts the producer, the views and the HTTP server; returns once it listens. */
  public static IngestApi start(ApiConfig config) {
    if (config.localMode()) {
      String warning = "WARNING: local mode, NOT for production. Admin token '" + ApiConfig.LOCAL_ADMIN_TOKEN
          + "', buyer JWT secret '" + ApiConfig.LOCAL_JWT_SECRET + "' (HS256, sub = user id, did = device id)"
          + ", payment provider key '" + ApiConfig.LOCAL_PAYMENT_PROVIDER_KEY + "', webhook secret '"
          + ApiConfig.LOCAL_WEBHOOK_SECRET + "'" + (AdminJwt.LOCAL_SECRET.equals(config.adminJwt().secret())
              ? ", admin JWT secret '" + AdminJwt.LOCAL_SECRET + "' (HS256, sub = name, roles = [viewer] or [operator])"
              : "") + ", waiting-room secret '" + ApiConfig.LOCAL_WAITING_ROOM_SECRET + "'";
      System.out.println(warning); // printed, not only logged: local tools read the secrets from here
    }
    List<AutoCloseable> resources = new ArrayList<>();
    ApiMeters meters = new ApiMeters();
    try {
      KafkaSettings kafka = config.kafka();
      Topics topics = Topics.using(kafka.schemaRegistry());
      Admin admin = kafka.connectAdmin("flashsale-api-admin");
      resources.add(admin);
      TopicAdmin.ensureTopics(admin, topics, config.partitions(), config.replicationFactor());

      ExecutorService responses = Executors.newFixedThreadPool(
          Math.max(2, Runtime.getRuntime().availableProcessors()), daemonThreads("flashsale-api-response"));
      resources.add(() -> shutdown(responses));
      TopicWriter writer = new TopicWriter(kafka, config.produceTimeout(), responses);
      resources.add(writer);
      writer.bindMetrics(meters.registry);
      PurchaseBatcher batcher = new PurchaseBatcher(writer, topics.purchaseRequests, config.batchMaxRequests());
      Clock clock = Clock.systemUTC();
      SaleView sales = new SaleView(kafka, topics);
      resources.add(sales);
      sales.start();
      PurchaseView purchases = new PurchaseView(kafka, topics, config.viewRetention(),
          config.viewMaxFinished(), Duration.ofMillis(config.maxWaitMs()),
          PurchaseView.Start.of(admin, kafka.applicationId(), sales), clock);
      resources.add(purchases);
      purchases.onOutcome(meters::outcomeSeen);
      purchases.start();
      WaitingRoomView rooms = new WaitingRoomView(kafka, topics);
      resources.add(rooms);

      AuditView auditView = new AuditView(kafka, topics);
      resources.add(auditView);
      auditView.start();
      TopicView.bindMeters(meters.registry, sales, purchases, rooms, auditView);

      Identity identity = new Identity(config.jwtSecret(), config.adminToken(), config.adminJwt(),
          config.verifiedTokenCacheSize(), clock);
      JsonBodies bodies = new JsonBodies(config.maxBodyBytes());
      Access access = Access.of(identity, config);
      AdminAudit audit = new AdminAudit(writer, topics, access, clock);
      access.onRefused(audit::refused);
      WaitingRooms roomState = new WaitingRooms(rooms, sales, config.proofOfWorkRiseAbove());
      WaitingRoomSigner signer = new WaitingRoomSigner(config.waitingRoomSecret(), config.waitingRoomPreviousSecret());
      WaitingRoomRoutes waitingRoom = new WaitingRoomRoutes(bodies, writer, topics, sales, roomState, signer, clock,
          config.maxWaitMs(), responses, audit, access, config.abuseBounds());
      rooms.onNewRoom(saleId -> {
        meters.waitingRoom(saleId, () -> sales.sale(saleId)
            .map(sale -> roomState.counts(sale, clock.instant()).waiting()).orElse(0L));
        meters.proofOfWork(saleId, () -> sales.sale(saleId)
            .map(sale -> (long) roomState.proofOfWorkBits(sale, clock.instant())).orElse(0L));
      });
      rooms.start();
      SaleRoutes saleRoutes = new SaleRoutes(bodies, writer, topics, sales, purchases, roomState, clock, audit);
      PaymentProvider payments = config.paymentProviderClient();
      CheckoutExpiry checkoutExpiry = new CheckoutExpiry(payments); // a checkout ends with its hold
      resources.add(checkoutExpiry);
      purchases.onOutcome(checkoutExpiry::outcomeSeen);
      PurchaseRoutes purchaseRoutes = new PurchaseRoutes(access, bodies, writer, batcher, topics, sales,
          new PassCheck(signer, clock), purchases, clock, config.maxWaitMs(), responses, payments, checkoutExpiry);
      PaymentRoutes paymentRoutes = new PaymentRoutes(bodies, writer, topics, clock, config.webhookScheme(payments));
      Readiness readiness = new Readiness(admin, kafka.applicationId(), sales, purchases, config.readyGrace(), clock);
      AdminRoutes adminRoutes = new AdminRoutes(sales, writer, topics, clock, config.reportDir(),
          audit, auditView);
      SaleEvents saleEvents = new SaleEvents(sales, sale -> SaleBody.of(sale, sales, clock.instant()), bodies.mapper(), config.eventsHeartbeat(),
          config.abuseBounds(), access::clientAddress);
      resources.add(saleEvents);
      Pages pages = Pages.fromClasspath();
      MetricsServer metricsServer = null;

      Javalin app = Javalin.create(cfg -> {
        cfg.showJavalinBanner = false;
        cfg.http.prefer405over404 = true;
        cfg.http.maxRequestSize = config.maxBodyBytes();
        cfg.jsonMapper(new JavalinJackson(bodies.mapper(), false));
        tuneJetty(cfg);
        cfg.jetty.modifyServer(server -> ServerProblems.install(server, bodies.mapper()));
      });
      app.before(meters::started);
      app.beforeMatched(access::check);
      app.after(meters::answered);
      app.post("/api/admin/sales", saleRoutes::create, Access.Role.ADMIN_OPERATE);
      app.get("/api/sales/{saleId}", saleRoutes::show);
      app.get("/api/sales/{saleId}/draw", saleRoutes::draw);
      app.get("/api/admin/sales/{saleId}/metrics", saleRoutes::metrics, Access.Role.ADMIN_VIEW);
      app.get("/api/admin/sales", adminRoutes::list, Access.Role.ADMIN_VIEW);
      app.post("/api/admin/sales/{saleId}/end", adminRoutes::end, Access.Role.ADMIN_OPERATE);
      app.get("/api/admin/reports", adminRoutes::reports, Access.Role.ADMIN_VIEW);
      app.get("/api/admin/reports/{day}/{runId}/{file}", adminRoutes::reportFile, Access.Role.ADMIN_VIEW);
      app.get("/api/admin/audit", adminRoutes::audit, Access.Role.ADMIN_VIEW);
      app.get("/api/sales/{saleId}/events", saleEvents::stream);
      app.get("/sales/{saleId}", pages::buyerPage);
      app.get("/admin", pages::dashboard);
      app.get("/pages/{file}", pages::asset);
      // No role: the purchase route asks for its buyer itself, after the checks that are cheaper than a token.
      app.post("/api/sales/{saleId}/purchases", purchaseRoutes::submit);
      app.get("/api/purchases/{requestId}", purchaseRoutes::show, Access.Role.BUYER);
      app.post("/api/purchases/{requestId}/cancel", purchaseRoutes::cancel, Access.Role.BUYER);
      app.post("/api/purchases/{requestId}/checkout", purchaseRoutes::checkout, Access.Role.BUYER);
      app.post("/api/payments/webhook", paymentRoutes::webhook);
      app.post("/api/sales/{saleId}/queue", ctx -> waitingRoom.join(ctx, access.buyer(ctx)), Access.Role.BUYER);
      app.get("/api/queue/{queueToken}", ctx -> waitingRoom.show(ctx, access.buyer(ctx)), Access.Role.BUYER);
      app.get("/api/sales/{saleId}/challenge", ctx -> waitingRoom.challenge(ctx, access.buyer(ctx)), Access.Role.BUYER);
      app.patch("/api/admin/sales/{saleId}/waiting-room", waitingRoom::change, Access.Role.ADMIN_OPERATE);
      app.get("/health/live", ctx -> ctx.json(Map.of("status", "UP")));
      app.get("/health/ready", ctx -> ready(ctx, readiness));
      if (config.apiMetrics().enabled()) { // a listener of its own, off the public port
        metricsServer = MetricsServer.start(config.apiMetrics(), meters.registry);
        resources.add(metricsServer);
      } else {
        app.get("/metrics", meters::scrape, Access.Role.METRICS);
      }
      ObjectMapper mapper = bodies.mapper();
      app.exception(Problem.class, (problem, ctx) -> answer(ctx, problem, mapper));
      app.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, fromJavalin(e, ctx, app), mapper));
      app.exception(Exception.class, (e, ctx) -> {
        log.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
        answer(ctx, new Problem(ErrorCode.INTERNAL, "Unexpected error"), mapper);
      });
      resources.add(app::stop);
      app.start(config.httpHost(), config.httpPort());
      log.info("Ingest API listening on {}:{} ({})", config.httpHost(), app.port(), config);
      return new IngestApi(resources, app, saleEvents, waitingRoom,
          metricsServer == null ? null : metricsServer.port());
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  /** The port the server listens on; the chosen one when the config asked for 0. */
  public int port() {
    return app.port();
  }

  /** Event streams open now on this instance. */
  public int openEventStreams() {
    return saleEvents.openStreams();
  }

  /** The port of the metrics listener of its own (FLASHSALE_API_METRICS_PORT), or null: metrics on {@link #port}. */
  public Integer metricsPort() {
    return metricsPort;
  }

  /** The waiting rooms' routes, for tests that look at an instance's view of them. */
  WaitingRoomRoutes waitingRoom() {
    return waitingRoom;
  }

  /** Used challenges remembered now by this instance. */
  int usedChallenges() {
    return waitingRoom.usedChallenges().size();
  }

  /** Every route served, as "METHOD /path", for checking the OpenAPI document against the code. */
  List<String> routes() {
    return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
        .filter(e -> e.getEndpoint().getMethod().isHttpMethod()) // not the access check before them
        .map(e -> e.getEndpoint().getMethod().name() + " " + e.getEndpoint().getPath())
        .sorted().toList();
  }

  /** The roles of every route that has some, by "METHOD /path", for checking the OpenAPI document's x-admin-role. */
  Map<String, Set<RouteRole>> routeRoles() {
    return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
        .filter(e -> e.getEndpoint().getMethod().isHttpMethod() && !e.getEndpoint().getRoles().isEmpty())
        .collect(Collectors.toMap(e -> e.getEndpoint().getMethod().name() + " " + e.getEndpoint().getPath(),
            e -> e.getEndpoint().getRoles()));
  }

  @Override
  public void close() {
    closeAll(resources);
  }

  private static void ready(Context ctx, Readiness readiness) {
    Map<String, Boolean> checks = readiness.checks();
    List<String> failed = checks.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
    if (!failed.isEmpty()) {
      throw new Problem(ErrorCode.UNAVAILABLE, "Not ready: " + String.join(", ", failed),
          Map.of("Retry-After", "1"), Map.of("checks", checks));
    }
    ctx.json(Map.of("status", "READY", "checks", checks));
  }

  private static void answer(Context ctx, Problem problem, ObjectMapper mapper) {
    problem.headers.forEach(ctx::header);
    try {
      ctx.status(problem.code.status).contentType(Problem.MEDIA_TYPE)
          .result(mapper.writeValueAsString(problem.body(ctx.path())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A problem body is always serializable", e);
    }
  }

  /** Javalin's own answers (unknown route, wrong method, oversized body) in the same problem shape. */
  private static Problem fromJavalin(HttpResponseException e, Context ctx, Javalin app) {
    return switch (e.getStatus()) {
      case 404 -> new Problem(ErrorCode.NOT_FOUND, "No route " + ctx.method() + " " + ctx.path());
      case 405 -> new Problem(ErrorCode.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path(),
          Map.of(Header.ALLOW, allowedMethods(ctx.path(), app)), Map.of());
      case 413 -> new Problem(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
      case 415 -> new Problem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
      default -> e.getStatus() < 500
          ? new Problem(ErrorCode.VALIDATION, e.getMessage())
          : new Problem(ErrorCode.INTERNAL, "Unexpected error");
    };
  }

  private static String allowedMethods(String path, Javalin app) {
    return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
        .filter(e -> e.getEndpoint().getMethod().isHttpMethod() && e.matches(path))
        .map(e -> e.getEndpoint().getMethod().name())
        .distinct().sorted().collect(Collectors.joining(", "));
  }

  /** The HTTP server's settings, public so that the benchmark's bare server for the HTTP ceiling uses the same. */
  public static void tuneJetty(JavalinConfig cfg) {
    cfg.jetty.threadPool = httpThreads();
    // Jetty caches header fields per connection; a value new to the cache is added, and a full cache is
    // cleared. Behind a proxy that pools connections for many buyers the Authorization header differs on
    // every request, so the cache was refilled and cleared over and over (29 % of the sold-out edge's CPU in
    // one profile) while it saves little for the few other headers. Off. One selector (Jetty's default for 2
    // cores) is enough: parsing, not waiting for sockets, is the work.
    cfg.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
  }

  /**
   * Threads that run handlers. Every handler is short and CPU-bound (a long-poll waits without a thread), so a
   * few per core keep the cores busy; Jetty's default of 250 only adds switching and memory when a surge queues.
   */
  private static QueuedThreadPool httpThreads() {
    int threads = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
    QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(8, threads));
    pool.setName("flashsale-http");
    return pool;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static void shutdown(ExecutorService executor) throws InterruptedException {
    executor.shutdown();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("Error while closing", e);
      }
    }
    resources.clear();
  }
}
