package io.flashsale.api;

import io.flashsale.api.access.AccessSettings;
import io.flashsale.api.access.AdminJwt;
import io.flashsale.api.http.HttpSettings;
import io.flashsale.api.log.WriterSettings;
import io.flashsale.api.orderurl.OrderUrlSettings;
import io.flashsale.api.purchase.PurchaseViewSettings;
import io.flashsale.api.waitingroom.WaitingRoomSettings;
import io.flashsale.payments.PaymentSettings;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.TopicSettings;
import io.flashsale.settings.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything the ingest API reads from its environment, with the defaults of the local stack: one record per
 * capability, each read by its own {@code fromEnv} with its own checks, and here the checks that span two of them.
 * Every variable is read through {@link Settings} (blank is unset; a bad value names its variable).
 *
 * @param http where it listens, request bodies, long polls, event streams, readiness and the metrics listener
 *     ({@link HttpSettings})
 * @param kafka the broker, the schema registry and the topology's application id (FLASHSALE_APPLICATION_ID, checked
 *     for readiness and for where the purchase view starts), see {@link KafkaSettings}
 * @param topics FLASHSALE_PARTITIONS, FLASHSALE_REPLICATION_FACTOR and FLASHSALE_LOCAL_MODE, read as every process
 *     reads them ({@link TopicSettings}); local mode also uses the fixed, publicly known local secrets
 * @param access tokens, admin JWTs, rate limits, trusted proxies, the metrics token and the bounds against abuse
 *     ({@link AccessSettings})
 * @param waitingRoom the waiting room's own secrets and its rising proof of work ({@link WaitingRoomSettings})
 * @param orderUrl the key of the hidden order URLs, by default drawn from the waiting room's ({@link OrderUrlSettings})
 * @param writer the produce timeout and the batches of purchase requests ({@link WriterSettings})
 * @param purchaseView how much the purchase view remembers ({@link PurchaseViewSettings})
 * @param payments the payment provider, its client and its webhooks' signatures ({@link PaymentSettings})
 * @param reportDir FLASHSALE_REPORT_DIR, default reconciliation-reports (the reconciliation's own): where the admin
 *     dashboard finds the nightly reports, if this process can reach that directory
 */
public record ApiConfig(
    HttpSettings http,
    KafkaSettings kafka,
    TopicSettings topics,
    AccessSettings access,
    WaitingRoomSettings waitingRoom,
    OrderUrlSettings orderUrl,
    WriterSettings writer,
    PurchaseViewSettings purchaseView,
    PaymentSettings payments,
    Path reportDir) {

  /** Published so that local tools can authenticate; never accepted outside local mode. */
  public static final String LOCAL_ADMIN_TOKEN = AccessSettings.LOCAL_ADMIN_TOKEN;
  public static final String LOCAL_JWT_SECRET = AccessSettings.LOCAL_JWT_SECRET;
  /** The local payment-provider simulator's: local mode talks to it. */
  public static final String LOCAL_PAYMENT_PROVIDER_KEY = SimulatorConfig.LOCAL_API_KEY;
  public static final String LOCAL_WEBHOOK_SECRET = SimulatorConfig.LOCAL_WEBHOOK_SECRET;
  /** The waiting room's, published like the others: a local pass can be forged by anyone, as a local buyer token. */
  public static final String LOCAL_WAITING_ROOM_SECRET = WaitingRoomSettings.LOCAL_SECRET;
  /** The variables without which the API refuses to start outside local mode. */
  public static final List<String> REQUIRED_OUTSIDE_LOCAL_MODE = List.of("FLASHSALE_ADMIN_TOKEN", "FLASHSALE_JWT_SECRET",
      PaymentSettings.PROVIDER_KEY, PaymentSettings.WEBHOOK_SECRET, "FLASHSALE_WAITING_ROOM_SECRET");

  public ApiConfig {
    if (!topics.localMode() && access.metricsToken() == null && !http.metrics().enabled()) {
      throw new IllegalArgumentException("GET /metrics would be open to anyone on the API's public port: set "
          + "FLASHSALE_METRICS_TOKEN (the scraper's bearer token) or " + HttpSettings.METRICS_PORT
          + " (a listener of its own)");
    }
    waitingRoom.requireOwnSecrets(access);
  }

  public static ApiConfig fromEnv(Map<String, String> env) {
    Settings settings = Settings.of(env);
    TopicSettings topics = TopicSettings.fromEnv(settings);
    boolean localMode = topics.localMode();
    AccessSettings access = AccessSettings.fromEnv(settings, localMode);
    PaymentSettings payments = PaymentSettings.forApi(settings, localMode);
    WaitingRoomSettings waitingRoom = WaitingRoomSettings.fromEnv(settings, localMode);
    OrderUrlSettings orderUrl = OrderUrlSettings.fromEnv(settings, localMode, access, waitingRoom.secret(),
        waitingRoom.previousSecret());
    return new ApiConfig(HttpSettings.fromEnv(settings), KafkaSettings.fromEnv(env), topics, access, waitingRoom,
        orderUrl, WriterSettings.fromEnv(settings), PurchaseViewSettings.fromEnv(settings), payments,
        settings.path("FLASHSALE_REPORT_DIR", "reconciliation-reports"));
  }

  /** The local mode's defaults with the given broker, registry and port: what tests and the local stack start. */
  public static ApiConfig local(String bootstrapServers, String schemaRegistryUrl, int httpPort) {
    return fromEnv(Map.of(
        "FLASHSALE_LOCAL_MODE", "true",
        "FLASHSALE_BOOTSTRAP_SERVERS", bootstrapServers,
        "FLASHSALE_SCHEMA_REGISTRY_URL", schemaRegistryUrl,
        "FLASHSALE_HTTP_PORT", Integer.toString(httpPort)));
  }

  @Override
  public String toString() { // keeps the secrets out of logs
    return "ApiConfig[http=" + http.host() + ":" + http.port() + ", " + kafka + ", localMode=" + topics.localMode()
        + ", " + payments + ", " + access + "]";
  }

  /** What a local-mode start prints: that it is not for production, and the published secrets it runs with. */
  String localModeWarning() {
    return "WARNING: local mode, NOT for production. Admin token '" + LOCAL_ADMIN_TOKEN
        + "', buyer JWT secret '" + LOCAL_JWT_SECRET + "' (HS256, sub = user id, did = device id)"
        + ", payment provider key '" + LOCAL_PAYMENT_PROVIDER_KEY + "', webhook secret '" + LOCAL_WEBHOOK_SECRET + "'"
        + (AdminJwt.LOCAL_SECRET.equals(access().adminJwt().secret())
            ? ", admin JWT secret '" + AdminJwt.LOCAL_SECRET + "' (HS256, sub = name, roles = [viewer] or [operator])"
            : "") + ", waiting-room secret '" + LOCAL_WAITING_ROOM_SECRET + "'";
  }
}
