package io.flashsale.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.settings.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The payment provider's settings, read in payments for the API and the nightly job, which build the client from them. */
class PaymentSettingsTest {

  @Test
  void theApiInLocalModeTalksToTheLocalSimulatorWithItsPublishedSecrets() {
    PaymentSettings local = PaymentSettings.forApi(Settings.of(Map.of("FLASHSALE_PAYMENT_PROVIDER_KEY", "ignored")), true);

    assertThat(local.provider()).isEqualTo(PaymentProviderKind.SIMULATOR);
    assertThat(local.providerUrl()).isEqualTo("http://127.0.0.1:8090");
    assertThat(local.providerKey()).isEqualTo(SimulatorConfig.LOCAL_API_KEY);
    assertThat(local.webhookSecret()).isEqualTo(SimulatorConfig.LOCAL_WEBHOOK_SECRET);
    assertThat(local.timeout()).isEqualTo(HttpPaymentProvider.DEFAULT_TIMEOUT);
    assertThat(local.webhookTolerance()).isEqualTo(Duration.ofSeconds(300));
    assertThat(local.client()).isInstanceOf(HttpPaymentProvider.class);
    assertThat(local.webhookScheme(local.client()).header()).isEqualTo(WebhookSignature.HEADER);
  }

  @Test
  void theApiOutsideLocalModeNeedsTheSimulatorsRealSecretsAndNoPlaceholder() {
    Map<String, String> env = new HashMap<>(Map.of("FLASHSALE_PAYMENT_PROVIDER_KEY", " "));
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .as("blank is unset").hasMessageStartingWith("FLASHSALE_PAYMENT_PROVIDER_KEY is required outside local mode");
    env.put("FLASHSALE_PAYMENT_PROVIDER_KEY", "sk_live_123");
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .hasMessageStartingWith("FLASHSALE_WEBHOOK_SECRET is required outside local mode");
    env.put("FLASHSALE_WEBHOOK_SECRET", SimulatorConfig.LOCAL_WEBHOOK_SECRET);
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .hasMessageContaining("published local-mode value");
    env.put("FLASHSALE_WEBHOOK_SECRET", "change-me-webhook-secret");
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .hasMessageStartingWith("FLASHSALE_WEBHOOK_SECRET still holds a placeholder of .env.example");
    env.put("FLASHSALE_WEBHOOK_SECRET", "whsec_real");
    env.put("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS", "0");
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .hasMessage("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS must be at least 1, was 0");
    env.put("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS", "2s");
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .hasMessage("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS must be an integer, was '2s'");
    env.put("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS", "2000");

    PaymentSettings settings = PaymentSettings.forApi(Settings.of(env), false);
    assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.toString()).doesNotContain("sk_live_123", "whsec_real");
  }

  @Test
  void withStripeTheApiNeedsTheWebhookSecretAndTheNightlyJobDoesNot() {
    Map<String, String> env = Map.of("FLASHSALE_PAYMENT_PROVIDER", "Stripe", "FLASHSALE_STRIPE_API_KEY", "sk_live_51Real");
    assertThatThrownBy(() -> PaymentSettings.forApi(Settings.of(env), false))
        .hasMessageContaining("FLASHSALE_STRIPE_WEBHOOK_SECRET is required");

    PaymentSettings nightly = PaymentSettings.forNightly(Settings.of(env));
    assertThat(nightly.provider()).isEqualTo(PaymentProviderKind.STRIPE);
    assertThat(nightly.stripe().webhookSecret()).isNull();
    assertThat(nightly.client()).isInstanceOf(StripePaymentProvider.class);
    assertThat(nightly.toString()).doesNotContain("sk_live_51Real");
  }

  /** The nightly job's settings as ReconciliationConfig read them before: local defaults, no webhook secret. */
  @Test
  void theNightlyJobDefaultsToTheLocalSimulatorAndTakesNoWebhooks() {
    PaymentSettings nightly = PaymentSettings.forNightly(Settings.of(Map.of("FLASHSALE_PAYMENT_PROVIDER_URL", "")));
    assertThat(nightly.providerUrl()).isEqualTo("http://127.0.0.1:8090");
    assertThat(nightly.providerKey()).isEqualTo(SimulatorConfig.LOCAL_API_KEY);
    assertThat(nightly.webhookSecret()).isNull();
    assertThat(nightly.timeout()).isEqualTo(HttpPaymentProvider.DEFAULT_TIMEOUT);
    assertThat(nightly.client()).isInstanceOf(HttpPaymentProvider.class);

    assertThat(PaymentSettings.forNightly(Settings.of(Map.of("FLASHSALE_PAYMENT_PROVIDER_URL", "https://provider.example",
        "FLASHSALE_PAYMENT_PROVIDER_KEY", "key")))).extracting(PaymentSettings::providerUrl, PaymentSettings::providerKey)
        .containsExactly("https://provider.example", "key");
    assertThatThrownBy(() -> PaymentSettings.forNightly(Settings.of(Map.of("FLASHSALE_PAYMENT_PROVIDER", "paypal"))))
        .hasMessage("FLASHSALE_PAYMENT_PROVIDER must be simulator or stripe, was 'paypal'");
  }
}
