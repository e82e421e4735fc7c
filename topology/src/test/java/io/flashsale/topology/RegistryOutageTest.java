package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry is down while the topology starts with requests waiting that already got their 202: the
 * topology cannot read them, and must neither dead-letter them nor decide anything until the registry is back;
 * then every request is decided exactly once.
 */
class RegistryOutageTest {
  private static final int REQUESTS = 60;
  private static final Duration OUTAGE = Duration.ofSeconds(10);

  @TempDir Path registryData;
  @TempDir Path stateDir;

  @Test
  void requestsWaitForTheRegistryInsteadOfGoingToTheDeadLetterTopic() throws Exception {
    String unique = UUID.randomUUID().toString().substring(0, 8);
    String sku = "SKU-OUTAGE-" + unique;
    // A broker of its own: the shared one holds other tests' records, written under other registries, which this
    // topology could not read and would rightly dead-letter.
    try (KafkaBroker kafka = TestInfrastructure.newKafka()) {
      outageOn(kafka, unique, sku);
    }
  }

  private void outageOn(KafkaBroker kafka, String unique, String sku) throws Exception {
    EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(registryData, 0);
    String registryUrl = registry.url();
    int port = URI.create(registryUrl).getPort();
    Topics topics = Topics.using(SchemaRegistry.forUrl(registryUrl));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      TopicAdmin.ensureTopics(admin, topics, 4, (short) 1);
    }
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("outage-" + unique, sku, 20, 1))
        .setStartsAt(Instant.now().minusSeconds(60)).setEndsAt(Instant.now().plusSeconds(3600)).build();
    List<PurchaseRequest> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      requests.add(SaleTopologyDriver.request("outage-" + unique + "-" + i, sale.getSaleId(), sku, "user-" + i, 1,
          Instant.now()));
    }
    long deadLettersBefore = endOffsets(kafka, Topics.DEAD_LETTERS);
    try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
      producer.send(new ProducerRecord<>(Topics.SALES, bytes(sku), topics.sales.valueSerde().serializer()
          .serialize(Topics.SALES, sale)));
      for (int i = 0; i < REQUESTS; i += 10) {
        producer.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, bytes(sku), topics.purchaseRequests.valueSerde()
            .serializer().serialize(Topics.PURCHASE_REQUESTS, new PurchaseBatch(sku, requests.subList(i, i + 10)))));
      }
      producer.flush();
    }
    registry.close();

    Map<String, String> env = new HashMap<>();
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registryUrl);
    env.put("FLASHSALE_APPLICATION_ID", "outage-" + unique);
    env.put("FLASHSALE_STATE_DIR", stateDir.toString());
    env.put("FLASHSALE_PARTITIONS", "4");
    env.put("FLASHSALE_LOCAL_MODE", "true");
    KafkaStreams streams = TopologyApp.start(TopologyConfig.fromEnv(env));
    EmbeddedSchemaRegistry restarted = null;
    try (KafkaConsumer<String, byte[]> outcomes = outcomeReader(kafka)) {
      long outageEnds = System.nanoTime() + OUTAGE.toNanos();
      Map<String, Integer> decided = new HashMap<>();
      while (System.nanoTime() < outageEnds) {
        outcomes.poll(Duration.ofMillis(200)).forEach(r -> decided.merge(r.key(), 1, Integer::sum));
      }
      assertThat(decided.keySet()).as("nothing decided while the requests cannot be read")
          .noneMatch(id -> id.startsWith("outage-" + unique));
      assertThat(endOffsets(kafka, Topics.DEAD_LETTERS)).as("nothing dead-lettered").isEqualTo(deadLettersBefore);

      restarted = EmbeddedSchemaRegistry.start(registryData, port);
      await().atMost(Duration.ofSeconds(120)).until(() -> {
        outcomes.poll(Duration.ofMillis(200)).forEach(r -> decided.merge(r.key(), 1, Integer::sum));
        return decided.keySet().stream().filter(id -> id.startsWith("outage-" + unique)).count() == REQUESTS;
      });
      outcomes.poll(Duration.ofSeconds(1)).forEach(r -> decided.merge(r.key(), 1, Integer::sum));
      requests.forEach(r -> assertThat(decided.get(r.getRequestId())).as("outcomes of %s", r.getRequestId()).isEqualTo(1));
      assertThat(endOffsets(kafka, Topics.DEAD_LETTERS)).as("nothing dead-lettered").isEqualTo(deadLettersBefore);
    } finally {
      TopologyApp.stop(streams);
      if (restarted != null) {
        restarted.close();
      }
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker kafka) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<String, byte[]> outcomeReader(KafkaBroker kafka) {
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "outage-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), Serdes.String().deserializer(),
        new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.PURCHASE_OUTCOMES));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      consumer.poll(Duration.ofMillis(100));
      return !consumer.assignment().isEmpty();
    });
    return consumer;
  }

  private static long endOffsets(KafkaBroker kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      var partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
