package io.flashsale.payments;

import io.flashsale.settings.Settings;
import java.time.Duration;
import java.util.Map;

/**
 * How the payment-provider simulator runs. Local only: its defaults are the published local secrets.
 *
 * @param host FLASHSALE_SIMULATOR_HOST, default 127.0.0.1
 * @param port FLASHSALE_SIMULATOR_PORT, default 8090; 0 picks any free port
 * @param apiKey FLASHSALE_SIMULATOR_API_KEY, default local-provider-key: the shop's Bearer key for /v1
 * @param webhookUrl FLASHSALE_SIMULATOR_WEBHOOK_URL, default http://127.0.0.1:8080/api/payments/webhook; may be
 *     null and set later with {@link PaymentSimulator#setWebhookUrl}
 * @param webhookSecret FLASHSALE_SIMULATOR_WEBHOOK_SECRET, default local-webhook-secret: signs the webhooks
 * @param publicUrl FLASHSALE_SIMULATOR_PUBLIC_URL, default none (http://host:port as it listens): where buyers'
 *     browsers reach the payment pages, e.g. http://localhost:8090 when it listens on 0.0.0.0 in a container
 */
public record SimulatorConfig(String host, int port, String apiKey, String webhookUrl, String webhookSecret,
                              String publicUrl) {
  public static final String LOCAL_API_KEY = "local-provider-key";
  public static final String LOCAL_WEBHOOK_SECRET = "local-webhook-secret";
  public static final int DEFAULT_PORT = 8090;

  /** Attempts per webhook delivery when the shop does not answer or answers 5xx. */
  static final int WEBHOOK_ATTEMPTS = 4;
  /** Wait before the n-th retry: n times this. */
  static final Duration WEBHOOK_RETRY_BACKOFF = Duration.ofMillis(200);
  static final Duration WEBHOOK_TIMEOUT = Duration.ofSeconds(5);

  public SimulatorConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("FLASHSALE_SIMULATOR_PORT must be 0..65535, was " + port);
    }
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("FLASHSALE_SIMULATOR_API_KEY must not be blank");
    }
    if (webhookSecret == null || webhookSecret.isEmpty()) {
      throw new IllegalArgumentException("FLASHSALE_SIMULATOR_WEBHOOK_SECRET must not be empty");
    }
  }

  public static SimulatorConfig fromEnv(Map<String, String> env) {
    Settings settings = Settings.of(env);
    return new SimulatorConfig(
        settings.text("FLASHSALE_SIMULATOR_HOST", "127.0.0.1"),
        settings.integer("FLASHSALE_SIMULATOR_PORT", DEFAULT_PORT),
        settings.text("FLASHSALE_SIMULATOR_API_KEY", LOCAL_API_KEY),
        settings.text("FLASHSALE_SIMULATOR_WEBHOOK_URL", "http://127.0.0.1:8080/api/payments/webhook"),
        settings.text("FLASHSALE_SIMULATOR_WEBHOOK_SECRET", LOCAL_WEBHOOK_SECRET),
        settings.text("FLASHSALE_SIMULATOR_PUBLIC_URL", null));
  }

  /** The local secrets on any free port, webhooks to {@code webhookUrl} (null: set later). */
  public static SimulatorConfig local(String webhookUrl) {
    return new SimulatorConfig("127.0.0.1", 0, LOCAL_API_KEY, webhookUrl, LOCAL_WEBHOOK_SECRET, null);
  }

  @Override
  public String toString() { // keeps the secrets out of logs
    return "SimulatorConfig[http=" + host + ":" + port + ", webhookUrl=" + webhookUrl + "]";
  }
}
