package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The topology with exactly_once_v2 against a real broker: a small rush, retries and poison records, and
 * a hold lifecycle (a payment confirms one hold, another runs out on the wall clock).
 */
class SaleTopologyBrokerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  // One registry for the class: the tests share the JVM's broker and its topics, and read each other's records.
  private static final String REGISTRY_URL = "mock://broker-test-" + UUID.randomUUID();

  private final String unique = UUID.randomUUID().toString().substring(0, 8);
  private final String sku = "SKU-" + unique;
  private TopologyConfig config;
  private Topics topics;
  private KafkaStreams streams;

  @BeforeEach
  void startTopology() throws Exception {
    Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), "broker-test-");
    config = new TopologyConfig(KafkaSettings.of(TestInfrastructure.kafka().bootstrapServers(), REGISTRY_URL, "topology-it-" + unique),
        stateDir, 100, 1, 4, (short) 1,
        Duration.ofMillis(TopologyConfig.DEFAULT_STOCK_LEVEL_INTERVAL_MS),
        Duration.ofHours(TopologyConfig.DEFAULT_DEDUP_GRACE_HOURS),
        Duration.ofHours(TopologyConfig.DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS));
    topics = Topics.using(SchemaRegistry.forUrl(REGISTRY_URL));
    streams = TopologyApp.start(config);
    await().atMost(PATIENCE).until(() -> streams.state() == KafkaStreams.State.RUNNING);
  }

  @AfterEach
  void stopTopology() {
    streams.close(Duration.ofSeconds(30));
  }

  @Test
  void decidesARushInLogOrderAndSendsPoisonToTheDeadLetterTopic() {
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("sale-" + unique, sku, 5, 1))
        .setStartsAt(Instant.now().minusSeconds(60))
        .setEndsAt(Instant.now().plusSeconds(3600))
        .build();
    List<PurchaseRequest> rush = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rush.add(request("rush-" + i, sale, "user-" + i, 1));
    }
    PurchaseRequest zero = request("zero-" + unique, sale, "user-zero", 0);
    PurchaseRequest afterPoison = request("after-poison", sale, "user-late", 1);
    byte[] garbage = ("garbage " + unique).getBytes(StandardCharsets.UTF_8);

    try (KafkaProducer<String, Sale> salesProducer = producer(topics.sales.valueSerde().serializer());
        KafkaProducer<String, PurchaseBatch> requests = producer(topics.purchaseRequests.valueSerde().serializer());
        KafkaProducer<String, byte[]> raw = producer(new ByteArraySerializer())) {
      salesProducer.send(new ProducerRecord<>(Topics.SALES, sku, sale));
      salesProducer.flush();
      // Batches of four, then retries of three ids in a batch of their own.
      for (int i = 0; i < rush.size(); i += 4) {
        requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, batchOf(rush.subList(i, i + 4))));
      }
      requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, batchOf(rush.subList(0, 3))));
      requests.flush();
      raw.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, garbage));
      raw.flush();
      // An invalid request inside a batch is dead-lettered alone; the one behind it in the batch is decided.
      requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, batchOf(List.of(zero, afterPoison))));
      requests.flush();
    }

    // 21 decisions, and the three retries each hear their request's outcome again, marked as a repeat.
    List<PurchaseOutcome> all = readUntil(Topics.PURCHASE_OUTCOMES, topics.purchaseOutcomes.valueSerde()
        .deserializer(), o -> o.getSaleId().equals(sale.getSaleId()), 24);
    List<PurchaseOutcome> outcomes = all.stream().filter(o -> !o.getRepeat()).toList();
    Map<String, PurchaseOutcome> byRequest = new HashMap<>();
    outcomes.forEach(o -> assertThat(byRequest.put(o.getRequestId(), o)).as("one outcome per request").isNull());
    assertThat(byRequest).hasSize(21).containsKey("after-poison");
    assertThat(outcomes).extracting(PurchaseOutcome::getSaleSequence).as("numbered once each")
        .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, 21).boxed().toList());
    assertThat(all).filteredOn(PurchaseOutcome::getRepeat).hasSize(3).allSatisfy(repeat -> assertThat(repeat)
        .isEqualTo(PurchaseOutcome.newBuilder(byRequest.get(repeat.getRequestId())).setRepeat(true).build()));
    List<String> accepted = outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .map(PurchaseOutcome::getRequestId).toList();
    // The partition is the queue: the first five in the log win (outcomes, keyed by request, arrive in any order).
    assertThat(accepted).containsExactlyInAnyOrder("rush-0", "rush-1", "rush-2", "rush-3", "rush-4");

    List<StockLevel> levels = readUntil(Topics.STOCK_LEVELS, topics.stockLevels.valueSerde().deserializer(),
        l -> l.getSaleId().equals(sale.getSaleId()) && l.getRequests() == 21, 1);
    StockLevel last = levels.get(levels.size() - 1);
    assertThat(last.getAvailable()).isZero();
    assertThat(last.getReserved()).isEqualTo(5);
    assertThat(last.getRejected()).containsEntry("SOLD_OUT", 16L);

    List<ConsumerRecord<byte[], byte[]>> dead = readRawUntil(Topics.DEAD_LETTERS, sku, 2);
    assertThat(dead).anySatisfy(r -> assertThat(r.value()).isEqualTo(garbage));
    assertThat(dead).anySatisfy(r -> {
      assertThat(header(r, "__streams.errors.exception")).isEqualTo(InvalidRecordException.class.getName());
      assertThat(topics.purchaseRequest.deserializer().deserialize(Topics.PURCHASE_REQUESTS, r.value())
          .getRequestId()).isEqualTo(zero.getRequestId());
    });
    assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
  }

  @Test
  void aPaymentConfirmsOneHoldAndAnotherExpiresOnTheWallClock() {
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("hold-sale-" + unique, sku, 3, 1))
        .setStartsAt(Instant.now().minusSeconds(60))
        .setEndsAt(Instant.now().plusSeconds(3600))
        .setHoldSeconds(1)
        .build();
    PurchaseRequest paid = request("paid-" + unique, sale, "alice", 1);
    PurchaseRequest unpaid = request("unpaid-" + unique, sale, "bob", 1);
    PaymentEvent payment = SaleTopologyDriver.payment("ev-" + unique, "pay-" + unique, paid.getRequestId(), sale, 1,
        PaymentEventType.SUCCEEDED);

    try (KafkaProducer<String, Sale> salesProducer = producer(topics.sales.valueSerde().serializer());
        KafkaProducer<String, PurchaseBatch> requests = producer(topics.purchaseRequests.valueSerde().serializer());
        KafkaProducer<String, PaymentEvent> payments = producer(topics.paymentEvents.valueSerde().serializer())) {
      salesProducer.send(new ProducerRecord<>(Topics.SALES, sku, sale));
      salesProducer.flush();
      requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, batchOf(List.of(paid, unpaid))));
      requests.flush();
      // The hold lasts one second: pay at once, in the same partition right behind the requests.
      payments.send(new ProducerRecord<>(Topics.PAYMENT_EVENTS, sku, payment));
      payments.send(new ProducerRecord<>(Topics.PAYMENT_EVENTS, sku, payment)); // redelivered
      payments.flush();
    }

    List<PurchaseOutcome> outcomes = readUntil(Topics.PURCHASE_OUTCOMES, topics.purchaseOutcomes.valueSerde()
        .deserializer(), o -> o.getSaleId().equals(sale.getSaleId()), 4);
    assertThat(outcomes).filteredOn(o -> o.getRequestId().equals(paid.getRequestId()))
        .extracting(PurchaseOutcome::getStatus).containsExactly(OutcomeStatus.ACCEPTED, OutcomeStatus.CONFIRMED);
    assertThat(outcomes).filteredOn(o -> o.getRequestId().equals(unpaid.getRequestId()))
        .extracting(PurchaseOutcome::getStatus).containsExactly(OutcomeStatus.ACCEPTED, OutcomeStatus.EXPIRED);
    PurchaseOutcome expired = outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.EXPIRED).findFirst()
        .orElseThrow();
    assertThat(expired.getDecidedAt()).isAfterOrEqualTo(expired.getHoldExpiresAt());

    List<StockLevel> levels = readUntil(Topics.STOCK_LEVELS, topics.stockLevels.valueSerde().deserializer(),
        l -> l.getSaleId().equals(sale.getSaleId()) && l.getExpired() == 1 && l.getConfirmed() == 1, 1);
    StockLevel last = levels.get(levels.size() - 1);
    assertThat(last.getAvailable()).as("the expired unit is back").isEqualTo(2);
    assertThat(last.getReserved()).isZero();
    assertThat(last.getRefundsDue()).isZero();
    assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
  }

  /**
   * purchase-requests is a LogAppendTime topic: a batch whose producer stamped it a month ago (and whose
   * requestedAt says the same) is judged by the broker's append time, inside the window, and counts.
   */
  @Test
  void theBrokersAppendTimeJudgesTheWindowWhateverTheProducerStamped() {
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("clock-sale-" + unique, sku, 2, 1))
        .setStartsAt(Instant.now().minusSeconds(60))
        .setEndsAt(Instant.now().plusSeconds(3600))
        .build();
    Instant monthAgo = Instant.now().minus(Duration.ofDays(30));
    PurchaseRequest skewed = SaleTopologyDriver.request("skewed-" + unique, sale.getSaleId(), sku, "erin", 1,
        monthAgo);

    try (KafkaProducer<String, Sale> salesProducer = producer(topics.sales.valueSerde().serializer());
        KafkaProducer<String, PurchaseBatch> requests = producer(topics.purchaseRequests.valueSerde().serializer())) {
      salesProducer.send(new ProducerRecord<>(Topics.SALES, sku, sale));
      salesProducer.flush();
      requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, null, monthAgo.toEpochMilli(), sku,
          batchOf(List.of(skewed))));
      requests.flush();
    }

    List<PurchaseOutcome> outcomes = readUntil(Topics.PURCHASE_OUTCOMES, topics.purchaseOutcomes.valueSerde()
        .deserializer(), o -> o.getRequestId().equals(skewed.getRequestId()), 1);
    assertThat(single(outcomes).getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    ConsumerRecord<byte[], byte[]> logged = single(readRawUntil(Topics.PURCHASE_REQUESTS, sku, 1));
    assertThat(logged.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    assertThat(Instant.ofEpochMilli(logged.timestamp())).isAfter(sale.getStartsAt());
  }

  private static PurchaseRequest request(String requestId, Sale sale, String userId, int quantity) {
    return SaleTopologyDriver.request(requestId, sale.getSaleId(), sale.getSku(), userId, quantity, Instant.now());
  }

  private <V> KafkaProducer<String, V> producer(org.apache.kafka.common.serialization.Serializer<V> values) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(props, Serdes.String().serializer(), values);
  }

  private <V> List<V> readUntil(String topic, org.apache.kafka.common.serialization.Deserializer<V> values,
      java.util.function.Predicate<V> mine, int atLeast) {
    List<V> found = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(consumerProps(), Serdes.String().deserializer(), values)) {
      consumer.subscribe(List.of(topic));
      await().atMost(PATIENCE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (mine.test(r.value())) {
            found.add(r.value());
          }
        });
        return found.size() >= atLeast;
      });
      // A second outcome for a request would come right behind the first: keep reading a little.
      consumer.poll(Duration.ofSeconds(1)).forEach(r -> {
        if (mine.test(r.value())) {
          found.add(r.value());
        }
      });
    }
    return found;
  }

  private List<ConsumerRecord<byte[], byte[]>> readRawUntil(String topic, String key, int atLeast) {
    List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      await().atMost(PATIENCE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            found.add(r);
          }
        });
        return found.size() >= atLeast;
      });
    }
    return found;
  }

  private Properties consumerProps() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static PurchaseBatch batchOf(List<PurchaseRequest> requests) {
    return new PurchaseBatch(requests.get(0).getSku(), List.copyOf(requests));
  }
}
