package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {
  private static final Duration POLL_LIMIT = Duration.ofSeconds(15);

  /** A broker's listeners get distinct ports: one port for two listeners is refused by the broker at start. */
  @Test
  void freePortsAreDistinct() throws Exception {
    for (int round = 0; round < 20; round++) {
      assertThat(java.util.Arrays.stream(EmbeddedKafka.freePorts(8)).boxed().toList()).doesNotHaveDuplicates()
          .allSatisfy(port -> assertThat(port).isPositive());
    }
  }

  @Test
  void aProducedRecordIsConsumed() throws Exception {
    String bootstrap = EmbeddedKafka.shared().bootstrapServers();
    String topic = createTopic(bootstrap);

    try (KafkaProducer<String, String> producer = producer(bootstrap, Map.of())) {
      producer.send(new ProducerRecord<>(topic, "sku-1", "sale opened")).get();
    }

    assertThat(readAll(bootstrap, topic, "read_uncommitted", 1))
        .extracting(ConsumerRecord::key, ConsumerRecord::value)
        .containsExactly(tuple("sku-1", "sale opened"));
  }

  /** exactly_once_v2 needs the transaction coordinator: committed records are seen, aborted ones never. */
  @Test
  void aReadCommittedConsumerSeesCommittedTransactionsOnly() throws Exception {
    String bootstrap = EmbeddedKafka.shared().bootstrapServers();
    String topic = createTopic(bootstrap);

    try (KafkaProducer<String, String> producer =
        producer(bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-" + UUID.randomUUID()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "sku-1", "aborted hold"));
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "sku-1", "committed hold"));
      producer.commitTransaction();
    }

    assertThat(readAll(bootstrap, topic, "read_committed", 1))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed hold");
  }

  /** The same ports too: a log killed mid-transaction ends its transactions at the address it knew. */
  @Test
  void aRestartOnTheSameDirectoryKeepsTopicsAndRecords(@TempDir Path dataDir) throws Exception {
    String topic;
    String firstAddress;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
      firstAddress = kafka.bootstrapServers();
      topic = createTopic(kafka.bootstrapServers());
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(), Map.of())) {
        producer.send(new ProducerRecord<>(topic, "sku-1", "before restart")).get();
      }
    }

    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir);
        Admin admin = admin(kafka.bootstrapServers())) {
      assertThat(kafka.bootstrapServers()).isEqualTo(firstAddress);
      assertThat(admin.listTopics().names().get()).contains(topic);
      assertThat(readAll(kafka.bootstrapServers(), topic, "read_uncommitted", 1))
          .extracting(ConsumerRecord::value)
          .containsExactly("before restart");
    }
  }

  /**
   * A broker that keeps its data waits until it runs as its new incarnation, read from the broker's state gauge. Kafka
   * registers that gauge once per JVM and never removes it, so it kept reporting the first broker of the JVM: a full
   * benchmark run, whose backlog part runs brokers of its own first, saw every later local stack time out.
   */
  @Test
  void aBrokerKeepingItsDataStartsAfterAnotherBrokerRanInTheSameJvm(@TempDir Path dataDir) throws Exception {
    try (EmbeddedKafka earlier = EmbeddedKafka.start(null)) {
      createTopic(earlier.bootstrapServers());
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir);
        Admin admin = admin(kafka.bootstrapServers())) {
      assertThat(admin.describeCluster().nodes().get()).hasSize(1);
    }
  }

  /** A kept port held by another process fails the start with a message naming it, not a broker on new ports. */
  @Test
  void aKeptPortTakenByAnotherProcessFailsTheStartNamingIt(@TempDir Path dataDir) throws Exception {
    int port;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
      port = Integer.parseInt(kafka.bootstrapServers().substring(kafka.bootstrapServers().lastIndexOf(':') + 1));
    }
    try (ServerSocket squatter = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> EmbeddedKafka.start(dataDir).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("listener port 127.0.0.1:" + port + " is taken")
          .hasMessageContaining(dataDir.resolve(EmbeddedKafka.PORTS_FILE).toString());
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
      assertThat(kafka.bootstrapServers()).as("free again: the same port").endsWith(":" + port);
    }
  }

  private static String createTopic(String bootstrap) throws Exception {
    String topic = "test-" + UUID.randomUUID();
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    return topic;
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  private static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(extra);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  /** Reads the topic's single partition from the start until {@code expected} records arrived or time ran out. */
  private static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic, String isolation, int expected) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(new TopicPartition(topic, 0)));
      long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      // One more short poll so that an unexpected extra record would show up too.
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }
}
