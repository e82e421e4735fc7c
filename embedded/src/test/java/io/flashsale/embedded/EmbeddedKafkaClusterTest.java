package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Three nodes in three JVMs: acks=all writes survive the SIGKILL of the partition's leader, and the node comes back. */
class EmbeddedKafkaClusterTest {
  private static final String TOPIC = "cluster-test";

  @Test
  void acknowledgedWritesSurviveTheLeadersCrashAndTheNodeRejoins() throws Exception {
    long started = System.nanoTime();
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3)) {
      System.out.printf("cluster of 3 ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
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
      assertThat(readAll(cluster.bootstrapServers())).containsExactly("before", "after");
    }
  }

  private static List<String> readAll(String bootstrap) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(TOPIC, 0);
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
