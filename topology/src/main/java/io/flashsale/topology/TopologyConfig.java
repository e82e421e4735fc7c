package io.flashsale.topology;

import io.flashsale.metrics.MetricsEndpoint;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the topology process is configured with, read from the environment in one place.
 *
 * <ul>
 *   <li>{@code FLASHSALE_BOOTSTRAP_SERVERS} (default {@value #DEFAULT_BOOTSTRAP_SERVERS})
 *   <li>{@code FLASHSALE_SCHEMA_REGISTRY_URL} (default {@value #DEFAULT_SCHEMA_REGISTRY_URL})
 *   <li>{@code FLASHSALE_APPLICATION_ID} (default {@value #DEFAULT_APPLICATION_ID})
 *   <li>{@code FLASHSALE_STATE_DIR} (default {@value #DEFAULT_STATE_DIR})
 *   <li>{@code FLASHSALE_COMMIT_INTERVAL_MS} (default {@value #DEFAULT_COMMIT_INTERVAL_MS})
 *   <li>{@code FLASHSALE_STREAM_THREADS} (default {@value #DEFAULT_STREAM_THREADS})
 *   <li>{@code FLASHSALE_PARTITIONS} (default {@value #DEFAULT_PARTITIONS})
 *   <li>{@code FLASHSALE_REPLICATION_FACTOR} (default {@value #DEFAULT_REPLICATION_FACTOR}, 1 when
 *       {@code FLASHSALE_LOCAL_MODE=true}): of the topics and of the topology's changelogs, each created with
 *       min.insync.replicas = min(2, replication factor); below 3 only in local mode
 *   <li>{@code FLASHSALE_STOCK_LEVEL_INTERVAL_MS} (default {@value #DEFAULT_STOCK_LEVEL_INTERVAL_MS}): how often
 *       the latest stock level of each sale that purchases changed is sent to stock-levels; 0 sends one per
 *       decision. Readers (the API's sold-out check) see a sale's level at most this much later.
 *   <li>{@code FLASHSALE_DEDUP_GRACE_HOURS} (default {@value #DEFAULT_DEDUP_GRACE_HOURS}): how long after a
 *       sale's end plus its hold a request's dedup entry (and the sale's per-user state) is kept, at least the
 *       API's longest idempotent retry window; then it is purged (see {@link StatePurge}).
 *   <li>{@code FLASHSALE_PAYMENT_DEDUP_RETENTION_HOURS} (default {@value #DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS}):
 *       how long a processed payment event is remembered against redelivery, at least the provider's longest
 *       webhook redelivery window.
 *   <li>{@code FLASHSALE_METRICS_HOST} (default 127.0.0.1), {@code FLASHSALE_METRICS_PORT} (default
 *       {@value #DEFAULT_METRICS_PORT}; 0 a free port, -1 none): where {@code GET /metrics} is served
 *   <li>{@code FLASHSALE_STREAMS_<SETTING>}: any other Kafka Streams (or client) setting, the name in upper
 *       case with dots as underscores, e.g. {@code FLASHSALE_STREAMS_SESSION_TIMEOUT_MS=6000}
 * </ul>
 */
public record TopologyConfig(
    String bootstrapServers,
    String schemaRegistryUrl,
    String applicationId,
    Path stateDir,
    long commitIntervalMs,
    int streamThreads,
    int partitions,
    short replicationFactor,
    Duration stockLevelInterval,
    Duration dedupGrace,
    Duration paymentDedupRetention,
    Map<String, String> streamsOverrides,
    MetricsEndpoint metrics) {

  static final String STREAMS_OVERRIDE_PREFIX = "FLASHSALE_STREAMS_";

  public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
  public static final String DEFAULT_SCHEMA_REGISTRY_URL = "mock://flashsale";
  public static final String DEFAULT_APPLICATION_ID = "flashsale-topology";
  public static final String DEFAULT_STATE_DIR = "./.flashsale/state";
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 100;
  public static final int DEFAULT_STREAM_THREADS = 1;
  public static final int DEFAULT_PARTITIONS = 8;
  public static final short DEFAULT_REPLICATION_FACTOR = TopicAdmin.MIN_PRODUCTION_REPLICATION_FACTOR;
  // One level per hot sale per commit instead of one per decision (the commit interval's default).
  public static final long DEFAULT_STOCK_LEVEL_INTERVAL_MS = 100;
  // A day: well past any client's retries of one click with the same Idempotency-Key.
  public static final long DEFAULT_DEDUP_GRACE_HOURS = 24;
  // Three days: payment providers redeliver an unanswered webhook for up to about that long.
  public static final long DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS = 72;

  public static final int DEFAULT_METRICS_PORT = 9401;

  /** The settings with metrics served on the default endpoint. */
  public TopologyConfig(String bootstrapServers, String schemaRegistryUrl, String applicationId, Path stateDir,
      long commitIntervalMs, int streamThreads, int partitions, short replicationFactor, Duration stockLevelInterval,
      Duration dedupGrace, Duration paymentDedupRetention, Map<String, String> streamsOverrides) {
    this(bootstrapServers, schemaRegistryUrl, applicationId, stateDir, commitIntervalMs, streamThreads, partitions,
        replicationFactor, stockLevelInterval, dedupGrace, paymentDedupRetention, streamsOverrides,
        new MetricsEndpoint(MetricsEndpoint.DEFAULT_HOST, DEFAULT_METRICS_PORT));
  }

  public static TopologyConfig fromEnv(Map<String, String> env) {
    boolean localMode = Boolean.parseBoolean(env.getOrDefault("FLASHSALE_LOCAL_MODE", "false"));
    short replicationFactor = Short.parseShort(env.getOrDefault("FLASHSALE_REPLICATION_FACTOR",
        String.valueOf(TopicAdmin.defaultReplicationFactor(localMode))));
    TopicAdmin.requireReplicationFactor(replicationFactor, localMode);
    return new TopologyConfig(
        env.getOrDefault("FLASHSALE_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS),
        env.getOrDefault("FLASHSALE_SCHEMA_REGISTRY_URL", DEFAULT_SCHEMA_REGISTRY_URL),
        env.getOrDefault("FLASHSALE_APPLICATION_ID", DEFAULT_APPLICATION_ID),
        Path.of(env.getOrDefault("FLASHSALE_STATE_DIR", DEFAULT_STATE_DIR)),
        Long.parseLong(env.getOrDefault("FLASHSALE_COMMIT_INTERVAL_MS", String.valueOf(DEFAULT_COMMIT_INTERVAL_MS))),
        Integer.parseInt(env.getOrDefault("FLASHSALE_STREAM_THREADS", String.valueOf(DEFAULT_STREAM_THREADS))),
        Integer.parseInt(env.getOrDefault("FLASHSALE_PARTITIONS", String.valueOf(DEFAULT_PARTITIONS))),
        replicationFactor,
        Duration.ofMillis(Long.parseLong(env.getOrDefault("FLASHSALE_STOCK_LEVEL_INTERVAL_MS",
            String.valueOf(DEFAULT_STOCK_LEVEL_INTERVAL_MS)))),
        Duration.ofHours(Long.parseLong(env.getOrDefault("FLASHSALE_DEDUP_GRACE_HOURS",
            String.valueOf(DEFAULT_DEDUP_GRACE_HOURS)))),
        Duration.ofHours(Long.parseLong(env.getOrDefault("FLASHSALE_PAYMENT_DEDUP_RETENTION_HOURS",
            String.valueOf(DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS)))),
        streamsOverrides(env),
        MetricsEndpoint.fromEnv(env, DEFAULT_METRICS_PORT));
  }

  private static Map<String, String> streamsOverrides(Map<String, String> env) {
    Map<String, String> overrides = new TreeMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith(STREAMS_OVERRIDE_PREFIX)) {
        overrides.put(name.substring(STREAMS_OVERRIDE_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    return Map.copyOf(overrides);
  }

  /** Kafka Streams settings: exactly once, and invalid records to the dead-letter topic instead of stopping. */
  public Properties streamsProperties() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
    // Changelogs and repartition topics need a second copy before a commit counts, like the catalogue's topics.
    props.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
        String.valueOf(TopicAdmin.minInsyncReplicas(replicationFactor)));
    // KIP-1034: for a record that is itself invalid, both handlers log, copy the raw input record (with the
    // error in headers) to the dead-letter topic within the same transaction, and go on; other errors fail.
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RecordErrors.Deserialization.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, RecordErrors.Processing.class);
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DEAD_LETTERS);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true); // the 5.0 default, chosen now
    props.putAll(streamsOverrides);
    return props;
  }

  /** Settings for the admin client that creates the topics. */
  public Properties adminProperties() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }
}
