package io.flashsale.reconciliation.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.sink.BatchWriter.Batch;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.Sales;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The sink's books are the topology's log whatever order the partitions of purchase-outcomes arrive in. One sale
 * (or one sale of two stock shards) is decided as the topology decides it — holds, sold-out rejections, expiries,
 * cancellations, payments in time and late, refunds due — every outcome numbered in its sale's (shard's) order and
 * keyed by request over four partitions. The records are then handed to the sink's own poll writing
 * ({@link PollWriter}, the path of every poll) in a random interleaving of the partitions, in polls of random
 * sizes, with the sale's own partition read at a random moment and the sink restarted from its stored positions at
 * random: the books end identical to the log (the sale's counts, one order per request in its last state, one
 * history row per record), nothing waits and nothing is quarantined. A log that really oversells (a hold of a unit
 * that is not there) loses exactly that record to the quarantine, and nothing else.
 *
 * <p>No broker: the records are what a consumer would have returned, against the shared PostgreSQL.
 */
class SinkOrderPropertyTest {
  private static final int PARTITIONS = 4;
  private static final Instant OPENING = Instant.parse("2026-11-20T10:00:00Z");
  private static final Books BOOKS = migrated(Books.fresh(TestInfrastructure.postgres()));
  private static final Jdbi JDBI = BOOKS.pooledJdbi();
  private static final Topics TOPICS = Topics.using(SchemaRegistry.forUrl("mock://sink-order-property"));
  /** Each try's records lie at offsets of their own, as the books share one history table across tries. */
  private static final AtomicLong OFFSETS = new AtomicLong();

  @Property(tries = 60)
  void theBooksEndAsTheLogInAnyOrderOfPartitions(@ForAll long seed, @ForAll @IntRange(min = 1, max = 2) int shards) {
    Random random = new Random(seed);
    Log log = Log.decide(random, shards, 8 + random.nextInt(12), 30 + random.nextInt(60), false);
    deliver(log, random);

    assertBooksAre(log);
    assertThat(BOOKS.count("SELECT count(*) FROM sink_quarantine WHERE kafka_offset >= ? AND kafka_offset < ?",
        log.firstOffset, log.firstOffset + log.size())).isZero();
  }

  @Property(tries = 25)
  void aLogThatReallyOversellsLosesExactlyThatRecordToTheQuarantine(@ForAll long seed) {
    Random random = new Random(seed);
    Log log = Log.decide(random, 1, 3 + random.nextInt(5), 30 + random.nextInt(40), true);
    deliver(log, random);

    assertBooksAre(log);
    Placed oversold = log.oversold;
    assertThat(BOOKS.rows("SELECT topic, kafka_partition, kafka_offset, sql_state FROM sink_quarantine"
            + " WHERE kafka_offset >= ? AND kafka_offset < ?", log.firstOffset, log.firstOffset + log.size()))
        .containsExactly(Map.of("topic", Topics.PURCHASE_OUTCOMES, "kafka_partition", oversold.partition,
            "kafka_offset", oversold.offset, "sql_state", "23514"));
  }

