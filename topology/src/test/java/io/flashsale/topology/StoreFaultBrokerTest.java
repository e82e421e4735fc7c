package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stores that fail in the middle of a rush, on a real broker with exactly-once: a dedup write inside a batch
 * (twice) and a flush of the cached stock store at a commit. Each fault fails the task; the transaction is
 * aborted, the state restored from the changelog and the records processed again. Afterwards every request has
 * exactly one decision, exactly the stock is sold, and nothing went to the dead-letter topic.
 */
class StoreFaultBrokerTest {
  private static final int REQUESTS = 120;
  private static final int STOCK = 50;
  private static final int BATCH = 10;

  @TempDir Path stateDir;

  @Test
  void everyRequestIsDecidedOnceAfterStoresFailMidRush() throws Exception {
    String unique = UUID.randomUUID().toString().substring(0, 8);
    // A broker of its own, so that the dead-letter topic holds only what this topology sends there.
    try (KafkaBroker kafka = TestInfrastructure.newKafka()) {
      rushWithFaults(kafka, unique);
    }
  }

  private void rushWithFaults(KafkaBroker kafka, String unique) throws Exception {
    String registryUrl = "mock://store-fault-" + unique;
    Topics topics = Topics.using(SchemaRegistry.forUrl(registryUrl));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      TopicAdmin.ensureTopics(admin, topics, 2, (short) 1);
    }
    String sku = "SKU-FAULT-" + unique;
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("fault-" + unique, sku, STOCK, 1))
        .setStartsAt(Instant.now().minusSeconds(60)).setEndsAt(Instant.now().plusSeconds(3600)).build();
    List<PurchaseRequest> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      requests.add(SaleTopologyDriver.request("fault-" + unique + "-" + i, sale.getSaleId(), sku, "user-" + i, 1,
          Instant.now()));
    }
    // Keyed requests write the dedup store once each: writes 25 and 70 fail in the middle of batches.
    FailingStores decidedRequests = new FailingStores(SaleTopology.DECIDED_REQUESTS_STORE, Set.of(25, 70));

    Map<String, String> env = new HashMap<>();
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registryUrl);
    env.put("FLASHSALE_APPLICATION_ID", "fault-" + unique);
    env.put("FLASHSALE_STATE_DIR", stateDir.toString());
    env.put("FLASHSALE_PARTITIONS", "2");
    env.put("FLASHSALE_LOCAL_MODE", "true");
    // A replaced stream thread's consumer does not leave the group: its partitions wait out the session timeout.
    env.put("FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "6000");
    KafkaStreams streams = TopologyApp.start(TopologyConfig.fromEnv(env), decidedRequests, (now, before) -> { });
    try (KafkaProducer<String, PurchaseBatch> producer = producer(kafka, topics);
         KafkaConsumer<String, PurchaseOutcome> outcomes = outcomeReader(kafka, topics)) {
      try (KafkaProducer<String, Sale> sales = new KafkaProducer<>(producerProps(kafka),
          topics.sales.keySerde().serializer(), topics.sales.valueSerde().serializer())) {
        sales.send(new ProducerRecord<>(Topics.SALES, sku, sale)).get();
      }
      long started = System.nanoTime();
      for (int i = 0; i < REQUESTS; i += BATCH) {
        producer.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku,
            new PurchaseBatch(sku, requests.subList(i, i + BATCH))));
      }
      producer.flush();

      Map<String, List<OutcomeStatus>> decided = new HashMap<>();
      List<Long> numbers = new ArrayList<>(); // the sale's saleSequence of each outcome read
      // The failing stream thread is replaced (see TopologyApp); its exception is expected, not the test's failure.
      await().dontCatchUncaughtExceptions().atMost(Duration.ofMinutes(3)).until(() -> {
        outcomes.poll(Duration.ofMillis(200)).forEach(r -> {
          decided.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value().getStatus());
          numbers.add(r.value().getSaleSequence());
        });
        return decided.size() == REQUESTS;
      });
      System.out.printf("%d requests decided %d ms after the rush began, through %d store faults%n", REQUESTS,
          Duration.ofNanos(System.nanoTime() - started).toMillis(), decidedRequests.struck());
      outcomes.poll(Duration.ofSeconds(2)).forEach(r -> {
        decided.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value().getStatus());
        numbers.add(r.value().getSaleSequence());
      });

      assertThat(decidedRequests.struck()).as("both faults struck").isEqualTo(2);
      requests.forEach(r -> assertThat(decided.get(r.getRequestId())).as("decisions of %s", r.getRequestId())
          .hasSize(1));
      assertThat(decided.values().stream().filter(d -> d.get(0) == OutcomeStatus.ACCEPTED).count())
          .as("exactly the stock sold").isEqualTo(STOCK);
      assertThat(endOffsets(kafka, Topics.DEAD_LETTERS)).as("nothing dead-lettered").isZero();
      // The aborted transactions' numbers were rolled back with their stock: the committed ones run 1..n, no gap.
      assertThat(numbers).as("the sale's outcomes numbered once each, across the restored tasks")
          .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, REQUESTS).boxed().toList());
    } finally {
      TopologyApp.stop(streams);
    }
  }

  private static Map<String, Object> producerProps(KafkaBroker kafka) {
    return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all");
  }

  private static KafkaProducer<String, PurchaseBatch> producer(KafkaBroker kafka, Topics topics) {
    return new KafkaProducer<>(producerProps(kafka), topics.purchaseRequests.keySerde().serializer(),
        topics.purchaseRequests.valueSerde().serializer());
  }

  private static KafkaConsumer<String, PurchaseOutcome> outcomeReader(KafkaBroker kafka, Topics topics) {
    KafkaConsumer<String, PurchaseOutcome> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "fault-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), Serdes.String().deserializer(),
        topics.purchaseOutcomes.valueSerde().deserializer());
    consumer.subscribe(List.of(Topics.PURCHASE_OUTCOMES));
    return consumer;
  }

  private static long endOffsets(KafkaBroker kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      var partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
