package io.flashsale.bench;

import io.flashsale.schemas.Topics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The books behind a flash, read as an accountant would: PostgreSQL's orders and outcome rows of a sale, and how far
 * the sink is behind the decisions (the committed end of {@code purchase-outcomes} against the positions the sink
 * keeps in {@code sink_offsets}, in offsets; a transaction's commit marker takes an offset too, so a caught-up sink
 * may be a marker or so behind per partition). One JDBC connection, so one caller at a time.
 */
final class FlashBooks implements AutoCloseable {
  private final Connection db;
  private final Admin admin;
  private final List<TopicPartition> outcomes;
  private final PreparedStatement held;
  private final PreparedStatement written;
  private final PreparedStatement positions;

  FlashBooks(Connection db, Admin admin) throws Exception {
    this.db = db;
    this.admin = admin;
    this.outcomes = admin.describeTopics(List.of(Topics.PURCHASE_OUTCOMES)).allTopicNames().get()
        .get(Topics.PURCHASE_OUTCOMES).partitions().stream()
        .map(p -> new TopicPartition(Topics.PURCHASE_OUTCOMES, p.partition())).toList();
    this.held = db.prepareStatement("SELECT count(*) FROM orders WHERE sale_id = ? AND status <> 'REJECTED'");
    this.written = db.prepareStatement("SELECT count(*) FROM order_events WHERE sale_id = ?");
    this.positions = db.prepareStatement("SELECT kafka_partition, next_offset FROM sink_offsets WHERE topic = ?");
  }

  /** Orders of the sale that hold (or held) stock: every accepted purchase, once it is in the books. */
  synchronized long ordersHeld(String saleId) throws SQLException {
    return count(held, saleId);
  }

  /** Outcome records of the sale written so far. */
  synchronized long outcomesWritten(String saleId) throws SQLException {
    return count(written, saleId);
  }

  /** Offsets of purchase-outcomes committed by the topology and not yet written by the sink. */
  synchronized long sinkLag() throws SQLException, ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    outcomes.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
    Map<Integer, Long> next = new HashMap<>();
    positions.setString(1, Topics.PURCHASE_OUTCOMES);
    try (ResultSet rows = positions.executeQuery()) {
      while (rows.next()) {
        next.merge(rows.getInt(1), rows.getLong(2), Math::max);
      }
    }
    long lag = 0;
    for (TopicPartition tp : outcomes) {
      lag += Math.max(0, ends.get(tp).offset() - next.getOrDefault(tp.partition(), 0L));
    }
    return lag;
  }

  /** Partitions of purchase-outcomes: a caught-up sink may trail by a commit marker on each. */
  int partitions() {
    return outcomes.size();
  }

  private static long count(PreparedStatement statement, String saleId) throws SQLException {
    statement.setString(1, saleId);
    try (ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Override
  public synchronized void close() throws SQLException {
    db.close();
  }
}
