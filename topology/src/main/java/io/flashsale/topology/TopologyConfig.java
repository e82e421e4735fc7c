package io.flashsale.topology;

import io.flashsale.metrics.MetricsEndpoint;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.TopicSettings;
import io.flashsale.schemas.Topics;
import io.flashsale.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the topology process is configured with, read from the environment in one place ({@link Settings}:
 * blank is unset, a bad value names its variable).
 *
 * <ul>
 *   <li>the broker, the schema registry, the application id ({@code FLASHSALE_APPLICATION_ID}) and any client
 *       setting: {@link KafkaSettings}
 *   <li>{@code FLASHSALE_STATE_DIR} (default {@value #DEFAULT_STATE_DIR})
 *   <li>{@code FLASHSALE_COMMIT_INTERVAL_MS} (default {@value #DEFAULT_COMMIT_INTERVAL_MS})
 *   <li>{@code FLASHSALE_STREAM_THREADS} (default {@value #DEFAULT_STREAM_THREADS})
 *   <li>{@code FLASHSALE_PARTITIONS} (default {@value #DEFAULT_PARTITIONS})
 *   <li>{@code FLASHSALE_REPLICATION_FACTOR} (default {@value #DEFAULT_REPLICATION_FACTOR}, 1 when
 *       {@code FLASHSALE_LOCAL_MODE=true}): of the topics and of the topology's changelogs, each created with
 *       min.insync.replicas = min(2, replication factor); below 3 only in local mode (both read by
 *       {@link TopicSettings}, as the API and the sink read them)
 *   <li>{@code FLASHSALE_STOCK_LEVEL_INTERVAL_MS} (default {@value #DEFAULT_STOCK_LEVEL_INTERVAL_MS}): how often
 *       the latest stock level of each sale that purchases changed is sent to stock-levels; 0 sends one per
 *       decision. Readers (the API's sold-out check) see a sale's level at most this much later.
 *   <li>{@code FLASHSALE_DEDUP_GRACE_HOURS} (default {@value #DEFAULT_DEDUP_GRACE_HOURS}): how long after a
 *       sale's end plus its hold a request's dedup entry (and the sale's per-user state) is kept, at least the
 *       API's longest idempotent retry window; then it is purged (see {@link StatePurge}).
 *   <li>{@code FLASHSALE_PAYMENT_DEDUP_RETENTION_HOURS} (default {@value #DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS}):
 *       how long a processed payment event is remembered against redelivery, at least the provider's longest
 *       webhook redelivery window.
 *   <li>{@code FLASHSALE_HOLD_EXPIRIES_PER_PUNCTUATION} (default {@value #DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION}): the
 *       most holds one expiry punctuation (every second) ends in a task; the rest follow in the next ones, so a wave
 *       of holds running out together never stalls the task's decisions for long
 *   <li>{@code FLASHSALE_EAGER_COMMIT_LAG_MS} (default {@value #DEFAULT_EAGER_COMMIT_LAG_MS}; 0: off): a purchase, payment
 *       or cancellation logged at most this long before it is decided asks for a commit right after its round of
 *       processing instead of at the commit interval ({@link EagerCommit}); older records (a backlog) do not
 *   <li>{@code FLASHSALE_METRICS_HOST} (default 127.0.0.1), {@code FLASHSALE_METRICS_PORT} (default
 *       {@value #DEFAULT_METRICS_PORT}; 0 a free port, -1 none): where {@code GET /metrics} is served
 *   <li>{@code FLASHSALE_STREAMS_<SETTING>}: any other Kafka Streams (or client) setting, the name in upper
 *       case with dots as underscores, e.g. {@code FLASHSALE_STREAMS_SESSION_TIMEOUT_MS=6000}; read by
 *       {@link KafkaSettings}, checked against {@link StreamsConfig}'s names
 * </ul>
 */
public record TopologyConfig(
    KafkaSettings kafka,
    Path stateDir,
    long commitIntervalMs,
    int streamThreads,
    int partitions,
    short replicationFactor,
    Duration stockLevelInterval,
    Duration dedupGrace,
    Duration paymentDedupRetention,
    MetricsEndpoint metrics,
    int holdExpiriesPerPunctuation,
    Duration eagerCommitLag) {

  public static final String DEFAULT_STATE_DIR = "./.flashsale/state";
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 100;
  public static final int DEFAULT_STREAM_THREADS = 1;
  public static final int DEFAULT_PARTITIONS = TopicSettings.DEFAULT_PARTITIONS;
  public static final short DEFAULT_REPLICATION_FACTOR = TopicAdmin.MIN_PRODUCTION_REPLICATION_FACTOR;
  // One level per hot sale per commit instead of one per decision (the commit interval's default).
  public static final long DEFAULT_STOCK_LEVEL_INTERVAL_MS = 100;
  // A day: well past any client's retries of one click with the same Idempotency-Key.
  public static final long DEFAULT_DEDUP_GRACE_HOURS = 24;
  // Three days: payment providers redeliver an unanswered webhook for up to about that long.
  public static final long DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS = 72;

  public static final int DEFAULT_METRICS_PORT = 9401;
  /**
   * A punctuation runs on the stream thread and holds up every decision of its task while it runs. An expiry costs
   * about five store writes and an outcome, some five pass-through records, which this machine does at about 107k a
   * second on one thread: 2,000 expiries take some 100 ms, one commit interval, and still end 2,000 holds a second,
   * more than a whole stack here decides end to end (about 1,200 a second). Holds due beyond it end in the next
   * punctuations, a second apart, in expiry order.
   */
  public static final int DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION = 2_000;
  /**
   * One commit interval: a record decided within 100 ms of being logged has a buyer waiting on it, and is committed at
   * the end of its round; an older one is a backlog, committed at the interval. Idle, the interval of 100 ms alone
   * made a decision wait about 100 ms (Kafka Streams commits after the poll that follows the record, and an idle poll
   * lasts {@code poll.ms}, 100 ms). {@code ./flashsale bench --only settings}, three rounds on a quiet 2-core
   * machine: idle time to decision p50 59 ms, p99 118 ms without, 8 and 19 ms with it. 100 ms rather than a second: a
   * topology that falls behind by more than the lag has missed a live buyer's target already and goes back to
   * batching its commits, where a second kept committing every round while saturated (at 5,000 clicks/s offered,
   * more than the stack carries here: 3,776 decided/s, p99 5.6 s at 100 ms; 2,054/s, p99 21.6 s at a second).
   */
  public static final long DEFAULT_EAGER_COMMIT_LAG_MS = 100;
  /**
   * Kafka Streams' producer lingers 100 ms by its own default; an eager commit flushes it anyway, so only a saturated
   * topology waits on it, and there 5 ms did better in every round ({@code ./flashsale bench --only settings}, three
   * rounds, quiet 2-core machine, 5,000 clicks/s offered: 4,320 decided/s (4,180-4,499), p99 2.8 s, against 3,776/s
   * (2,687-3,935), p99 5.6 s at 100 ms; backlog 163k against 160k decisions/s, idle p99 20 against 19 ms).
   * {@code FLASHSALE_STREAMS_LINGER_MS} overrides it.
   */
  public static final int DEFAULT_STREAMS_LINGER_MS = 5;
  /**
   * How long Kafka Streams' producer waits before it asks again for what the broker refused for the moment (its own
   * default: 100 ms, doubling to a second). Commits come back to back under a live load, and the next transaction's
   * offsets can reach the coordinator while the last one's markers are still being written (a pause of the broker's
   * JVM is enough): it answers CONCURRENT_TRANSACTIONS, and the stream thread waited the whole 100 ms in
   * {@code sendOffsetsToTransaction} with every decision of the round (JFR, 1,000 clicks/s: three such waits in 20 s,
   * the p99's tail). {@code FLASHSALE_PRODUCER_RETRY_BACKOFF_MS} overrides it.
   */
  public static final int DEFAULT_STREAMS_PRODUCER_RETRY_BACKOFF_MS = 10;

  public TopologyConfig {
    if (holdExpiriesPerPunctuation < 1) {
      throw new IllegalArgumentException("FLASHSALE_HOLD_EXPIRIES_PER_PUNCTUATION must be at least 1, not "
          + holdExpiriesPerPunctuation);
    }
    if (eagerCommitLag.isNegative()) {
      throw new IllegalArgumentException("FLASHSALE_EAGER_COMMIT_LAG_MS must not be negative, not " + eagerCommitLag);
    }
  }

  /** The settings with metrics served on the default endpoint and the default bound of expiries. */
  public TopologyConfig(KafkaSettings kafka, Path stateDir, long commitIntervalMs, int streamThreads, int partitions,
      short replicationFactor, Duration stockLevelInterval, Duration dedupGrace, Duration paymentDedupRetention) {
    this(kafka, stateDir, commitIntervalMs, streamThreads, partitions, replicationFactor, stockLevelInterval,
        dedupGrace, paymentDedupRetention, new MetricsEndpoint(MetricsEndpoint.DEFAULT_HOST, DEFAULT_METRICS_PORT));
  }

  /** The settings with the default bound of expiries per punctuation. */
  public TopologyConfig(KafkaSettings kafka, Path stateDir, long commitIntervalMs, int streamThreads, int partitions,
      short replicationFactor, Duration stockLevelInterval, Duration dedupGrace, Duration paymentDedupRetention,
      MetricsEndpoint metrics) {
    this(kafka, stateDir, commitIntervalMs, streamThreads, partitions, replicationFactor, stockLevelInterval,
        dedupGrace, paymentDedupRetention, metrics, DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION,
        Duration.ofMillis(DEFAULT_EAGER_COMMIT_LAG_MS));
  }

  /** The same settings with another bound of hold expiries per punctuation. */
  public TopologyConfig withHoldExpiriesPerPunctuation(int bound) {
    return new TopologyConfig(kafka, stateDir, commitIntervalMs, streamThreads, partitions, replicationFactor,
        stockLevelInterval, dedupGrace, paymentDedupRetention, metrics, bound, eagerCommitLag);
  }

  /** The same settings committing eagerly what was logged at most {@code lag} ago ({@link EagerCommit}). */
  public TopologyConfig withEagerCommitLag(Duration lag) {
    return new TopologyConfig(kafka, stateDir, commitIntervalMs, streamThreads, partitions, replicationFactor,
        stockLevelInterval, dedupGrace, paymentDedupRetention, metrics, holdExpiriesPerPunctuation, lag);
  }

  public static TopologyConfig fromEnv(Map<String, String> env) {
    Settings settings = Settings.of(env);
    TopicSettings topics = TopicSettings.fromEnv(settings);
    return new TopologyConfig(
        KafkaSettings.fromEnv(env, StreamsConfig.configDef().names()),
        settings.path("FLASHSALE_STATE_DIR", DEFAULT_STATE_DIR),
        settings.longValue("FLASHSALE_COMMIT_INTERVAL_MS", DEFAULT_COMMIT_INTERVAL_MS),
        settings.integer("FLASHSALE_STREAM_THREADS", DEFAULT_STREAM_THREADS),
        topics.partitions(),
        topics.replicationFactor(),
        settings.millis("FLASHSALE_STOCK_LEVEL_INTERVAL_MS", Duration.ofMillis(DEFAULT_STOCK_LEVEL_INTERVAL_MS)),
        settings.hours("FLASHSALE_DEDUP_GRACE_HOURS", Duration.ofHours(DEFAULT_DEDUP_GRACE_HOURS)),
        settings.hours("FLASHSALE_PAYMENT_DEDUP_RETENTION_HOURS",
            Duration.ofHours(DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS)),
        MetricsEndpoint.fromEnv(settings, DEFAULT_METRICS_PORT),
        settings.integer("FLASHSALE_HOLD_EXPIRIES_PER_PUNCTUATION", DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION),
        settings.millis("FLASHSALE_EAGER_COMMIT_LAG_MS", Duration.ofMillis(DEFAULT_EAGER_COMMIT_LAG_MS)));
  }

  /** Kafka Streams settings: exactly once, and invalid records to the dead-letter topic instead of stopping. */
  public Properties streamsProperties() {
    Properties props = new Properties();
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    // Unprefixed, as FLASHSALE_STREAMS_LINGER_MS sets it (a producer-prefixed default would win over the variable).
    props.put(ProducerConfig.LINGER_MS_CONFIG, DEFAULT_STREAMS_LINGER_MS);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG),
        DEFAULT_STREAMS_PRODUCER_RETRY_BACKOFF_MS);
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
    return kafka.streamsProperties(props); // the variables' settings last: they win
  }
}
