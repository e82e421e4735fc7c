package io.flashsale.api;

import io.flashsale.api.access.AbuseBounds;
import io.flashsale.api.access.AdminJwt;
import io.flashsale.api.access.ClientAddress;
import io.flashsale.metrics.MetricsEndpoint;
import io.flashsale.payments.HttpPaymentProvider;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProviderKind;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.payments.StripeConfig;
import io.flashsale.payments.StripePaymentProvider;
import io.flashsale.payments.WebhookScheme;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the ingest API reads from its environment, with the defaults of the local stack.
 *
 * @param httpHost FLASHSALE_HTTP_HOST, default 127.0.0.1
 * @param httpPort FLASHSALE_HTTP_PORT, default 8080; 0 picks any free port
 * @param kafka the broker, the schema registry and the topology's application id (FLASHSALE_APPLICATION_ID, checked
 *     for readiness and for where the purchase view starts), see {@link KafkaSettings}
 * @param partitions FLASHSALE_PARTITIONS, default 8, for topics this process has to create
 * @param replicationFactor FLASHSALE_REPLICATION_FACTOR, default 3 (1 in local mode); at least 3 outside local mode,
 *     and topics are created with min.insync.replicas = min(2, replication factor)
 * @param localMode FLASHSALE_LOCAL_MODE, default false; true uses the fixed, publicly known local secrets
 * @param adminToken FLASHSALE_ADMIN_TOKEN, required outside local mode
 * @param jwtSecret FLASHSALE_JWT_SECRET (HS256, at least 32 bytes), required outside local mode
 * @param maxBodyBytes FLASHSALE_MAX_BODY_BYTES, default 16384
 * @param rateLimitPerSecond FLASHSALE_RATE_LIMIT_PER_SECOND, default 20 requests per user and second
 * @param rateLimitBurst FLASHSALE_RATE_LIMIT_BURST, default twice the rate
 * @param maxWaitMs FLASHSALE_MAX_WAIT_MS, default 30000, the longest long-poll a client may ask for
 * @param produceTimeout FLASHSALE_PRODUCE_TIMEOUT_MS, default 15000: how long a request may wait for the broker's ack;
 *     longer than a broker's failover (the controller fences a dead broker after broker.session.timeout.ms, 9 s by
 *     default, then elects new leaders), so that a request in flight when a leader dies is retried to the new
 *     leader and answered 202 instead of 503
 * @param viewRetention FLASHSALE_VIEW_RETENTION_HOURS, default 2: how long the purchase view remembers a finished
 *     purchase, and how far back (or the longest hold, if longer) a starting view reads outcomes; a live purchase
 *     (pending or held) is remembered until it ends, whatever this says
 * @param viewMaxFinished FLASHSALE_VIEW_MAX_FINISHED, default 500000: most finished purchases the view remembers,
 *     the oldest forgotten first (about 300 bytes of heap each)
 * @param paymentProviderUrl FLASHSALE_PAYMENT_PROVIDER_URL, default http://127.0.0.1:8090 (the local simulator)
 * @param paymentProviderKey FLASHSALE_PAYMENT_PROVIDER_KEY, the simulator API's key, required outside local mode
 *     when the provider is the simulator
 * @param paymentProviderTimeout FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS, default 5000: longest wait for the provider
 *     (per try: Stripe's calls are tried up to three times)
 * @param webhookSecret FLASHSALE_WEBHOOK_SECRET, signs the simulator's webhooks, required outside local mode when
 *     the provider is the simulator
 * @param webhookTolerance FLASHSALE_WEBHOOK_TOLERANCE_SECONDS, default 300: the replay window of webhook signatures
 * @param paymentProvider FLASHSALE_PAYMENT_PROVIDER, default simulator; stripe pays through Stripe Checkout and
 *     takes Stripe's webhooks at the same route
 * @param stripe with FLASHSALE_PAYMENT_PROVIDER=stripe (else null): FLASHSALE_STRIPE_API_KEY and
 *     FLASHSALE_STRIPE_WEBHOOK_SECRET, both required, FLASHSALE_STRIPE_API_BASE and FLASHSALE_STRIPE_RETURN_URL
 *     (see {@link StripeConfig})
 * @param verifiedTokenCacheSize FLASHSALE_VERIFIED_TOKEN_CACHE_SIZE, default 100000: buyer tokens remembered after
 *     verification, so that a buyer's next clicks skip parsing and checking the signature; 0 verifies every request
 * @param metricsToken FLASHSALE_METRICS_TOKEN, optional: the bearer token GET /metrics asks for; unset, /metrics is
 *     open like the health routes (then keep it off the public listener at the proxy)
 * @param batchMaxRequests FLASHSALE_BATCH_MAX_REQUESTS, default 1000: most purchase requests of one SKU in one Kafka
 *     record (see {@link PurchaseBatcher}); 1 writes a record per request
 * @param ipRateLimitPerSecond FLASHSALE_IP_RATE_LIMIT_PER_SECOND, default 0 (off): requests per client address and
 *     second on the buyer routes, with a burst of twice that; off by default, as a carrier's NAT puts thousands
 *     of buyers behind one address
 * @param saleRateLimitPerSecond FLASHSALE_SALE_RATE_LIMIT_PER_SECOND, default 0 (off): purchase requests per sale and
 *     second, with a burst of one second's worth, on this instance: give each instance its share
 * @param trustedProxies FLASHSALE_TRUSTED_PROXIES, default none: comma-separated addresses and ranges
 *     ({@code 10.0.0.0/8}) whose {@code X-Forwarded-For} names the client (see {@link ClientAddress})
 * @param eventsHeartbeat FLASHSALE_EVENTS_HEARTBEAT_MS, default 15000: how often an open event stream gets a comment
 *     line, which keeps proxies from closing it and finds clients that went away
 * @param reportDir FLASHSALE_REPORT_DIR, default reconciliation-reports (the reconciliation's own): where the admin
 *     dashboard finds the nightly reports, if this process can reach that directory
 * @param readyGrace FLASHSALE_READY_GRACE_SECONDS, default 15: how long the topology's group may be without stable
 *     members, or records wait for it without its position moving, before {@code /health/ready} says 503; above the
 *     topology's commit interval (100 ms under exactly-once unless FLASHSALE_COMMIT_INTERVAL_MS says otherwise) and a
 *     rebalance (a few seconds), so that neither takes every instance out of the load balancer
 * @param adminJwt FLASHSALE_ADMIN_JWT_*: the keys, issuer and audience of admin JWTs with roles (see {@link AdminJwt});
 *     the shared admin token is accepted beside them, as an operator
 * @param waitingRoomSecret FLASHSALE_WAITING_ROOM_SECRET (at least 32 bytes), required outside local mode: signs the
 *     waiting room's queue tokens, purchase passes and challenges and keys the pre-queue's order; only the API
 *     instances hold it, and it must differ from the buyers' JWT secret, the admin JWT secret and the admin token
 * @param waitingRoomPreviousSecret FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET, optional: the secret being retired,
 *     still accepted for verification (passes last {@code passSeconds}, challenges two minutes); remove it once
 *     that long has passed since every instance signs with the new one
 * @param apiMetrics FLASHSALE_API_METRICS_HOST / FLASHSALE_API_METRICS_PORT, default 127.0.0.1 / -1: with a port,
 *     {@code GET /metrics} is served there and not on the public HTTP port; outside local mode the API refuses to
 *     start with {@code /metrics} on its public port and no FLASHSALE_METRICS_TOKEN
 * @param abuseBounds the bounds per client address and in total of used challenges and event streams, see
 *     {@link AbuseBounds}
 * @param proofOfWorkRiseAbove FLASHSALE_POW_RISE_JOINS_PER_SECOND, default
 *     {@value #DEFAULT_POW_RISE_JOINS_PER_SECOND}: joins per second of a waiting room above which its proof of work
 *     gets harder by itself (a bit per doubling, see {@link ProofOfWork#effectiveBits}); an admin's
 *     {@code proofOfWorkRiseAbove} overrides it per sale; 0 is off
 */
public record ApiConfig(
    String httpHost,
    int httpPort,
    KafkaSettings kafka,
    int partitions,
    short replicationFactor,
    boolean localMode,
    String adminToken,
    String jwtSecret,
    int maxBodyBytes,
    int rateLimitPerSecond,
    int rateLimitBurst,
    long maxWaitMs,
    Duration produceTimeout,
    Duration viewRetention,
    long viewMaxFinished,
    String paymentProviderUrl,
    String paymentProviderKey,
    Duration paymentProviderTimeout,
    String webhookSecret,
    Duration webhookTolerance,
    PaymentProviderKind paymentProvider,
    StripeConfig stripe,
    int verifiedTokenCacheSize,
    int batchMaxRequests,
    int ipRateLimitPerSecond,
    int saleRateLimitPerSecond,
    String trustedProxies,
    String metricsToken,
    Duration eventsHeartbeat,
    Path reportDir,
    AdminJwt adminJwt,
    // The waiting room's own keys, the metrics listener and the bounds against abuse:
    String waitingRoomSecret,
    String waitingRoomPreviousSecret,
    MetricsEndpoint apiMetrics,
    AbuseBounds abuseBounds,
    int proofOfWorkRiseAbove,
    Duration readyGrace) {

  /** Published so that local tools can authenticate; never accepted outside local mode. */
  public static final String LOCAL_ADMIN_TOKEN = "local-admin-token";
  public static final String LOCAL_JWT_SECRET = "local-dev-secret-change-me";
  /** The local payment-provider simulator's: local mode talks to it. */
  public static final String LOCAL_PAYMENT_PROVIDER_KEY = SimulatorConfig.LOCAL_API_KEY;
  public static final String LOCAL_WEBHOOK_SECRET = SimulatorConfig.LOCAL_WEBHOOK_SECRET;
  /** The waiting room's, published like the others: a local pass can be forged by anyone, as a local buyer token. */
  public static final String LOCAL_WAITING_ROOM_SECRET = "local-waiting-room-secret-change-me";
  /** The variables without which the API refuses to start outside local mode. */
  public static final List<String> REQUIRED_OUTSIDE_LOCAL_MODE = List.of("FLASHSALE_ADMIN_TOKEN", "FLASHSALE_JWT_SECRET",
      "FLASHSALE_PAYMENT_PROVIDER_KEY", "FLASHSALE_WEBHOOK_SECRET", "FLASHSALE_WAITING_ROOM_SECRET");
  /** What every placeholder of {@code .env.example} contains: a secret copied from there is no secret. */
  static final String PLACEHOLDER = "change-me";
  public static final String API_METRICS_HOST = "FLASHSALE_API_METRICS_HOST";
  public static final String API_METRICS_PORT = "FLASHSALE_API_METRICS_PORT";
  /**
   * Joins per second of one waiting room before its proof of work rises by itself: ten times what the local stack's
   * fairness run sees at its busiest (1,000 buyers joining within about 5 s), so that only a crowd of bots, or a
   * sale far larger than planned, meets it.
   */
  public static final int DEFAULT_POW_RISE_JOINS_PER_SECOND = 2_000;
  /** HS256 keys shorter than the hash are guessable (RFC 7518, 3.2). */
  public static final int MIN_JWT_SECRET_BYTES = 32;
  /** Tokens of as many buyers as a large sale's rush has at once, at a few hundred bytes each. */
  public static final int DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 100_000;
  /**
   * Most purchase requests of one SKU in one record: one record of that size is a few milliseconds of the
   * topology's time. A request is about 100 bytes, but up to 3.3 KB with the longest ids, so the batcher bounds a
   * record's bytes too ({@link TopicWriter#maxRecordBytes()}).
   */
  public static final int DEFAULT_BATCH_MAX_REQUESTS = 1_000;

  public ApiConfig {
    if (!localMode) {
      requireRealSecret("FLASHSALE_ADMIN_TOKEN", adminToken, LOCAL_ADMIN_TOKEN);
      requireRealSecret("FLASHSALE_JWT_SECRET", jwtSecret, LOCAL_JWT_SECRET);
      if (paymentProvider == PaymentProviderKind.SIMULATOR) {
        requireRealSecret("FLASHSALE_PAYMENT_PROVIDER_KEY", paymentProviderKey, LOCAL_PAYMENT_PROVIDER_KEY);
        requireRealSecret("FLASHSALE_WEBHOOK_SECRET", webhookSecret, LOCAL_WEBHOOK_SECRET);
      }
      if (jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
        throw new IllegalArgumentException("FLASHSALE_JWT_SECRET must be at least " + MIN_JWT_SECRET_BYTES + " bytes");
      }
      requireRealSecret("FLASHSALE_WAITING_ROOM_SECRET", waitingRoomSecret, LOCAL_WAITING_ROOM_SECRET);
      refusePlaceholders(Map.of("FLASHSALE_ADMIN_TOKEN", adminToken, "FLASHSALE_JWT_SECRET", jwtSecret,
          "FLASHSALE_PAYMENT_PROVIDER_KEY", String.valueOf(paymentProviderKey),
          "FLASHSALE_WEBHOOK_SECRET", String.valueOf(webhookSecret), "FLASHSALE_WAITING_ROOM_SECRET", waitingRoomSecret,
          "FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", String.valueOf(waitingRoomPreviousSecret),
          "FLASHSALE_METRICS_TOKEN", String.valueOf(metricsToken),
          "FLASHSALE_ADMIN_JWT_SECRET", String.valueOf(adminJwt.secret())));
      if (stripe != null) {
        refusePlaceholders(Map.of("FLASHSALE_STRIPE_API_KEY", String.valueOf(stripe.apiKey()),
            "FLASHSALE_STRIPE_WEBHOOK_SECRET", String.valueOf(stripe.webhookSecret())));
      }
      if (metricsToken == null && !apiMetrics.enabled()) {
        throw new IllegalArgumentException("GET /metrics would be open to anyone on the API's public port: set "
            + "FLASHSALE_METRICS_TOKEN (the scraper's bearer token) or " + API_METRICS_PORT + " (a listener of its own)");
      }
    }
    if (waitingRoomSecret != null) {
      requireOwnWaitingRoomSecret("FLASHSALE_WAITING_ROOM_SECRET", waitingRoomSecret, jwtSecret, adminJwt, adminToken);
    }
    if (waitingRoomPreviousSecret != null) {
      requireOwnWaitingRoomSecret("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", waitingRoomPreviousSecret, jwtSecret,
          adminJwt, adminToken);
    }
    if (proofOfWorkRiseAbove < 0) {
      throw new IllegalArgumentException("FLASHSALE_POW_RISE_JOINS_PER_SECOND must not be negative (0 is off)");
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("FLASHSALE_HTTP_PORT must be 0..65535, was " + httpPort);
    }
    requirePositive("FLASHSALE_MAX_BODY_BYTES", maxBodyBytes);
    requirePositive("FLASHSALE_RATE_LIMIT_PER_SECOND", rateLimitPerSecond);
    requirePositive("FLASHSALE_RATE_LIMIT_BURST", rateLimitBurst);
    requirePositive("FLASHSALE_PARTITIONS", partitions);
    TopicAdmin.requireReplicationFactor(replicationFactor, localMode);
    requirePositive("FLASHSALE_VIEW_MAX_FINISHED", viewMaxFinished);
    requirePositive("FLASHSALE_READY_GRACE_SECONDS", readyGrace.toSeconds());
    requirePositive("FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS", paymentProviderTimeout.toMillis());
    requirePositive("FLASHSALE_WEBHOOK_TOLERANCE_SECONDS", webhookTolerance.toSeconds());
    if (paymentProvider == PaymentProviderKind.STRIPE) {
      if (stripe == null) {
        throw new IllegalArgumentException("FLASHSALE_PAYMENT_PROVIDER=stripe needs the FLASHSALE_STRIPE_ settings");
      }
      stripe.requireWebhookSecret(); // this process receives the webhooks
    }
    if (maxWaitMs < 0) {
      throw new IllegalArgumentException("FLASHSALE_MAX_WAIT_MS must not be negative");
    }
    requirePositive("FLASHSALE_BATCH_MAX_REQUESTS", batchMaxRequests);
    requirePositive("FLASHSALE_EVENTS_HEARTBEAT_MS", eventsHeartbeat.toMillis());
    if (verifiedTokenCacheSize < 0) {
      throw new IllegalArgumentException("FLASHSALE_VERIFIED_TOKEN_CACHE_SIZE must not be negative");
    }
    if (ipRateLimitPerSecond < 0 || saleRateLimitPerSecond < 0) {
      throw new IllegalArgumentException("FLASHSALE_IP_RATE_LIMIT_PER_SECOND and FLASHSALE_SALE_RATE_LIMIT_PER_SECOND "
          + "must not be negative (0 is off)");
    }
    ClientAddress.trusting(trustedProxies); // refuses a list it cannot read
  }

  public static ApiConfig fromEnv(Map<String, String> env) {
    boolean localMode = Boolean.parseBoolean(env.getOrDefault("FLASHSALE_LOCAL_MODE", "false"));
    int rate = intVar(env, "FLASHSALE_RATE_LIMIT_PER_SECOND", 20);
    PaymentProviderKind paymentProvider = PaymentProviderKind.fromEnv(env);
    return new ApiConfig(
        env.getOrDefault("FLASHSALE_HTTP_HOST", "127.0.0.1"),
        intVar(env, "FLASHSALE_HTTP_PORT", 8080),
        KafkaSettings.fromEnv(env),
        intVar(env, "FLASHSALE_PARTITIONS", 8),
        (short) intVar(env, "FLASHSALE_REPLICATION_FACTOR", TopicAdmin.defaultReplicationFactor(localMode)),
        localMode,
        localMode ? LOCAL_ADMIN_TOKEN : env.get("FLASHSALE_ADMIN_TOKEN"),
        localMode ? LOCAL_JWT_SECRET : env.get("FLASHSALE_JWT_SECRET"),
        intVar(env, "FLASHSALE_MAX_BODY_BYTES", 16384),
        rate,
        intVar(env, "FLASHSALE_RATE_LIMIT_BURST", 2 * rate),
        intVar(env, "FLASHSALE_MAX_WAIT_MS", 30_000),
        Duration.ofMillis(intVar(env, "FLASHSALE_PRODUCE_TIMEOUT_MS", 15_000)),
        Duration.ofHours(intVar(env, "FLASHSALE_VIEW_RETENTION_HOURS", 2)),
        intVar(env, "FLASHSALE_VIEW_MAX_FINISHED", 500_000),
        env.getOrDefault("FLASHSALE_PAYMENT_PROVIDER_URL", "http://127.0.0.1:" + SimulatorConfig.DEFAULT_PORT),
        localMode ? LOCAL_PAYMENT_PROVIDER_KEY : env.get("FLASHSALE_PAYMENT_PROVIDER_KEY"),
        Duration.ofMillis(intVar(env, "FLASHSALE_PAYMENT_PROVIDER_TIMEOUT_MS",
            (int) HttpPaymentProvider.DEFAULT_TIMEOUT.toMillis())),
        localMode ? LOCAL_WEBHOOK_SECRET : env.get("FLASHSALE_WEBHOOK_SECRET"),
        Duration.ofSeconds(intVar(env, "FLASHSALE_WEBHOOK_TOLERANCE_SECONDS", 300)),
        paymentProvider,
        paymentProvider == PaymentProviderKind.STRIPE ? StripeConfig.fromEnv(env) : null,
        intVar(env, "FLASHSALE_VERIFIED_TOKEN_CACHE_SIZE", DEFAULT_VERIFIED_TOKEN_CACHE_SIZE),
        intVar(env, "FLASHSALE_BATCH_MAX_REQUESTS", DEFAULT_BATCH_MAX_REQUESTS),
        intVar(env, "FLASHSALE_IP_RATE_LIMIT_PER_SECOND", 0),
        intVar(env, "FLASHSALE_SALE_RATE_LIMIT_PER_SECOND", 0),
        env.getOrDefault("FLASHSALE_TRUSTED_PROXIES", ""),
        blankAsNull(env.get("FLASHSALE_METRICS_TOKEN")),
        Duration.ofMillis(intVar(env, "FLASHSALE_EVENTS_HEARTBEAT_MS", 15_000)),
        Path.of(env.getOrDefault("FLASHSALE_REPORT_DIR", "reconciliation-reports")),
        AdminJwt.fromEnv(env, localMode, localMode ? LOCAL_JWT_SECRET : env.get("FLASHSALE_JWT_SECRET")),
        localMode ? LOCAL_WAITING_ROOM_SECRET : blankAsNull(env.get("FLASHSALE_WAITING_ROOM_SECRET")),
        localMode ? null : blankAsNull(env.get("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET")),
        new MetricsEndpoint(env.getOrDefault(API_METRICS_HOST, MetricsEndpoint.DEFAULT_HOST),
            intVar(env, API_METRICS_PORT, MetricsEndpoint.OFF)),
        AbuseBounds.fromEnv(env),
        intVar(env, "FLASHSALE_POW_RISE_JOINS_PER_SECOND", DEFAULT_POW_RISE_JOINS_PER_SECOND),
        Duration.ofSeconds(intVar(env, "FLASHSALE_READY_GRACE_SECONDS", 15)));
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
    return "ApiConfig[http=" + httpHost + ":" + httpPort + ", " + kafka + ", localMode=" + localMode
        + ", paymentProvider=" + (stripe != null ? stripe : paymentProviderUrl) + ", " + adminJwt + "]";
  }

  /** A client of the configured provider: the simulator's API at {@link #paymentProviderUrl}, or Stripe. */
  public PaymentProvider paymentProviderClient() {
    return paymentProvider == PaymentProviderKind.STRIPE
        ? new StripePaymentProvider(stripe, paymentProviderTimeout)
        : new HttpPaymentProvider(paymentProviderUrl, paymentProviderKey, paymentProviderTimeout);
  }

  /** How the configured provider signs its webhooks; {@code provider} reads what an event leaves out. */
  public WebhookScheme webhookScheme(PaymentProvider provider) {
    return paymentProvider == PaymentProviderKind.STRIPE
        ? WebhookScheme.stripe(stripe.webhookSecret(), webhookTolerance, provider)
        : WebhookScheme.simulator(webhookSecret, webhookTolerance);
  }

  private static void requireRealSecret(String name, String value, String localValue) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required outside local mode (FLASHSALE_LOCAL_MODE=true)");
    }
    if (value.equals(localValue)) {
      throw new IllegalArgumentException(name + " must not be the published local-mode value outside local mode");
    }
  }

  /** Refuses any of these values that still holds an {@code .env.example} placeholder (absent ones are "null"). */
  private static void refusePlaceholders(Map<String, String> secrets) {
    secrets.forEach((name, value) -> {
      if (value.contains(PLACEHOLDER)) {
        throw new IllegalArgumentException(name + " still holds a placeholder of .env.example ('" + PLACEHOLDER
            + "…'): set a secret of your own outside local mode");
      }
    });
  }

  /** The waiting room's secret is its own: whoever holds another key must not be able to sign passes. */
  private static void requireOwnWaitingRoomSecret(String name, String secret, String jwtSecret, AdminJwt adminJwt,
                                                  String adminToken) {
    if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
      throw new IllegalArgumentException(name + " must be at least " + MIN_JWT_SECRET_BYTES + " bytes");
    }
    if (secret.equals(jwtSecret) || secret.equals(adminJwt.secret()) || secret.equals(adminToken)) {
      throw new IllegalArgumentException(name + " must differ from FLASHSALE_JWT_SECRET, FLASHSALE_ADMIN_JWT_SECRET and"
          + " FLASHSALE_ADMIN_TOKEN: whoever signs buyer or admin tokens could forge waiting-room passes");
    }
  }

  private static String blankAsNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static void requirePositive(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + value);
    }
  }

  public static int intVar(Map<String, String> env, String name, int defaultValue) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was '" + value + "'");
    }
  }
}
