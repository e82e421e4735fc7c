package io.flashsale.payments;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.flashsale.testing.StripeFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Stripe's {@code Stripe-Signature} scheme and its events, from fixtures of Stripe's event shapes. */
class StripeWebhooksTest {
  private static final String WEBHOOK_SECRET = "whsec_test_flashsale0stub0endpoint0secret";
  private static final String SUCCEEDED = text("events/payment_intent.succeeded.json");
  private static final long SIGNED_AT = 1764640862L;
  private static final Instant NOW = Instant.ofEpochSecond(SIGNED_AT);
  private static final String INTENT = "pi_3QAbCdLkdIwHu7ix0n2Fs8Ab";

  /** Stripe, for the PaymentIntent an event does not describe. */
  private static final WireMockServer stripe = new WireMockServer(options().dynamicPort());
  private static WebhookScheme scheme;

  @BeforeAll
  static void start() {
    stripe.start();
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + INTENT)).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(text("payment-intent-refunded.json"))));
    StripePaymentProvider provider = new StripePaymentProvider(new StripeConfig("sk_test_51FlashsaleStubKey", WEBHOOK_SECRET,
        URI.create(stripe.baseUrl()), StripeConfig.DEFAULT_RETURN_URL), Duration.ofSeconds(5));
    scheme = WebhookScheme.stripe(WEBHOOK_SECRET, Duration.ofSeconds(300), provider);
  }

  @Test
  void acceptsStripesSignatureOfTheTimestampAndTheExactBody() {
    // Computed independently:
    // (printf '1764640862.'; cat payment_intent.succeeded.json) | openssl dgst -sha256 -hmac <the secret>
    String header = "t=1764640862,v1=161b55a6035b095893494fb4062773c10092280de141384d39245708ea795f1e";

    assertThat(scheme.header()).isEqualTo("Stripe-Signature");
    assertThat(WebhookSignature.header(WEBHOOK_SECRET, SIGNED_AT, SUCCEEDED)).isEqualTo(header);
    assertThat(scheme.verify(header, SUCCEEDED, NOW)).isTrue();
    assertThat(scheme.verify(header, SUCCEEDED, NOW.plusSeconds(300))).isTrue();
  }

  @Test
  void refusesAnotherSecretATamperedBodyAndASignatureOlderThanTheTolerance() {
    String header = WebhookSignature.header(WEBHOOK_SECRET, SIGNED_AT, SUCCEEDED);

    assertThat(scheme.verify(WebhookSignature.header("whsec_another_endpoint", SIGNED_AT, SUCCEEDED), SUCCEEDED, NOW))
        .isFalse();
    assertThat(scheme.verify(header, SUCCEEDED.replace("\"amount_received\": 2500", "\"amount_received\": 1"), NOW))
        .isFalse();
    assertThat(scheme.verify(header, SUCCEEDED, NOW.plusSeconds(301))).isFalse(); // a replay, 5 min and 1 s later
    assertThat(scheme.verify(null, SUCCEEDED, NOW)).isFalse();
    assertThat(scheme.verify("t=" + SIGNED_AT, SUCCEEDED, NOW)).isFalse();
  }

  /** While an endpoint's secret is rolled, Stripe signs with the old and the new one: either may be ours. */
  @Test
  void acceptsAnyOfSeveralV1SignaturesAndIgnoresOtherSchemes() {
    String ours = WebhookSignature.header(WEBHOOK_SECRET, SIGNED_AT, SUCCEEDED).split(",")[1];
    String theirs = WebhookSignature.header("whsec_the_rolled_secret", SIGNED_AT, SUCCEEDED).split(",")[1];

    assertThat(scheme.verify("t=" + SIGNED_AT + "," + theirs + "," + ours + ",v0=00ff", SUCCEEDED, NOW)).isTrue();
    assertThat(scheme.verify("t=" + SIGNED_AT + "," + ours + "," + theirs, SUCCEEDED, NOW)).isTrue();
    assertThat(scheme.verify("t=" + SIGNED_AT + "," + theirs + "," + theirs.replace("v1=", "v0="), SUCCEEDED, NOW))
        .isFalse();
  }

  @Test
  void aSucceededPaymentIntentIsASucceededPaymentOfThePurchaseInItsMetadata() {
    PaymentWebhook event = scheme.parse(SUCCEEDED);

    assertThat(event.known()).isTrue();
    assertThat(event).isEqualTo(new PaymentWebhook("evt_3QAbCdLkdIwHu7ix0PiSucc1", PaymentWebhook.SUCCEEDED,
        1764640861L, new PaymentWebhook.Data(INTENT, "req-7f3a", "sale-42", "SKU-42", 2500L, "EUR", "SUCCEEDED")));
  }

  @Test
  void aPaidCheckoutSessionIsTheSameSucceededPaymentOfItsPaymentIntent() {
    PaymentWebhook event = scheme.parse(text("events/checkout.session.completed.json"));

    assertThat(event.type()).isEqualTo(PaymentWebhook.SUCCEEDED);
    assertThat(event.data()).isEqualTo(scheme.parse(SUCCEEDED).data());
    assertThat(event.id()).isEqualTo("evt_1QAbCdLkdIwHu7ixCsCompl1");
  }

  /** The buyer's flow, which the shop put into the metadata, comes with the event; an event without one has none. */
  @Test
  void aPaymentsFlowInItsMetadataComesWithTheEvent() {
    String inFlow = SUCCEEDED.replace("\"userId\": \"user-9\"}", "\"userId\": \"user-9\", \"flowId\": \"flow-7f3a\"}");
    assertThat(inFlow).isNotEqualTo(SUCCEEDED);

    assertThat(scheme.parse(inFlow).data().flowId()).isEqualTo("flow-7f3a");
    assertThat(scheme.parse(SUCCEEDED).data().flowId()).isNull();
  }

  @Test
  void aCheckoutSessionNotYetPaidIsIgnored() {
    String unpaid = text("events/checkout.session.completed.json")
        .replace("\"payment_status\": \"paid\"", "\"payment_status\": \"unpaid\"");

    assertThat(scheme.parse(unpaid).known()).isFalse();
  }

  @Test
  void aFailedPaymentIntentIsAFailedPayment() {
    PaymentWebhook event = scheme.parse(text("events/payment_intent.payment_failed.json"));

    assertThat(event.type()).isEqualTo(PaymentWebhook.FAILED);
    assertThat(event.data()).isEqualTo(new PaymentWebhook.Data("pi_3QDeclLkdIwHu7ix1a2b3c4d", "req-8b1c", "sale-42",
        "SKU-42", 4999L, "USD", "FAILED"));
  }

  @Test
  void aRefundedChargeWithoutMetadataIsARefundOfItsPaymentIntentReadFromStripe() {
    PaymentWebhook event = scheme.parse(text("events/charge.refunded.json"));

    assertThat(event.type()).isEqualTo(PaymentWebhook.REFUNDED);
    assertThat(event.data()).isEqualTo(new PaymentWebhook.Data(INTENT, "req-7f3a", "sale-42", "SKU-42", 2500L, "EUR",
        "REFUNDED"));
    assertThat(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + INTENT)))).hasSize(1);
  }

  @Test
  void otherEventsAndPaymentsMadeOutsideTheShopAreIgnoredAndMalformedOnesRefused() {
    assertThat(scheme.parse(text("events/customer.created.json")).known()).isFalse();
    assertThat(scheme.parse(SUCCEEDED.replace("\"requestId\": \"req-7f3a\", ", "")).known()).isFalse();
    assertThatThrownBy(() -> scheme.parse("{\"id\": \"evt_1\"}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> scheme.parse("not json")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> scheme.parse(SUCCEEDED.replace("\"currency\": \"eur\",", "")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @BeforeEach
  void forgetRequests() {
    stripe.resetRequests();
  }

  @AfterAll
  static void stop() {
    stripe.stop();
  }

  /** An order's session names the order and each item in its metadata: the event brings them back, itemised. */
  @Test
  void aCompletedSessionOfAnOrderNamesTheOrderAndEachItem() {
    java.util.List<PaymentProvider.Item> items = java.util.List.of(
        new PaymentProvider.Item("req-1", "shoes", "SKU SHOES", 2500), new PaymentProvider.Item("req-2", "hats", "H", 0));
    StringBuilder metadata = new StringBuilder("\"metadata\": {\"orderId\": \"order-9\", \"userId\": \"user-9\"");
    OrderMetadata.items(items).forEach((key, value) -> metadata.append(", \"").append(key).append("\": \"")
        .append(value).append('"'));
    String order = text("events/checkout.session.completed.json").replace(
        "\"metadata\": {\"requestId\": \"req-7f3a\", \"saleId\": \"sale-42\", \"sku\": \"SKU-42\", \"userId\": \"user-9\"}",
        metadata.append('}').toString());

    PaymentWebhook event = scheme.parse(order);

    assertThat(event.type()).isEqualTo(PaymentWebhook.SUCCEEDED);
    assertThat(event.data().itemised()).isTrue();
    assertThat(event.data().orderId()).isEqualTo("order-9");
    assertThat(event.data().requestId()).isEqualTo("order-9");
    assertThat(event.data().items()).isEqualTo(items);
    assertThat(event.data().paymentId()).isEqualTo(INTENT);
  }
}
