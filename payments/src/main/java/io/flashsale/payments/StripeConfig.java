package io.flashsale.payments;

import io.flashsale.settings.Settings;
import java.net.URI;
import java.util.Map;

/**
 * How the shop reaches Stripe, read when FLASHSALE_PAYMENT_PROVIDER=stripe.
 *
 * @param apiKey FLASHSALE_STRIPE_API_KEY, required: a secret ({@code sk_...}) or restricted ({@code rk_...}) key
 * @param webhookSecret FLASHSALE_STRIPE_WEBHOOK_SECRET ({@code whsec_...}): the webhook endpoint's signing secret;
 *     required by the API, which receives the webhooks, and unused by the nightly job (null there)
 * @param apiBase FLASHSALE_STRIPE_API_BASE, default https://api.stripe.com
 * @param returnUrl FLASHSALE_STRIPE_RETURN_URL, default http://localhost:8080: the shop's public address, whose
 *     buyer page ({@code /sales/<saleId>}) Checkout sends the buyer back to, paid or not
 */
public record StripeConfig(String apiKey, String webhookSecret, URI apiBase, String returnUrl) {
  public static final String DEFAULT_API_BASE = "https://api.stripe.com";
  public static final String DEFAULT_RETURN_URL = "http://localhost:8080";

  public StripeConfig {
    if (apiKey == null || !(apiKey.startsWith("sk_") || apiKey.startsWith("rk_"))) {
      throw new IllegalArgumentException("FLASHSALE_STRIPE_API_KEY must be a Stripe secret (sk_...) or restricted "
          + "(rk_...) key");
    }
    if (webhookSecret != null && webhookSecret.isBlank()) {
      throw new IllegalArgumentException("FLASHSALE_STRIPE_WEBHOOK_SECRET must not be blank");
    }
    if (apiBase == null || apiBase.getScheme() == null || !apiBase.getScheme().startsWith("http")) {
      throw new IllegalArgumentException("FLASHSALE_STRIPE_API_BASE must be an http(s) URL, was " + apiBase);
    }
    if (returnUrl == null || !returnUrl.matches("https?://\\S+")) {
      throw new IllegalArgumentException("FLASHSALE_STRIPE_RETURN_URL must be an http(s) URL, was " + returnUrl);
    }
    returnUrl = returnUrl.endsWith("/") ? returnUrl.substring(0, returnUrl.length() - 1) : returnUrl;
  }

  public static StripeConfig fromEnv(Map<String, String> env) {
    return fromEnv(Settings.of(env));
  }

  public static StripeConfig fromEnv(Settings env) {
    URI apiBase = env.parsed("FLASHSALE_STRIPE_API_BASE", URI.create(DEFAULT_API_BASE),
        base -> URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base), "a URL");
    return new StripeConfig(env.text("FLASHSALE_STRIPE_API_KEY", null),
        env.text("FLASHSALE_STRIPE_WEBHOOK_SECRET", null), apiBase,
        env.text("FLASHSALE_STRIPE_RETURN_URL", DEFAULT_RETURN_URL).trim());
  }

  /** The same, for a process that receives webhooks: the signing secret is required. */
  public StripeConfig requireWebhookSecret() {
    if (webhookSecret == null) {
      throw new IllegalArgumentException("FLASHSALE_STRIPE_WEBHOOK_SECRET is required with "
          + PaymentProviderKind.VARIABLE + "=stripe");
    }
    return this;
  }

  @Override
  public String toString() { // keeps the secrets out of logs
    return "StripeConfig[apiBase=" + apiBase + ", returnUrl=" + returnUrl + "]";
  }
}
