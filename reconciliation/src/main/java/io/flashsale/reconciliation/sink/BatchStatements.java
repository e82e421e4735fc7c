package io.flashsale.reconciliation.sink;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The SQL of {@link BatchedLedger}: one statement per table for a whole poll, its rows passed as arrays and
 * spread by {@code unnest}. Times travel as epoch milliseconds (outcomes carry millisecond timestamps) and are
 * turned into timestamptz exactly, by integer arithmetic.
 */
interface BatchStatements {

  /** A position in purchase-outcomes: one the insert of a poll's history rows wrote, i.e. not recorded before. */
  record Position(int kafkaPartition, long kafkaOffset) {}

  /** An order as applying outcomes to it needs it. */
  record OrderRow(String requestId, String saleId, int quantity, String status, String paymentId, Long amountCents,
                  String currency) {}

  @SqlQuery("""
      SELECT request_id, sale_id, quantity, status, payment_id, amount_cents, currency FROM orders
      WHERE request_id = ANY(:ids)""")
  @RegisterConstructorMapper(OrderRow.class)
  List<OrderRow> orders(@Bind("ids") String[] requestIds);

  @SqlQuery("""
      INSERT INTO order_events (topic, kafka_partition, kafka_offset, request_id, sale_id, user_id, quantity, status,
                                reason, decided_at, hold_expires_at, payment_id, amount_cents, currency, flow_id)
      SELECT 'purchase-outcomes', p, o, r, s, us, q, st, re,
             timestamptz 'epoch' + d * interval '1 millisecond', timestamptz 'epoch' + h * interval '1 millisecond',
             pi, a, c, f
      FROM unnest(:partitions, :offsets, :requestIds, :saleIds, :userIds, :quantities, :statuses, :reasons,
                  :decidedAt, :holdExpiresAt, :paymentIds, :amounts, :currencies, :flowIds)
           AS u(p, o, r, s, us, q, st, re, d, h, pi, a, c, f)
      ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING
      RETURNING kafka_partition, kafka_offset""")
  @RegisterConstructorMapper(Position.class)
  List<Position> insertEvents(@Bind("partitions") Integer[] partitions, @Bind("offsets") Long[] offsets,
                   @Bind("requestIds") String[] requestIds, @Bind("saleIds") String[] saleIds,
                   @Bind("userIds") String[] userIds, @Bind("quantities") Integer[] quantities,
                   @Bind("statuses") String[] statuses, @Bind("reasons") String[] reasons,
                   @Bind("decidedAt") Long[] decidedAt, @Bind("holdExpiresAt") Long[] holdExpiresAt,
                   @Bind("paymentIds") String[] paymentIds, @Bind("amounts") Long[] amounts,
                   @Bind("currencies") String[] currencies, @Bind("flowIds") String[] flowIds);

  @SqlUpdate("""
      INSERT INTO orders (request_id, sale_id, sku, user_id, quantity, status, reason, decided_at, hold_expires_at,
                          ended_at, payment_id, amount_cents, currency, request_partition, request_offset,
                          last_outcome_offset, flow_id)
      SELECT r, s, k, us, q, st, re, timestamptz 'epoch' + d * interval '1 millisecond',
             timestamptz 'epoch' + h * interval '1 millisecond', timestamptz 'epoch' + e * interval '1 millisecond',
             pi, a, c, rp, ro, lo, f
      FROM unnest(:requestIds, :saleIds, :skus, :userIds, :quantities, :statuses, :reasons, :decidedAt,
                  :holdExpiresAt, :endedAt, :paymentIds, :amounts, :currencies, :requestPartitions, :requestOffsets,
                  :lastOffsets, :flowIds)
           AS u(r, s, k, us, q, st, re, d, h, e, pi, a, c, rp, ro, lo, f)
      ON CONFLICT (request_id) DO NOTHING""")
  int insertOrders(@Bind("requestIds") String[] requestIds, @Bind("saleIds") String[] saleIds,
                   @Bind("skus") String[] skus, @Bind("userIds") String[] userIds,
                   @Bind("quantities") Integer[] quantities, @Bind("statuses") String[] statuses,
                   @Bind("reasons") String[] reasons, @Bind("decidedAt") Long[] decidedAt,
                   @Bind("holdExpiresAt") Long[] holdExpiresAt, @Bind("endedAt") Long[] endedAt,
                   @Bind("paymentIds") String[] paymentIds, @Bind("amounts") Long[] amounts,
                   @Bind("currencies") String[] currencies, @Bind("requestPartitions") Integer[] requestPartitions,
                   @Bind("requestOffsets") Long[] requestOffsets, @Bind("lastOffsets") Long[] lastOffsets,
                   @Bind("flowIds") String[] flowIds);

  @SqlUpdate("""
      UPDATE orders o SET status = u.st, ended_at = timestamptz 'epoch' + u.e * interval '1 millisecond',
             last_outcome_offset = u.lo, payment_id = u.pi, amount_cents = u.a, currency = u.c
      FROM unnest(:requestIds, :statuses, :endedAt, :lastOffsets, :paymentIds, :amounts, :currencies)
           AS u(r, st, e, lo, pi, a, c)
      WHERE o.request_id = u.r
        AND o.request_id = ANY(:requestIds) -- lets the planner find the poll's orders by index, not by a scan""")
  int updateOrders(@Bind("requestIds") String[] requestIds, @Bind("statuses") String[] statuses,
                   @Bind("endedAt") Long[] endedAt, @Bind("lastOffsets") Long[] lastOffsets,
                   @Bind("paymentIds") String[] paymentIds, @Bind("amounts") Long[] amounts,
                   @Bind("currencies") String[] currencies);

  @SqlUpdate("""
      INSERT INTO refunds_due (payment_id, request_id, sale_id, amount_cents, currency, created_at, refunded_at)
      SELECT pi, r, s, a, c, timestamptz 'epoch' + d * interval '1 millisecond',
             (SELECT min(p.occurred_at) FROM payments p WHERE p.payment_id = u.pi AND p.type = 'REFUNDED'
                AND (p.order_id IS NULL OR p.request_id = u.r))
      FROM unnest(:paymentIds, :requestIds, :saleIds, :amounts, :currencies, :decidedAt) AS u(pi, r, s, a, c, d)
      ON CONFLICT (payment_id, request_id) DO NOTHING""")
  int insertRefundsDue(@Bind("paymentIds") String[] paymentIds, @Bind("requestIds") String[] requestIds,
                       @Bind("saleIds") String[] saleIds, @Bind("amounts") Long[] amounts,
                       @Bind("currencies") String[] currencies, @Bind("decidedAt") Long[] decidedAt);
}
