package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.schemas.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker with a SASL_SSL/SCRAM listener, reached through {@link KafkaSettings} as the processes do. */
class SecuredKafkaTest {
  @TempDir static Path dir;
  static EmbeddedKafka kafka;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.startSecured(null, new EmbeddedKafka.Security(Map.of("flashsale", "kafka-secret"),
        SelfSignedTls.create(dir.resolve("tls"))));
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  void theRightUserWritesAndReadsOverSaslSsl() throws Exception {
    KafkaSettings settings = settings("kafka-secret");
    assertThat(settings.clients()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    try (Admin admin = settings.connectAdmin("test-admin")) {
      admin.createTopics(List.of(new NewTopic("secured", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings.producerProperties(Map.of()),
        new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("secured", "k", "through SCRAM over TLS")).get(30, TimeUnit.SECONDS);
    }
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings.consumerProperties(Map.of(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition("secured", 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<String> values = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
      assertThat(values).containsExactly("through SCRAM over TLS");
    }
  }

  @Test
  void aWrongPasswordFailsTheConnectionCheckAtOnceSayingAuthenticationFailed() {
    long started = System.nanoTime();

    assertThatThrownBy(() -> settings("wrong-password").connectAdmin("test-admin"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Kafka at " + kafka.bootstrapServers() + ": authentication failed")
        .hasMessageContaining("security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
  }

  private static KafkaSettings settings(String password) {
    Map<String, String> env = new HashMap<>(kafka.clientEnvironment("flashsale", password));
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    return KafkaSettings.fromEnv(env);
  }
}
