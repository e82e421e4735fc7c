package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class TopologyConfigTest {

  @Test
  void defaultsWhenTheEnvironmentIsEmpty() {
    TopologyConfig config = TopologyConfig.fromEnv(Map.of());

    assertThat(config).isEqualTo(new TopologyConfig(KafkaSettings.of("localhost:9092", "mock://flashsale", "flashsale-topology"),
        Path.of("./.flashsale/state"), 100, 1, 8, (short) 3, Duration.ofMillis(100), Duration.ofHours(24),
        Duration.ofHours(72)));
    assertThat(config.streamsProperties()).containsEntry("topic.min.insync.replicas", "2");
  }

  @Test
  void fewerThanThreeReplicasOnlyInLocalMode() {
    assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "1")))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 3 outside local mode");
    assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "2")))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR");

    TopologyConfig local = TopologyConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"));
    assertThat(local.replicationFactor()).isEqualTo((short) 1);
    assertThat(local.streamsProperties()).containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1)
        .containsEntry("topic.min.insync.replicas", "1");
  }

  @Test
  void readsEveryVariableAndRunsExactlyOnceWithADeadLetterTopic() {
    TopologyConfig config = TopologyConfig.fromEnv(Map.ofEntries(
        Map.entry("FLASHSALE_BOOTSTRAP_SERVERS", "k1:9092,k2:9092"),
        Map.entry("FLASHSALE_SCHEMA_REGISTRY_URL", "http://registry:8081"),
        Map.entry("FLASHSALE_APPLICATION_ID", "flashsale-eu"),
        Map.entry("FLASHSALE_STATE_DIR", "/var/lib/flashsale"),
        Map.entry("FLASHSALE_COMMIT_INTERVAL_MS", "250"),
        Map.entry("FLASHSALE_STREAM_THREADS", "4"),
        Map.entry("FLASHSALE_PARTITIONS", "32"),
        Map.entry("FLASHSALE_REPLICATION_FACTOR", "3"),
        Map.entry("FLASHSALE_STOCK_LEVEL_INTERVAL_MS", "0"),
        Map.entry("FLASHSALE_DEDUP_GRACE_HOURS", "48"),
        Map.entry("FLASHSALE_PAYMENT_DEDUP_RETENTION_HOURS", "168"),
        Map.entry("FLASHSALE_HOLD_EXPIRIES_PER_PUNCTUATION", "500"),
        Map.entry("FLASHSALE_EAGER_COMMIT_LAG_MS", "50"),
        Map.entry("FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "6000")));

    Properties props = config.streamsProperties();
    assertThat(config.kafka().registry().url()).isEqualTo("http://registry:8081");
    assertThat(config.partitions()).isEqualTo(32);
    assertThat(config.stockLevelInterval()).isZero();
    assertThat(config.dedupGrace()).isEqualTo(Duration.ofHours(48));
    assertThat(config.holdExpiriesPerPunctuation()).isEqualTo(500);
    assertThat(config.eagerCommitLag()).isEqualTo(Duration.ofMillis(50));
    assertThat(TopologyConfig.fromEnv(Map.of()).eagerCommitLag()).as("on by default, one commit interval")
        .isEqualTo(Duration.ofMillis(TopologyConfig.DEFAULT_COMMIT_INTERVAL_MS));
    assertThat(TopologyConfig.fromEnv(Map.of("FLASHSALE_EAGER_COMMIT_LAG_MS", "0")).eagerCommitLag()).as("0: off")
        .isZero();
    assertThat(TopologyConfig.fromEnv(Map.of()).holdExpiriesPerPunctuation())
        .isEqualTo(TopologyConfig.DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION);
    assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("FLASHSALE_HOLD_EXPIRIES_PER_PUNCTUATION", "0")))
        .hasMessageContaining("FLASHSALE_HOLD_EXPIRIES_PER_PUNCTUATION");
    assertThat(config.paymentDedupRetention()).isEqualTo(Duration.ofDays(7));
    assertThat(props).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "flashsale-eu")
        .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "k1:9092,k2:9092")
        .containsEntry(StreamsConfig.STATE_DIR_CONFIG, Path.of("/var/lib/flashsale").toString())
        .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 250L)
        .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 4)
        .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3)
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DEAD_LETTERS)
        .containsEntry("session.timeout.ms", "6000");
  }

  /** The producer Kafka Streams builds lingers 5 ms, not its own 100 ms; the variable still decides. */
  @Test
  void theStreamsProducerLingersFiveMillisecondsUnlessTheVariableSaysOtherwise() {
    assertThat(streamsProducerSetting(Map.of(), ProducerConfig.LINGER_MS_CONFIG))
        .isEqualTo(TopologyConfig.DEFAULT_STREAMS_LINGER_MS).isEqualTo(5);
    assertThat(streamsProducerSetting(Map.of("FLASHSALE_STREAMS_LINGER_MS", "100"), ProducerConfig.LINGER_MS_CONFIG))
        .isEqualTo("100");
  }

  /** It retries a refused request after 10 ms, not the client's 100 ms; the producer's variable still decides. */
  @Test
  void theStreamsProducerRetriesAfterTenMillisecondsUnlessTheVariableSaysOtherwise() {
    assertThat(streamsProducerSetting(Map.of(), ProducerConfig.RETRY_BACKOFF_MS_CONFIG))
        .isEqualTo(TopologyConfig.DEFAULT_STREAMS_PRODUCER_RETRY_BACKOFF_MS).isEqualTo(10);
    assertThat(streamsProducerSetting(Map.of("FLASHSALE_PRODUCER_RETRY_BACKOFF_MS", "100"),
        ProducerConfig.RETRY_BACKOFF_MS_CONFIG)).isEqualTo("100");
  }

  /** A setting of the producer Kafka Streams builds from the topology's settings under {@code env}. */
  private static Object streamsProducerSetting(Map<String, String> env, String name) {
    Properties props = TopologyConfig.fromEnv(env).streamsProperties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "producer-settings-test");
    return new StreamsConfig(props).getProducerConfigs("client").get(name);
  }

  @Test
  void clientVariablesReachStreamsAndItsClientsAndAMisspeltStreamsSettingStopsTheStart() {
    TopologyConfig config = TopologyConfig.fromEnv(Map.of(
        "FLASHSALE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "FLASHSALE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
        "FLASHSALE_PRODUCER_LINGER_MS", "5",
        "FLASHSALE_STREAMS_NUM_STANDBY_REPLICAS", "1"));

    assertThat(config.streamsProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry(StreamsConfig.producerPrefix("linger.ms"), "5")
        .containsEntry(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1")
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("FLASHSALE_STREAMS_NUM_STANDBYS", "1")))
        .hasMessageContaining("FLASHSALE_STREAMS_NUM_STANDBYS names no Kafka Streams setting");
  }
}
