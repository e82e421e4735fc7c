package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three nodes in three JVMs: acks=all writes survive the SIGKILL of the partition's leader, and the node comes back;
 * a transaction committed while one of its partitions had no leader is left open there by the broker, and
 * {@link StrandedTransactions} closes it as committed.
 */
class EmbeddedKafkaClusterTest {
  private static final String TOPIC = "cluster-test";
  private static EmbeddedKafkaCluster cluster;

  @BeforeAll
  static void startCluster() {
    long started = System.nanoTime();
    cluster = EmbeddedKafkaCluster.start(3);
    System.out.printf("cluster of 3 ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void acknowledgedWritesSurviveTheLeadersCrashAndTheNodeRejoins() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get();
    }
    cluster.awaitFullyInSync(Duration.ofSeconds(30));
    assertThat(cluster.inSyncReplicas(TOPIC, 0)).containsExactlyInAnyOrderElementsOf(cluster.nodeIds());

    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(TOPIC, "sku", "before")).get();
      int leader = cluster.leaderOf(TOPIC, 0);
      long killed = System.nanoTime();
      cluster.kill(leader);
      producer.send(new ProducerRecord<>(TOPIC, "sku", "after")).get();
      System.out.printf("acks=all write acknowledged %.1f s after the leader (node %d) was killed%n",
          (System.nanoTime() - killed) / 1e9, leader);
      assertThat(cluster.leaderOf(TOPIC, 0)).isNotEqualTo(leader).isPositive();
      assertThat(cluster.inSyncReplicas(TOPIC, 0)).hasSize(2).doesNotContain(leader);

      cluster.restart(leader);
      cluster.awaitFullyInSync(Duration.ofSeconds(60));
      System.out.printf("node %d back in every ISR %.1f s after the kill%n", leader, (System.nanoTime() - killed) / 1e9);
      assertThat(cluster.inSyncReplicas(TOPIC, 0)).containsExactlyInAnyOrderElementsOf(cluster.nodeIds());
    }
    assertThat(readAll(cluster.bootstrapServers(), TOPIC)).containsExactly("before", "after");
  }

  @Test
  void aTransactionCommittedWhileAPartitionHadNoLeaderIsClosedThereAsCommitted() throws Exception {
    String transactionalId = "stranded-" + System.nanoTime();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
         KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
             ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
             ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId), new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      int coordinator = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId)
          .coordinatorId();
      int lost = cluster.nodeIds().stream().filter(id -> id != coordinator).findFirst().orElseThrow();
      // "kept" on every node, "lonely" on one node only, not the transaction's coordinator
      admin.createTopics(List.of(new NewTopic("kept", 1, (short) 3),
          new NewTopic("lonely", Map.of(0, List.of(lost))))).all().get();
      cluster.awaitFullyInSync(Duration.ofSeconds(30));

      producer.beginTransaction();
      producer.send(new ProducerRecord<>("kept", "sku", "kept")).get();
      producer.send(new ProducerRecord<>("lonely", "sku", "lonely")).get();
      cluster.kill(lost);
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leaderOf("lonely", 0) == -1);
      producer.commitTransaction();
      cluster.restart(lost);
      cluster.awaitFullyInSync(Duration.ofSeconds(60));

      TopicPartition lonely = new TopicPartition("lonely", 0);
      assertThat(openTransactions(admin, lonely)).as("the broker skipped the marker of a partition without a leader"
          + " (if Kafka now writes it, StrandedTransactions is no longer needed)").isEqualTo(1);
      assertThat(readAll(cluster.bootstrapServers(), "lonely")).isEmpty();

      assertThat(StrandedTransactions.close(admin, () -> true, Duration.ofSeconds(30)))
          .extracting(StrandedTransactions.Marker::partition, StrandedTransactions.Marker::result)
          .containsExactly(tuple(lonely, TransactionResult.COMMIT));
      assertThat(openTransactions(admin, lonely)).isZero();
      assertThat(readAll(cluster.bootstrapServers(), "lonely")).containsExactly("lonely");
      assertThat(readAll(cluster.bootstrapServers(), "kept")).containsExactly("kept");
      assertThat(StrandedTransactions.close(admin, () -> true, Duration.ofSeconds(30))).as("nothing left to close")
          .isEmpty();
    }
  }

  private static long openTransactions(Admin admin, TopicPartition partition) throws Exception {
    return admin.describeProducers(List.of(partition)).partitionResult(partition).get().activeProducers().stream()
        .filter(p -> p.currentTransactionStartOffset().isPresent()).count();
  }

  /** What a read-committed reader gets from partition 0 of the topic, up to its last stable offset. */
  private static List<String> readAll(String bootstrap, String topic) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
    }
    return values;
  }
}
