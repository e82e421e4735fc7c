package io.flashsale.reconciliation.sink;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.sink.BatchWriter.Batch;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.Sales;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * How many outcomes a second the sink writes into PostgreSQL: the sink's own poll writing ({@link PollWriter}, as
 * every poll) fed polls of {@code FLASHSALE_SINK_MAX_POLL_RECORDS} records of a flash sale's outcomes (holds, then
 * payments and expiries, numbered per sale, keyed by request over eight partitions), against the embedded
 * PostgreSQL. The records are encoded before the clock starts; no broker. Not a test: run it with
 * {@code java -cp <test classpath> io.flashsale.reconciliation.SinkThroughput [outcomes] [poll size]}.
 */
public final class SinkThroughput {
  private static final int PARTITIONS = 8;
  private static final int SALES = 10;

  public static void main(String[] args) {
    int outcomes = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int pollSize = args.length > 1 ? Integer.parseInt(args[1]) : SinkConfig.DEFAULT_SINK_MAX_POLL_RECORDS;
    Books books = Books.fresh(TestInfrastructure.postgres());
    Flyway.configure().dataSource(books.url, books.user, books.password).load().migrate();
    // Pooled connections, as the sink has them (SinkConfig.poolConfig): a connection per poll would time its login.
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(books.url);
    pool.setUsername(books.user);
    pool.setPassword(books.password);
    pool.setMaximumPoolSize(SinkConfig.DEFAULT_DATABASE_POOL_SIZE);
    Jdbi jdbi = Jdbi.create(new HikariDataSource(pool)).installPlugin(new SqlObjectPlugin());
    Topics topics = Topics.using(SchemaRegistry.forUrl("mock://sink-throughput"));
    Instant opening = Instant.parse("2026-11-20T10:00:00Z");

    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log = new LinkedHashMap<>();
    TopicPartition salesPartition = new TopicPartition(Topics.SALES, 0);
    List<ConsumerRecord<byte[], byte[]>> sales = new ArrayList<>();
    for (int s = 0; s < SALES; s++) {
      Sale sale = Sales.opening("tp-" + s, "sku-tp-" + s, outcomes, 100, opening).setName("Throughput " + s)
          .setPriceCents(500).setCurrency("EUR").build();
      sales.add(new ConsumerRecord<>(Topics.SALES, 0, s, sale.getSku().getBytes(),
          topics.sales.valueSerde().serializer().serialize(Topics.SALES, sale)));
    }
    log.put(salesPartition, sales);
    for (int p = 0; p < PARTITIONS; p++) {
      log.put(new TopicPartition(Topics.PURCHASE_OUTCOMES, p), new ArrayList<>());
    }
    long[] sequence = new long[SALES];
    int requests = outcomes / 2;
    for (int n = 0; n < outcomes; n++) {
      int request = n % requests;
      int s = request % SALES;
      String requestId = "tp-req-" + request;
      OutcomeStatus status = n < requests ? OutcomeStatus.ACCEPTED
          : request % 3 == 0 ? OutcomeStatus.EXPIRED : OutcomeStatus.CONFIRMED;
      PurchaseOutcome.Builder o = PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId("tp-" + s)
          .setSku("sku-tp-" + s).setUserId("user-" + request).setQuantity(1).setStatus(status)
          .setDecidedAt(opening.plusMillis(n)).setRequestPartition(0).setRequestOffset(request)
          .setSaleSequence(++sequence[s]);
      if (status == OutcomeStatus.ACCEPTED) {
        o.setHoldExpiresAt(opening.plusSeconds(60));
      } else if (status == OutcomeStatus.CONFIRMED) {
        o.setPaymentId("pay-" + requestId).setAmountCents(500L).setCurrency("EUR");
      }
      TopicPartition tp = new TopicPartition(Topics.PURCHASE_OUTCOMES, Math.floorMod(requestId.hashCode(), PARTITIONS));
      List<ConsumerRecord<byte[], byte[]>> records = log.get(tp);
      records.add(new ConsumerRecord<>(tp.topic(), tp.partition(), records.size(), requestId.getBytes(),
          topics.purchaseOutcomes.valueSerde().serializer().serialize(tp.topic(), o.build())));
    }

    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.assign(log.keySet());
    Map<TopicPartition, Long> ends = new HashMap<>();
    log.forEach((tp, records) -> ends.put(tp, (long) records.size()));
    consumer.updateEndOffsets(ends);
    Map<TopicPartition, Long> next = new HashMap<>();
    log.keySet().forEach(tp -> next.put(tp, 0L));
    SinkPositions positions = new SinkPositions("throughput");
    PollWriter writer = new PollWriter(jdbi, new BatchWriter("throughput", new RecordDecoder(topics), positions,
        consumer, List.of(salesPartition)), positions);

    long written = 0;
    long started = System.nanoTime();
    while (next.entrySet().stream().anyMatch(e -> e.getValue() < ends.get(e.getKey()))) {
      // As a caught-up consumer returns them: up to a poll's worth, a run from each partition in turn.
      Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> polled = new LinkedHashMap<>();
      int room = pollSize;
      int perPartition = Math.max(1, pollSize / log.size());
      for (TopicPartition tp : log.keySet()) {
        int from = next.get(tp).intValue();
        int take = (int) Math.min(Math.min(perPartition, room), ends.get(tp) - from);
        if (take > 0) {
          polled.put(tp, log.get(tp).subList(from, from + take));
          room -= take;
        }
      }
      polled.forEach((tp, taken) -> consumer.seek(tp, next.get(tp) + taken.size()));
      Batch batch = writer.write(new ConsumerRecords<>(polled, Map.of()));
      polled.forEach((tp, taken) -> next.put(tp, batch.heldAt().getOrDefault(tp, next.get(tp) + taken.size())));
      written += batch.count();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long orders = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM orders").mapTo(Long.class).one());
    System.out.printf("sink: %,d records in %.1f s, %,.0f outcomes/s into PostgreSQL (polls of %d; %,d orders)%n",
        written, seconds, written / seconds, pollSize, orders);
    System.exit(0);
  }
}
