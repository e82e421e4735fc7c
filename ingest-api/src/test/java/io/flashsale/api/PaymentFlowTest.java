package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.payments.HttpPaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentSimulator;
import io.flashsale.payments.PaymentWebhook;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.payments.WebhookSignature;
import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checkout, payment and cancellation against a real broker and a real payment-provider simulator sending signed
 * webhooks over HTTP; the topology's decisions are played by hand.
 */
class PaymentFlowTest {
  private static final HttpClient http = HttpClient.newHttpClient();
  private static PaymentSimulator simulator;
  private static ApiFixture fixture;
  private static PaymentProvider provider;

  /** A held purchase and what it was bought with. */
  record Held(String saleId, String sku, String requestId, String userId, int quantity) {}

  @BeforeAll
  static void start() {
    simulator = PaymentSimulator.start(SimulatorConfig.local(null));
    fixture = ApiFixture.start(Map.of("FLASHSALE_PAYMENT_PROVIDER_URL", simulator.baseUrl()));
    // The API's port is known only now.
    simulator.setWebhookUrl("http://127.0.0.1:" + fixture.api.port() + "/api/payments/webhook");
    provider = new HttpPaymentProvider(simulator.baseUrl(), SimulatorConfig.LOCAL_API_KEY);
  }

  @AfterAll
  static void stop() {
    fixture.close();
    simulator.close();
  }

  @BeforeEach
  void wellBehavedProvider() throws Exception {
    simulator("DELETE", "/v1/simulator/faults", null);
  }

  @Test
  void checkoutThenPayingLandsTheSucceededPaymentOnPaymentEvents() throws Exception {
    Held held = held(Map.of("priceCents", 1250, "currency", "EUR"), 2);

    Response checkout = checkout(held);
    assertThat(checkout.status()).as(checkout.raw().body()).isEqualTo(200);
    String paymentId = checkout.json().path("paymentId").asText();
    String redirectUrl = checkout.json().path("redirectUrl").asText();
    assertThat(redirectUrl).isEqualTo(simulator.baseUrl() + "/pay/" + paymentId);
    // Checking out again is the same payment: the request id is the idempotency key.
    assertThat(checkout(held).json().path("paymentId").asText()).isEqualTo(paymentId);
    Payment atProvider = provider.payment(paymentId).orElseThrow();
    assertThat(atProvider.amountCents()).isEqualTo(2500);
    assertThat(atProvider.currency()).isEqualTo("EUR");
    assertThat(atProvider.requestId()).isEqualTo(held.requestId());

    assertThat(complete(redirectUrl, "SUCCEEDED")).isEqualTo(202);

    ConsumerRecord<String, PaymentEvent> record = awaitPaymentEvents(paymentId, 1).get(0);
    assertThat(record.key()).isEqualTo(held.sku());
    PaymentEvent event = record.value();
    assertThat(event.getEventId()).startsWith("evt_");
    assertThat(event.getType()).isEqualTo(PaymentEventType.SUCCEEDED);
    assertThat(event.getRequestId()).isEqualTo(held.requestId());
    assertThat(event.getSaleId()).isEqualTo(held.saleId());
    assertThat(event.getSku()).isEqualTo(held.sku());
    assertThat(event.getAmountCents()).isEqualTo(2500);
    assertThat(event.getCurrency()).isEqualTo("EUR");
    assertThat(event.getReceivedAt()).isAfterOrEqualTo(event.getOccurredAt());
  }

  @Test
  void aFailedPaymentIsRecordedToo() throws Exception {
    Held held = held(Map.of(), 1);
    JsonNode checkout = checkout(held).json();

    complete(checkout.path("redirectUrl").asText(), "FAILED");

    PaymentEvent event = awaitPaymentEvents(checkout.path("paymentId").asText(), 1).get(0).value();
    assertThat(event.getType()).isEqualTo(PaymentEventType.FAILED);
    assertThat(event.getAmountCents()).isEqualTo(4999);
  }

