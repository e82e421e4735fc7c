package io.flashsale.reconciliation.nightly;

import io.flashsale.reconciliation.nightly.ReportStatements.FlowStep;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The SQL of {@link FlowTrace}: which flow each discrepancy belongs to, and the steps of those flows that the books
 * and the staged day hold. What the flows' ids were found on: the order or outcome of the discrepancy's request,
 * else the events of its payment (a payment for no known purchase names its flow in its own metadata).
 */
interface FlowStatements {

  /** Where a request of a flow is in purchase-requests. */
  record RequestPlace(String flowId, String requestId, String saleId, int requestPartition, long requestOffset) {}

  @SqlUpdate("""
      UPDATE reconciliation_discrepancies d SET flow_id = coalesce(
        (SELECT o.flow_id FROM orders o WHERE o.request_id = d.request_id),
        (SELECT l.flow_id FROM log_outcomes l WHERE l.request_id = d.request_id AND l.flow_id IS NOT NULL LIMIT 1),
        (SELECT p.flow_id FROM payments p WHERE p.payment_id = d.payment_id AND p.flow_id IS NOT NULL LIMIT 1),
        (SELECT l.flow_id FROM log_payments l WHERE l.payment_id = d.payment_id AND l.flow_id IS NOT NULL LIMIT 1),
        (SELECT p.flow_id FROM payments p WHERE p.request_id = d.request_id AND p.flow_id IS NOT NULL LIMIT 1))
      WHERE d.run_id = :run AND (d.request_id IS NOT NULL OR d.payment_id IS NOT NULL)""")
  int linkDiscrepancies(@Bind("run") String runId);

  /** The run's flows, at most {@code limit}, those of the discrepancies the report shows first, first. */
  @SqlQuery("""
      SELECT flow_id FROM reconciliation_discrepancies WHERE run_id = :run AND flow_id IS NOT NULL
      GROUP BY flow_id ORDER BY min(class || ' ' || subject), flow_id LIMIT :limit""")
  List<String> flows(@Bind("run") String runId, @Bind("limit") int limit);

  /**
   * The outcomes and payment events of the flows: in the books, and in the staged day where the books lack them
   * (what a discrepancy may be about). A request belongs to a flow by its order, its outcomes or its staged ones;
   * a payment by its request, or by the flow its own events name.
   */
  @SqlQuery("""
      WITH requests AS (
        SELECT flow_id, request_id FROM orders WHERE flow_id = ANY(:flows)
        UNION SELECT flow_id, request_id FROM order_events WHERE flow_id = ANY(:flows)
        UNION SELECT flow_id, request_id FROM log_outcomes WHERE flow_id = ANY(:flows)),
      events AS (
        SELECT r.flow_id, p.event_id FROM requests r JOIN payments p ON p.request_id = r.request_id
        UNION SELECT flow_id, event_id FROM payments WHERE flow_id = ANY(:flows)),
      log_events AS (
        SELECT r.flow_id, l.event_id FROM requests r JOIN log_payments l ON l.request_id = r.request_id
        UNION SELECT flow_id, event_id FROM log_payments WHERE flow_id = ANY(:flows))
      SELECT r.flow_id, 0 AS step_no, 'OUTCOME' AS step, e.decided_at AS at, 'database' AS source, e.sale_id,
             e.request_id, e.payment_id, e.status || coalesce(' ' || e.reason, '') AS detail
      FROM requests r JOIN order_events e ON e.request_id = r.request_id
      UNION
      SELECT r.flow_id, 0, 'OUTCOME', l.logged_at, 'log', l.sale_id, l.request_id, l.payment_id,
             l.status || ' (not in the database)'
      FROM requests r JOIN log_outcomes l ON l.request_id = r.request_id
      WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.topic = 'purchase-outcomes'
                        AND e.kafka_partition = l.kafka_partition AND e.kafka_offset = l.kafka_offset)
      UNION
      SELECT v.flow_id, 0, 'PAYMENT', p.received_at, 'database', p.sale_id, p.request_id, p.payment_id,
             p.type || ' ' || p.amount_cents || ' ' || p.currency
      FROM events v JOIN payments p ON p.event_id = v.event_id
      UNION
      SELECT v.flow_id, 0, 'PAYMENT', l.logged_at, 'log', l.sale_id, l.request_id, l.payment_id,
             l.type || ' ' || l.amount_cents || ' ' || l.currency || ' (not in the database)'
      FROM log_events v JOIN log_payments l ON l.event_id = v.event_id
      WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.event_id = l.event_id)""")
  @RegisterConstructorMapper(FlowStep.class)
  List<FlowStep> recordedSteps(@Bind("flows") String[] flowIds);

  /** The payments the run's discrepancies of these flows name, which the books may not hold (a lost webhook). */
  @SqlQuery("""
      SELECT DISTINCT flow_id, 0 AS step_no, 'PAYMENT' AS step, now() AS at, 'discrepancy' AS source, sale_id,
             request_id, payment_id, NULL AS detail
      FROM reconciliation_discrepancies WHERE run_id = :run AND flow_id = ANY(:flows) AND payment_id IS NOT NULL""")
  @RegisterConstructorMapper(FlowStep.class)
  List<FlowStep> discrepancyPayments(@Bind("run") String runId, @Bind("flows") String[] flowIds);

  /** Where the flows' requests are in purchase-requests, as their orders or staged outcomes say. */
  @SqlQuery("""
      SELECT flow_id, request_id, sale_id, request_partition, request_offset FROM orders
      WHERE flow_id = ANY(:flows) AND request_offset >= 0
      UNION
      SELECT flow_id, request_id, sale_id, request_partition, request_offset FROM log_outcomes
      WHERE flow_id = ANY(:flows) AND request_offset IS NOT NULL""")
  @RegisterConstructorMapper(RequestPlace.class)
  List<RequestPlace> requestPlaces(@Bind("flows") String[] flowIds);

  @SqlBatch("""
      INSERT INTO reconciliation_flow_steps (run_id, flow_id, step_no, step, at, source, sale_id, request_id,
                                             payment_id, detail)
      VALUES (:run, :flowId, :stepNo, :step, :at, :source, :saleId, :requestId, :paymentId, :detail)""")
  void insertSteps(@Bind("run") String runId, @BindMethods List<FlowStep> steps);
}
