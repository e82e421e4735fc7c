package io.flashsale.payments;

import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.payments.PaymentProvider.Refund;
import io.flashsale.payments.PaymentProvider.Settlement;
import io.flashsale.payments.PaymentProvider.SettlementPage;
import io.flashsale.payments.PaymentProvider.SettlementType;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.metrics.ProcessMeters;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.validation.ValidationException;
import io.javalin.json.JavalinJackson;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A payment provider in one process, for the local stack and tests: it serves the provider HTTP API that
 * {@link HttpPaymentProvider} calls, keeps payments in memory, plays the buyer's payment page, and sends signed
 * webhooks to the shop. Faults can be injected over HTTP to exercise the shop's handling of lost, late and
 * repeated webhooks and of late settlements.
 */
public final class PaymentSimulator implements AutoCloseable {
  /** Webhook delivery attempts, tagged result: delivered, refused (4xx) or failed (no answer, 5xx). */
  public static final String WEBHOOK_ATTEMPTS_METER = "flashsale.simulator.webhook.attempts";
  private static final Logger log = LoggerFactory.getLogger(PaymentSimulator.class);

  /** What goes wrong with the next webhooks and settlements; zero everywhere is a well-behaved provider. */
  /**
   * {@code lateExpiries}: the next expiries are answered but leave the payment open, as when the buyer's payment
   * was already under way at the provider when the shop closed it: the payment may still succeed, late.
   */
  public record Faults(int dropWebhooks, int duplicateWebhooks, long delayWebhooksMs, int settleLateDays,
                       int shortSettlements, int lateExpiries) {
    static final Faults NONE = new Faults(0, 0, 0, 0, 0, 0);

    public Faults(int dropWebhooks, int duplicateWebhooks, long delayWebhooksMs, int settleLateDays,
                  int shortSettlements) {
      this(dropWebhooks, duplicateWebhooks, delayWebhooksMs, settleLateDays, shortSettlements, 0);
    }

    Faults withShortSettlements(int count) {
      return new Faults(dropWebhooks, duplicateWebhooks, delayWebhooksMs, settleLateDays, count, lateExpiries);
    }

    Faults withLateExpiries(int count) {
      return new Faults(dropWebhooks, duplicateWebhooks, delayWebhooksMs, settleLateDays, shortSettlements, count);
    }
  }

  /** A change of the faults: fields left out stay as they are. */
  record FaultsChange(Integer dropWebhooks, Integer duplicateWebhooks, Long delayWebhooksMs, Integer settleLateDays,
                      Integer shortSettlements, Integer lateExpiries) {}

  /** The most settlements one page holds. */
  static final int MAX_SETTLEMENT_PAGE = 1000;

  record Completion(String outcome) {}

  record RefundOrder(Long amountCents) {}

  /** An error answer of the provider API: {@code {"error": code, "message": ...}}. */
  private static final class ProviderError extends RuntimeException {
    final int status;
    final String code;