  /** The books hold the log's outcomes, except one set aside for overselling. */
  private static void assertBooksAre(Log log) {
    String saleId = log.sale.getSaleId();
    assertThat(BOOKS.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", saleId))
        .containsExactly(Map.of("reserved", log.reserved, "confirmed", log.confirmed));
    Map<String, String> orders = BOOKS.rows("SELECT request_id, status FROM orders WHERE sale_id = ?", saleId).stream()
        .collect(Collectors.toMap(r -> (String) r.get("request_id"), r -> (String) r.get("status")));
    assertThat(orders).isEqualTo(log.finalStatus);
    assertThat(BOOKS.count("SELECT count(*) FROM order_events WHERE sale_id = ?", saleId))
        .isEqualTo(log.size() - (log.oversold == null ? 0 : 1));
    assertThat(BOOKS.count("SELECT count(*) FROM refunds_due WHERE sale_id = ?", saleId)).isEqualTo(log.refundsDue);
    assertThat(BOOKS.count("SELECT count(*) FROM sink_pending_outcomes WHERE sale_id = ?", saleId)).isZero();
    for (Map.Entry<String, Long> last : log.lastSequence.entrySet()) {
      assertThat(BOOKS.count("SELECT applied FROM sink_sale_sequences WHERE sequence_key = ?", last.getKey()))
          .as("last applied of %s", last.getKey()).isEqualTo(last.getValue());
    }
  }

  /**
   * Hands the log to the sink's poll writing in random polls: each takes a random run of records from each of a
   * random set of partitions, and goes on from where the sink says it holds (a partition stops at an outcome whose
   * sale is not in the books yet). Now and then the sink restarts from the positions it stored.
   */
  private static void deliver(Log log, Random random) {
    String group = "property-" + UUID.randomUUID();
    TopicPartition salesPartition = new TopicPartition(Topics.SALES, 0);
    List<TopicPartition> all = new ArrayList<>(List.of(salesPartition));
    for (int p = 0; p < PARTITIONS; p++) {
      all.add(new TopicPartition(Topics.PURCHASE_OUTCOMES, p));
    }
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = log.records();
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.assign(all);
    Map<TopicPartition, Long> beginnings = new HashMap<>();
    Map<TopicPartition, Long> ends = new HashMap<>();
    all.forEach(tp -> {
      beginnings.put(tp, log.firstOffset);
      ends.put(tp, log.firstOffset + records.get(tp).size());
    });
    consumer.updateBeginningOffsets(beginnings);
    consumer.updateEndOffsets(ends);
    Map<TopicPartition, Long> next = new HashMap<>(beginnings);

    SinkPositions positions = new SinkPositions(group);
    PollWriter writer = sinkOf(group, positions, consumer, salesPartition);
    for (int poll = 0; next.entrySet().stream().anyMatch(e -> e.getValue() < ends.get(e.getKey())); poll++) {
      assertThat(poll).as("polls to deliver %d records", log.size()).isLessThan(20 * log.size() + 100);
      if (random.nextInt(12) == 0) { // a restart: only what the database holds goes on
        positions = new SinkPositions(group);
        positions.load(JDBI);
        writer = sinkOf(group, positions, consumer, salesPartition);
        for (TopicPartition tp : all) {
          Long stored = positions.next(tp);
          next.put(tp, stored == null ? log.firstOffset : stored);
        }
      }
      Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> polled = new LinkedHashMap<>();
      for (TopicPartition tp : all) {
        long from = next.get(tp);
        long left = ends.get(tp) - from;
        if (left > 0 && random.nextInt(3) > 0) {
          int take = 1 + random.nextInt((int) Math.min(left, 12));
          int index = (int) (from - log.firstOffset);
          polled.put(tp, records.get(tp).subList(index, index + take));
        }
      }
      if (polled.isEmpty()) {
        continue;
      }
      all.forEach(tp -> consumer.seek(tp, next.get(tp) + (polled.containsKey(tp) ? polled.get(tp).size() : 0)));
      Batch batch = writer.write(new ConsumerRecords<>(polled, Map.of()));
      polled.forEach((tp, taken) -> next.put(tp, batch.heldAt().getOrDefault(tp, next.get(tp) + taken.size())));
    }
  }

  private static PollWriter sinkOf(String group, SinkPositions positions, MockConsumer<byte[], byte[]> consumer,
                                   TopicPartition salesPartition) {
    BatchWriter batches = new BatchWriter(group, new RecordDecoder(TOPICS), positions, consumer,
        List.of(salesPartition));
    return new PollWriter(JDBI, batches, positions);
  }

  private static Books migrated(Books books) {
    Flyway.configure().dataSource(books.url, books.user, books.password).load().migrate();
    return books;
  }

  /** An outcome and where it lies in purchase-outcomes. */
  record Placed(PurchaseOutcome outcome, int partition, long offset) {}

  /** One sale as the topology decides it, and what its books must end as. */
  static final class Log {
    final Sale sale;
    final long firstOffset = OFFSETS.getAndAdd(1_000_000);
    final List<Placed> outcomes = new ArrayList<>();
    final Map<Integer, Long> nextOffset = new HashMap<>();
    final Map<String, Long> lastSequence = new LinkedHashMap<>();
    final Map<String, String> finalStatus = new HashMap<>();
    int reserved;
    int confirmed;
    long refundsDue;
    Placed oversold;

    private Log(Sale sale) {
      this.sale = sale;
    }

    int size() {
      return outcomes.size();
    }

    /**
     * Decides {@code steps} requests and hold ends over the sale's shards, with {@code stock} units split between
     * them; with {@code oversell}, one hold is taken when no unit is left, and nothing else happens to it.
     */
    static Log decide(Random random, int shards, int stock, int steps, boolean oversell) {
      String saleId = "prop-" + UUID.randomUUID();
      Sale sale = Sales.opening(saleId, "sku-" + saleId, stock, 100, OPENING).setName("Property kettle")
          .setPriceCents(500).setCurrency("EUR").setShards(shards).build();
      Log log = new Log(sale);
      List<Sale> deciding = Shards.deciding(sale);
      int[] available = deciding.stream().mapToInt(Sale::getStock).toArray();
      List<List<String[]>> holds = new ArrayList<>(); // per shard: live holds {requestId, quantity}
      List<List<String[]>> ended = new ArrayList<>(); // per shard: expired or cancelled holds, not paid yet
      deciding.forEach(s -> {
        holds.add(new ArrayList<>());
        ended.add(new ArrayList<>());
      });
      int oversellAt = oversell ? steps / 2 : -1;
      for (int step = 0, request = 0; step < steps; step++) {
        int shard = random.nextInt(deciding.size());
        Sale decider = deciding.get(shard);
        int action = random.nextInt(10);
        if (step >= oversellAt && oversellAt >= 0 && log.oversold == null && available[shard] == 0) {
          log.oversold = log.add(decider, "r" + ++request, 1, OutcomeStatus.ACCEPTED, null, random);
        } else if (action < 5 || holds.get(shard).isEmpty() && ended.get(shard).isEmpty()) {
          String requestId = "r" + ++request;
          int quantity = 1 + random.nextInt(2);
          if (available[shard] >= quantity) {
            available[shard] -= quantity;
            log.reserved += quantity;
            holds.get(shard).add(new String[] {requestId, String.valueOf(quantity)});
            log.add(decider, requestId, quantity, OutcomeStatus.ACCEPTED, "ACCEPTED", random);
          } else {
            log.add(decider, requestId, quantity, OutcomeStatus.REJECTED, "REJECTED", random);
          }
        } else if (action < 8 && !holds.get(shard).isEmpty()) {
          String[] hold = holds.get(shard).remove(random.nextInt(holds.get(shard).size()));
          int quantity = Integer.parseInt(hold[1]);
          log.reserved -= quantity;
          if (random.nextBoolean()) {
            log.confirmed += quantity;
            log.add(decider, hold[0], quantity, OutcomeStatus.CONFIRMED, "CONFIRMED", random);
          } else {
            available[shard] += quantity;
            OutcomeStatus end = random.nextBoolean() ? OutcomeStatus.EXPIRED : OutcomeStatus.CANCELLED;
            ended.get(shard).add(hold);
            log.add(decider, hold[0], quantity, end, end.name(), random);
          }
        } else if (!ended.get(shard).isEmpty()) {
          // A payment after the hold ended: sold from what is left, or owed back.
          String[] hold = ended.get(shard).remove(random.nextInt(ended.get(shard).size()));
          int quantity = Integer.parseInt(hold[1]);
          if (available[shard] >= quantity) {
            available[shard] -= quantity;
            log.confirmed += quantity;
            log.add(decider, hold[0], quantity, OutcomeStatus.CONFIRMED, "CONFIRMED", random);
          } else {
            log.refundsDue++;
            log.add(decider, hold[0], quantity, OutcomeStatus.REFUND_DUE, null, random);
          }
        }
      }
      for (int request = steps; oversell && log.oversold == null; request++) {
        // Not oversold yet: holds take what is left, then one more.
        String requestId = "r" + request + "-last";
        if (available[0] > 0) {
          available[0]--;
          log.reserved++;
          log.add(deciding.get(0), requestId, 1, OutcomeStatus.ACCEPTED, "ACCEPTED", random);
        } else {
          log.oversold = log.add(deciding.get(0), requestId, 1, OutcomeStatus.ACCEPTED, null, random);
        }
      }
      return log;
    }

    /** The next outcome of {@code decider}, numbered in its order; {@code status} is the order's state after it. */
    private Placed add(Sale decider, String request, int quantity, OutcomeStatus outcomeStatus, String status,
                       Random random) {
      String requestId = sale.getSaleId() + "-" + request;
      long sequence = lastSequence.merge(decider.getSaleId(), 1L, Long::sum);
      PurchaseOutcome.Builder outcome = PurchaseOutcome.newBuilder().setRequestId(requestId)
          .setSaleId(decider.getSaleId()).setSku(decider.getSku()).setUserId("user-" + request).setQuantity(quantity)
          .setStatus(outcomeStatus).setDecidedAt(OPENING.plusMillis(outcomes.size())).setRequestPartition(0)
          .setRequestOffset(outcomes.size()).setSaleSequence(sequence);
      switch (outcomeStatus) {
        case ACCEPTED -> outcome.setHoldExpiresAt(OPENING.plusSeconds(60));
        case REJECTED -> outcome.setReason(RejectReason.SOLD_OUT);
        case CONFIRMED, REFUND_DUE -> outcome.setPaymentId("pay-" + requestId).setAmountCents(500L * quantity)
            .setCurrency("EUR");
        default -> { }
      }
      if (status != null) {
        finalStatus.put(requestId, status);
      }
      int partition = Math.floorMod(requestId.hashCode(), PARTITIONS);
      long offset = firstOffset + nextOffset.merge(partition, 1L, Long::sum) - 1;
      Placed placed = new Placed(outcome.build(), partition, offset);
      outcomes.add(placed);
      return placed;
    }

    /** Every partition's records as a consumer would return them: the sale on sales-0, outcomes by request. */
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records() {
      Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new HashMap<>();
      TopicPartition salesPartition = new TopicPartition(Topics.SALES, 0);
      records.put(salesPartition, List.of(new ConsumerRecord<>(Topics.SALES, 0, firstOffset, sale.getSku().getBytes(),
          TOPICS.sales.valueSerde().serializer().serialize(Topics.SALES, sale))));
      for (int p = 0; p < PARTITIONS; p++) {
        records.put(new TopicPartition(Topics.PURCHASE_OUTCOMES, p), new ArrayList<>());
      }
      for (Placed placed : outcomes) {
        records.get(new TopicPartition(Topics.PURCHASE_OUTCOMES, placed.partition)).add(new ConsumerRecord<>(
            Topics.PURCHASE_OUTCOMES, placed.partition, placed.offset, placed.outcome.getRequestId().getBytes(),
            TOPICS.purchaseOutcomes.valueSerde().serializer().serialize(Topics.PURCHASE_OUTCOMES, placed.outcome)));
      }
      return records;
    }
  }
}
