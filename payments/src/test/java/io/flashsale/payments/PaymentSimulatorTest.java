package io.flashsale.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.payments.PaymentProvider.Refund;
import io.flashsale.payments.PaymentProvider.Settlement;
import io.flashsale.payments.PaymentProvider.SettlementType;
import io.flashsale.payments.WebhookReceiver.Delivery;
import io.flashsale.testing.SettableClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator and the HTTP adapter against each other over real HTTP, with a shop's webhook endpoint. */
class PaymentSimulatorTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(600);
  private static final Duration TOLERANCE = Duration.ofSeconds(300);

  private static final SettableClock clock = new SettableClock(Instant.parse("2026-11-27T12:00:00Z"));
  private static final HttpClient http = HttpClient.newHttpClient();
  private static WebhookReceiver shop;
  private static PaymentSimulator simulator;
  private static PaymentProvider provider;

  @BeforeAll
  static void start() {
    shop = new WebhookReceiver();
    simulator = PaymentSimulator.start(SimulatorConfig.local(shop.url()), clock);
    provider = new HttpPaymentProvider(simulator.baseUrl(), SimulatorConfig.LOCAL_API_KEY);
  }

  @AfterAll
  static void stop() {
    simulator.close();
    shop.close();
  }

  @BeforeEach
  void wellBehaved() throws Exception {
    assertThat(call("DELETE", "/v1/simulator/faults", null).statusCode()).isEqualTo(200);
    clock.set(Instant.parse("2026-11-27T12:00:00Z"));
    shop.clear();
  }

  @Test
  void createIsIdempotentOnTheKey() {
    PaymentOrder order = order(UUID.randomUUID().toString(), 4999);

    Payment created = provider.createPayment(order);
    Payment again = provider.createPayment(order);
    Payment other = provider.createPayment(order(UUID.randomUUID().toString(), 4999));

    assertThat(again).isEqualTo(created);
    assertThat(other.paymentId()).isNotEqualTo(created.paymentId());
    assertThat(created.status()).isEqualTo(PaymentStatus.PENDING);
    assertThat(created.requestId()).isEqualTo(order.requestId());
    assertThat(created.amountCents()).isEqualTo(4999);
    assertThat(created.currency()).isEqualTo("USD");
    assertThat(created.redirectUrl()).isEqualTo(simulator.baseUrl() + "/pay/" + created.paymentId());
    assertThat(created.createdAt()).isEqualTo(clock.instant());
    assertThat(provider.payment(created.paymentId())).contains(created);
    assertThat(provider.payment("pay_unknown")).isEmpty();
  }

  @Test
  void thePaymentPageShowsTheAmountAndPostsTheOutcome() throws Exception {
    Payment payment = provider.createPayment(order(UUID.randomUUID().toString(), 4999));

    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(payment.redirectUrl())).build(),
        BodyHandlers.ofString());

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    assertThat(page.body()).contains("49.99", "USD", "/complete", "SUCCEEDED", "FAILED");
  }

  @Test
  void completingSendsASignedWebhook() throws Exception {
    Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 2500));

    assertThat(complete(payment, "SUCCEEDED").statusCode()).isEqualTo(202);

    Delivery delivery = shop.next(WAIT);
    assertThat(delivery).isNotNull();
    assertThat(WebhookSignature.verify(SimulatorConfig.LOCAL_WEBHOOK_SECRET, delivery.signature(), delivery.body(),
        clock.instant(), TOLERANCE)).isTrue();
    assertThat(WebhookSignature.verify("another-secret", delivery.signature(), delivery.body(),
        clock.instant(), TOLERANCE)).isFalse();
    PaymentWebhook event = delivery.event();
    assertThat(event.type()).isEqualTo(PaymentWebhook.SUCCEEDED);
    assertThat(event.id()).startsWith("evt_");
    assertThat(event.createdAt()).isEqualTo(clock.instant());
    assertThat(event.data()).isEqualTo(new PaymentWebhook.Data(payment.paymentId(), payment.requestId(), "sale-1",
        "SKU-1", 2500L, "USD", "SUCCEEDED"));
    assertThat(provider.payment(payment.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.SUCCEEDED);
    // A payment is completed once.
    assertThat(complete(payment, "FAILED").statusCode()).isEqualTo(409);
    assertThat(shop.during(QUIET)).isEmpty();
  }

  /** The buyer's flow goes into the payment's metadata and comes back on the payment and on each of its webhooks. */
  @Test
  void thePaymentAndItsWebhookCarryTheBuyersFlow() throws Exception {
    PaymentOrder plain = order("req-" + UUID.randomUUID(), 2500);
    PaymentOrder order = new PaymentOrder(plain.idempotencyKey(), plain.requestId(), plain.saleId(), plain.sku(),
        plain.userId(), plain.amountCents(), plain.currency(), null, null, "flow-" + plain.requestId());
    Payment payment = provider.createPayment(order);

    complete(payment, "SUCCEEDED");

    Delivery delivery = shop.next(WAIT);
    while (delivery != null && !delivery.event().data().paymentId().equals(payment.paymentId())) {
      delivery = shop.next(WAIT); // an earlier test's webhook arriving late is not this test's
    }
    assertThat(payment.flowId()).isEqualTo(order.flowId());
    assertThat(provider.payment(payment.paymentId()).orElseThrow().flowId()).isEqualTo(order.flowId());
    assertThat(delivery).isNotNull();
    assertThat(delivery.event().data().flowId()).isEqualTo(order.flowId());
    assertThat(delivery.body()).contains("\"flowId\":\"" + order.flowId() + "\"");
  }

  @Test
  void aFailedPaymentIsReportedAndNeverSettles() throws Exception {
    Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 700));

    complete(payment, "FAILED");

    PaymentWebhook event = shop.next(WAIT).event();
    assertThat(event.type()).isEqualTo(PaymentWebhook.FAILED);
    assertThat(event.data().paymentId()).isEqualTo(payment.paymentId());
    assertThat(provider.settlements(LocalDate.of(2026, 11, 27)).toList()).noneMatch(s -> s.paymentId().equals(payment.paymentId()));
  }

  @Test
  void droppedWebhooksAreNotSentUntilRedelivered() throws Exception {
    faults("{\"dropWebhooks\": 1}");
    Payment lost = provider.createPayment(order("req-" + UUID.randomUUID(), 100));
    Payment next = provider.createPayment(order("req-" + UUID.randomUUID(), 200));

    complete(lost, "SUCCEEDED");
    complete(next, "SUCCEEDED");

    Delivery first = shop.next(WAIT);
    Set<String> ours = Set.of(lost.paymentId(), next.paymentId());
    while (first != null && !ours.contains(first.event().data().paymentId())) {
      first = shop.next(WAIT); // an earlier test's webhook arriving late is not this test's
    }
    assertThat(first).isNotNull();
    assertThat(first.event().data().paymentId()).isEqualTo(next.paymentId());
    assertThat(shop.during(QUIET)).isEmpty();

    assertThat(call("POST", "/v1/simulator/webhooks/redeliver", null).statusCode()).isEqualTo(202);
    // Every webhook ever made comes again, those of earlier tests included: look for this test's two.
    Set<String> redelivered = new HashSet<>();
    while (!redelivered.containsAll(Set.of(lost.paymentId(), next.paymentId()))) {
      Delivery delivery = shop.next(WAIT);
      assertThat(delivery).as("redelivered so far: %s", redelivered).isNotNull();
      redelivered.add(delivery.event().data().paymentId());
    }
  }

  @Test
  void duplicatedWebhooksCarryTheSameEventId() throws Exception {
    faults("{\"duplicateWebhooks\": 1}");
    Payment twice = provider.createPayment(order("req-" + UUID.randomUUID(), 100));
    Payment once = provider.createPayment(order("req-" + UUID.randomUUID(), 200));

    complete(twice, "SUCCEEDED");
    List<Delivery> first = shop.next(WAIT, 2);
    complete(once, "SUCCEEDED");
    Delivery second = shop.next(WAIT);

    assertThat(first.get(0).event()).isEqualTo(first.get(1).event());
    assertThat(first.get(0).event().data().paymentId()).isEqualTo(twice.paymentId());
    assertThat(second.event().data().paymentId()).isEqualTo(once.paymentId());
    assertThat(shop.during(QUIET)).isEmpty();
  }

  @Test
  void delayedWebhooksArriveLate() throws Exception {
    faults("{\"delayWebhooksMs\": 800}");
    Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 100));

    Instant completed = Instant.now();
    complete(payment, "SUCCEEDED");

    Delivery delivery = shop.next(WAIT);
    assertThat(delivery).isNotNull();
    assertThat(Duration.between(completed, delivery.receivedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(800));
  }

  @Test
  void aShopAnswering5xxGetsTheWebhookAgain() throws Exception {
    shop.answerNext(503, 500);
    Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 100));

    complete(payment, "SUCCEEDED");

    List<Delivery> attempts = shop.next(WAIT, 3);
    assertThat(attempts).extracting(d -> d.event().id()).containsOnly(attempts.get(0).event().id());
    assertThat(shop.during(QUIET)).isEmpty();
  }

  @Test
  void aShopThatIsDownGetsTheWebhookOnceItIsUp() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    simulator.setWebhookUrl("http://127.0.0.1:" + freePort + "/webhook");
    try {
      Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 100));
      complete(payment, "SUCCEEDED");
      Thread.sleep(100); // the first attempt finds nobody listening
      simulator.setWebhookUrl(shop.url());

      Delivery retried = shop.next(WAIT);
      assertThat(retried).isNotNull();
      assertThat(retried.event().data().paymentId()).isEqualTo(payment.paymentId());
    } finally {
      simulator.setWebhookUrl(shop.url());
    }
  }

  @Test
  void anItemisedPaymentForSeveralPurchasesIsOneChargeOfTheirSumAndItsWebhookNamesEachItem() throws Exception {
    clock.set(Instant.parse("2030-06-01T10:00:00Z"));
    String orderId = "order-" + UUID.randomUUID();
    List<PaymentProvider.Item> items = List.of(new PaymentProvider.Item("req-a", "shoes", "SKU SHOES", 2 * 4999),
        new PaymentProvider.Item("req-b", "hats~1", "SKU-HATS~1", 1500));
    PaymentOrder order = PaymentOrder.ofOrder(orderId, "alice", items, "USD", null, null, null);

    Payment payment = provider.createPayment(order);
    assertThat(provider.createPayment(order)).as("idempotent on the order's id").isEqualTo(payment);
    assertThat(payment.amountCents()).isEqualTo(2 * 4999 + 1500);
    assertThat(payment.orderId()).isEqualTo(orderId);
    assertThat(payment.items()).isEqualTo(items);
    assertThat(complete(payment, "SUCCEEDED").statusCode()).isEqualTo(202);

    PaymentWebhook event = PaymentWebhook.parse(shop.next(WAIT).body());
    assertThat(event.data().itemised()).isTrue();
    assertThat(event.data().orderId()).isEqualTo(orderId);
    assertThat(event.data().items()).isEqualTo(items);
    assertThat(event.data().amountCents()).isEqualTo(2 * 4999 + 1500);
    assertThat(provider.settlements(LocalDate.of(2030, 6, 1)).toList()).singleElement().satisfies(s -> {
      assertThat(s.paymentId()).isEqualTo(payment.paymentId());
      assertThat(s.orderId()).isEqualTo(orderId);
      assertThat(s.type()).isEqualTo(SettlementType.CHARGE);
      assertThat(s.amountCents()).isEqualTo(2 * 4999 + 1500);
    });
  }

  @Test
  void anItemisedPaymentWhoseItemsDoNotAddUpIsRefused() throws Exception {
    List<PaymentProvider.Item> items = List.of(new PaymentProvider.Item("req-a", "shoes", "SKU-1", 1000));
    PaymentOrder wrong = new PaymentOrder("order-x", "order-x", null, null, "alice", 999, "USD", null, null, null,
        "order-x", items);

    assertThatThrownBy(() -> provider.createPayment(wrong)).isInstanceOf(PaymentProviderException.class)
        .hasMessageContaining("sum of the items");
  }

  @Test
  void chargesSettleOnTheDayTheySucceededOrLaterRefundsOnTheDayMade() throws Exception {
    clock.set(Instant.parse("2030-03-01T23:59:00Z"));
    Payment onTime = provider.createPayment(order("req-" + UUID.randomUUID(), 1000));
    complete(onTime, "SUCCEEDED");
    faults("{\"settleLateDays\": 2}");
    Payment late = provider.createPayment(order("req-" + UUID.randomUUID(), 3000));
    complete(late, "SUCCEEDED");
    clock.set(Instant.parse("2030-03-02T00:01:00Z"));
    Refund refund = provider.refund(onTime.paymentId(), 400, "refund-1");

    assertThat(provider.settlements(LocalDate.of(2030, 3, 1)).toList()).singleElement().satisfies(s -> {
      assertThat(s.paymentId()).isEqualTo(onTime.paymentId());
      assertThat(s.requestId()).isEqualTo(onTime.requestId());
      assertThat(s.type()).isEqualTo(SettlementType.CHARGE);
      assertThat(s.amountCents()).isEqualTo(1000);
      assertThat(s.currency()).isEqualTo("USD");
    });
    assertThat(provider.settlements(LocalDate.of(2030, 3, 2)).toList()).singleElement().satisfies(s -> {
      assertThat(s.paymentId()).isEqualTo(onTime.paymentId());
      assertThat(s.type()).isEqualTo(SettlementType.REFUND);
      assertThat(s.amountCents()).isEqualTo(refund.amountCents()).isEqualTo(400);
    });
    assertThat(provider.settlements(LocalDate.of(2030, 3, 3)).toList()).singleElement().satisfies(s -> {
      assertThat(s.paymentId()).isEqualTo(late.paymentId());
      assertThat(s.type()).isEqualTo(SettlementType.CHARGE);
      assertThat(s.amountCents()).isEqualTo(3000);
    });
    assertThat(provider.settlements(LocalDate.of(2030, 3, 4)).toList()).isEmpty();
  }

  @Test
  void aBusyDayIsReadPageByPageAndAShortSettlementIsACentLess() throws Exception {
    clock.set(Instant.parse("2030-05-01T12:00:00Z"));
    int charges = PaymentProvider.SETTLEMENT_PAGE_SIZE + 3; // more than one page
    faults("{\"shortSettlements\": 1, \"dropWebhooks\": 100000}"); // no webhooks left over for the next test
    List<Payment> paid = new java.util.ArrayList<>();
    for (int i = 0; i < charges; i++) {
      Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 1000));
      complete(payment, "SUCCEEDED");
      paid.add(payment);
    }

    List<Settlement> settled = provider.settlements(LocalDate.of(2030, 5, 1)).toList();

    assertThat(settled).extracting(Settlement::paymentId)
        .containsExactlyElementsOf(paid.stream().map(Payment::paymentId).toList());
    assertThat(settled.get(0).amountCents()).isEqualTo(999);
    assertThat(settled.subList(1, charges)).extracting(Settlement::amountCents).containsOnly(1000L);
    assertThat(provider.settlements(LocalDate.of(2030, 5, 1), settled.get(charges - 2).settlementId(), 10).data())
        .extracting(Settlement::paymentId).containsExactly(paid.get(charges - 1).paymentId());
    assertThatThrownBy(() -> provider.settlements(LocalDate.of(2030, 5, 1), null, 0))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void refundsAreIdempotentOnTheKeyAndBoundedByWhatWasPaid() throws Exception {
    clock.set(Instant.parse("2030-04-01T10:00:00Z"));
    Payment payment = provider.createPayment(order("req-" + UUID.randomUUID(), 1000));
    assertThatThrownBy(() -> provider.refund(payment.paymentId(), 1000, "too-early"))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> assertThat(e.status()).isEqualTo(409));
    complete(payment, "SUCCEEDED");
    shop.next(WAIT);

    Refund first = provider.refund(payment.paymentId(), 600, "refund-a");
    Refund retried = provider.refund(payment.paymentId(), 600, "refund-a");

    assertThat(retried).isEqualTo(first);
    assertThat(first.amountCents()).isEqualTo(600);
    assertThat(first.paymentId()).isEqualTo(payment.paymentId());
    assertThat(provider.payment(payment.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.SUCCEEDED);
    assertThatThrownBy(() -> provider.refund(payment.paymentId(), 401, "refund-b"))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> assertThat(e.status()).isEqualTo(400));

    Refund rest = provider.refund(payment.paymentId(), 400, "refund-c");

    assertThat(rest.refundId()).isNotEqualTo(first.refundId());
    assertThat(provider.payment(payment.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.REFUNDED);
    List<Settlement> refunds = provider.settlements(LocalDate.of(2030, 4, 1))
        .filter(s -> s.type() == SettlementType.REFUND).toList();
    assertThat(refunds).extracting(Settlement::amountCents).containsExactlyInAnyOrder(600L, 400L);
    List<Delivery> events = shop.next(WAIT, 2);
    assertThat(events).extracting(d -> d.event().type()).containsOnly(PaymentWebhook.REFUNDED);
    assertThat(events).extracting(d -> d.event().data().amountCents()).containsExactlyInAnyOrder(600L, 400L);
  }

  @Test
  void anExpiredPaymentCanNoLongerBePaidAndExpiringItAgainIsHarmless() throws Exception {
    Payment payment = provider.createPayment(held(UUID.randomUUID().toString(), clock.instant().plusSeconds(300)));

    provider.expirePayment(payment.paymentId());
    provider.expirePayment(payment.paymentId());

    assertThat(provider.payment(payment.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.FAILED);
    HttpResponse<String> late = complete(payment, "SUCCEEDED");
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.body()).contains("expired");
    assertThat(shop.during(QUIET)).as("no webhook for an expiry").isEmpty();
    // A payment already made stays made.
    Payment paid = provider.createPayment(held(UUID.randomUUID().toString(), clock.instant().plusSeconds(300)));
    assertThat(complete(paid, "SUCCEEDED").statusCode()).isEqualTo(202);
    provider.expirePayment(paid.paymentId());
    assertThat(provider.payment(paid.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.SUCCEEDED);
  }

  @Test
  void aPaymentEndsByItselfAsStripesSessionWouldAndAnExpiryMayComeTooLate() throws Exception {
    Instant holdEnds = clock.instant().plusSeconds(300);
    Payment unpaid = provider.createPayment(held(UUID.randomUUID().toString(), holdEnds));
    clock.set(holdEnds.plus(Duration.ofMinutes(31)));
    assertThat(complete(unpaid, "SUCCEEDED").statusCode()).as("past the session's end").isEqualTo(409);
    assertThat(provider.payment(unpaid.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.FAILED);

    clock.set(Instant.parse("2026-11-27T12:00:00Z"));
    faults("{\"lateExpiries\": 1}");
    Payment underWay = provider.createPayment(held(UUID.randomUUID().toString(), clock.instant().plusSeconds(300)));
    provider.expirePayment(underWay.paymentId());
    assertThat(complete(underWay, "SUCCEEDED").statusCode()).as("the buyer was already paying").isEqualTo(202);
    // Its webhook is sent as for any payment (and taken here, not left to arrive in the next test).
    Delivery late = shop.next(WAIT);
    assertThat(late).isNotNull();
    assertThat(late.event().data().paymentId()).isEqualTo(underWay.paymentId());
    assertThat(late.event().type()).isEqualTo(PaymentWebhook.SUCCEEDED);
  }

  @Test
  void theApiNeedsTheKey() {
    PaymentProvider stranger = new HttpPaymentProvider(simulator.baseUrl(), "wrong-key");

    assertThatThrownBy(() -> stranger.createPayment(order("req-x", 100)))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.unavailable()).isFalse();
        });
  }

  @Test
  void aProviderThatIsDownIsUnavailable() throws IOException {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    PaymentProvider down = new HttpPaymentProvider("http://127.0.0.1:" + freePort, SimulatorConfig.LOCAL_API_KEY,
        Duration.ofSeconds(1));

    assertThatThrownBy(() -> down.payment("pay_1"))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> assertThat(e.unavailable()).isTrue());
  }

  private static PaymentOrder order(String requestId, long amountCents) {
    return new PaymentOrder(requestId, requestId, "sale-1", "SKU-1", "user-1", amountCents, "USD");
  }

  private static PaymentOrder held(String requestId, Instant holdEnds) {
    return new PaymentOrder(requestId, requestId, "sale-1", "SKU-1", "user-1", 4999, "USD", clock.instant(), holdEnds);
  }

  private static HttpResponse<String> complete(Payment payment, String outcome) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(payment.redirectUrl() + "/complete"))
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"outcome\": \"" + outcome + "\"}")).build(), BodyHandlers.ofString());
  }

  private static void faults(String json) throws Exception {
    HttpResponse<String> response = call("POST", "/v1/simulator/faults", json);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static HttpResponse<String> call(String method, String path, String json) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path))
        .header("Authorization", "Bearer " + SimulatorConfig.LOCAL_API_KEY);
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.method(method, json == null ? BodyPublishers.noBody() : BodyPublishers.ofString(json)).build(),
        BodyHandlers.ofString());
  }
}
