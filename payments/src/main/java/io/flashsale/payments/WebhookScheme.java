package io.flashsale.payments;

import java.time.Duration;
import java.time.Instant;

/**
 * How a provider's webhooks are signed and what they say: the header that carries the signature, its check over
 * the raw body, and the event read into the project's {@link PaymentWebhook}.
 */
public interface WebhookScheme {

  /** The request header with the signature. */
  String header();

  /** How far a signature's time may lie from now: older deliveries are refused as replays. */
  Duration tolerance();

  /** True if {@code headerValue} signs {@code body} with this scheme's secret within the tolerance of {@code now}. */
  boolean verify(String headerValue, String body, Instant now);

  /** The event; a type the project does not use stays {@linkplain PaymentWebhook#known() unknown}. */
  PaymentWebhook parse(String body);

  /** The simulator's events, signed with {@link WebhookSignature}. */
  static WebhookScheme simulator(String secret, Duration tolerance) {
    return new WebhookScheme() {
      @Override
      public String header() {
        return WebhookSignature.HEADER;
      }

      @Override
      public Duration tolerance() {
        return tolerance;
      }

      @Override
      public boolean verify(String headerValue, String body, Instant now) {
        return WebhookSignature.verify(secret, headerValue, body, now, tolerance);
      }

      @Override
      public PaymentWebhook parse(String body) {
        return PaymentWebhook.parse(body);
      }
    };
  }

  /**
   * Stripe's events ({@link StripeWebhooks}), signed in the same way under {@code Stripe-Signature}. {@code lookup}
   * reads a payment whose event does not carry the purchase (a refunded charge).
   */
  static WebhookScheme stripe(String secret, Duration tolerance, PaymentProvider lookup) {
    return new WebhookScheme() {
      @Override
      public String header() {
        return StripeWebhooks.HEADER;
      }

      @Override
      public Duration tolerance() {
        return tolerance;
      }

      @Override
      public boolean verify(String headerValue, String body, Instant now) {
        return WebhookSignature.verify(secret, headerValue, body, now, tolerance);
      }

      @Override
      public PaymentWebhook parse(String body) {
        return StripeWebhooks.parse(body, lookup);
      }
    };
  }
}
