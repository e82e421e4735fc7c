package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With eager commits on (as by default), an idle topology's decision is visible to a read_committed reader right
 * after it is made, not at the next commit interval: here the interval is 9 s, and each of four clicks, two seconds
 * apart, is read within 1.5 s. Committing at the interval alone, at most one of them could be. A broker of its own: the shared
 * one's topics are read from their start by other tests, with a registry of their own.
 */
class EagerCommitBrokerTest {
  /** Just below the transaction timeout (10 s), which Kafka Streams requires the interval to stay under. */
  private static final long COMMIT_INTERVAL_MS = 9_000;
  /** Each click must be visible within this; at most one commit of the interval falls in the test's 8 s. */
  private static final Duration BOUND = Duration.ofMillis(1_500);
  private static final int CLICKS = 4;
  private static final String REGISTRY_URL = "mock://eager-commit-" + UUID.randomUUID();

  private static EmbeddedKafka kafka;
  private final String unique = UUID.randomUUID().toString().substring(0, 8);
  private KafkaStreams streams;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @AfterEach
  void stop() {
    if (streams != null) {
      streams.close(Duration.ofSeconds(30));
    }
  }

  @Test
  void anIdleTopologysDecisionIsVisibleLongBeforeTheCommitInterval() throws Exception {
    TopologyConfig config = committingEagerly("eager-commit-", Duration.ofSeconds(1));

    List<Long> visibleAfterMs = clicksVisibleAfterMs(config, CLICKS);

    assertThat(visibleAfterMs).as("each visible long before the commit interval")
        .allSatisfy(ms -> assertThat(ms).isLessThan(BOUND.toMillis()));
  }

