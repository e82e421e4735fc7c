package io.flashsale.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.flashsale.testing.StripeFixtures.decodeForm;
import static io.flashsale.testing.StripeFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.payments.StripeWebhooks;
import io.flashsale.payments.WebhookSignature;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API configured for Stripe (FLASHSALE_PAYMENT_PROVIDER=stripe) against a stub of Stripe's API: checkout
 * creates a Checkout Session carrying the purchase, and Stripe-signed webhooks become payment events.
 */
class StripeCheckoutTest {
  private static final String SECRET = "whsec_test_flashsale0api0endpoint";
  private static final String SESSION = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmN";
  private static final WireMockServer stripe = new WireMockServer(options().dynamicPort());
  private static ApiFixture fixture;

  @BeforeAll
  static void start() {
    stripe.start();
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(text("checkout-session-open.json"))));
    fixture = ApiFixture.start(Map.of(
        "FLASHSALE_PAYMENT_PROVIDER", "stripe",
        "FLASHSALE_STRIPE_API_KEY", "sk_test_51FlashsaleApiStub",
        "FLASHSALE_STRIPE_WEBHOOK_SECRET", SECRET,
        "FLASHSALE_STRIPE_API_BASE", stripe.baseUrl(),
        "FLASHSALE_STRIPE_RETURN_URL", "https://shop.example"));
  }

  @AfterAll
  static void stop() {
    fixture.close();
    stripe.stop();
  }

  @Test
  void checkoutCreatesACheckoutSessionForTheHeldPurchaseOnceForItsRequest() {
    String saleId = fixture.createSale(Map.of("priceCents", 1250, "currency", "EUR"));
    String userId = ApiFixture.newUser();
    String requestId = fixture.purchase(saleId, userId, 2);
    fixture.decide(saleId, requestId, userId, 2, OutcomeStatus.ACCEPTED);
    assertThat(fixture.poll(requestId, userId, 10_000).path("status").asText()).isEqualTo("ACCEPTED");

    Response checkout = checkout(requestId, userId);
    Response again = checkout(requestId, userId);

    assertThat(checkout.status()).as(checkout.raw().body()).isEqualTo(200);
    assertThat(checkout.json().path("paymentId").asText()).isEqualTo(SESSION);
    assertThat(checkout.json().path("redirectUrl").asText()).startsWith("https://checkout.stripe.com/c/pay/" + SESSION);
    assertThat(again.json()).isEqualTo(checkout.json());
    List<LoggedRequest> creates = stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))).stream()
        .filter(r -> requestId.equals(decodeForm(r.getBodyAsString()).get("client_reference_id"))).toList();
    assertThat(creates).hasSize(2).allSatisfy(request -> {
      assertThat(request.getHeader("Idempotency-Key")).isEqualTo(requestId);
      assertThat(request.getHeader("Authorization")).isEqualTo("Bearer sk_test_51FlashsaleApiStub");
      assertThat(decodeForm(request.getBodyAsString())).containsAllEntriesOf(Map.of(
          "mode", "payment",
          "client_reference_id", requestId,
          "success_url", "https://shop.example/sales/" + saleId,
          "line_items[0][price_data][unit_amount]", "2500",
          "line_items[0][price_data][currency]", "eur",
          "metadata[requestId]", requestId,
          "metadata[userId]", userId,
          "payment_intent_data[metadata][requestId]", requestId,
          "payment_intent_data[metadata][saleId]", saleId,
          "payment_intent_data[metadata][sku]", "SKU-" + saleId));
    });
  }

  @Test
  void aStripeSignedPaymentIntentSucceededLandsOnPaymentEventsAndOtherSignaturesAreRefused() {
    String requestId = "req-" + UUID.randomUUID();
    String intent = "pi_" + UUID.randomUUID().toString().replace("-", "");
    String body = text("events/payment_intent.succeeded.json")
        .replace("evt_3QAbCdLkdIwHu7ix0PiSucc1", "evt_" + UUID.randomUUID().toString().replace("-", ""))
        .replace("pi_3QAbCdLkdIwHu7ix0n2Fs8Ab", intent).replace("req-7f3a", requestId);
    long now = Instant.now().getEpochSecond();
    var before = fixture.endOffsets(Topics.PAYMENT_EVENTS);

    // The simulator's header and secret are not Stripe's; an old Stripe signature is a replay.
    fixture.webhook(body).send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    stripeWebhook(body, WebhookSignature.header("whsec_another_endpoint", now, body))
        .assertProblem(401, ErrorCode.UNAUTHENTICATED);
    stripeWebhook(body, WebhookSignature.header(SECRET, now - 301, body)).assertProblem(401, ErrorCode.UNAUTHENTICATED);
    assertThat(fixture.endOffsets(Topics.PAYMENT_EVENTS)).isEqualTo(before);

    Response recorded = stripeWebhook(body, WebhookSignature.header(SECRET, now, body));

    assertThat(recorded.status()).as(recorded.raw().body()).isEqualTo(200);
    assertThat(recorded.json().path("result").asText()).isEqualTo("RECORDED");
    await().atMost(Duration.ofSeconds(15)).until(() -> paymentEvents(intent).size() == 1);
    ConsumerRecord<String, PaymentEvent> record = paymentEvents(intent).get(0);
    assertThat(record.key()).isEqualTo("SKU-42");
    assertThat(record.value().getType()).isEqualTo(PaymentEventType.SUCCEEDED);
    assertThat(record.value().getRequestId()).isEqualTo(requestId);
    assertThat(record.value().getSaleId()).isEqualTo("sale-42");
    assertThat(record.value().getAmountCents()).isEqualTo(2500);
    assertThat(record.value().getCurrency()).isEqualTo("EUR");
    assertThat(record.value().getOccurredAt()).isEqualTo(Instant.ofEpochSecond(1764640861));
  }

  /**
   * A refunded charge names only its PaymentIntent, which the route reads from Stripe: while Stripe does not
   * answer, the webhook is refused with 503 (Stripe delivers it again) and nothing is written.
   */
  @Test
  void aRefundedChargeIsRecordedOnceStripeTellsWhoseItIsAndRefusedForRedeliveryUntilThen() {
    String intent = "pi_3QAbCdLkdIwHu7ix0n2Fs8Ab";
    String body = text("events/charge.refunded.json")
        .replace("evt_3QAbCdLkdIwHu7ix0ChRefd1", "evt_" + UUID.randomUUID().toString().replace("-", ""));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + intent)).willReturn(aResponse().withStatus(500)
        .withHeader("Content-Type", "application/json").withBody(text("error-api.json"))));
    var before = fixture.endOffsets(Topics.PAYMENT_EVENTS);

    stripeWebhook(body, WebhookSignature.header(SECRET, Instant.now().getEpochSecond(), body))
        .assertProblem(503, ErrorCode.UNAVAILABLE);
    assertThat(fixture.endOffsets(Topics.PAYMENT_EVENTS)).isEqualTo(before);

    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + intent)).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(text("payment-intent-refunded.json"))));
    Response redelivered = stripeWebhook(body, WebhookSignature.header(SECRET, Instant.now().getEpochSecond(), body));

    assertThat(redelivered.status()).as(redelivered.raw().body()).isEqualTo(200);
    assertThat(redelivered.json().path("result").asText()).isEqualTo("RECORDED");
    await().atMost(Duration.ofSeconds(15)).until(() -> paymentEvents(intent).stream()
        .anyMatch(r -> r.value().getType() == PaymentEventType.REFUNDED));
    PaymentEvent refund = paymentEvents(intent).stream().map(ConsumerRecord::value)
        .filter(e -> e.getType() == PaymentEventType.REFUNDED).findFirst().orElseThrow();
    assertThat(refund.getRequestId()).isEqualTo("req-7f3a");
    assertThat(refund.getAmountCents()).isEqualTo(2500);
  }

  @Test
  void stripeEventsTheShopDoesNotUseAreAcknowledged() {
    String body = "{\"id\": \"evt_" + UUID.randomUUID().toString().replace("-", "") + "\", \"object\": \"event\", "
        + "\"type\": \"customer.created\", \"created\": 1764640700, \"data\": {\"object\": {\"id\": \"cus_1\"}}}";

    Response response = stripeWebhook(body, WebhookSignature.header(SECRET, Instant.now().getEpochSecond(), body));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().path("result").asText()).isEqualTo("IGNORED");
  }

  /**
   * A Checkout Session is created to end 31 minutes after its hold (Stripe's shortest is 30 minutes after creation)
   * and expired at once when the hold ends unpaid, expired or cancelled; a paid one is left alone.
   */
  @Test
  void aCheckoutSessionEndsWithItsHold() {
    String expire = "/v1/checkout/sessions/" + SESSION + "/expire";
    stripe.stubFor(post(expire).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(text("checkout-session-expired.json"))));
    String saleId = fixture.createSale(Map.of("stock", 10, "holdSeconds", 300));
    int before = stripe.findAll(postRequestedFor(urlPathEqualTo(expire))).size();

    String expiring = heldAndCheckedOut(saleId, OutcomeStatus.EXPIRED);
    await().atMost(Duration.ofSeconds(20)).until(() -> stripe.findAll(postRequestedFor(urlPathEqualTo(expire))).size() == before + 1);
    String cancelled = heldAndCheckedOut(saleId, OutcomeStatus.CANCELLED);
    await().atMost(Duration.ofSeconds(20)).until(() -> stripe.findAll(postRequestedFor(urlPathEqualTo(expire))).size() == before + 2);
    String paid = heldAndCheckedOut(saleId, OutcomeStatus.CONFIRMED);
    // A hold ended after a payment: nothing is left open (its repeat too is a confirmation).
    fixture.decide(saleId, expiring, "unused", 1, OutcomeStatus.EXPIRED); // the same end read again
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
        stripe.findAll(postRequestedFor(urlPathEqualTo(expire))).size() == before + 2);

    List<LoggedRequest> expiries = stripe.findAll(postRequestedFor(urlPathEqualTo(expire)));
    assertThat(expiries.subList(before, expiries.size())).extracting(r -> r.getHeader("Idempotency-Key"))
        .containsOnly("expire:" + SESSION);
    assertThat(List.of(expiring, cancelled, paid)).doesNotHaveDuplicates();
  }

  /** A purchase accepted, checked out, then ended so; returns its request id once the view has read the end. */
  private static String heldAndCheckedOut(String saleId, OutcomeStatus end) {
    String userId = ApiFixture.newUser();
    String requestId = fixture.purchase(saleId, userId, 1);
    fixture.decide(saleId, requestId, userId, 1, OutcomeStatus.ACCEPTED);
    JsonNode held = fixture.poll(requestId, userId, 10_000);
    assertThat(held.path("status").asText()).isEqualTo("ACCEPTED");
    int created = stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))).size();
    assertThat(checkout(requestId, userId).status()).isEqualTo(200);
    List<LoggedRequest> creates = stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    assertThat(creates).hasSize(created + 1);
    Instant holdEnds = Instant.parse(held.path("holdExpiresAt").asText());
    assertThat(decodeForm(creates.get(created).getBodyAsString()))
        .containsEntry("expires_at", Long.toString(holdEnds.plus(Duration.ofMinutes(31)).getEpochSecond()));
    fixture.decide(saleId, requestId, userId, 1, end);
    await().atMost(Duration.ofSeconds(20)).until(() -> fixture.poll(requestId, userId, 0).path("status").asText()
        .equals(end.name()));
    return requestId;
  }

  private static Response checkout(String requestId, String userId) {
    return fixture.call("POST", "/api/purchases/" + requestId + "/checkout").auth(fixture.buyer(userId)).send();
  }

  private static Response stripeWebhook(String body, String signature) {
    return fixture.call("POST", "/api/payments/webhook").header(StripeWebhooks.HEADER, signature)
        .body("application/json; charset=utf-8", body).send();
  }

  private static List<ConsumerRecord<String, PaymentEvent>> paymentEvents(String paymentId) {
    return fixture.readAll(fixture.topics.paymentEvents).stream()
        .filter(r -> r.value().getPaymentId().equals(paymentId)).toList();
  }
}
