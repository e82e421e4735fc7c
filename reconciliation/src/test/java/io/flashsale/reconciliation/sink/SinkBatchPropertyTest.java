package io.flashsale.reconciliation.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.sink.BatchWriter.Mode;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * The sink's batched writing (a whole poll in one statement per table, {@link BatchedLedger}) writes the same rows
 * as its record-by-record writing ({@link Ledger}, each record under its own savepoint): the same polls of a sale's
 * outcomes (see {@link SinkOrderPropertyTest}) are written both ways into two databases, and every row of the
 * books compares equal, column by column (orders, order_events, refunds_due, the sale's counts, the gate's
 * sequences and waiting outcomes, the positions). The batched side carries where the gate's sales stand from one
 * commit to the next ({@link SequenceGate.Memory}), as the sink does; the record-by-record side asks the database.
 */
class SinkBatchPropertyTest {
  private static final Books BATCHED = migrated(Books.fresh(TestInfrastructure.postgres()));
  private static final Books ROW_BY_ROW = migrated(Books.fresh(TestInfrastructure.postgres()));
  private static final Map<Books, Jdbi> JDBI = Map.of(BATCHED, BATCHED.pooledJdbi(), ROW_BY_ROW, ROW_BY_ROW.pooledJdbi());
  private static final Topics TOPICS = Topics.using(SchemaRegistry.forUrl("mock://sink-order-property"));

  @Property(tries = 30)
  void batchedWritingWritesTheSameRowsAsRecordByRecord(@ForAll long seed, @ForAll @IntRange(min = 1, max = 2) int shards) {
    Random random = new Random(seed);
    SinkOrderPropertyTest.Log log = SinkOrderPropertyTest.Log.decide(random, shards, 5 + random.nextInt(10),
        30 + random.nextInt(60), false);
    List<Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>>> polls = polls(log, random);
    String group = "batch-" + log.sale.getSaleId();
    write(BATCHED, group, polls, Mode.WHOLE);
    write(ROW_BY_ROW, group, polls, Mode.ONE_BY_ONE);

    String sale = log.sale.getSaleId();
    for (String query : List.of(
        "SELECT * FROM orders WHERE sale_id = ? ORDER BY request_id",
        "SELECT topic, kafka_partition, kafka_offset, request_id, sale_id, user_id, quantity, status, reason, decided_at,"
            + " hold_expires_at, payment_id, amount_cents, currency FROM order_events WHERE sale_id = ?"
            + " ORDER BY kafka_partition, kafka_offset",
        "SELECT * FROM refunds_due WHERE sale_id = ? ORDER BY payment_id",
        "SELECT * FROM sales WHERE sale_id = ?",
        "SELECT * FROM sink_sale_sequences WHERE sequence_key LIKE ? || '%' ORDER BY sequence_key",
        "SELECT sequence_key, sale_sequence, topic, kafka_partition, kafka_offset FROM sink_pending_outcomes"
            + " WHERE sale_id = ? ORDER BY 1, 2")) {
      assertThat(BATCHED.rows(query, sale)).as(query).isEqualTo(ROW_BY_ROW.rows(query, sale)).isNotNull();
    }
    String positions = "SELECT topic, kafka_partition, next_offset FROM sink_offsets WHERE consumer_group = ? ORDER BY 1, 2";
    assertThat(BATCHED.rows(positions, group)).isEqualTo(ROW_BY_ROW.rows(positions, group));
    assertThat(BATCHED.count("SELECT count(*) FROM orders WHERE sale_id = ?", sale)).isEqualTo(log.finalStatus.size());
  }

  /** The sale first, then random runs of random partitions, each poll a run of records from several. */
  private static List<Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>>> polls(SinkOrderPropertyTest.Log log,
                                                                                          Random random) {
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = log.records();
    List<Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>>> polls = new ArrayList<>();
    TopicPartition sales = new TopicPartition(Topics.SALES, 0);
    polls.add(Map.of(sales, records.remove(sales)));
    Map<TopicPartition, Integer> next = new HashMap<>();
    records.keySet().forEach(tp -> next.put(tp, 0));
    while (records.entrySet().stream().anyMatch(e -> next.get(e.getKey()) < e.getValue().size())) {
      Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> poll = new LinkedHashMap<>();
      records.forEach((tp, all) -> {
        int from = next.get(tp);
        if (from < all.size() && random.nextInt(3) > 0) {
          int take = 1 + random.nextInt(Math.min(all.size() - from, 25));
          poll.put(tp, all.subList(from, from + take));
          next.put(tp, from + take);
        }
      });
      if (!poll.isEmpty()) {
        polls.add(poll);
      }
    }
    return polls;
  }

  /** Writes the polls in order, each in its transaction, the way {@code mode} writes a poll. */
  private static void write(Books books, String group, List<Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>>> polls,
                            Mode mode) {
    Jdbi jdbi = JDBI.get(books);
    TopicPartition sales = new TopicPartition(Topics.SALES, 0);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    List<TopicPartition> all = new ArrayList<>(List.of(sales));
    for (int p = 0; p < 4; p++) {
      all.add(new TopicPartition(Topics.PURCHASE_OUTCOMES, p));
    }
    consumer.assign(all);
    Map<TopicPartition, Long> ends = new HashMap<>();
    all.forEach(tp -> ends.put(tp, Long.MAX_VALUE));
    ends.put(sales, polls.get(0).get(sales).get(0).offset() + 1);
    consumer.updateEndOffsets(ends);
    SinkPositions positions = new SinkPositions(group);
    BatchWriter writer = new BatchWriter(group, new RecordDecoder(TOPICS), positions, consumer, List.of(sales));
    HashSet<String> knownSales = new HashSet<>();
    // Batched as the sink writes: where the gate's sales stand carried from one commit to the next; record by
    // record, read from the database in every transaction.
    SequenceGate.Memory sequences = new SequenceGate.Memory();
    for (Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> poll : polls) {
      poll.forEach((tp, taken) -> consumer.seek(tp, taken.get(taken.size() - 1).offset() + 1));
      BatchWriter.Batch batch = jdbi.inTransaction(h -> mode == Mode.WHOLE
          ? writer.write(h, new ConsumerRecords<>(poll, Map.of()), knownSales, sequences, mode)
          : writer.write(h, new ConsumerRecords<>(poll, Map.of()), knownSales, mode));
      assertThat(batch.heldAt()).isEmpty();
      positions.committed(batch.written());
      knownSales.addAll(batch.salesAdded());
      if (mode == Mode.WHOLE) {
        sequences.committed(batch.sequences());
      }
    }
  }

  private static Books migrated(Books books) {
    Flyway.configure().dataSource(books.url, books.user, books.password).load().migrate();
    return books;
  }
}
