package io.flashsale.reconciliation.sink;

import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedPostgres;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL stops for ten seconds while a producer writes a stream of outcomes, which holds a record that is not
 * Avro and a sale the database refuses. The sink waits for the database, quarantines exactly those two records
 * and lands every other row exactly once. A broker and a PostgreSQL of its own, so the tables hold exactly what
 * the test wrote.
 */
class SinkOutageTest {
  private static final Logger log = LoggerFactory.getLogger(SinkOutageTest.class);
  private static final String REGISTRY = "mock://sink-outage-test";
  private static final int SALES = 5;
  private static final int TRANSACTIONS = 60;
  private static final int ACCEPTED_PER_TRANSACTION = 25;
  private static final int POISON_AT = 20;
  private static final int REFUSED_SALE_AT = 30;
  private static final Duration PACE = Duration.ofMillis(250);
  private static final Duration OUTAGE = Duration.ofSeconds(10);
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final byte[] POISON = "not avro at all \u0001\u0002".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dataDir;
  private EmbeddedKafka kafka;
  private EmbeddedPostgres postgres;

  /** In-JVM on purpose: the outage stops PostgreSQL and starts it again on the same port and data directory. */
  @BeforeEach
  void start() {
    kafka = EmbeddedKafka.start(null);
    postgres = EmbeddedPostgres.start(dataDir.resolve("pg"), 0);
  }

  @AfterEach
  void stop() {
    postgres.close();
    kafka.close();
  }

  /** What the producer wrote, counted as it went. */
  private static final class Written {
    int accepted;
    int ended;
    int payments;
    final long[][] heldAndSold = new long[SALES][2];
  }

