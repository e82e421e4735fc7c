package io.flashsale.reconciliation.nightly;

import io.flashsale.reconciliation.nightly.Reports.SaleSummary;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** The SQL of a run's report: what it reads of the staged day, the books and the discrepancies it found. */
interface ReportStatements {

  /** How many discrepancies of one class ended with one action. */
  record ClassCount(String discrepancyClass, String action, long count) {}

  /**
   * One discrepancy as the report shows it; the evidence is JSON text, null where a party says nothing; {@code flowId}
   * the buyer's flow it belongs to, null where none is known.
   */
  record Discrepancy(String discrepancyClass, String subject, String saleId, String requestId, String paymentId,
                     String action, String correctionId, String logEvidence, String databaseEvidence,
                     String providerEvidence, String flowId) {}

  /**
   * One step of a buyer's flow: QUEUE_JOIN, PURCHASE_REQUEST, OUTCOME, CHECKOUT or PAYMENT, when it happened, and
   * where it was read ({@code source}: log, database or provider). {@code stepNo} counts a flow's steps by time.
   */
  record FlowStep(String flowId, int stepNo, String step, Instant at, String source, String saleId, String requestId,
                  String paymentId, String detail) {}

  @SqlQuery("""
      WITH outcomes AS (
        SELECT sale_id, count(*) FILTER (WHERE status = 'ACCEPTED') AS accepted,
               count(*) FILTER (WHERE status = 'REJECTED') AS rejected,
               count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
               count(*) FILTER (WHERE status = 'EXPIRED') AS expired,
               count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
               count(*) FILTER (WHERE status = 'REFUND_DUE') AS refunds_due
        FROM log_outcomes GROUP BY sale_id),
      money AS (
        SELECT sale_id, sum(charged_cents) AS charged_cents, sum(refunded_cents) AS refunded_cents
        FROM (SELECT o.sale_id, coalesce(sum(st.amount_cents) FILTER (WHERE st.type = 'CHARGE'), 0) AS charged_cents,
                     coalesce(sum(st.amount_cents) FILTER (WHERE st.type = 'REFUND'), 0) AS refunded_cents
              FROM provider_settlements st JOIN orders o ON o.request_id = st.request_id GROUP BY o.sale_id
              UNION ALL
              -- an order's charge counts for each sale its items' amounts
              SELECT o.sale_id, sum(i.amount_cents), 0
              FROM provider_settlements st
              JOIN (SELECT DISTINCT payment_id, request_id, amount_cents FROM payments
                    WHERE order_id IS NOT NULL AND type = 'SUCCEEDED') i ON i.payment_id = st.payment_id
              JOIN orders o ON o.request_id = i.request_id
              WHERE st.type = 'CHARGE' AND st.order_id IS NOT NULL GROUP BY o.sale_id
              UNION ALL
              -- an order's refund counts for the sales of the items the books owed back and marked refunded
              SELECT r.sale_id, 0, sum(r.amount_cents)
              FROM refunds_due r
              WHERE r.refunded_at IS NOT NULL
                AND EXISTS (SELECT 1 FROM provider_settlements st
                            WHERE st.payment_id = r.payment_id AND st.type = 'REFUND' AND st.order_id IS NOT NULL)
              GROUP BY r.sale_id) m
        GROUP BY sale_id),
      found AS (SELECT sale_id, count(*) AS discrepancies FROM reconciliation_discrepancies
                WHERE run_id = :run GROUP BY sale_id),
      touched AS (SELECT sale_id FROM outcomes UNION SELECT sale_id FROM money)
      SELECT t.sale_id, s.name, s.currency, s.price_cents, s.stock, s.reserved AS db_reserved,
             s.confirmed AS db_confirmed, k.available AS log_available, k.reserved AS log_reserved,
             k.confirmed AS log_confirmed, coalesce(x.accepted, 0) AS accepted, coalesce(x.rejected, 0) AS rejected,
             coalesce(x.confirmed, 0) AS confirmed, coalesce(x.expired, 0) AS expired,
             coalesce(x.cancelled, 0) AS cancelled, coalesce(x.refunds_due, 0) AS refunds_due,
             coalesce(m.charged_cents, 0) AS charged_cents, coalesce(m.refunded_cents, 0) AS refunded_cents,
             coalesce(f.discrepancies, 0) AS discrepancies
      FROM touched t
      LEFT JOIN sales s ON s.sale_id = t.sale_id
      LEFT JOIN log_stock_levels k ON k.sale_id = t.sale_id
      LEFT JOIN outcomes x ON x.sale_id = t.sale_id
      LEFT JOIN money m ON m.sale_id = t.sale_id
      LEFT JOIN found f ON f.sale_id = t.sale_id
      ORDER BY t.sale_id""")
  @RegisterConstructorMapper(SaleSummary.class)
  List<SaleSummary> sales(@Bind("run") String runId);

  @SqlQuery("""
      SELECT class AS discrepancy_class, action, count(*) AS count FROM reconciliation_discrepancies
      WHERE run_id = :run GROUP BY class, action ORDER BY class, action""")
  @RegisterConstructorMapper(ClassCount.class)
  List<ClassCount> countsByClass(@Bind("run") String runId);

  /** A page of the run's discrepancies in (class, subject) order, after the given one ("" and "" for the first). */
  @SqlQuery("""
      SELECT class AS discrepancy_class, subject, sale_id, request_id, payment_id, action, correction_id,
             log_evidence::text AS log_evidence, database_evidence::text AS database_evidence,
             provider_evidence::text AS provider_evidence, flow_id
      FROM reconciliation_discrepancies
      WHERE run_id = :run AND (class, subject) > (:afterClass, :afterSubject)
      ORDER BY class, subject LIMIT :limit""")
  @RegisterConstructorMapper(Discrepancy.class)
  List<Discrepancy> discrepancies(@Bind("run") String runId, @Bind("afterClass") String afterClass,
                                  @Bind("afterSubject") String afterSubject, @Bind("limit") int limit);

  /** The steps of these flows as the run found them, each flow's in order. */
  @SqlQuery("""
      SELECT flow_id, step_no, step, at, source, sale_id, request_id, payment_id, detail
      FROM reconciliation_flow_steps WHERE run_id = :run AND flow_id = ANY(:flows)
      ORDER BY flow_id, step_no""")
  @RegisterConstructorMapper(FlowStep.class)
  List<FlowStep> flowSteps(@Bind("run") String runId, @Bind("flows") String[] flowIds);
}
