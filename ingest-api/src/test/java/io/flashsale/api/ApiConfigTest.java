package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.payments.PaymentProviderKind;
import io.flashsale.payments.StripePaymentProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiConfigTest {
  private static final String REAL_SECRET = "0123456789abcdef0123456789abcdef";
  private static final String ROOM_SECRET = "fedcba9876543210fedcba9876543210";
  /** What a production environment needs besides the payment provider's. */
  private static final Map<String, String> PRODUCTION = Map.of("FLASHSALE_ADMIN_TOKEN", "admin",
      "FLASHSALE_JWT_SECRET", REAL_SECRET, "FLASHSALE_WAITING_ROOM_SECRET", ROOM_SECRET,
      "FLASHSALE_METRICS_TOKEN", "scraper-token");

  @Test
  void defaultsOfTheLocalStack() {
    ApiConfig config = ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"));

    assertThat(config.httpHost()).isEqualTo("127.0.0.1");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(config.adminToken()).isEqualTo("local-admin-token");
    assertThat(config.jwtSecret()).isEqualTo("local-dev-secret-change-me");
    assertThat(config.maxBodyBytes()).isEqualTo(16384);
    assertThat(config.maxWaitMs()).isEqualTo(30_000);
    assertThat(config.rateLimitBurst()).isEqualTo(2 * config.rateLimitPerSecond());
    assertThat(config.kafka().applicationId()).isEqualTo("flashsale-topology");
    assertThat(config.paymentProviderUrl()).isEqualTo("http://127.0.0.1:8090");
    assertThat(config.paymentProviderKey()).isEqualTo("local-provider-key");
    assertThat(config.webhookSecret()).isEqualTo("local-webhook-secret");
    assertThat(config.webhookTolerance()).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void outsideLocalModeRealSecretsAreRequired() {
    Map<String, String> env = new HashMap<>();
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ADMIN_TOKEN");
    env.put("FLASHSALE_ADMIN_TOKEN", "admin");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_JWT_SECRET");
    env.put("FLASHSALE_JWT_SECRET", "short");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_PAYMENT_PROVIDER_KEY");
    env.put("FLASHSALE_PAYMENT_PROVIDER_KEY", "sk_live_123");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_WEBHOOK_SECRET");
    env.put("FLASHSALE_WEBHOOK_SECRET", "local-webhook-secret");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("local-mode");
    env.put("FLASHSALE_WEBHOOK_SECRET", "whsec_real");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("32 bytes");
    env.put("FLASHSALE_JWT_SECRET", REAL_SECRET);
    env.put("FLASHSALE_ADMIN_TOKEN", "local-admin-token");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("local-mode");
    env.put("FLASHSALE_ADMIN_TOKEN", "admin");
    env.put("FLASHSALE_HTTP_PORT", "0");
    env.put("FLASHSALE_PAYMENT_PROVIDER_URL", "https://provider.example");
    env.put("FLASHSALE_WEBHOOK_TOLERANCE_SECONDS", "60");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_WAITING_ROOM_SECRET is required");
    env.put("FLASHSALE_WAITING_ROOM_SECRET", ROOM_SECRET);
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("GET /metrics would be open");
    env.put("FLASHSALE_METRICS_TOKEN", "scraper-token");

    ApiConfig config = ApiConfig.fromEnv(env);
    assertThat(config.jwtSecret()).isEqualTo(REAL_SECRET);
    assertThat(config.httpPort()).isZero();
    assertThat(config.paymentProviderUrl()).isEqualTo("https://provider.example");
    assertThat(config.paymentProviderKey()).isEqualTo("sk_live_123");
    assertThat(config.webhookSecret()).isEqualTo("whsec_real");
    assertThat(config.webhookTolerance()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.toString()).doesNotContain(REAL_SECRET, "sk_live_123", "whsec_real", ROOM_SECRET);
    assertThat(config.waitingRoomSecret()).isEqualTo(ROOM_SECRET);
    assertThat(config.waitingRoomPreviousSecret()).isNull();
  }

  @Test
  void theSimulatorIsTheDefaultProviderAndStripeNeedsItsKeyAndWebhookSecretButNotTheSimulators() {
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).paymentProvider())
        .isEqualTo(PaymentProviderKind.SIMULATOR);
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).stripe()).isNull();
    Map<String, String> env = new HashMap<>(PRODUCTION);
    env.put("FLASHSALE_PAYMENT_PROVIDER", "stripe");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_STRIPE_API_KEY");
    env.put("FLASHSALE_STRIPE_API_KEY", "pk_live_publishable");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_STRIPE_API_KEY");
    env.put("FLASHSALE_STRIPE_API_KEY", "sk_live_51Real");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_STRIPE_WEBHOOK_SECRET");
    env.put("FLASHSALE_STRIPE_WEBHOOK_SECRET", "whsec_real");

    ApiConfig config = ApiConfig.fromEnv(env);
    assertThat(config.paymentProvider()).isEqualTo(PaymentProviderKind.STRIPE);
    assertThat(config.stripe().apiBase()).hasToString("https://api.stripe.com");
    assertThat(config.stripe().returnUrl()).isEqualTo("http://localhost:8080");
    assertThat(config.paymentProviderClient()).isInstanceOf(StripePaymentProvider.class);
    assertThat(config.webhookScheme(config.paymentProviderClient()).header()).isEqualTo("Stripe-Signature");
    assertThat(config.toString()).doesNotContain("sk_live_51Real", "whsec_real");

    env.put("FLASHSALE_STRIPE_API_BASE", "http://127.0.0.1:12111/");
    env.put("FLASHSALE_STRIPE_RETURN_URL", "https://shop.example/");
    assertThat(ApiConfig.fromEnv(env).stripe().apiBase()).hasToString("http://127.0.0.1:12111");
    assertThat(ApiConfig.fromEnv(env).stripe().returnUrl()).isEqualTo("https://shop.example");
    env.put("FLASHSALE_PAYMENT_PROVIDER", "paypal");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_PAYMENT_PROVIDER");
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"))
        .webhookScheme(null).header()).isEqualTo("Flashsale-Signature");
  }

  @Test
  void outsideLocalModeTopicsNeedThreeReplicas() {
    Map<String, String> env = production();
    assertThat(ApiConfig.fromEnv(env).replicationFactor()).isEqualTo((short) 3);
    env.put("FLASHSALE_REPLICATION_FACTOR", "1");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 3 outside local mode");
    env.put("FLASHSALE_REPLICATION_FACTOR", "2");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_REPLICATION_FACTOR");

    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).replicationFactor()).isEqualTo((short) 1);
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_REPLICATION_FACTOR", "1"))
        .replicationFactor()).isEqualTo((short) 1);
  }

  private static Map<String, String> production() {
    Map<String, String> env = new HashMap<>(PRODUCTION);
    env.put("FLASHSALE_PAYMENT_PROVIDER_KEY", "sk_live_123");
    env.put("FLASHSALE_WEBHOOK_SECRET", "whsec_real");
    return env;
  }

  /** Each secret of .env.example, left as it is there, stops the API at start outside local mode, named. */
  @Test
  void outsideLocalModeEveryPlaceholderOfTheEnvExampleIsRefused() throws Exception {
    Map<String, String> example = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("..", ".env.example"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        example.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      }
    }
    List<String> secrets = List.of("FLASHSALE_ADMIN_TOKEN", "FLASHSALE_JWT_SECRET", "FLASHSALE_PAYMENT_PROVIDER_KEY",
        "FLASHSALE_WEBHOOK_SECRET", "FLASHSALE_WAITING_ROOM_SECRET");
    assertThat(example).containsKeys(secrets.toArray(String[]::new));
    assertThat(ApiConfig.fromEnv(production())).isNotNull();
    for (String name : secrets) {
      Map<String, String> env = production();
      env.put(name, example.get(name));
      assertThatThrownBy(() -> ApiConfig.fromEnv(env)).as(name)
          .hasMessageContaining(name).hasMessageContaining("placeholder of .env.example");
    }
    Map<String, String> withMetricsPlaceholder = production();
    withMetricsPlaceholder.put("FLASHSALE_METRICS_TOKEN", "change-me-metrics-token");
    assertThatThrownBy(() -> ApiConfig.fromEnv(withMetricsPlaceholder)).hasMessageContaining("FLASHSALE_METRICS_TOKEN");
  }

  @Test
  void outsideLocalModeMetricsNeedATokenOrAListenerOfTheirOwn() {
    Map<String, String> env = production();
    env.remove("FLASHSALE_METRICS_TOKEN");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env))
        .hasMessageContaining("GET /metrics would be open to anyone on the API's public port")
        .hasMessageContaining("FLASHSALE_METRICS_TOKEN").hasMessageContaining("FLASHSALE_API_METRICS_PORT");
    env.put("FLASHSALE_API_METRICS_PORT", "9400");
    ApiConfig ownPort = ApiConfig.fromEnv(env);
    assertThat(ownPort.apiMetrics().port()).isEqualTo(9400);
    assertThat(ownPort.apiMetrics().host()).isEqualTo("127.0.0.1");
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).apiMetrics().enabled())
        .as("local mode: on the HTTP port, open").isFalse();
  }

  @Test
  void theWaitingRoomSecretIsItsOwn() {
    Map<String, String> env = production();
    env.put("FLASHSALE_WAITING_ROOM_SECRET", REAL_SECRET);
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("must differ from FLASHSALE_JWT_SECRET");
    env.put("FLASHSALE_WAITING_ROOM_SECRET", "short");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("at least 32 bytes");
    env.put("FLASHSALE_WAITING_ROOM_SECRET", ROOM_SECRET);
    env.put("FLASHSALE_ADMIN_JWT_SECRET", ROOM_SECRET);
    env.put("FLASHSALE_ADMIN_JWT_ISSUER", "https://idp.example.com/");
    env.put("FLASHSALE_ADMIN_JWT_AUDIENCE", "flashsale-admin");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ADMIN_JWT_SECRET");
    env.remove("FLASHSALE_ADMIN_JWT_SECRET");
    env.put("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", REAL_SECRET);
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET");
    String previous = "the-previous-waiting-room-secret-32b";
    env.put("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", previous);
    assertThat(ApiConfig.fromEnv(env).waitingRoomPreviousSecret()).isEqualTo(previous);
    assertThat(ApiConfig.fromEnv(env).toString()).doesNotContain(previous);

    ApiConfig local = ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"));
    assertThat(local.waitingRoomSecret()).isEqualTo(ApiConfig.LOCAL_WAITING_ROOM_SECRET)
        .isNotEqualTo(local.jwtSecret()).isNotEqualTo(local.adminJwt().secret());
  }

  @Test
  void outsideLocalModeAdminJwtsNeedAnIssuerAndAnAudience() {
    Map<String, String> env = production();
    env.put("FLASHSALE_ADMIN_JWKS_URL", "https://idp.example.com/.well-known/jwks.json");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ADMIN_JWT_ISSUER")
        .hasMessageContaining("FLASHSALE_ADMIN_JWT_AUDIENCE");
    env.put("FLASHSALE_ADMIN_JWT_ISSUER", "https://idp.example.com/");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ADMIN_JWT_AUDIENCE");
    env.put("FLASHSALE_ADMIN_JWT_AUDIENCE", "flashsale-admin");
    assertThat(ApiConfig.fromEnv(env).adminJwt().jwksUrl()).isEqualTo("https://idp.example.com/.well-known/jwks.json");
    assertThat(ApiConfig.fromEnv(production()).adminJwt().anyKey()).as("no admin JWTs: nothing to require").isFalse();
  }

  @Test
  void malformedNumbersNameTheVariable() {
    assertThatThrownBy(() -> ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_HTTP_PORT", "eighty")))
        .hasMessageContaining("FLASHSALE_HTTP_PORT");
  }

  @Test
  void theTopologysApplicationIdHasTheTopologysVariable() {
    ApiConfig config = ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_APPLICATION_ID", "flashsale-eu"));

    assertThat(config.kafka().applicationId()).isEqualTo("flashsale-eu");
  }
}