  @Test
  void aDatabaseAwayForTenSecondsLosesNothingAndOnlyTheBadRecordsAreQuarantined() throws Exception {
    Books books = Books.fresh(postgres);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<SaleStory> stories = new ArrayList<>();
    for (int s = 0; s < SALES; s++) {
      stories.add(new SaleStory("outage-" + s, 100_000));
    }
    SaleStory refused = new SaleStory("outage-refused", 10);
    Sale refusedSale = refused.sale();
    refusedSale.setName("Kettle\u0000with a NUL");

    Written written = new Written();
    try (LogWriter logWriter = new LogWriter(kafka.bootstrapServers(), REGISTRY);
         OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY,
             Map.of("FLASHSALE_SINK_MAX_POLL_RECORDS", "100")), meters)) {
      logWriter.begin();
      stories.forEach(story -> logWriter.send(story.sale()));
      logWriter.commit();
      CompletableFuture<Void> producer = CompletableFuture.runAsync(
          () -> produce(logWriter, stories, refusedSale, written));

      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM order_events") >= 400);
      int port = postgres.port();
      long failuresBefore = sink.status().failedBatches();
      long stoppedAt = System.nanoTime();
      postgres.close();
      // A batch committed as the database went down may still be counted: count from the first failure on.
      await().atMost(WAIT).until(() -> sink.status().failedBatches() > failuresBefore);
      long batchesWhenStopped = sink.status().batchesWritten();
      TimeUnit.NANOSECONDS.sleep(OUTAGE.toNanos()); // the outage itself, not a wait for something to happen
      // Read before the restart: once the database is back the sink may commit within milliseconds.
      assertThat(sink.status().batchesWritten()).as("nothing commits while the database is away")
          .isEqualTo(batchesWhenStopped);
      postgres = EmbeddedPostgres.start(dataDir.resolve("pg"), port);
      long restartedAt = System.nanoTime();

      await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
          .until(() -> sink.status().batchesWritten() > batchesWhenStopped);
      long recoveredAt = System.nanoTime();
      producer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      int goodRecords = SALES + written.accepted + written.ended + written.payments;
      Map<TopicPartition, Long> ends = logEnds();
      await().atMost(WAIT).until(() -> storedPositions(books).equals(ends));
      long caughtUpAt = System.nanoTime();
      assertThat(sink.status().recordsWritten()).isEqualTo(goodRecords);
      await().atMost(WAIT).until(() -> sink.status().lag() == 0);
      log.info("Outage figures: database away {} ms; first commit {} ms after it was back; caught up {} ms after;"
              + " {} failed attempts; {} good records, {} quarantined",
          TimeUnit.NANOSECONDS.toMillis(restartedAt - stoppedAt), TimeUnit.NANOSECONDS.toMillis(recoveredAt - restartedAt),
          TimeUnit.NANOSECONDS.toMillis(caughtUpAt - restartedAt), sink.status().failedBatches(), goodRecords,
          sink.status().recordsQuarantined());

      assertEveryGoodRowOnce(books, stories, written);
      assertThat(sink.status().recordsQuarantined()).isEqualTo(2);
      assertThat(sink.status().fenced()).isFalse();
      assertThat(meters.get(OutcomeSink.QUARANTINED_METER).tag("topic", Topics.SALES).counter().count()).isEqualTo(1);
      assertThat(meters.get(OutcomeSink.QUARANTINED_METER).tag("topic", Topics.PURCHASE_OUTCOMES).counter().count())
          .isEqualTo(1);
      assertThat(meters.get(OutcomeSink.QUARANTINED_METER).counters().stream().mapToDouble(Counter::count).sum())
          .isEqualTo(2);
      assertThat(meters.scrape())
          .contains("flashsale_sink_quarantined_records_total{topic=\"sales\"} 1.0")
          .contains("flashsale_sink_quarantined_records_total{topic=\"purchase-outcomes\"} 1.0")
          .contains("flashsale_sink_quarantined_records_total{topic=\"payment-events\"} 0.0");
      assertThat(storedPositions(books)).as("the sink's positions are the log's end").isEqualTo(ends);
    }

    assertQuarantineHoldsTheEvidence(books, refusedSale);
  }

  /** Transactions of accepted holds, each followed by the payments and expiries of the one before. */
  private static void produce(LogWriter logWriter, List<SaleStory> stories, Sale refusedSale, Written written) {
    for (int t = 0; t < TRANSACTIONS; t++) {
      logWriter.begin();
      for (int j = 0; j < ACCEPTED_PER_TRANSACTION; j++) {
        int request = t * ACCEPTED_PER_TRANSACTION + j;
        int sale = request % SALES;
        logWriter.send(stories.get(sale).accepted(request, 1));
        written.accepted++;
        written.heldAndSold[sale][0]++;
      }
      if (t == POISON_AT) {
        logWriter.sendRaw(Topics.PURCHASE_OUTCOMES, "poison", POISON);
      }
      if (t == REFUSED_SALE_AT) {
        logWriter.send(refusedSale);
      }
      if (t > 0) {
        for (int j = 0; j < ACCEPTED_PER_TRANSACTION; j++) {
          int request = (t - 1) * ACCEPTED_PER_TRANSACTION + j;
          int sale = request % SALES;
          SaleStory story = stories.get(sale);
          if (request % 2 == 0) {
            logWriter.send(story.payment("evt-" + request, request, 1, request, PaymentEventType.SUCCEEDED));
            logWriter.send(story.paid(request, 1, CONFIRMED, request));
            written.payments++;
            written.heldAndSold[sale][1]++;
          } else {
            logWriter.send(story.ended(request, 1, EXPIRED));
          }
          written.ended++;
          written.heldAndSold[sale][0]--;
        }
      }
      logWriter.commit();
      try {
        TimeUnit.MILLISECONDS.sleep(PACE.toMillis()); // a stream over time, not a backlog
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void assertEveryGoodRowOnce(Books books, List<SaleStory> stories, Written written) {
    assertThat(books.count("SELECT count(*) FROM sales")).isEqualTo(SALES);
    assertThat(books.count("SELECT count(*) FROM order_events")).isEqualTo(written.accepted + written.ended);
    assertThat(books.count("SELECT count(DISTINCT (request_id, status)) FROM order_events"))
        .isEqualTo(written.accepted + written.ended);
    assertThat(books.count("SELECT count(*) FROM orders")).isEqualTo(written.accepted);
    assertThat(books.count("SELECT count(*) FROM payments")).isEqualTo(written.payments);
    for (int s = 0; s < SALES; s++) {
      assertThat(books.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", stories.get(s).saleId))
          .as(stories.get(s).saleId)
          .containsExactly(Map.of("reserved", (int) written.heldAndSold[s][0], "confirmed", (int) written.heldAndSold[s][1]));
    }
  }

  private static void assertQuarantineHoldsTheEvidence(Books books, Sale refusedSale) {
    List<Map<String, Object>> rows = books.rows("SELECT topic, record_key, record_value, error_class, sql_state,"
        + " error_message, consumer_group FROM sink_quarantine ORDER BY topic");
    assertThat(rows).hasSize(2);
    Map<String, Object> poison = rows.get(0);
    assertThat(poison.get("topic")).isEqualTo(Topics.PURCHASE_OUTCOMES);
    assertThat((byte[]) poison.get("record_value")).isEqualTo(POISON);
    assertThat((byte[]) poison.get("record_key")).isEqualTo("poison".getBytes(StandardCharsets.UTF_8));
    assertThat(poison.get("error_class")).isEqualTo("org.apache.kafka.common.errors.SerializationException");
    assertThat(poison.get("sql_state")).isNull();
    assertThat((String) poison.get("error_message")).contains("Confluent wire format");
    assertThat(poison.get("consumer_group")).isEqualTo(SinkConfig.DEFAULT_SINK_GROUP);

    Map<String, Object> sale = rows.get(1);
    assertThat(sale.get("topic")).isEqualTo(Topics.SALES);
    assertThat(sale.get("sql_state")).isEqualTo("22021");
    assertThat((String) sale.get("error_message")).contains("0x00");
    assertThat(sale.get("error_class")).isEqualTo("org.postgresql.util.PSQLException");
    Sale stored = Topics.using(SchemaRegistry.forUrl(REGISTRY)).sales.valueSerde().deserializer()
        .deserialize(Topics.SALES, (byte[]) sale.get("record_value"));
    assertThat(stored).isEqualTo(refusedSale);
  }

  /** Where each partition the sink reads ends, read_committed, leaving out those that are empty. */
  private Map<TopicPartition, Long> logEnds() {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(Topics.SALES, Topics.PURCHASE_OUTCOMES, Topics.PAYMENT_EVENTS, Topics.CORRECTIONS)) {
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
      ends.values().removeIf(end -> end == 0);
      return ends;
    }
  }

  private static Map<TopicPartition, Long> storedPositions(Books books) {
    Map<TopicPartition, Long> stored = new HashMap<>();
    books.rows("SELECT topic, kafka_partition, next_offset FROM sink_offsets").forEach(row -> stored.put(
        new TopicPartition((String) row.get("topic"), (Integer) row.get("kafka_partition")), (Long) row.get("next_offset")));
    return stored;
  }
}