  /**
   * The shipped default commits eagerly too: only the commit interval is set here. A click the topology picks up
   * later than the default lag (100 ms) after it was logged, on a loaded machine, is left to the interval, so four of
   * six clicks must be visible within the bound; committing at the interval alone, at most two could be (six clicks
   * two seconds apart span two intervals).
   */
  @Test
  void theDefaultSettingsCommitAnIdleDecisionRightAway() throws Exception {
    Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), "eager-default-");
    TopologyConfig config = TopologyConfig.fromEnv(Map.of(
        "FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "FLASHSALE_SCHEMA_REGISTRY_URL", REGISTRY_URL,
        "FLASHSALE_APPLICATION_ID", "eager-default-" + unique,
        "FLASHSALE_STATE_DIR", stateDir.toString(),
        "FLASHSALE_COMMIT_INTERVAL_MS", String.valueOf(COMMIT_INTERVAL_MS),
        "FLASHSALE_PARTITIONS", "4",
        "FLASHSALE_LOCAL_MODE", "true",
        "FLASHSALE_METRICS_PORT", "-1"));
    assertThat(config.eagerCommitLag()).isPositive();

    List<Long> visibleAfterMs = clicksVisibleAfterMs(config, 6);

    assertThat(visibleAfterMs.stream().filter(ms -> ms < BOUND.toMillis()).count())
        .as("visible long before the commit interval: %s ms", visibleAfterMs).isGreaterThanOrEqualTo(4);
  }

  /**
   * Fresh clicks that reach the topology together are committed together: 300 clicks sent in one burst are all
   * decided and visible long before the 9 s interval, in a handful of transactions, one per poll at most. Asking for
   * a commit at every fresh record made Kafka Streams commit after each of them (it commits after every turn of
   * records in which one was asked, and shortens the turn to one record after each commit): 300 transactions.
   */
  @Test
  void clicksFetchedTogetherAreCommittedTogether() throws Exception {
    TopologyConfig config = committingEagerly("eager-burst-", Duration.ofSeconds(5));
    int burst = 300;
    clicksVisibleAfterMs(config, 1); // the topology is up and has decided once
    double commitsBefore = commits(streams);
    Topics topics = Topics.using(SchemaRegistry.forUrl(REGISTRY_URL));
    String sku = "SKU-" + unique;
    try (KafkaConsumer<String, PurchaseOutcome> reader = new KafkaConsumer<>(readCommitted(config),
        Serdes.String().deserializer(), topics.purchaseOutcomes.valueSerde().deserializer());
        KafkaProducer<String, PurchaseBatch> requests = producer(config,
            topics.purchaseRequests.valueSerde().serializer(), 50)) {
      reader.subscribe(List.of(Topics.PURCHASE_OUTCOMES));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        reader.poll(Duration.ofMillis(100));
        return !reader.assignment().isEmpty();
      });
      for (int i = 0; i < burst; i++) {
        PurchaseRequest click = SaleTopologyDriver.request("burst-" + i + "-" + unique, "sale-" + unique, sku,
            "burst-buyer-" + i, 1, Instant.now());
        requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, new PurchaseBatch(sku, List.of(click))));
      }
      requests.flush();
      long sent = System.nanoTime();
      int decided = 0;
      while (decided < burst && System.nanoTime() - sent < Duration.ofSeconds(60).toNanos()) {
        for (var record : reader.poll(Duration.ofMillis(5))) {
          decided += record.value().getRequestId().startsWith("burst-") ? 1 : 0;
        }
      }
      long allVisibleMs = Duration.ofNanos(System.nanoTime() - sent).toMillis();
      double commits = commits(streams) - commitsBefore;
      System.out.printf("%d clicks sent at once: all visible after %d ms, in %.0f commits%n", burst, allVisibleMs,
          commits);
      assertThat(decided).isEqualTo(burst);
      assertThat(allVisibleMs).as("all visible long before the commit interval").isLessThan(COMMIT_INTERVAL_MS / 2);
      assertThat(commits).as("transactions for %d clicks sent at once", burst).isLessThan(burst / 10.0);
    }
  }

  /** A topology of its own on the test's broker, committing at the 9 s interval and eagerly within {@code lag}. */
  private TopologyConfig committingEagerly(String name, Duration lag) throws Exception {
    Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), name);
    return new TopologyConfig(KafkaSettings.of(kafka.bootstrapServers(), REGISTRY_URL, name + unique), stateDir,
        COMMIT_INTERVAL_MS, 1, 4, (short) 1, Duration.ZERO, Duration.ofHours(TopologyConfig.DEFAULT_DEDUP_GRACE_HOURS),
        Duration.ofHours(TopologyConfig.DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS)).withEagerCommitLag(lag);
  }

  /** The commits the topology's stream threads have made so far, from Kafka Streams' own counter. */
  private static double commits(KafkaStreams streams) {
    return streams.metrics().entrySet().stream()
        .filter(m -> m.getKey().group().equals("stream-thread-metrics") && m.getKey().name().equals("commit-total"))
        .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue()).sum();
  }

  /**
   * Starts the topology, then sends {@code clicks} clicks two seconds apart, each once the previous one's decision
   * was read, and returns how long after each was logged its decision was read with read_committed. The reader polls
   * in a tight loop: a coarser check (Awaitility's default 100 ms) would add its own steps to the figures.
   */
  private List<Long> clicksVisibleAfterMs(TopologyConfig config, int clicks) throws Exception {
    Topics topics = Topics.using(SchemaRegistry.forUrl(REGISTRY_URL));
    streams = TopologyApp.start(config);
    await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

    String sku = "SKU-" + unique;
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("sale-" + unique, sku, 10, 1))
        .setStartsAt(Instant.now().minusSeconds(60)).setEndsAt(Instant.now().plusSeconds(3600)).build();
    try (KafkaConsumer<String, PurchaseOutcome> reader = new KafkaConsumer<>(readCommitted(config),
        Serdes.String().deserializer(), topics.purchaseOutcomes.valueSerde().deserializer());
        KafkaProducer<String, Sale> sales = producer(config, topics.sales.valueSerde().serializer());
        KafkaProducer<String, PurchaseBatch> requests = producer(config,
            topics.purchaseRequests.valueSerde().serializer())) {
      reader.subscribe(List.of(Topics.PURCHASE_OUTCOMES));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        reader.poll(Duration.ofMillis(100));
        return !reader.assignment().isEmpty();
      });
      sales.send(new ProducerRecord<>(Topics.SALES, sku, sale)).get();

      List<Long> visibleAfterMs = new ArrayList<>();
      for (int i = 0; i < clicks; i++) {
        Thread.sleep(2_000); // the topology idles between clicks, well inside the commit interval
        PurchaseRequest click = SaleTopologyDriver.request("click-" + i + "-" + unique, sale.getSaleId(), sku,
            "buyer-" + i, 1, Instant.now());
        long sent = System.nanoTime();
        requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, new PurchaseBatch(sku, List.of(click))))
            .get();
        PurchaseOutcome seen = null;
        long deadline = sent + Duration.ofSeconds(60).toNanos();
        while (seen == null && System.nanoTime() < deadline) {
          for (var record : reader.poll(Duration.ofMillis(5))) {
            if (record.value().getRequestId().equals(click.getRequestId())) {
              seen = record.value();
            }
          }
        }
        visibleAfterMs.add(Duration.ofNanos(System.nanoTime() - sent).toMillis());
        assertThat(seen).as("the decision of " + click.getRequestId()).isNotNull();
        assertThat(seen.getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
      }
      System.out.printf("Decisions visible to read_committed %s ms after their clicks were sent (commit interval %d "
          + "ms, eager-commit lag %d ms)%n", visibleAfterMs, config.commitIntervalMs(), config.eagerCommitLag().toMillis());
      return visibleAfterMs;
    }
  }

  private static <V> KafkaProducer<String, V> producer(TopologyConfig config,
      org.apache.kafka.common.serialization.Serializer<V> values) {
    return producer(config, values, 0);
  }

  private static <V> KafkaProducer<String, V> producer(TopologyConfig config,
      org.apache.kafka.common.serialization.Serializer<V> values, int lingerMs) {
    Properties props = new Properties();
    props.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(props, Serdes.String().serializer(), values);
  }

  private static Properties readCommitted(TopologyConfig config) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "eager-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }
}
