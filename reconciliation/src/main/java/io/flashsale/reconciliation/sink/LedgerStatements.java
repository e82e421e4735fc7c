package io.flashsale.reconciliation.sink;

import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindBean;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The SQL of the sink. Inserts of what may be read twice are {@code ON CONFLICT DO NOTHING} and answer how
 * many rows they wrote, so the caller applies a record's effects only once; order updates name the state
 * they move from, so a state only ever moves forward.
 */
interface LedgerStatements {

  /** The state of an order, as far as applying an outcome needs it. */
  record OrderState(String status, String saleId, int quantity) {}

  /** Where the sink goes on in one partition, and which sink instance last moved it there (null: unknown). */
  record StoredOffset(String topic, int partition, long nextOffset, String writtenBy) {}

  // The first definition of a sale wins, as in the topology.
  @SqlUpdate("""
      INSERT INTO sales (sale_id, sku, name, stock, per_user_limit, price_cents, currency, allocation,
                         starts_at, ends_at, hold_seconds, created_at, shards, description, original_price_cents)
      VALUES (:saleId, :sku, :name, :stock, :perUserLimit, :priceCents, :currency, :allocation,
              :startsAt, :endsAt, :holdSeconds, :createdAt, :shards, :description, :originalPriceCents)
      ON CONFLICT (sale_id) DO NOTHING""")
  int insertSale(@BindBean Sale sale);

  /** Every sale's move of a transaction in one statement (a sale appears once). */
  @SqlUpdate("""
      UPDATE sales s SET reserved = s.reserved + u.r, confirmed = s.confirmed + u.c
      FROM unnest(:saleIds, :reserved, :confirmed) AS u(id, r, c)
      WHERE s.sale_id = u.id""")
  int moveStocks(@Bind("saleIds") String[] saleIds, @Bind("reserved") Integer[] reservedDeltas,
                 @Bind("confirmed") Integer[] confirmedDeltas);

  @SqlQuery("SELECT EXISTS (SELECT 1 FROM sales WHERE sale_id = :saleId)")
  boolean saleExists(@Bind("saleId") String saleId);

  @SqlUpdate("""
      UPDATE sales SET reserved = reserved + :reserved, confirmed = confirmed + :confirmed
      WHERE sale_id = :saleId""")
  int moveStock(@Bind("saleId") String saleId, @Bind("reserved") int reservedDelta,
                @Bind("confirmed") int confirmedDelta);

  @SqlUpdate("""
      INSERT INTO order_events (topic, kafka_partition, kafka_offset, request_id, sale_id, user_id, quantity,
                                status, reason, decided_at, hold_expires_at, payment_id, amount_cents, currency,
                                flow_id)
      VALUES (:topic, :partition, :offset, :o.requestId, :o.saleId, :o.userId, :o.quantity,
              :o.status, :o.reason, :o.decidedAt, :o.holdExpiresAt, :o.paymentId, :o.amountCents, :o.currency,
              :o.flowId)
      ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING""")
  int insertOrderEvent(@Bind("topic") String topic, @Bind("partition") int partition, @Bind("offset") long offset,
                       @BindBean("o") PurchaseOutcome outcome);

  /** A first decision (ACCEPTED or REJECTED) opens the order. */
  @SqlUpdate("""
      INSERT INTO orders (request_id, sale_id, sku, user_id, quantity, status, reason, decided_at, hold_expires_at,
                          request_partition, request_offset, last_outcome_offset, flow_id)
      VALUES (:o.requestId, :o.saleId, :o.sku, :o.userId, :o.quantity, :o.status, :o.reason, :o.decidedAt,
              :o.holdExpiresAt, :o.requestPartition, :o.requestOffset, :offset, :o.flowId)
      ON CONFLICT (request_id) DO NOTHING""")
  int openOrder(@BindBean("o") PurchaseOutcome outcome, @Bind("offset") long offset);

  /**
   * Ends a hold (or confirms a late payment), only from one of the states named, and answers the state it
   * moved from; empty if the order was in none of them. The self-join reads the row as it was before.
   */
  @SqlQuery("""
      UPDATE orders o
      SET status = :o.status, ended_at = :o.decidedAt, last_outcome_offset = :offset,
          payment_id = coalesce(:o.paymentId, o.payment_id), amount_cents = coalesce(:o.amountCents, o.amount_cents),
          currency = coalesce(:o.currency, o.currency)
      FROM orders before
      WHERE o.request_id = :o.requestId AND before.request_id = o.request_id AND before.status IN (<from>)
      RETURNING before.status, o.sale_id, o.quantity""")
  @RegisterConstructorMapper(OrderState.class)
  Optional<OrderState> endOrder(@BindBean("o") PurchaseOutcome outcome, @Bind("offset") long offset,
                                @BindList("from") List<String> fromStatuses);

