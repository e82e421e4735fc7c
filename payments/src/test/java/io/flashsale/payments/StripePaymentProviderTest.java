package io.flashsale.payments;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.flashsale.testing.StripeFixtures.decodeForm;
import static io.flashsale.testing.StripeFixtures.form;
import static io.flashsale.testing.StripeFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.payments.PaymentProvider.Refund;
import io.flashsale.payments.PaymentProvider.Settlement;
import io.flashsale.payments.PaymentProvider.SettlementType;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Stripe adapter against an HTTP stub answering with Stripe's published shapes (test-support's
 * {@code StripeFixtures}): what is sent (form fields, headers, query) and how the answers and errors read.
 */
class StripePaymentProviderTest {
  private static final String API_KEY = "sk_test_51FlashsaleStubKey";
  private static final PaymentOrder ORDER = new PaymentOrder("req-7f3a", "req-7f3a", "sale-42", "SKU-42", "user-9",
      2500, "EUR");
  private static final String SESSION = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmN";
  private static final String INTENT = "pi_3QAbCdLkdIwHu7ix0n2Fs8Ab";

  private final WireMockServer stripe = new WireMockServer(options().dynamicPort());
  private StripePaymentProvider provider;

  @BeforeEach
  void start() {
    stripe.start();
    StripeConfig config = new StripeConfig(API_KEY, null, URI.create(stripe.baseUrl()), "https://shop.example/");
    provider = new StripePaymentProvider(config, Duration.ofSeconds(5), Duration.ofMillis(10));
  }

  @AfterEach
  void stop() {
    stripe.stop();
  }

  @Test
  void createsACheckoutSessionWithTheOrdersFieldsAndItsIdempotencyKey() {
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(json(200, "checkout-session-open.json")));

    Payment payment = provider.createPayment(ORDER);