  @Test
  void aDuplicatedWebhookIsRecordedOnce() throws Exception {
    simulator("POST", "/v1/simulator/faults", "{\"duplicateWebhooks\": 1}");
    Held held = held(Map.of(), 1);
    JsonNode checkout = checkout(held).json();
    String paymentId = checkout.path("paymentId").asText();

    complete(checkout.path("redirectUrl").asText(), "SUCCEEDED");
    awaitPaymentEvents(paymentId, 1);
    simulator("POST", "/v1/simulator/webhooks/redeliver", null);

    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> paymentEvents(paymentId).size() == 1);
  }

  @Test
  void aCorrectlySignedButStaleWebhookIsRefusedAndWritesNothing() {
    String eventId = "evt_" + UUID.randomUUID();
    String paymentId = "pay_" + UUID.randomUUID();
    String body = ApiFixture.webhookJson(eventId, PaymentWebhook.SUCCEEDED, paymentId, "req-1", "sale-1", "SKU-1", 100, "USD");
    var before = fixture.endOffsets(Topics.PAYMENT_EVENTS);

    fixture.webhook(body, WebhookSignature.header(ApiConfig.LOCAL_WEBHOOK_SECRET, Instant.now().getEpochSecond() - 301, body))
        .send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    assertThat(fixture.endOffsets(Topics.PAYMENT_EVENTS)).isEqualTo(before);

    // The same body signed now is accepted once; its replay inside the window changes nothing.
    Response fresh = fixture.webhook(body).send();
    assertThat(fresh.status()).isEqualTo(200);
    assertThat(fresh.json().path("result").asText()).isEqualTo("RECORDED");
    Response again = fixture.webhook(body).send();
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("result").asText()).isEqualTo("DUPLICATE");
    assertThat(paymentEvents(paymentId)).singleElement()
        .satisfies(r -> assertThat(r.value().getEventId()).isEqualTo(eventId));
  }

  @Test
  void unknownEventTypesAreAcknowledgedAndIgnored() {
    String body = ApiFixture.webhookJson("evt_" + UUID.randomUUID(), "payment.disputed", "pay_1", "req-1", "sale-1",
        "SKU-1", 100, "USD");
    var before = fixture.endOffsets(Topics.PAYMENT_EVENTS);

    Response response = fixture.webhook(body).send();

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().path("result").asText()).isEqualTo("IGNORED");
    assertThat(fixture.endOffsets(Topics.PAYMENT_EVENTS)).isEqualTo(before);
  }

  @Test
  void cancelWritesAHoldCancellationOfTheBuyer() {
    Held held = held(Map.of(), 1);

    fixture.call("POST", "/api/purchases/" + held.requestId() + "/cancel").auth(fixture.buyer(ApiFixture.newUser())).send()
        .assertProblem(404, ErrorCode.PURCHASE_NOT_FOUND);
    Response cancelled = fixture.call("POST", "/api/purchases/" + held.requestId() + "/cancel")
        .auth(fixture.buyer(held.userId())).send();

    assertThat(cancelled.status()).isEqualTo(202);
    assertThat(cancelled.json().path("pollUrl").asText()).isEqualTo("/api/purchases/" + held.requestId());
    List<ConsumerRecord<String, HoldCancellation>> cancellations = fixture.readAll(fixture.topics.holdCancellations)
        .stream().filter(r -> r.value().getRequestId().equals(held.requestId())).toList();
    assertThat(cancellations).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo(held.sku());
      assertThat(r.value().getSaleId()).isEqualTo(held.saleId());
      assertThat(r.value().getSku()).isEqualTo(held.sku());
      assertThat(r.value().getUserId()).isEqualTo(held.userId());
    });
  }

  @Test
  void aConfirmedPurchaseIsAnOrderThatCanNoLongerBeCancelledAndShowsARefundDue() {
    Held held = held(Map.of(), 1);

    fixture.decide(held.saleId(), held.requestId(), held.userId(), 1, OutcomeStatus.CONFIRMED);
    await().atMost(Duration.ofSeconds(10)).until(() -> status(held).equals("CONFIRMED"));
    JsonNode confirmed = fixture.poll(held.requestId(), held.userId(), 0);
    assertThat(confirmed.path("orderId").asText()).isEqualTo(held.requestId());
    assertThat(confirmed.path("refund").isNull()).isTrue();
    for (String action : new String[] {"cancel", "checkout"}) {
      fixture.call("POST", "/api/purchases/" + held.requestId() + "/" + action).auth(fixture.buyer(held.userId())).send()
          .assertProblem(409, ErrorCode.INVALID_STATE);
    }

    fixture.decide(held.saleId(), held.requestId(), held.userId(), 1, OutcomeStatus.REFUND_DUE); // paid twice
    await().atMost(Duration.ofSeconds(10))
        .until(() -> fixture.poll(held.requestId(), held.userId(), 0).path("refund").asText().equals("DUE"));
    assertThat(status(held)).isEqualTo("CONFIRMED");
  }

  // --- helpers

  /** A purchase of {@code quantity} in a new sale with these fields, ACCEPTED by hand as the topology would. */
  private static Held held(Map<String, Object> sale, int quantity) {
    String saleId = fixture.createSale(sale);
    String userId = ApiFixture.newUser();
    String requestId = fixture.purchase(saleId, userId, quantity);
    fixture.decide(saleId, requestId, userId, quantity, OutcomeStatus.ACCEPTED);
    Held held = new Held(saleId, "SKU-" + saleId, requestId, userId, quantity);
    assertThat(fixture.poll(requestId, userId, 10_000).path("status").asText()).isEqualTo("ACCEPTED");
    return held;
  }

  private static Response checkout(Held held) {
    return fixture.call("POST", "/api/purchases/" + held.requestId() + "/checkout").auth(fixture.buyer(held.userId())).send();
  }

  private static String status(Held held) {
    return fixture.poll(held.requestId(), held.userId(), 0).path("status").asText();
  }

  /** Plays the buyer on the provider's page. */
  private static int complete(String redirectUrl, String outcome) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(redirectUrl + "/complete")).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"outcome\": \"" + outcome + "\"}")).build(), BodyHandlers.ofString()).statusCode();
  }

  private static void simulator(String method, String path, String json) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path))
        .header("Authorization", "Bearer " + SimulatorConfig.LOCAL_API_KEY);
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    int status = http.send(request.method(method, json == null ? BodyPublishers.noBody() : BodyPublishers.ofString(json))
        .build(), BodyHandlers.ofString()).statusCode();
    assertThat(status).isBetween(200, 299);
  }

  private static List<ConsumerRecord<String, PaymentEvent>> paymentEvents(String paymentId) {
    return fixture.readAll(fixture.topics.paymentEvents).stream()
        .filter(r -> r.value().getPaymentId().equals(paymentId)).toList();
  }

  private static List<ConsumerRecord<String, PaymentEvent>> awaitPaymentEvents(String paymentId, int count) {
    await().atMost(Duration.ofSeconds(15)).until(() -> paymentEvents(paymentId).size() >= count);
    return paymentEvents(paymentId);
  }
}
