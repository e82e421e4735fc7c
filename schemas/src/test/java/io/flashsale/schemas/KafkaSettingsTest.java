package io.flashsale.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
  private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
      + "username=\"flashsale\" password=\"s3cret\";";

  @Test
  void defaultsAreThePlainLocalBroker() {
    KafkaSettings settings = KafkaSettings.fromEnv(Map.of());

    assertThat(settings).isEqualTo(KafkaSettings.of("localhost:9092", "mock://flashsale", "flashsale-topology"));
    assertThat(settings.adminProperties("admin")).containsOnly(
        Map.entry(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"),
        Map.entry(AdminClientConfig.CLIENT_ID_CONFIG, "admin"));
  }

  @Test
  void theGeneralVariablesReachEveryKindOfClientAndTheNarrowOnesWinForTheirKind() {
    KafkaSettings settings = KafkaSettings.fromEnv(Map.of(
        "FLASHSALE_BOOTSTRAP_SERVERS", "k1:9093,k2:9093",
        "FLASHSALE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "FLASHSALE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
        "FLASHSALE_KAFKA_SASL_JAAS_CONFIG", JAAS,
        "FLASHSALE_KAFKA_REQUEST_TIMEOUT_MS", "20000",
        "FLASHSALE_PRODUCER_REQUEST_TIMEOUT_MS", "40000",
        "FLASHSALE_CONSUMER_MAX_POLL_RECORDS", "50",
        "FLASHSALE_ADMIN_CLIENT_RETRY_BACKOFF_MS", "250"));

    Map<String, Object> security = Map.of(
        "bootstrap.servers", "k1:9093,k2:9093",
        SaslConfigs.SASL_JAAS_CONFIG, JAAS,
        "security.protocol", "SASL_SSL",
        SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
    Properties producer = settings.producerProperties(Map.of(ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 7500));
    assertThat(producer).containsAllEntriesOf(security)
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "40000"); // the variable wins over the process
    assertThat(settings.consumerProperties(Map.of())).containsAllEntriesOf(security)
        .containsEntry(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000")
        .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50")
        .doesNotContainKey(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG);
    assertThat(settings.adminProperties("a")).containsAllEntriesOf(security)
        .containsEntry(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "250")
        .doesNotContainKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    // Kafka Streams gets the general ones as they are and the narrow ones for its own clients of that kind.
    assertThat(settings.streamsProperties(Map.of("processing.guarantee", "exactly_once_v2")))
        .containsAllEntriesOf(security)
        .containsEntry("application.id", "flashsale-topology")
        .containsEntry("processing.guarantee", "exactly_once_v2")
        .containsEntry("producer.request.timeout.ms", "40000")
        .containsEntry("consumer.max.poll.records", "50")
        .containsEntry("admin.retry.backoff.ms", "250");
  }

  @Test
  void everySettingOfEveryClientHasAVariableThatNamesItBack() {
    Map<String, String> env = new HashMap<>();
    Set<String> names = new java.util.TreeSet<>();
    names.addAll(ProducerConfig.configNames());
    names.addAll(ConsumerConfig.configNames());
    names.addAll(AdminClientConfig.configNames());
    names.addAll(SslConfigs.RECONFIGURABLE_CONFIGS);
    names.add(SaslConfigs.SASL_JAAS_CONFIG);
    names.add(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS);
    names.remove(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG); // has its own variable
    for (String name : names) {
      env.put("FLASHSALE_KAFKA_" + KafkaSettings.variable(name), "value of " + name);
    }

    Map<String, String> clients = KafkaSettings.fromEnv(env).clients();

    assertThat(clients.keySet()).containsExactlyInAnyOrderElementsOf(names);
    clients.forEach((name, value) -> assertThat(value).isEqualTo("value of " + name));
  }

  @Test
  void aVariableThatNamesNoSettingStopsTheStartWithItsName() {
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_KAFKA_SECURITY_PROTOCOLL", "SASL_SSL")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FLASHSALE_KAFKA_SECURITY_PROTOCOLL names no client setting");
    // A consumer's setting is no producer's.
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_PRODUCER_MAX_POLL_RECORDS", "5")))
        .hasMessageContaining("FLASHSALE_PRODUCER_MAX_POLL_RECORDS names no producer setting");
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_KAFKA_BOOTSTRAP_SERVERS", "k:9092")))
        .hasMessageContaining("FLASHSALE_BOOTSTRAP_SERVERS");
  }

  @Test
  void streamsVariablesAreReadOnlyByAProcessThatKnowsStreamsNames() {
    Map<String, String> env = Map.of("FLASHSALE_STREAMS_NUM_STANDBY_REPLICAS", "1",
        "FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "6000");

    assertThat(KafkaSettings.fromEnv(env).streams()).isEmpty();
    assertThat(KafkaSettings.fromEnv(env, Set.of("num.standby.replicas")).streams())
        .containsOnly(Map.entry("num.standby.replicas", "1"), Map.entry("session.timeout.ms", "6000"));
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_STREAMS_NUM_STANDBYS", "1"),
        Set.of("num.standby.replicas"))).hasMessageContaining("FLASHSALE_STREAMS_NUM_STANDBYS names no Kafka Streams setting");
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_STREAMS_APPLICATION_ID", "x"),
        Set.of("application.id"))).hasMessageContaining("FLASHSALE_APPLICATION_ID");
  }

  @Test
  void theSettingsNeverShowTheirValues() {
    KafkaSettings settings = KafkaSettings.fromEnv(Map.of("FLASHSALE_KAFKA_SASL_JAAS_CONFIG", JAAS,
        "FLASHSALE_SCHEMA_REGISTRY_URL", "https://registry:8081",
        "FLASHSALE_SCHEMA_REGISTRY_USER_INFO", "flashsale:registry-s3cret"));

    assertThat(settings.toString()).contains("sasl.jaas.config", "https://registry:8081", "basic flashsale")
        .doesNotContain("s3cret");
  }

  @Test
  void theRegistryTakesBasicOrBearerAuthenticationButNotBoth() {
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_URL", "https://r:8081",
        "FLASHSALE_SCHEMA_REGISTRY_USER_INFO", "u:p", "FLASHSALE_SCHEMA_REGISTRY_BEARER_TOKEN", "t")))
        .hasMessageContaining("not both");
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_USER_INFO", "no-colon")))
        .hasMessageContaining("user:password");
    assertThatThrownBy(() -> KafkaSettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_URL", "http://r:8081",
        "FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE", "/etc/flashsale/registry.p12")))
        .hasMessageContaining("https://");
  }
}
