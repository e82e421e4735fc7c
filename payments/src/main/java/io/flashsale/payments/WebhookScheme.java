package io.flashsale.payments;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * How a provider's webhooks are signed and what they say: the header that carries the signature, its check over
 * the raw body (the same HMAC scheme for both providers, {@link WebhookSignature}), and the event read into the
 * project's {@link PaymentWebhook}.
 *
 * @param header the request header with the signature
 * @param tolerance how far a signature's time may lie from now: older deliveries are refused as replays
 */
public record WebhookScheme(String header, Duration tolerance, String secret, Function<String, PaymentWebhook> reader) {

  /** The simulator's events under {@code Flashsale-Signature}. */
  public static WebhookScheme simulator(String secret, Duration tolerance) {
    return new WebhookScheme(WebhookSignature.HEADER, tolerance, secret, PaymentWebhook::parse);
  }

  /**
   * Stripe's events ({@link StripeWebhooks}) under {@code Stripe-Signature}. {@code lookup} reads a payment whose
   * event does not carry the purchase (a refunded charge).
   */
  public static WebhookScheme stripe(String secret, Duration tolerance, PaymentProvider lookup) {
    return new WebhookScheme(StripeWebhooks.HEADER, tolerance, secret, body -> StripeWebhooks.parse(body, lookup));
  }

  /** True if {@code headerValue} signs {@code body} with this scheme's secret within the tolerance of {@code now}. */
  public boolean verify(String headerValue, String body, Instant now) {
    return WebhookSignature.verify(secret, headerValue, body, now, tolerance);
  }

  /** The event; a type the project does not use stays {@linkplain PaymentWebhook#known() unknown}. */
  public PaymentWebhook parse(String body) {
    return reader.apply(body);
  }

  @Override
  public String toString() { // keeps the secret out of logs
    return "WebhookScheme[" + header + ", tolerance " + tolerance + "]";
  }
}