    assertThat(payment).isEqualTo(new Payment(SESSION, "req-7f3a", "sale-42", "SKU-42", 2500, "EUR",
        PaymentStatus.PENDING, "https://checkout.stripe.com/c/pay/" + SESSION + "#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        Instant.ofEpochSecond(1764640800)));
    LoggedRequest request = single(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))));
    assertThat(decodeForm(request.getBodyAsString())).containsExactlyEntriesOf(form("create-session.form.json"));
    assertThat(request.getHeader("Idempotency-Key")).isEqualTo("req-7f3a");
    assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + API_KEY);
    assertThat(request.getHeader("Stripe-Version")).isEqualTo(StripePaymentProvider.API_VERSION);
    assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
  }

  /** The buyer's flow goes into the metadata of the session and of its PaymentIntent, and is read back from them. */
  @Test
  void theBuyersFlowIsInBothMetadataAndComesBack() {
    String inFlow = text("checkout-session-open.json")
        .replace("\"userId\": \"user-9\"}", "\"userId\": \"user-9\", \"flowId\": \"flow-7f3a\"}");
    assertThat(inFlow).isNotEqualTo(text("checkout-session-open.json"));
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(inFlow)));
    PaymentOrder order = new PaymentOrder(ORDER.idempotencyKey(), ORDER.requestId(), ORDER.saleId(), ORDER.sku(),
        ORDER.userId(), ORDER.amountCents(), ORDER.currency(), null, null, "flow-7f3a");

    Payment payment = provider.createPayment(order);

    Map<String, String> sent = decodeForm(single(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))))
        .getBodyAsString());
    assertThat(sent).containsEntry("metadata[flowId]", "flow-7f3a")
        .containsEntry("payment_intent_data[metadata][flowId]", "flow-7f3a");
    assertThat(payment.flowId()).isEqualTo("flow-7f3a");
  }

  /** An order is one session of one line per item, with the order and its items in the metadata of both objects. */
  @Test
  void createsOneSessionForAnOrderWithALinePerItem() {
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(json(200, "checkout-session-open.json")));
    java.util.List<PaymentProvider.Item> items = java.util.List.of(
        new PaymentProvider.Item("req-1", "shoes", "SKU-SHOES", 5000), new PaymentProvider.Item("req-2", "hats", "H", 700));

    provider.createPayment(PaymentOrder.ofOrder("order-9", "user-9", items, "EUR", null, null, null));

    java.util.Map<String, String> form = decodeForm(single(stripe.findAll(
        postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")))).getBodyAsString());
    assertThat(form).containsEntry("client_reference_id", "order-9")
        .containsEntry("line_items[0][price_data][unit_amount]", "5000")
        .containsEntry("line_items[0][price_data][product_data][name]", "SKU-SHOES")
        .containsEntry("line_items[1][price_data][unit_amount]", "700")
        .containsEntry("metadata[orderId]", "order-9")
        .containsEntry("payment_intent_data[metadata][orderId]", "order-9")
        .containsEntry("metadata[item0]", "req-1 shoes SKU-SHOES 5000")
        .containsEntry("payment_intent_data[metadata][item1]", "req-2 hats H 700")
        .containsEntry("success_url", "https://shop.example/cart")
        .doesNotContainKey("metadata[requestId]");
  }

  /**
   * Stripe keeps the answer of the first request that ran under a key and replays it to every later one with the
   * same key and parameters. The stub plays that: unavailable, then the session made, then replays.
   */
  @Test
  void aRetriedCreateSendsTheSameKeyAndParametersAndGetsTheOneSessionMade() {
    stripe.stubFor(post("/v1/checkout/sessions").inScenario("idempotency").whenScenarioStateIs(STARTED)
        .willReturn(json(503, "error-api.json")).willSetStateTo("not yet run"));
    stripe.stubFor(post("/v1/checkout/sessions").inScenario("idempotency").whenScenarioStateIs("not yet run")
        .willReturn(json(200, "checkout-session-open.json")).willSetStateTo("made"));
    stripe.stubFor(post("/v1/checkout/sessions").inScenario("idempotency").whenScenarioStateIs("made")
        .willReturn(json(200, "checkout-session-open.json").withHeader("Idempotent-Replayed", "true")));

    Payment first = provider.createPayment(ORDER); // the 503 is retried inside
    Payment again = provider.createPayment(ORDER); // a checkout clicked twice

    assertThat(first.paymentId()).isEqualTo(SESSION);
    assertThat(again).isEqualTo(first);
    List<LoggedRequest> requests = stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    assertThat(requests).hasSize(3);
    assertThat(requests).extracting(r -> r.getHeader("Idempotency-Key")).containsOnly("req-7f3a");
    assertThat(requests).extracting(LoggedRequest::getBodyAsString).containsOnly(requests.get(0).getBodyAsString());
  }

  @Test
  void readsASessionAndAPaymentIntentAndKnowsNoneOfAnUnknownId() {
    stripe.stubFor(get(urlPathEqualTo("/v1/checkout/sessions/" + SESSION))
        .willReturn(json(200, "checkout-session-complete.json")));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + INTENT)).willReturn(json(200, "payment-intent-refunded.json")));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/pi_3QDeclLkdIwHu7ix1a2b3c4d"))
        .willReturn(json(200, "payment-intent-declined.json")));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/pi_missing")).willReturn(json(404, "error-resource-missing.json")));

    Payment session = provider.payment(SESSION).orElseThrow();
    Payment refunded = provider.payment(INTENT).orElseThrow();

    assertThat(session.status()).isEqualTo(PaymentStatus.SUCCEEDED);
    assertThat(session.requestId()).isEqualTo("req-7f3a");
    assertThat(session.amountCents()).isEqualTo(2500);
    assertThat(refunded).isEqualTo(new Payment(INTENT, "req-7f3a", "sale-42", "SKU-42", 2500, "EUR",
        PaymentStatus.REFUNDED, null, Instant.ofEpochSecond(1764640861)));
    assertThat(provider.payment("pi_3QDeclLkdIwHu7ix1a2b3c4d").orElseThrow().status()).isEqualTo(PaymentStatus.FAILED);
    assertThat(provider.payment("pi_missing")).isEmpty();
    assertThat(single(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/checkout/sessions/" + SESSION))))
        .queryParameter("expand[]").values()).containsExactly("payment_intent.latest_charge");
    assertThat(single(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT))))
        .queryParameter("expand[]").values()).containsExactly("latest_charge");
  }

  @Test
  void refundsThePaymentIntentOnceUnderItsKey() {
    stripe.stubFor(post("/v1/refunds").inScenario("refund").whenScenarioStateIs(STARTED)
        .willReturn(json(200, "refund.json")).willSetStateTo("made"));
    stripe.stubFor(post("/v1/refunds").inScenario("refund").whenScenarioStateIs("made")
        .willReturn(json(200, "refund.json").withHeader("Idempotent-Replayed", "true")));

    Refund refund = provider.refund(INTENT, 2500, "refund:" + INTENT);
    Refund retried = provider.refund(INTENT, 2500, "refund:" + INTENT);

    assertThat(refund).isEqualTo(new Refund("re_3QAbCdLkdIwHu7ix0Y1a2B3c", INTENT, 2500, "EUR",
        Instant.ofEpochSecond(1764648000)));
    assertThat(retried).isEqualTo(refund);
    List<LoggedRequest> requests = stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/refunds")));
    assertThat(requests).hasSize(2).allSatisfy(r -> {
      assertThat(decodeForm(r.getBodyAsString())).isEqualTo(Map.of("payment_intent", INTENT,
          "amount", "2500"));
      assertThat(r.getHeader("Idempotency-Key")).isEqualTo("refund:" + INTENT);
    });
  }

  @Test
  void listsTheDaysChargesAndRefundsOverTwoPagesOneRequestEach() {
    stripe.stubFor(get(urlPathEqualTo("/v1/balance_transactions")).atPriority(2)
        .willReturn(json(200, "balance-transactions-page-1.json")));
    stripe.stubFor(get(urlPathEqualTo("/v1/balance_transactions")).atPriority(1)
        .withQueryParam("starting_after", com.github.tomakehurst.wiremock.client.WireMock.equalTo(
            "txn_3QFeeLkdIwHu7ix0StripeFe"))
        .willReturn(json(200, "balance-transactions-page-2.json")));

    List<Settlement> day = provider.settlements(LocalDate.of(2025, 12, 2)).toList();

    assertThat(day).containsExactly(
        new Settlement("txn_3QAbCdLkdIwHu7ix0RfNd001", INTENT, "req-7f3a", SettlementType.REFUND, 2500, "EUR",
            Instant.ofEpochSecond(1764648000)),
        // Settled in USD after conversion; the buyer paid 49.99 EUR, which is what the shop reconciles.
        new Settlement("txn_3QXyZaLkdIwHu7ix1Ch2Pg02", "pi_3QXyZaLkdIwHu7ix1n9Tt2Zz", "req-9d2e", SettlementType.CHARGE,
            4999, "EUR", Instant.ofEpochSecond(1764642100)),
        new Settlement("txn_3QAbCdLkdIwHu7ix0Ch2Pg01", INTENT, "req-7f3a", SettlementType.CHARGE, 2500, "EUR",
            Instant.ofEpochSecond(1764640861)));
    List<LoggedRequest> requests = stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/balance_transactions")));
    assertThat(requests).hasSize(2).allSatisfy(r -> {
      assertThat(r.queryParameter("created[gte]").firstValue()).isEqualTo("1764633600");
      assertThat(r.queryParameter("created[lt]").firstValue()).isEqualTo("1764720000");
      assertThat(r.queryParameter("limit").firstValue()).isEqualTo("100");
      assertThat(r.queryParameter("expand[]").values()).containsExactly("data.source.payment_intent");
    });
    assertThat(requests.get(0).queryParameter("starting_after").isPresent()).isFalse();
    assertThat(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)))).isEmpty();
  }

  @Test
  void aDeclinedCardIsNotRetriedAndSaysWhy() {
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(json(402, "error-card-declined.json")
        .withHeader("Request-Id", "req_CardDecl1n3d")));

    assertThatThrownBy(() -> provider.createPayment(ORDER)).isInstanceOfSatisfying(PaymentProviderException.class, e -> {
      assertThat(e.status()).isEqualTo(402);
      assertThat(e.errorType()).isEqualTo("card_error");
      assertThat(e.errorCode()).isEqualTo("card_declined");
      assertThat(e.retryable()).isFalse();
      assertThat(e.getMessage()).contains("Your card was declined.", "req_CardDecl1n3d");
    });
    assertThat(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")))).hasSize(1);
  }

  @Test
  void anInvalidRequestIsNotRetriedAndNamesTheParameter() {
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(json(400, "error-invalid-request.json")));

    assertThatThrownBy(() -> provider.createPayment(ORDER)).isInstanceOfSatisfying(PaymentProviderException.class, e -> {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.errorType()).isEqualTo("invalid_request_error");
      assertThat(e.retryable()).isFalse();
      assertThat(e.getMessage()).contains("line_items[0][price_data][unit_amount]");
    });
    assertThat(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")))).hasSize(1);
  }

  @Test
  void aKeyReusedWithOtherParametersIsAnIdempotencyErrorNotRetried() {
    stripe.stubFor(post("/v1/refunds").willReturn(json(400, "error-idempotency.json")));

    assertThatThrownBy(() -> provider.refund(INTENT, 100, "refund:" + INTENT))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> {
          assertThat(e.errorType()).isEqualTo("idempotency_error");
          assertThat(e.retryable()).isFalse();
        });
    assertThat(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/refunds")))).hasSize(1);
  }

  @Test
  void aRateLimitIsRetriedWithTheSameKeyAndStaysRetryableWhenItLasts() {
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(json(429, "error-rate-limit.json")));

    assertThatThrownBy(() -> provider.createPayment(ORDER)).isInstanceOfSatisfying(PaymentProviderException.class, e -> {
      assertThat(e.status()).isEqualTo(429);
      assertThat(e.errorCode()).isEqualTo("rate_limit");
      assertThat(e.retryable()).isTrue();
      assertThat(e.unavailable()).isTrue();
    });
    List<LoggedRequest> requests = stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    assertThat(requests).hasSize(StripePaymentProvider.ATTEMPTS);
    assertThat(requests).extracting(r -> r.getHeader("Idempotency-Key")).containsOnly("req-7f3a");
  }

  @Test
  void aServerErrorOrAResetConnectionIsRetriedUntilStripeAnswers() {
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + INTENT)).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(json(500, "error-api.json")).willSetStateTo("reset"));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + INTENT)).inScenario("flaky").whenScenarioStateIs("reset")
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + INTENT)).inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(json(200, "payment-intent-refunded.json")));

    assertThat(provider.payment(INTENT)).hasValueSatisfying(p -> assertThat(p.paymentId()).isEqualTo(INTENT));
    assertThat(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)))).hasSize(3);
  }

  @Test
  void aServerErrorStripeSaysNotToRetryIsNotRetried() {
    stripe.stubFor(post("/v1/refunds").willReturn(json(500, "error-api.json").withHeader("Stripe-Should-Retry", "false")));

    assertThatThrownBy(() -> provider.refund(INTENT, 2500, "refund:" + INTENT))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> {
          assertThat(e.status()).isEqualTo(500);
          assertThat(e.retryable()).isFalse();
        });
    assertThat(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/refunds")))).hasSize(1);
  }

  @Test
  void aSessionIsCreatedToEndWithItsHoldWithinStripesWindow() {
    stripe.stubFor(post("/v1/checkout/sessions").willReturn(json(200, "checkout-session-open.json")));
    Instant accepted = Instant.now().minusSeconds(60);
    Instant holdEnds = accepted.plusSeconds(300);

    provider.createPayment(held(accepted, holdEnds));

    LoggedRequest request = single(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))));
    Map<String, String> form = decodeForm(request.getBodyAsString());
    assertThat(form).containsEntry("expires_at", Long.toString(holdEnds.plus(Duration.ofMinutes(31)).getEpochSecond()));
    assertThat(form).as("every other field as before").hasSize(form("create-session.form.json").size() + 1);
    assertThat(decodeForm(single(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))))
        .getBodyAsString())).containsAllEntriesOf(form("create-session.form.json"));
  }

  /**
   * Stripe takes expires_at 30 minutes to 24 hours after the session's creation. For holds from a second to a day
   * and a checkout at any moment of the hold, the session never ends before the hold (a day's hold: a minute
   * before), always within that window,
   * and (but for holds of nearly a day) with the same value whenever the checkout is retried.
   */
  @Test
  void theSessionsEndIsInStripesWindowForAnyHoldAndAnyMomentOfIt() {
    Instant accepted = Instant.parse("2026-12-06T12:00:00Z");
    for (long holdSeconds : new long[] {1, 2, 300, 1_799, 1_800, 3_600, 82_800, 84_480, 84_540, 84_600, 86_400}) {
      Instant holdEnds = accepted.plusSeconds(holdSeconds);
      Instant first = StripePaymentProvider.sessionExpiry(held(accepted, holdEnds), accepted);
      for (long at = 0; at <= holdSeconds; at += Math.max(1, holdSeconds / 50)) {
        Instant now = accepted.plusSeconds(at);
        Instant ends = StripePaymentProvider.sessionExpiry(held(accepted, holdEnds), now);
        if (ends == null) { // Stripe's default: 24 hours from now
          assertThat(holdSeconds).as("only a hold of nearly a day").isGreaterThan(84_480);
          assertThat(now.plus(Duration.ofHours(24))).isAfterOrEqualTo(holdEnds);
          continue;
        }
        assertThat(ends).as("hold %ss, checkout after %ss", holdSeconds, at)
            .as("never before the hold ends, but for a hold of nearly a day: a day after its acceptance, less a minute")
            .isAfterOrEqualTo(Collections.min(List.of(holdEnds, accepted.plus(Duration.ofHours(24)).minusSeconds(60))))
            .isAfterOrEqualTo(now.plus(Duration.ofMinutes(30)).plusSeconds(59))
            .isBeforeOrEqualTo(now.plus(Duration.ofHours(24)).minusSeconds(59));
        if (holdSeconds <= 84_480) {
          assertThat(ends).as("the same for every retry").isEqualTo(first);
        }
      }
    }
    assertThat(StripePaymentProvider.sessionExpiry(ORDER, Instant.now())).as("no hold: Stripe's default").isNull();
  }

  @Test
  void expiringASessionClosesItAndExpiringItAgainIsHarmless() {
    String expire = "/v1/checkout/sessions/" + SESSION + "/expire";
    stripe.stubFor(post(expire).inScenario("expiry").whenScenarioStateIs(STARTED)
        .willReturn(json(200, "checkout-session-expired.json")).willSetStateTo("expired"));
    stripe.stubFor(post(expire).inScenario("expiry").whenScenarioStateIs("expired")
        .willReturn(json(400, "error-session-not-expirable.json")));
    stripe.stubFor(get(urlPathEqualTo("/v1/checkout/sessions/" + SESSION)).willReturn(json(200, "checkout-session-expired.json")));

    provider.expirePayment(SESSION);
    provider.expirePayment(SESSION); // another instance, or a repeat of the hold's end

    List<LoggedRequest> requests = stripe.findAll(postRequestedFor(urlPathEqualTo(expire)));
    assertThat(requests).hasSize(2);
    assertThat(requests).extracting(r -> r.getHeader("Idempotency-Key")).containsOnly("expire:" + SESSION);
    assertThat(requests).extracting(r -> r.getHeader("Stripe-Version")).containsOnly(StripePaymentProvider.API_VERSION);
    assertThat(requests).extracting(r -> r.getHeader("Authorization")).containsOnly("Bearer " + API_KEY);
    assertThat(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/checkout/sessions/" + SESSION)))).hasSize(1);
  }

  @Test
  void aPaidSessionIsLeftAsItIsAndAnOpenOneStripeWillNotExpireIsAnError() {
    String expire = "/v1/checkout/sessions/" + SESSION + "/expire";
    stripe.stubFor(post(expire).willReturn(json(400, "error-session-not-expirable.json")));
    stripe.stubFor(get(urlPathEqualTo("/v1/checkout/sessions/" + SESSION)).inScenario("state").whenScenarioStateIs(STARTED)
        .willReturn(json(200, "checkout-session-complete.json")).willSetStateTo("open"));
    stripe.stubFor(get(urlPathEqualTo("/v1/checkout/sessions/" + SESSION)).inScenario("state").whenScenarioStateIs("open")
        .willReturn(json(200, "checkout-session-open.json")));

    provider.expirePayment(SESSION); // paid meanwhile: a late payment, which the topology handles
    assertThatThrownBy(() -> provider.expirePayment(SESSION))
        .isInstanceOfSatisfying(PaymentProviderException.class, e -> assertThat(e.status()).isEqualTo(400));
    provider.expirePayment(INTENT); // a PaymentIntent is a payment made: nothing to expire
    assertThat(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions/" + INTENT + "/expire")))).isEmpty();
  }

  private static PaymentOrder held(Instant since, Instant until) {
    return new PaymentOrder(ORDER.idempotencyKey(), ORDER.requestId(), ORDER.saleId(), ORDER.sku(), ORDER.userId(),
        ORDER.amountCents(), ORDER.currency(), since, until);
  }

  private static ResponseDefinitionBuilder json(int status, String fixture) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(text(fixture));
  }

  private static LoggedRequest single(List<LoggedRequest> requests) {
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }
}
