package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The containers the tests use where Docker exists: a broker that takes transactions, a database that takes rows. */
class ContainersTest {

  @BeforeEach
  void needsDocker() {
    assumeTrue(TestInfrastructure.dockerAvailable(),
        "Docker not available: skipping the tests of the Testcontainers broker and database");
  }

  @Test
  void theKafkaContainerCommitsTransactionsOnASingleNode() throws Exception {
    try (KafkaBroker kafka = TestInfrastructure.kafkaContainer();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("containers-test", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          ProducerConfig.TRANSACTIONAL_ID_CONFIG, "containers-test"), new StringSerializer(), new StringSerializer())) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("containers-test", "SKU-1", "committed"));
        producer.commitTransaction();
      }
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          ConsumerConfig.GROUP_ID_CONFIG, "containers-test",
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("containers-test"));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        while (records.isEmpty() && System.nanoTime() < deadline) {
          records = consumer.poll(Duration.ofMillis(500));
        }
        assertThat(records).extracting(r -> r.key() + "=" + r.value()).containsExactly("SKU-1=committed");
      }
    }
  }

  @Test
  void thePostgresContainerCreatesDatabasesOfItsOwn() throws Exception {
    try (PostgresServer postgres = TestInfrastructure.postgresContainer()) {
      String url = postgres.createDatabase("containers_test");
      try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE t (id int PRIMARY KEY)");
        statement.execute("INSERT INTO t VALUES (1), (2)");
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM t")) {
          rows.next();
          assertThat(rows.getInt(1)).isEqualTo(2);
        }
      }
    }
  }
}
