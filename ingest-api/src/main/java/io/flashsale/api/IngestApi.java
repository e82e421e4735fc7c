package io.flashsale.api;

import io.flashsale.api.access.Access;
import io.flashsale.api.access.Identity;
import io.flashsale.api.admin.AdminAudit;
import io.flashsale.api.admin.AdminRoutes;
import io.flashsale.api.admin.AuditView;
import io.flashsale.api.admin.SaleCreationRoutes;
import io.flashsale.api.admin.SaleMetricsRoutes;
import io.flashsale.api.admin.WaitingRoomChanges;
import io.flashsale.api.cart.CartRoutes;
import io.flashsale.api.cart.OrderView;
import io.flashsale.api.fairness.FairnessMeters;
import io.flashsale.api.http.ApiMeters;
import io.flashsale.api.http.Health;
import io.flashsale.api.http.JettySettings;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.ProblemAnswers;
import io.flashsale.api.http.Readiness;
import io.flashsale.api.http.RouteTable;
import io.flashsale.api.http.ServerProblems;
import io.flashsale.api.log.PurchaseBatcher;
import io.flashsale.api.log.TopicView;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.orderurl.OrderUrlRoutes;
import io.flashsale.api.orderurl.OrderUrls;
import io.flashsale.api.pages.Pages;
import io.flashsale.api.payment.CheckoutExpiry;
import io.flashsale.api.payment.CheckoutRoutes;
import io.flashsale.api.payment.PaymentRoutes;
import io.flashsale.api.payment.ProviderCalls;
import io.flashsale.api.purchase.OwnPurchases;
import io.flashsale.api.purchase.PurchaseRoutes;
import io.flashsale.api.purchase.PurchaseView;
import io.flashsale.api.purchase.PurchaseViewStart;
import io.flashsale.api.sale.SaleBody;
import io.flashsale.api.sale.SaleEvents;
import io.flashsale.api.sale.SaleRoutes;
import io.flashsale.api.sale.SaleView;
import io.flashsale.api.waitingroom.PassCheck;
import io.flashsale.api.waitingroom.QueueMeters;
import io.flashsale.api.waitingroom.WaitingRoomRoutes;
import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.api.waitingroom.WaitingRoomView;
import io.flashsale.api.waitingroom.WaitingRooms;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Topics;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.javalin.security.RouteRole;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP edge of Flashsale: {@link #start} wires topics, producer, views and routes. */
public final class IngestApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);

  private final Resources resources;
  private final Javalin app;
  private final RouteTable routeTable;
  private final SaleEvents saleEvents;
  private final WaitingRoomRoutes waitingRoom;
  private final Integer metricsPort;

  private IngestApi(Resources resources, Javalin app, RouteTable routeTable, SaleEvents saleEvents,
                    WaitingRoomRoutes waitingRoom, Integer metricsPort) {
    this.resources = resources;
    this.app = app;
    this.routeTable = routeTable;
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
    if (config.topics().localMode()) { // printed, not only logged: local tools read the secrets from here
      System.out.println(config.localModeWarning());
    }
    Resources resources = new Resources();
    ApiMeters meters = new ApiMeters();
    try {
      KafkaSettings kafka = config.kafka();
      Topics topics = Topics.using(kafka.schemaRegistry());
      Admin admin = kafka.connectAdmin("flashsale-api-admin");
      resources.add(admin);
      config.topics().ensure(admin, topics);

      ExecutorService responses = resources.pool("flashsale-api-response",
          Math.max(2, Runtime.getRuntime().availableProcessors()));
      TopicWriter writer = new TopicWriter(kafka, config.writer().produceTimeout(), responses);
      resources.add(writer);
      writer.bindMetrics(meters.registry);
      PurchaseBatcher batcher = new PurchaseBatcher(writer, topics.purchaseRequests, config.writer().batchMaxRequests());
      Clock clock = Clock.systemUTC();
      SaleView sales = new SaleView(kafka, topics);
      resources.add(sales);
      sales.start();
      PurchaseView purchases = new PurchaseView(kafka, topics, config.purchaseView().retention(),
          config.purchaseView().maxFinished(), Duration.ofMillis(config.http().maxWaitMs()),
          PurchaseViewStart.of(admin, kafka.applicationId(), sales), clock);
      resources.add(purchases);
      purchases.onOutcome(meters::outcomeSeen);
      FairnessMeters fairness = new FairnessMeters(meters.registry, clock, FairnessMeters.MAX_BUYERS_PER_SALE);
      purchases.onOutcome(fairness::outcomeSeen);
      purchases.start();
      OrderView orders = new OrderView(kafka, topics, config.purchaseView().retention(),
          config.purchaseView().maxFinished(), clock);
      resources.add(orders);
      purchases.onOutcome(orders::outcomeSeen);
      orders.start();
      WaitingRoomView rooms = new WaitingRoomView(kafka, topics);
      resources.add(rooms);

      AuditView auditView = new AuditView(kafka, topics);
      resources.add(auditView);
      auditView.start();
      TopicView.bindMeters(meters.registry, sales, purchases, orders, rooms, auditView);

      Identity identity = new Identity(config.access().jwtSecret(), config.access().adminToken(),
          config.access().adminJwt(), config.access().verifiedTokenCacheSize(), clock);
      JsonBodies bodies = new JsonBodies(config.http().maxBodyBytes());
      Access access = Access.of(identity, config.access());
      AdminAudit audit = new AdminAudit(writer, topics, access, clock);
      access.onRefused(audit::refused);
      WaitingRooms roomState = new WaitingRooms(rooms, sales, config.waitingRoom().proofOfWorkRiseAbove());
      WaitingRoomSigner signer = new WaitingRoomSigner(config.waitingRoom().secret(), config.waitingRoom().previousSecret());
      WaitingRoomRoutes waitingRoom = new WaitingRoomRoutes(bodies, writer, topics, sales, roomState, signer, clock,
          config.http().maxWaitMs(), responses, access, config.access().abuseBounds());
      rooms.onNewRoom(saleId -> QueueMeters.register(meters.registry, saleId, roomState, sales, clock));
      rooms.start();
      SaleRoutes saleRoutes = new SaleRoutes(sales, clock);
      PaymentProvider payments = config.payments().client();
      // What waits on the payment provider or the broker's admin, off the few HTTP threads: Stripe allows 100 writes
      // a second in live mode and answers each in a few hundred ms, so 32 at once carry its limit.
      ExecutorService blocking = resources.pool("flashsale-api-blocking", 32);
      ProviderCalls providerCalls = new ProviderCalls(payments, blocking);
      CheckoutExpiry checkoutExpiry = new CheckoutExpiry(payments); // a checkout ends with its hold
      resources.add(checkoutExpiry);
      purchases.onOutcome(checkoutExpiry::outcomeSeen);
      OrderUrls orderUrls = new OrderUrls(config.orderUrl());
      PurchaseRoutes purchaseRoutes = new PurchaseRoutes(access, bodies, writer, batcher, topics, sales,
          new PassCheck(signer, clock), orderUrls, purchases, clock, config.http().maxWaitMs(), responses);
      CheckoutRoutes checkout = new CheckoutRoutes(access, sales, new OwnPurchases(purchases), providerCalls,
          checkoutExpiry);
      PaymentRoutes paymentRoutes = new PaymentRoutes(bodies, writer, topics, clock,
          config.payments().webhookScheme(payments), providerCalls, orders::fate);
      Readiness readiness = new Readiness(admin, kafka.applicationId(), sales::caughtUp,
          () -> purchases.caughtUp() && orders.caughtUp(), config.http().readyGrace(), clock);
      AdminRoutes adminRoutes = new AdminRoutes(sales, writer, topics, clock, config.reportDir(), audit, auditView);
      SaleEvents saleEvents = new SaleEvents(sales, sale -> SaleBody.of(sale, sales, clock.instant()), bodies.mapper(),
          config.http().eventsHeartbeat(), config.access().abuseBounds(), access::clientAddress);
      resources.add(saleEvents);
      Pages pages = Pages.fromClasspath();
      MetricsServer metricsServer = null;
      if (config.http().metrics().enabled()) { // a listener of its own, off the public port
        metricsServer = MetricsServer.start(config.http().metrics(), meters.registry);
        resources.add(metricsServer);
      }
      ApiRoutes routes = new ApiRoutes(saleRoutes, saleEvents, adminRoutes, purchaseRoutes, checkout, paymentRoutes,
          waitingRoom,
          new SaleCreationRoutes(bodies, writer, topics, sales, clock, audit),
          new SaleMetricsRoutes(sales, purchases, roomState, fairness, clock),
          new WaitingRoomChanges(bodies, writer, topics, roomState, audit, clock),
          new OrderUrlRoutes(sales, orderUrls, clock),
          new CartRoutes(access, bodies, writer, topics, sales, purchases, orders, providerCalls,
              checkoutExpiry, clock), pages,
          new Health(readiness, blocking), meters, metricsServer == null);

      RouteTable routeTable = new RouteTable();
      Javalin app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        cfg.http.prefer405over404 = true;
        cfg.http.maxRequestSize = config.http().maxBodyBytes();
        cfg.jsonMapper(new JavalinJackson(bodies.mapper(), false));
        JettySettings.tune(cfg);
        cfg.jetty.modifyServer(server -> ServerProblems.install(server, bodies.mapper()));
        cfg.events.handlerAdded(routeTable::add);
        cfg.events.serverStopping(saleEvents::close); // event streams end while the server can still answer them
        cfg.routes.before(meters::started);
        cfg.routes.beforeMatched(access::check);
        cfg.routes.after(meters::answered);
        ProblemAnswers.install(cfg.routes, bodies.mapper());
        cfg.routes.apiBuilder(routes::define);
      });
      resources.add(app::stop);
      app.start(config.http().host(), config.http().port());
      log.info("Ingest API listening on {}:{} ({})", config.http().host(), app.port(), config);
      return new IngestApi(resources, app, routeTable, saleEvents, waitingRoom,
          metricsServer == null ? null : metricsServer.port());
    } catch (RuntimeException e) {
      resources.close();
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
    return routeTable.routes();
  }

  /** The roles of every route that has some, by "METHOD /path", for checking the OpenAPI document's x-admin-role. */
  Map<String, Set<RouteRole>> routeRoles() {
    return routeTable.roles();
  }

  @Override
  public void close() {
    resources.close();
  }
}
