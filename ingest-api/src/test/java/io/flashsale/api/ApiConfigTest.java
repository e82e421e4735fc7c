package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.api.orderurl.OrderUrlSettings;
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

    assertThat(config.http().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(config.access().adminToken()).isEqualTo("local-admin-token");
    assertThat(config.access().jwtSecret()).isEqualTo("local-dev-secret-change-me");
    assertThat(config.http().maxBodyBytes()).isEqualTo(16384);
    assertThat(config.http().maxWaitMs()).isEqualTo(30_000);
    assertThat(config.access().rateLimitBurst()).isEqualTo(2 * config.access().rateLimitPerSecond());
    assertThat(config.kafka().applicationId()).isEqualTo("flashsale-topology");
    assertThat(config.payments().providerUrl()).isEqualTo("http://127.0.0.1:8090");
    assertThat(config.payments().providerKey()).isEqualTo("local-provider-key");
    assertThat(config.payments().webhookSecret()).isEqualTo("local-webhook-secret");
    assertThat(config.payments().webhookTolerance()).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void outsideLocalModeRealSecretsAreRequired() {
    Map<String, String> env = new HashMap<>();
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ADMIN_TOKEN");
    env.put("FLASHSALE_ADMIN_TOKEN", "admin");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_JWT_SECRET");
    env.put("FLASHSALE_JWT_SECRET", "short");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("32 bytes");
    env.put("FLASHSALE_JWT_SECRET", REAL_SECRET);
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_PAYMENT_PROVIDER_KEY");
    env.put("FLASHSALE_PAYMENT_PROVIDER_KEY", "sk_live_123");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_WEBHOOK_SECRET");
    env.put("FLASHSALE_WEBHOOK_SECRET", "local-webhook-secret");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("local-mode");
    env.put("FLASHSALE_WEBHOOK_SECRET", "whsec_real");
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
    assertThat(config.access().jwtSecret()).isEqualTo(REAL_SECRET);
    assertThat(config.http().port()).isZero();
    assertThat(config.payments().providerUrl()).isEqualTo("https://provider.example");
    assertThat(config.payments().providerKey()).isEqualTo("sk_live_123");
    assertThat(config.payments().webhookSecret()).isEqualTo("whsec_real");
    assertThat(config.payments().webhookTolerance()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.toString()).doesNotContain(REAL_SECRET, "sk_live_123", "whsec_real", ROOM_SECRET);
    assertThat(config.waitingRoom().secret()).isEqualTo(ROOM_SECRET);
    assertThat(config.waitingRoom().previousSecret()).isNull();
  }

  @Test
  void theSimulatorIsTheDefaultProviderAndStripeNeedsItsKeyAndWebhookSecretButNotTheSimulators() {
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).payments().provider())
        .isEqualTo(PaymentProviderKind.SIMULATOR);
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).payments().stripe()).isNull();
    Map<String, String> env = new HashMap<>(PRODUCTION);
    env.put("FLASHSALE_PAYMENT_PROVIDER", "stripe");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_STRIPE_API_KEY");
    env.put("FLASHSALE_STRIPE_API_KEY", "pk_live_publishable");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_STRIPE_API_KEY");
    env.put("FLASHSALE_STRIPE_API_KEY", "sk_live_51Real");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_STRIPE_WEBHOOK_SECRET");
    env.put("FLASHSALE_STRIPE_WEBHOOK_SECRET", "whsec_real");

    ApiConfig config = ApiConfig.fromEnv(env);
    assertThat(config.payments().provider()).isEqualTo(PaymentProviderKind.STRIPE);
    assertThat(config.payments().stripe().apiBase()).hasToString("https://api.stripe.com");
    assertThat(config.payments().stripe().returnUrl()).isEqualTo("http://localhost:8080");
    assertThat(config.payments().client()).isInstanceOf(StripePaymentProvider.class);
    assertThat(config.payments().webhookScheme(config.payments().client()).header()).isEqualTo("Stripe-Signature");
    assertThat(config.toString()).doesNotContain("sk_live_51Real", "whsec_real");

    env.put("FLASHSALE_STRIPE_API_BASE", "http://127.0.0.1:12111/");
    env.put("FLASHSALE_STRIPE_RETURN_URL", "https://shop.example/");
    assertThat(ApiConfig.fromEnv(env).payments().stripe().apiBase()).hasToString("http://127.0.0.1:12111");
    assertThat(ApiConfig.fromEnv(env).payments().stripe().returnUrl()).isEqualTo("https://shop.example");
    env.put("FLASHSALE_PAYMENT_PROVIDER", "paypal");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_PAYMENT_PROVIDER");
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"))
        .payments().webhookScheme(null).header()).isEqualTo("Flashsale-Signature");
  }

  @Test
  void outsideLocalModeTopicsNeedThreeReplicas() {
    Map<String, String> env = production();
    assertThat(ApiConfig.fromEnv(env).topics().replicationFactor()).isEqualTo((short) 3);
    env.put("FLASHSALE_REPLICATION_FACTOR", "1");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 3 outside local mode");
    env.put("FLASHSALE_REPLICATION_FACTOR", "2");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_REPLICATION_FACTOR");

    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).topics().replicationFactor()).isEqualTo((short) 1);
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_REPLICATION_FACTOR", "1"))
        .topics().replicationFactor()).isEqualTo((short) 1);
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
    assertThat(ownPort.http().metrics().port()).isEqualTo(9400);
    assertThat(ownPort.http().metrics().host()).isEqualTo("127.0.0.1");
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).http().metrics().enabled())
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
    assertThat(ApiConfig.fromEnv(env).waitingRoom().previousSecret()).isEqualTo(previous);
    assertThat(ApiConfig.fromEnv(env).toString()).doesNotContain(previous);

    ApiConfig local = ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"));
    assertThat(local.waitingRoom().secret()).isEqualTo(ApiConfig.LOCAL_WAITING_ROOM_SECRET)
        .isNotEqualTo(local.access().jwtSecret()).isNotEqualTo(local.access().adminJwt().secret());
  }

  /**
   * The hidden order URLs' key: the local one in local mode; outside it, one of its own when set (long, no
   * placeholder, not the local one, not a key that signs tokens), else drawn from the waiting room's secret.
   */
  @Test
  void theOrderUrlKeyIsItsOwnOrDrawnFromTheWaitingRoomsSecret() {
    assertThat(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).orderUrl().secret())
        .isEqualTo(OrderUrlSettings.LOCAL_SECRET);
    Map<String, String> env = production();
    OrderUrlSettings drawn = ApiConfig.fromEnv(env).orderUrl();
    assertThat(drawn.secret()).isNotBlank().isNotEqualTo(ROOM_SECRET).isNotEqualTo(REAL_SECRET)
        .isNotEqualTo(OrderUrlSettings.LOCAL_SECRET);
    assertThat(drawn.previousSecret()).isNull();
    env.put("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", "the-previous-waiting-room-secret-32b");
    assertThat(ApiConfig.fromEnv(env).orderUrl().previousSecret()).as("a rotation of the room's secret rotates it")
        .isNotNull().isNotEqualTo("the-previous-waiting-room-secret-32b");
    assertThat(ApiConfig.fromEnv(env).orderUrl().secret()).isEqualTo(drawn.secret());

    String own = "an-order-url-key-of-at-least-32-bytes";
    env.put("FLASHSALE_ORDER_URL_SECRET", own);
    assertThat(ApiConfig.fromEnv(env).orderUrl().secret()).isEqualTo(own);
    assertThat(ApiConfig.fromEnv(env).toString()).doesNotContain(own);
    env.put("FLASHSALE_ORDER_URL_PREVIOUS_SECRET", "the-previous-order-url-key-of-32-bytes");
    assertThat(ApiConfig.fromEnv(env).orderUrl().previousSecret()).isEqualTo("the-previous-order-url-key-of-32-bytes");
    for (String bad : List.of("short", "change-me-an-order-url-secret-of-32-bytes", OrderUrlSettings.LOCAL_SECRET,
        REAL_SECRET)) {
      env.put("FLASHSALE_ORDER_URL_SECRET", bad);
      assertThatThrownBy(() -> ApiConfig.fromEnv(env)).as(bad).hasMessageContaining("FLASHSALE_ORDER_URL_SECRET");
    }
    env.put("FLASHSALE_ORDER_URL_SECRET", own);
    env.put("FLASHSALE_ORDER_URL_PREVIOUS_SECRET", "short");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ORDER_URL_PREVIOUS_SECRET");
    env.remove("FLASHSALE_ORDER_URL_SECRET");
    env.put("FLASHSALE_ORDER_URL_PREVIOUS_SECRET", "the-previous-order-url-key-of-32-bytes");
    assertThatThrownBy(() -> ApiConfig.fromEnv(env)).hasMessageContaining("FLASHSALE_ORDER_URL_PREVIOUS_SECRET needs");
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
    assertThat(ApiConfig.fromEnv(env).access().adminJwt().jwksUrl()).isEqualTo("https://idp.example.com/.well-known/jwks.json");
    assertThat(ApiConfig.fromEnv(production()).access().adminJwt().anyKey()).as("no admin JWTs: nothing to require").isFalse();
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
