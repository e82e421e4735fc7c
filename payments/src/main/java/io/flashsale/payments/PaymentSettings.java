package io.flashsale.payments;

import io.flashsale.settings.SecretRules;
import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.time.Duration;

/**
 * How the shop reaches its payment provider, read here for every process that pays or refunds (the API and the
 * nightly job), which builds the provider's client from it.
 *
 * @param provider FLASHSALE_PAYMENT_PROVIDER, default simulator; stripe pays through Stripe Checkout and takes
 *     Stripe's webhooks at the same route
 * @param providerUrl FLASHSALE_PAYMENT_PROVIDER_URL, default {@value #DEFAULT_PROVIDER_URL} (the local simulator)
 * @param providerKey FLASHSALE_PAYMENT_PROVIDER_KEY, the simulator API's key, required by the API outside local mode
 *     when the provider is the simulator
 * @param timeout FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS, default 5000: longest wait for the provider (per try: Stripe's
 *     calls are tried up to three times); the nightly job keeps the default
 * @param webhookSecret FLASHSALE_WEBHOOK_SECRET, signs the simulator's webhooks, required by the API outside local
 *     mode when the provider is the simulator; null in the nightly job, which takes no webhooks
 * @param webhookTolerance FLASHSALE_WEBHOOK_TOLERANCE_SECONDS, default 300: the replay window of webhook signatures
 * @param stripe with FLASHSALE_PAYMENT_PROVIDER=stripe (else null): FLASHSALE_STRIPE_API_KEY (required),
 *     FLASHSALE_STRIPE_WEBHOOK_SECRET (required where webhooks arrive), FLASHSALE_STRIPE_API_BASE and
 *     FLASHSALE_STRIPE_RETURN_URL, see {@link StripeConfig}
 */
public record PaymentSettings(PaymentProviderKind provider, String providerUrl, String providerKey, Duration timeout,
                              String webhookSecret, Duration webhookTolerance, StripeConfig stripe) {
  public static final String DEFAULT_PROVIDER_URL = "http://127.0.0.1:" + SimulatorConfig.DEFAULT_PORT;
  public static final Duration DEFAULT_WEBHOOK_TOLERANCE = Duration.ofSeconds(300);
  public static final String PROVIDER_KEY = "FLASHSALE_PAYMENT_PROVIDER_KEY";
  public static final String WEBHOOK_SECRET = "FLASHSALE_WEBHOOK_SECRET";

  public PaymentSettings {
    if (timeout.toMillis() < 1) {
      throw new SettingException("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS", "must be at least 1, was " + timeout.toMillis());
    }
    if (webhookTolerance.toSeconds() < 1) {
      throw new SettingException("FLASHSALE_WEBHOOK_TOLERANCE_SECONDS", "must be at least 1, was "
          + webhookTolerance.toSeconds());
    }
    if (provider == PaymentProviderKind.STRIPE && stripe == null) {
      throw new IllegalArgumentException(PaymentProviderKind.VARIABLE + "=stripe needs the FLASHSALE_STRIPE_ settings");
    }
  }

  /**
   * The API's: it receives the webhooks, so Stripe's signing secret is required. In local mode the simulator's
   * published key and webhook secret; outside it they are required when the provider is the simulator, and no
   * secret may be a placeholder of {@code .env.example}.
   */
  public static PaymentSettings forApi(Settings env, boolean localMode) {
    PaymentProviderKind provider = PaymentProviderKind.fromEnv(env);
    PaymentSettings settings = new PaymentSettings(provider,
        env.text("FLASHSALE_PAYMENT_PROVIDER_URL", DEFAULT_PROVIDER_URL),
        localMode ? SimulatorConfig.LOCAL_API_KEY : env.text(PROVIDER_KEY, null),
        env.millis("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS", HttpPaymentProvider.DEFAULT_TIMEOUT),
        localMode ? SimulatorConfig.LOCAL_WEBHOOK_SECRET : env.text(WEBHOOK_SECRET, null),
        env.seconds("FLASHSALE_WEBHOOK_TOLERANCE_SECONDS", DEFAULT_WEBHOOK_TOLERANCE),
        provider == PaymentProviderKind.STRIPE ? StripeConfig.fromEnv(env).requireWebhookSecret() : null);
    if (!localMode) {
      settings.requireProductionSecrets();
    }
    return settings;
  }

  /**
   * The nightly job's: the simulator's URL and key default to the local ones, there is no webhook secret (the
   * webhooks are the API's business) and the provider's timeout is the default.
   */
  public static PaymentSettings forNightly(Settings env) {
    PaymentProviderKind provider = PaymentProviderKind.fromEnv(env);
    return new PaymentSettings(provider,
        env.text("FLASHSALE_PAYMENT_PROVIDER_URL", DEFAULT_PROVIDER_URL),
        env.text(PROVIDER_KEY, SimulatorConfig.LOCAL_API_KEY),
        HttpPaymentProvider.DEFAULT_TIMEOUT,
        null,
        DEFAULT_WEBHOOK_TOLERANCE,
        provider == PaymentProviderKind.STRIPE ? StripeConfig.fromEnv(env) : null);
  }

  /** Outside local mode: the simulator's secrets set and not the published ones, and no secret a placeholder. */
  private void requireProductionSecrets() {
    if (provider == PaymentProviderKind.SIMULATOR) {
      SecretRules.requireReal(PROVIDER_KEY, providerKey, SimulatorConfig.LOCAL_API_KEY);
      SecretRules.requireReal(WEBHOOK_SECRET, webhookSecret, SimulatorConfig.LOCAL_WEBHOOK_SECRET);
    }
    SecretRules.refusePlaceholder(PROVIDER_KEY, providerKey);
    SecretRules.refusePlaceholder(WEBHOOK_SECRET, webhookSecret);
    if (stripe != null) {
      SecretRules.refusePlaceholder("FLASHSALE_STRIPE_API_KEY", stripe.apiKey());
      SecretRules.refusePlaceholder("FLASHSALE_STRIPE_WEBHOOK_SECRET", stripe.webhookSecret());
    }
  }

  /** A client of the configured provider: the simulator's API at {@link #providerUrl}, or Stripe. */
  public PaymentProvider client() {
    return provider == PaymentProviderKind.STRIPE
        ? new StripePaymentProvider(stripe, timeout)
        : new HttpPaymentProvider(providerUrl, providerKey, timeout);
  }

  /** How the configured provider signs its webhooks; {@code client} reads what an event leaves out. */
  public WebhookScheme webhookScheme(PaymentProvider client) {
    return provider == PaymentProviderKind.STRIPE
        ? WebhookScheme.stripe(stripe.webhookSecret(), webhookTolerance, client)
        : WebhookScheme.simulator(webhookSecret, webhookTolerance);
  }

  @Override
  public String toString() { // keeps the secrets out of logs
    return "PaymentSettings[" + (stripe != null ? stripe : providerUrl) + "]";
  }
}