    ProviderError(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private final SimulatorConfig config;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(SimulatorConfig.WEBHOOK_TIMEOUT).build();
  private final ScheduledExecutorService deliveries = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "payment-simulator-webhooks");
    thread.setDaemon(true);
    return thread;
  });
  private final Javalin app;
  private volatile String webhookUrl;
  /** Its own meters at GET /metrics: the JVM's and webhook delivery attempts by result. */
  private final PrometheusMeterRegistry meters = ProcessMeters.create("payment-simulator");

  // The provider's books, guarded by this.
  private final Map<String, Payment> payments = new LinkedHashMap<>();
  private final Map<String, String> paymentIdsByKey = new HashMap<>();
  private final Map<String, Refund> refundsByKey = new HashMap<>();
  private final Map<String, Long> refundedCents = new HashMap<>();
  /** When each payment that a hold bounds closes by itself, as Stripe would close its Checkout Session. */
  private final Map<String, Instant> closesAt = new HashMap<>();
  private final List<Settlement> settlements = new ArrayList<>();
  private final List<PaymentWebhook> webhooks = new ArrayList<>();
  private Faults faults = Faults.NONE;

  private PaymentSimulator(SimulatorConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.webhookUrl = config.webhookUrl();
    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.jsonMapper(new JavalinJackson(ProviderJson.MAPPER, false));
      cfg.routes.before("/v1/*", this::authenticate);
      cfg.routes.post("/v1/payments", this::createPayment);
      cfg.routes.get("/v1/payments/{paymentId}", ctx -> ctx.json(payment(ctx.pathParam("paymentId"))));
      cfg.routes.post("/v1/payments/{paymentId}/refunds", this::refund);
      cfg.routes.post("/v1/payments/{paymentId}/expire", this::expire);
      cfg.routes.get("/v1/settlements", this::settlements);
      cfg.routes.post("/v1/simulator/faults", this::changeFaults);
      cfg.routes.delete("/v1/simulator/faults", ctx -> ctx.json(setFaults(Faults.NONE)));
      cfg.routes.post("/v1/simulator/webhooks/redeliver", this::redeliverAll);
      cfg.routes.get("/pay/{paymentId}", this::paymentPage);
      cfg.routes.get(MetricsServer.PATH, ctx -> ctx.contentType(MetricsServer.CONTENT_TYPE).result(meters.scrape()));
      cfg.routes.post("/pay/{paymentId}/complete", this::complete);
      cfg.routes.exception(ProviderError.class, (error, ctx) ->
          ctx.status(error.status).json(Map.of("error", error.code, "message", error.getMessage())));
      cfg.routes.exception(ValidationException.class, (error, ctx) ->
          ctx.status(HttpStatus.BAD_REQUEST).json(Map.of("error", "invalid_request", "message", error.getErrors().toString())));
      cfg.routes.exception(Exception.class, (error, ctx) -> {
        log.error("Simulator failed on {} {}", ctx.method(), ctx.path(), error);
        ctx.status(HttpStatus.INTERNAL_SERVER_ERROR).json(Map.of("error", "internal", "message", error.toString()));
      });
    });
  }

  public static void main(String[] args) {
    PaymentSimulator simulator = start(SimulatorConfig.fromEnv(System.getenv()));
    System.out.println("Payment simulator at " + simulator.baseUrl() + ", webhooks to " + simulator.webhookUrl);
    Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "payment-simulator-shutdown"));
  }

  /** Starts the simulator on the configured port; returns once it listens. */
  public static PaymentSimulator start(SimulatorConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** As {@link #start(SimulatorConfig)} with the provider's clock given: it dates payments, events and settlements. */
  public static PaymentSimulator start(SimulatorConfig config, Clock clock) {
    PaymentSimulator simulator = new PaymentSimulator(config, clock);
    simulator.app.start(config.host(), config.port());
    log.info("Payment simulator listening on {} ({})", simulator.baseUrl(), config);
    return simulator;
  }

  /** Where the provider API and the payment pages are, e.g. {@code http://127.0.0.1:8090}. */
  public String baseUrl() {
    return config.publicUrl() != null ? config.publicUrl() : "http://" + config.host() + ":" + app.port();
  }

  /** Where webhooks go from now on; for shops whose port is known only after the simulator started. */
  public void setWebhookUrl(String webhookUrl) {
    this.webhookUrl = webhookUrl;
  }

  @Override
  public void close() {
    app.stop();
    deliveries.shutdownNow();
  }

  // --- provider API

  private void authenticate(Context ctx) {
    String authorization = ctx.header("Authorization");
    byte[] presented = (authorization == null ? "" : authorization).getBytes(StandardCharsets.UTF_8);
    byte[] expected = ("Bearer " + config.apiKey()).getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(presented, expected)) {
      throw new ProviderError(401, "unauthenticated", "Authorization: Bearer <api key> required");
    }
  }

  private void createPayment(Context ctx) {
    PaymentOrder order = body(ctx, PaymentOrder.class);
    String key = ctx.header(HttpPaymentProvider.IDEMPOTENCY_KEY);
    if (key == null || key.isBlank()) {
      throw new ProviderError(400, "invalid_request", "The Idempotency-Key header is required");
    }
    requireText(order.requestId(), "requestId");
    if (order.itemised()) { // an order: several purchases, one charge of their sum
      requireText(order.orderId(), "orderId");
      long sum = 0;
      for (PaymentProvider.Item item : order.items()) {
        requireText(item.requestId(), "items[].requestId");
        requireText(item.saleId(), "items[].saleId");
        requireText(item.sku(), "items[].sku");
        if (item.amountCents() < 1) {
          throw new ProviderError(400, "invalid_request", "items[].amountCents must be positive");
        }
        sum += item.amountCents();
      }
      if (sum != order.amountCents()) {
        throw new ProviderError(400, "invalid_request", "amountCents must be the sum of the items' amounts, " + sum);
      }
    } else {
      requireText(order.saleId(), "saleId");
      requireText(order.sku(), "sku");
    }
    requireCurrency(order.currency());
    if (order.amountCents() < 1) {
      throw new ProviderError(400, "invalid_request", "amountCents must be positive");
    }
    synchronized (this) {
      String known = paymentIdsByKey.get(key);
      if (known != null) { // a retried create: the payment it made, not a second one
        ctx.status(HttpStatus.OK).json(payments.get(known));
        return;
      }
      String paymentId = "pay_" + compactUuid();
      Payment payment = new Payment(paymentId, order.requestId(), order.saleId(), order.sku(), order.amountCents(),
          order.currency(), PaymentStatus.PENDING, baseUrl() + "/pay/" + paymentId, clock.instant(), order.flowId(),
          order.itemised() ? order.orderId() : null, order.itemised() ? List.copyOf(order.items()) : null);
      payments.put(paymentId, payment);
      paymentIdsByKey.put(key, paymentId);
      Instant closes = StripePaymentProvider.sessionExpiry(order, clock.instant()); // Stripe's window, so the local stack behaves alike
      if (closes != null) {
        closesAt.put(paymentId, closes);
      }
      ctx.status(HttpStatus.CREATED).json(payment);
    }
  }

  private synchronized Payment payment(String paymentId) {
    Payment payment = payments.get(paymentId);
    if (payment == null) {
      throw new ProviderError(404, "not_found", "No payment " + paymentId);
    }
    Instant closes = closesAt.get(paymentId);
    if (payment.status() == PaymentStatus.PENDING && closes != null && !clock.instant().isBefore(closes)) {
      payment = withStatus(payment, PaymentStatus.FAILED); // ended unpaid by itself, as an expired session
      payments.put(paymentId, payment);
    }
    return payment;
  }

  private void refund(Context ctx) {
    RefundOrder order = body(ctx, RefundOrder.class);
    String key = ctx.header(HttpPaymentProvider.IDEMPOTENCY_KEY);
    if (key == null || key.isBlank()) {
      throw new ProviderError(400, "invalid_request", "The Idempotency-Key header is required");
    }
    String paymentId = ctx.pathParam("paymentId");
    PaymentWebhook event;
    synchronized (this) {
      Payment payment = payment(paymentId);
      String refundKey = paymentId + '\0' + key;
      Refund known = refundsByKey.get(refundKey);
      if (known != null) {
        ctx.status(HttpStatus.OK).json(known);
        return;
      }
      long refunded = refundedCents.getOrDefault(paymentId, 0L);
      if (payment.status() != PaymentStatus.SUCCEEDED) {
        throw new ProviderError(409, "invalid_state", "Payment " + paymentId + " is " + payment.status());
      }
      if (order.amountCents() == null || order.amountCents() < 1 || order.amountCents() > payment.amountCents() - refunded) {
        throw new ProviderError(400, "invalid_request",
            "amountCents must be 1.." + (payment.amountCents() - refunded) + " for payment " + paymentId);
      }
      Instant now = clock.instant();
      Refund refund = new Refund("re_" + compactUuid(), paymentId, order.amountCents(), payment.currency(), now);
      refundsByKey.put(refundKey, refund);
      refundedCents.put(paymentId, refunded + refund.amountCents());
      if (refunded + refund.amountCents() == payment.amountCents()) {
        payment = withStatus(payment, PaymentStatus.REFUNDED);
        payments.put(paymentId, payment);
      }
      // Refunds settle on the day they are made.
      settlements.add(new Settlement("st_" + compactUuid(), paymentId, payment.requestId(), SettlementType.REFUND,
          refund.amountCents(), refund.currency(), now, payment.orderId()));
      event = newEvent(PaymentWebhook.REFUNDED, payment, refund.amountCents());
      ctx.status(HttpStatus.CREATED).json(refund);
    }
    emit(event);
  }

  /**
   * Closes an unpaid payment at once (as Stripe's expiry of a Checkout Session): it is FAILED, can no longer be
   * paid, and no webhook is sent (Stripe's {@code checkout.session.expired} is not one the shop listens to). A
   * payment already paid, failed or closed is answered as it is.
   */
  private void expire(Context ctx) {
    synchronized (this) {
      Payment payment = payment(ctx.pathParam("paymentId"));
      if (payment.status() == PaymentStatus.PENDING) {
        if (faults.lateExpiries() > 0) {
          faults = faults.withLateExpiries(faults.lateExpiries() - 1);
          log.info("Expiry of {} arrives after its buyer started paying (fault): it stays open", payment.paymentId());
        } else {
          payment = withStatus(payment, PaymentStatus.FAILED);
          payments.put(payment.paymentId(), payment);
          closesAt.put(payment.paymentId(), clock.instant());
        }
      }
      ctx.json(payment);
    }
  }

  private void settlements(Context ctx) {
    LocalDate day;
    try {
      day = LocalDate.parse(String.valueOf(ctx.queryParam("date")));
    } catch (DateTimeParseException e) {
      throw new ProviderError(400, "invalid_request", "date=YYYY-MM-DD is required");
    }
    int limit = ctx.queryParamAsClass("limit", Integer.class).check(n -> n >= 1 && n <= MAX_SETTLEMENT_PAGE,
        "limit must be 1.." + MAX_SETTLEMENT_PAGE).getOrDefault(PaymentProvider.SETTLEMENT_PAGE_SIZE);
    String startingAfter = ctx.queryParam("startingAfter");
    synchronized (this) {
      List<Settlement> ofDay = settlements.stream()
          .filter(s -> LocalDate.ofInstant(s.settledAt(), ZoneOffset.UTC).equals(day))
          .toList();
      int from = 0;
      if (startingAfter != null) {
        from = 1 + ofDay.stream().map(Settlement::settlementId).toList().indexOf(startingAfter);
        if (from == 0) {
          throw new ProviderError(400, "invalid_request", "No settlement " + startingAfter + " on " + day);
        }
      }
      int to = Math.min(ofDay.size(), from + limit);
      ctx.json(new SettlementPage(ofDay.subList(from, to), to < ofDay.size()));
    }
  }

  // --- the buyer's side

  /**
   * The provider's checkout page. {@code ?return=<http(s) URL>} is where the buyer goes back to once the payment is
   * done, as a real provider's success URL: the shop's page then shows the outcome the webhook brought.
   */
  private void paymentPage(Context ctx) {
    Payment payment = payment(ctx.pathParam("paymentId"));
    String back = ctx.queryParam("return");
    String returnUrl = back != null && back.matches("https?://[^\\s]{1,2000}") ? back : "";
    ctx.html("""
        <!doctype html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Pay %1$s</title></head>
        <body>
        <h1>Payment simulator</h1>
        <p>Pay <strong>%2$s %3$s</strong> for purchase %4$s.</p>
        <p id="state">Status: %5$s</p>
        <button id="pay" onclick="complete('SUCCEEDED')">Pay</button>
        <button id="fail" onclick="complete('FAILED')">Fail</button>
        <p><a id="return" href="%6$s" hidden>Back to the shop</a></p>
        <script>
          function complete(outcome) {
            fetch(location.pathname.replace(/\\/$/, '') + '/complete', {method: 'POST',
                headers: {'Content-Type': 'application/json'}, body: JSON.stringify({outcome: outcome})})
              .then(r => {
                document.getElementById('state').textContent =
                  r.ok ? 'Status: ' + outcome : 'Could not complete: HTTP ' + r.status;
                const back = document.getElementById('return');
                if (r.ok && back.getAttribute('href')) { back.hidden = false; }
              });
          }
        </script>
        </body></html>
        """.formatted(html(payment.paymentId()), html(amount(payment.amountCents(), payment.currency())),
        html(payment.currency()), html(payment.requestId()), html(payment.status().name()), html(returnUrl)));
  }

  private void complete(Context ctx) {
    Completion completion = body(ctx, Completion.class);
    PaymentStatus outcome;
    if ("SUCCEEDED".equals(completion.outcome())) {
      outcome = PaymentStatus.SUCCEEDED;
    } else if ("FAILED".equals(completion.outcome())) {
      outcome = PaymentStatus.FAILED;
    } else {
      throw new ProviderError(400, "invalid_request", "outcome must be SUCCEEDED or FAILED");
    }
    PaymentWebhook event;
    synchronized (this) {
      Payment payment = payment(ctx.pathParam("paymentId"));
      Instant closes = closesAt.get(payment.paymentId());
      if (closes != null && !clock.instant().isBefore(closes)) {
        throw new ProviderError(409, "expired", "Payment " + payment.paymentId() + " expired at " + closes);
      }
      if (payment.status() != PaymentStatus.PENDING) {
        throw new ProviderError(409, "invalid_state", "Payment " + payment.paymentId() + " is " + payment.status());
      }
      payment = withStatus(payment, outcome);
      payments.put(payment.paymentId(), payment);
      if (outcome == PaymentStatus.SUCCEEDED) {
        // A charge settles on the day it succeeded, or as many days later as the fault says; a short
        // settlement is a cent less than was charged.
        boolean settlesShort = faults.shortSettlements() > 0;
        if (settlesShort) {
          faults = faults.withShortSettlements(faults.shortSettlements() - 1);
        }
        settlements.add(new Settlement("st_" + compactUuid(), payment.paymentId(), payment.requestId(),
            SettlementType.CHARGE, payment.amountCents() - (settlesShort ? 1 : 0), payment.currency(),
            clock.instant().plus(Duration.ofDays(faults.settleLateDays())), payment.orderId()));
      }
      event = newEvent(outcome == PaymentStatus.SUCCEEDED ? PaymentWebhook.SUCCEEDED : PaymentWebhook.FAILED,
          payment, payment.amountCents());
    }
    emit(event);
    ctx.status(HttpStatus.ACCEPTED).json(Map.of("paymentId", event.data().paymentId(), "status", outcome.name()));
  }

  // --- faults and webhooks

  private void changeFaults(Context ctx) {
    FaultsChange change = body(ctx, FaultsChange.class);
    for (Number value : new Number[] {change.dropWebhooks(), change.duplicateWebhooks(), change.delayWebhooksMs(),
        change.settleLateDays(), change.shortSettlements(), change.lateExpiries()}) {
      if (value != null && value.longValue() < 0) {
        throw new ProviderError(400, "invalid_request", "Faults must not be negative");
      }
    }
    synchronized (this) {
      ctx.json(setFaults(new Faults(
          change.dropWebhooks() != null ? change.dropWebhooks() : faults.dropWebhooks(),
          change.duplicateWebhooks() != null ? change.duplicateWebhooks() : faults.duplicateWebhooks(),
          change.delayWebhooksMs() != null ? change.delayWebhooksMs() : faults.delayWebhooksMs(),
          change.settleLateDays() != null ? change.settleLateDays() : faults.settleLateDays(),
          change.shortSettlements() != null ? change.shortSettlements() : faults.shortSettlements(),
          change.lateExpiries() != null ? change.lateExpiries() : faults.lateExpiries())));
    }
  }

  private synchronized Faults setFaults(Faults faults) {
    this.faults = faults;
    log.info("Simulator faults now {}", faults);
    return faults;
  }

  private void redeliverAll(Context ctx) {
    List<PaymentWebhook> all;
    long delayMs;
    synchronized (this) {
      all = List.copyOf(webhooks);
      delayMs = faults.delayWebhooksMs();
    }
    all.forEach(event -> deliver(event, delayMs));
    ctx.status(HttpStatus.ACCEPTED).json(Map.of("redelivered", all.size()));
  }

  /** A new event, remembered for redelivery. Called with the books locked. */
  private PaymentWebhook newEvent(String type, Payment payment, long amountCents) {
    PaymentWebhook event = PaymentWebhook.of("evt_" + compactUuid(), type, clock.instant(), payment, amountCents);
    webhooks.add(event);
    return event;
  }

  /** Sends the event as the faults say: dropped, once, or twice (the second after the first was answered). */
  private void emit(PaymentWebhook event) {
    boolean drop;
    boolean twice;
    long delayMs;
    synchronized (this) {
      drop = faults.dropWebhooks() > 0;
      twice = !drop && faults.duplicateWebhooks() > 0;
      delayMs = faults.delayWebhooksMs();
      faults = new Faults(faults.dropWebhooks() - (drop ? 1 : 0), faults.duplicateWebhooks() - (twice ? 1 : 0),
          faults.delayWebhooksMs(), faults.settleLateDays(), faults.shortSettlements(), faults.lateExpiries());
    }
    if (drop) {
      log.info("Dropped webhook {} {} (fault)", event.type(), event.id());
      return;
    }
    CompletableFuture<Void> first = deliver(event, delayMs);
    if (twice) {
      first.thenRun(() -> deliver(event, delayMs));
    }
  }

  /** Delivers after {@code delayMs}; completes once the shop answered or the attempts ran out. */
  private CompletableFuture<Void> deliver(PaymentWebhook event, long delayMs) {
    return later(delayMs, () -> attempt(event, 1));
  }

  private CompletableFuture<Void> attempt(PaymentWebhook event, int attempt) {
    String url = webhookUrl;
    if (url == null) {
      log.warn("No webhook URL: webhook {} {} not sent", event.type(), event.id());
      return CompletableFuture.completedFuture(null);
    }
    String body = event.toJson();
    // Signed per attempt, as a provider does: a retry carries a fresh timestamp.
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(SimulatorConfig.WEBHOOK_TIMEOUT)
        .header("Content-Type", "application/json")
        .header(WebhookSignature.HEADER, WebhookSignature.header(config.webhookSecret(), clock.instant().getEpochSecond(), body))
        .POST(BodyPublishers.ofString(body)).build();
    return http.sendAsync(request, BodyHandlers.discarding()).handle((response, error) -> {
      String result = error != null ? "failed" : response.statusCode() >= 500 ? "failed"
          : response.statusCode() >= 300 ? "refused" : "delivered";
      meters.counter(WEBHOOK_ATTEMPTS_METER, "result", result).increment();
      if (error == null && response.statusCode() < 500) {
        if (response.statusCode() >= 300) {
          log.warn("Webhook {} {} refused by the shop: HTTP {}", event.type(), event.id(), response.statusCode());
        }
        return CompletableFuture.<Void>completedFuture(null);
      }
      String failure = error != null ? error.toString() : "HTTP " + response.statusCode();
      if (attempt >= SimulatorConfig.WEBHOOK_ATTEMPTS) {
        log.warn("Webhook {} {} given up after {} attempts: {}", event.type(), event.id(), attempt, failure);
        return CompletableFuture.<Void>completedFuture(null);
      }
      log.info("Webhook {} {} attempt {} failed ({}), retrying", event.type(), event.id(), attempt, failure);
      return later(SimulatorConfig.WEBHOOK_RETRY_BACKOFF.toMillis() * attempt, () -> attempt(event, attempt + 1));
    }).thenCompose(next -> next);
  }

  private CompletableFuture<Void> later(long delayMs, Supplier<CompletableFuture<Void>> action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      deliveries.schedule(() -> action.get().whenComplete((ok, error) -> done.complete(null)), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) { // closed: nothing is sent any more
      done.complete(null);
    }
    return done;
  }

  // --- helpers

  private static <T> T body(Context ctx, Class<T> type) {
    try {
      return ProviderJson.read(ctx.body(), type);
    } catch (IllegalArgumentException e) {
      throw new ProviderError(400, "invalid_request", e.getMessage());
    }
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new ProviderError(400, "invalid_request", field + " is required");
    }
  }

  private static void requireCurrency(String currency) {
    try {
      Currency.getInstance(currency == null ? "" : currency);
    } catch (IllegalArgumentException e) {
      throw new ProviderError(400, "invalid_request", "currency must be an ISO 4217 code, was " + currency);
    }
  }

  private static Payment withStatus(Payment p, PaymentStatus status) {
    return p.withStatus(status);
  }

  /** Minor units shown in major units, e.g. 4999 USD as 49.99 and 500 JPY as 500. */
  private static String amount(long amountCents, String currency) {
    return BigDecimal.valueOf(amountCents, Currency.getInstance(currency).getDefaultFractionDigits()).toPlainString();
  }

  private static String html(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static String compactUuid() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