  /**
   * A refund owed; already made if the provider's REFUNDED event is in the books: the payment events and the
   * outcomes are different topics, and the sink may read the refund before the decision that owes it.
   */
  @SqlUpdate("""
      INSERT INTO refunds_due (payment_id, request_id, sale_id, amount_cents, currency, created_at, refunded_at)
      VALUES (:paymentId, :requestId, :saleId, :amountCents, :currency, :decidedAt,
              (SELECT min(p.occurred_at) FROM payments p WHERE p.payment_id = :paymentId AND p.type = 'REFUNDED'
                 AND (p.order_id IS NULL OR p.request_id = :requestId)))
      ON CONFLICT (payment_id, request_id) DO NOTHING""")
  int insertRefundDue(@BindBean PurchaseOutcome outcome);

  @SqlUpdate("""
      INSERT INTO payments (event_id, payment_id, request_id, sale_id, sku, type, amount_cents, currency,
                            occurred_at, received_at, flow_id, order_id)
      VALUES (:eventId, :paymentId, :requestId, :saleId, :sku, :type, :amountCents, :currency,
              :occurredAt, :receivedAt, :flowId, :orderId)
      ON CONFLICT (event_id) DO NOTHING""")
  int insertPayment(@BindBean PaymentEvent event);

  /** An order's refund comes per item ({@code orderId} set): it settles that item's refund owed only. */
  @SqlUpdate("""
      UPDATE refunds_due SET refunded_at = :at
      WHERE payment_id = :paymentId AND refunded_at IS NULL
        AND (CAST(:orderId AS text) IS NULL OR request_id = :requestId)""")
  int markRefunded(@Bind("paymentId") String paymentId, @Bind("orderId") String orderId,
                   @Bind("requestId") String requestId, @Bind("at") Instant refundedAt);

  @SqlQuery("""
      SELECT topic, kafka_partition AS partition, next_offset, written_by
      FROM sink_offsets WHERE consumer_group = :group""")
  @RegisterConstructorMapper(StoredOffset.class)
  List<StoredOffset> offsets(@Bind("group") String group);

  /**
   * Moves a partition's position, but only from where this sink last left it ({@code expected}, null if
   * it never wrote one): 0 rows means another writer moved it, and the batch must not commit. The row names
   * the sink instance that moved it, so that after a COMMIT whose answer was lost the sink can recognise its
   * own position.
   */
  @SqlUpdate("""
      INSERT INTO sink_offsets (consumer_group, topic, kafka_partition, next_offset, written_by)
      VALUES (:group, :topic, :partition, :next, :writer)
      ON CONFLICT (consumer_group, topic, kafka_partition)
      DO UPDATE SET next_offset = excluded.next_offset, written_by = excluded.written_by
      WHERE sink_offsets.next_offset = :expected""")
  int moveOffset(@Bind("group") String group, @Bind("topic") String topic, @Bind("partition") int partition,
                 @Bind("next") long nextOffset, @Bind("expected") Long expected, @Bind("writer") String writer);

  /** Moves positions this sink wrote before, each only from where it left it; answers how many moved. */
  @SqlUpdate("""
      UPDATE sink_offsets s SET next_offset = u.n, written_by = :writer
      FROM unnest(:topics, :partitions, :nexts, :expected) AS u(t, p, n, e)
      WHERE s.consumer_group = :group AND s.topic = u.t AND s.kafka_partition = u.p AND s.next_offset = u.e""")
  int moveOffsets(@Bind("group") String group, @Bind("topics") String[] topics, @Bind("partitions") Integer[] partitions,
                  @Bind("nexts") Long[] nextOffsets, @Bind("expected") Long[] expected, @Bind("writer") String writer);

  /** Sets a record aside with the evidence of why it could not be written; a record is set aside once. */
  @SqlUpdate("""
      INSERT INTO sink_quarantine (topic, kafka_partition, kafka_offset, consumer_group, record_key, record_value,
                                   record_timestamp, error_class, sql_state, error_message)
      VALUES (:topic, :partition, :offset, :group, :key, :value, :timestamp, :errorClass, :sqlState, :errorMessage)
      ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING""")
  int quarantine(@Bind("topic") String topic, @Bind("partition") int partition, @Bind("offset") long offset,
                 @Bind("group") String group, @Bind("key") byte[] key, @Bind("value") byte[] value,
                 @Bind("timestamp") Instant timestamp, @Bind("errorClass") String errorClass,
                 @Bind("sqlState") String sqlState, @Bind("errorMessage") String errorMessage);
}
