package io.flashsale.reconciliation.sink;

import com.zaxxer.hikari.HikariConfig;
import io.flashsale.metrics.MetricsEndpoint;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.TopicSettings;
import io.flashsale.settings.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Everything the sink is configured with, read from the environment in one place ({@link Settings}: blank is
 * unset, a bad value names its variable).
 *
 * <ul>
 *   <li>the broker, the schema registry and any client setting: {@link KafkaSettings}
 *   <li>{@code FLASHSALE_DATABASE_URL} (default {@value #DEFAULT_DATABASE_URL})
 *   <li>{@code FLASHSALE_DATABASE_USER} (default {@value #DEFAULT_DATABASE_USER})
 *   <li>{@code FLASHSALE_DATABASE_PASSWORD} (default {@value #DEFAULT_DATABASE_PASSWORD})
 *   <li>{@code FLASHSALE_DATABASE_POOL_SIZE} (default {@value #DEFAULT_DATABASE_POOL_SIZE})
 *   <li>{@code FLASHSALE_SINK_GROUP} (default {@value #DEFAULT_SINK_GROUP}): the name the sink's positions are
 *       kept under in the table sink_offsets
 *   <li>{@code FLASHSALE_SINK_MAX_POLL_RECORDS} (default {@value #DEFAULT_SINK_MAX_POLL_RECORDS}): the most
 *       records written in one database transaction
 *   <li>{@code FLASHSALE_SINK_RETRY_BACKOFF_MS} (default {@value #DEFAULT_SINK_RETRY_BACKOFF_MS}): the wait
 *       before a failed batch is read and written again; it doubles with each failure in a row
 *   <li>{@code FLASHSALE_SINK_RETRY_BACKOFF_MAX_MS} (default {@value #DEFAULT_SINK_RETRY_BACKOFF_MAX_MS}): the
 *       longest such wait, which bounds how long the sink may take to notice that the database is back
 *   <li>{@code FLASHSALE_METRICS_HOST} (default 127.0.0.1), {@code FLASHSALE_METRICS_PORT} (default
 *       {@value #DEFAULT_METRICS_PORT}; 0 a free port, -1 none): where {@code GET /metrics} is served
 *   <li>{@code FLASHSALE_PARTITIONS} (default {@value TopicSettings#DEFAULT_PARTITIONS}),
 *       {@code FLASHSALE_LOCAL_MODE} (default false: a single broker is allowed only when true) and
 *       {@code FLASHSALE_REPLICATION_FACTOR} (default 3, 1 in local mode): of the topics the sink creates where
 *       missing (the ones it reads), read by {@link TopicSettings} as in every process, with the same production
 *       check ({@link TopicAdmin#requireReplicationFactor})
 * </ul>
 */
public record SinkConfig(
    KafkaSettings kafka,
    String databaseUrl,
    String databaseUser,
    String databasePassword,
    int databasePoolSize,
    String sinkGroup,
    int maxPollRecords,
    Duration retryBackoff,
    Duration retryBackoffMax,
    TopicSettings topics,
    MetricsEndpoint metrics) {

  public static final String DEFAULT_DATABASE_URL = "jdbc:postgresql://localhost:5432/flashsale";
  public static final String DEFAULT_DATABASE_USER = "flashsale";
  public static final String DEFAULT_DATABASE_PASSWORD = "flashsale";
  public static final int DEFAULT_DATABASE_POOL_SIZE = 4;
  public static final String DEFAULT_SINK_GROUP = "flashsale-sink";
  // 2,000 rather than 500: fewer, larger statements and transactions cost less per outcome, in the database (2.5 s
  // of CPU per 100,000 outcomes against 3.6 s) and in the sink (0.9 s against 1.7 s); SinkThroughput medians
  // 15,851 against 10,716 outcomes/s (README, "A poll in a few statements").
  public static final int DEFAULT_SINK_MAX_POLL_RECORDS = 2_000;
  public static final long DEFAULT_SINK_RETRY_BACKOFF_MS = 1000;
  public static final long DEFAULT_SINK_RETRY_BACKOFF_MAX_MS = 10_000;
  public static final int DEFAULT_METRICS_PORT = 9402;

  public static SinkConfig fromEnv(Map<String, String> env) {
    Settings settings = Settings.of(env);
    return new SinkConfig(
        KafkaSettings.fromEnv(env),
        settings.text("FLASHSALE_DATABASE_URL", DEFAULT_DATABASE_URL),
        settings.text("FLASHSALE_DATABASE_USER", DEFAULT_DATABASE_USER),
        settings.text("FLASHSALE_DATABASE_PASSWORD", DEFAULT_DATABASE_PASSWORD),
        settings.integer("FLASHSALE_DATABASE_POOL_SIZE", DEFAULT_DATABASE_POOL_SIZE),
        settings.text("FLASHSALE_SINK_GROUP", DEFAULT_SINK_GROUP),
        settings.integer("FLASHSALE_SINK_MAX_POLL_RECORDS", DEFAULT_SINK_MAX_POLL_RECORDS),
        settings.millis("FLASHSALE_SINK_RETRY_BACKOFF_MS", Duration.ofMillis(DEFAULT_SINK_RETRY_BACKOFF_MS)),
        settings.millis("FLASHSALE_SINK_RETRY_BACKOFF_MAX_MS", Duration.ofMillis(DEFAULT_SINK_RETRY_BACKOFF_MAX_MS)),
        TopicSettings.fromEnv(settings),
        MetricsEndpoint.fromEnv(settings, DEFAULT_METRICS_PORT));
  }

  /**
   * The sink's consumer. No group id: partitions are assigned, not subscribed, and offsets are never
   * committed to Kafka, as the database holds them. Only committed transactions are read, so an aborted
   * outcome of the topology never reaches the books. No reset policy: a position that fell out of the log's
   * retention means records were lost unread, which must stop the sink rather than be skipped.
   */
  public Properties consumerProperties() {
    Properties props = new Properties();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, sinkGroup);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    return kafka.consumerProperties(props);
  }

  public HikariConfig poolConfig() {
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(databaseUrl);
    pool.setUsername(databaseUser);
    pool.setPassword(databasePassword);
    pool.setMaximumPoolSize(databasePoolSize);
    pool.setPoolName(sinkGroup);
    return pool;
  }
}
