package io.flashsale.reconciliation.nightly;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The SQL of the reconciliation. The comparisons run in the database, between the staged log and
 * settlements (temporary tables, see staging.sql) and the sink's tables: a day of any size is compared
 * set against set, and the job only ever holds a page of results. Queries that return candidates for a
 * question to the provider page by their subject ({@code :after}, {@code :limit}).
 */
interface ReconciliationStatements {

  /** A discrepancy that needs a question to the provider before it is one. */
  record Candidate(String paymentId, String requestId, String saleId, Long amountCents, String currency,
                   String logEvidence, String databaseEvidence, String providerEvidence) {}

  /** A discrepancy to be corrected, with what the correction needs. */
  record ToCorrect(String discrepancyClass, String subject, String saleId, String requestId, String paymentId,
                   String topic, Integer partition, Long offset, Long amountCents) {}

  @SqlUpdate("INSERT INTO reconciliation_runs (run_id, day, started_at, status) VALUES (:run, :day, :startedAt, 'RUNNING')")
  void startRun(@Bind("run") String runId, @Bind("day") LocalDate day, @Bind("startedAt") Instant startedAt);

  @SqlUpdate("""
      UPDATE reconciliation_runs SET status = :status, finished_at = :finishedAt, summary = CAST(:summary AS jsonb),
             report_dir = :reportDir
      WHERE run_id = :run""")
  void finishRun(@Bind("run") String runId, @Bind("status") String status, @Bind("finishedAt") Instant finishedAt,
                 @Bind("summary") String summaryJson, @Bind("reportDir") String reportDir);

  @SqlUpdate("""
      INSERT INTO sink_position (topic, kafka_partition, next_offset)
      SELECT topic, kafka_partition, next_offset FROM sink_offsets WHERE consumer_group = :group""")
  int snapshotSinkPosition(@Bind("group") String sinkGroup);

  /** Records of the day that lie at or after the sink's position: not in the database yet, and not judged. */
  @SqlQuery("""
      SELECT (SELECT count(*) FROM log_outcomes l LEFT JOIN sink_position s
                ON s.topic = 'purchase-outcomes' AND s.kafka_partition = l.kafka_partition
              WHERE s.next_offset IS NULL OR l.kafka_offset >= s.next_offset)
           + (SELECT count(*) FROM log_payments l LEFT JOIN sink_position s
                ON s.topic = 'payment-events' AND s.kafka_partition = l.kafka_partition
              WHERE s.next_offset IS NULL OR l.kafka_offset >= s.next_offset)""")
  long recordsOfTheDayNotSunk();

  // --- Log against database
  // A record the sink quarantined is accounted for, with its evidence, in sink_quarantine: replaying it to the
  // sink would only set it aside a second time, so it is not reported missing.

  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, request_id, payment_id,
                                                log_evidence, database_evidence)
      SELECT :run, 'MISSING_IN_DATABASE', 'purchase-outcomes-' || l.kafka_partition || '-' || l.kafka_offset,
             l.sale_id, l.request_id, l.payment_id,
             jsonb_build_object('topic', 'purchase-outcomes', 'partition', l.kafka_partition, 'offset', l.kafka_offset,
                                'status', l.status, 'loggedAt', l.logged_at),
             jsonb_build_object('orderEvent', NULL, 'orderStatus', (SELECT o.status FROM orders o WHERE o.request_id = l.request_id))
      FROM log_outcomes l
      JOIN sink_position s ON s.topic = 'purchase-outcomes' AND s.kafka_partition = l.kafka_partition
      WHERE l.kafka_offset < s.next_offset
        AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.topic = 'purchase-outcomes'
                        AND e.kafka_partition = l.kafka_partition AND e.kafka_offset = l.kafka_offset)
        AND NOT EXISTS (SELECT 1 FROM sink_quarantine q WHERE q.topic = 'purchase-outcomes'
                        AND q.kafka_partition = l.kafka_partition AND q.kafka_offset = l.kafka_offset)
        AND NOT EXISTS (SELECT 1 FROM sink_pending_outcomes w WHERE w.outcome_partition = l.kafka_partition
                        AND w.outcome_offset = l.kafka_offset)""")
  int findOutcomesMissingInDatabase(@Bind("run") String runId);

  /**
   * Sales (or shards) whose outcomes wait in the sink behind a sequence it never read, naming the sequence
   * missing. A wait is judged once the sink has read the whole log, or when it has lasted longer than any lag
   * explains ({@code :before}): until then the missing outcome may simply lie in a partition not read yet.
   */
  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, log_evidence, database_evidence)
      SELECT :run, 'OUTCOME_STALLED', w.sequence_key, min(w.sale_id),
             jsonb_build_object('missingSequence', coalesce(q.applied, 0) + 1),
             jsonb_build_object('appliedSequence', coalesce(q.applied, 0), 'waiting', count(*),
                                'firstWaiting', min(w.sale_sequence), 'lastWaiting', max(w.sale_sequence),
                                'waitingSince', min(w.staged_at))
      FROM sink_pending_outcomes w
      LEFT JOIN sink_sale_sequences q ON q.sequence_key = w.sequence_key
      GROUP BY w.sequence_key, q.applied
      HAVING :sinkCaughtUp OR min(w.staged_at) < :before
      ON CONFLICT DO NOTHING""")
  int findStalledOutcomes(@Bind("run") String runId, @Bind("sinkCaughtUp") boolean sinkCaughtUp,
                          @Bind("before") Instant before);

  /**
   * Records the sink set aside that nobody replayed yet, up to the day's end: each stays a discrepancy, night
   * after night, until it is replayed.
   */
  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, log_evidence, database_evidence)
      SELECT :run, 'SINK_QUARANTINED', q.topic || '-' || q.kafka_partition || '-' || q.kafka_offset,
             jsonb_build_object('topic', q.topic, 'partition', q.kafka_partition, 'offset', q.kafka_offset,
                                'loggedAt', q.record_timestamp),
             jsonb_build_object('errorClass', q.error_class, 'sqlState', q.sql_state, 'error', q.error_message,
                                'quarantinedAt', q.quarantined_at)
      FROM sink_quarantine q
      WHERE q.replayed_at IS NULL AND (q.record_timestamp IS NULL OR q.record_timestamp < :to)
      ON CONFLICT DO NOTHING""")
  int findQuarantined(@Bind("run") String runId, @Bind("to") Instant to);

  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, request_id, payment_id,
                                                log_evidence, database_evidence)
      SELECT :run, 'MISSING_IN_DATABASE', 'payment-events-' || l.kafka_partition || '-' || l.kafka_offset,
             l.sale_id, l.request_id, l.payment_id,
             jsonb_build_object('topic', 'payment-events', 'partition', l.kafka_partition, 'offset', l.kafka_offset,
                                'eventId', l.event_id, 'type', l.type, 'loggedAt', l.logged_at),
             jsonb_build_object('payment', NULL)
      FROM log_payments l
      JOIN sink_position s ON s.topic = 'payment-events' AND s.kafka_partition = l.kafka_partition
      WHERE l.kafka_offset < s.next_offset
        AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.event_id = l.event_id)
        AND NOT EXISTS (SELECT 1 FROM sink_quarantine q WHERE q.topic = 'payment-events'
                        AND q.kafka_partition = l.kafka_partition AND q.kafka_offset = l.kafka_offset)""")
  int findPaymentsMissingInDatabase(@Bind("run") String runId);

  /**
   * Per sale touched on the day: the log's latest stock level must add up (for a sharded sale, its shards' levels
   * summed: their stock must sum to the sale's, or units were lost or made on the way between shards), the
   * database's counts must be the sums of its orders, and (once the sink has caught up) the two must agree.
   */
  @SqlUpdate("""
      WITH touched AS (SELECT DISTINCT sale_id FROM log_outcomes),
      counted AS (
        SELECT o.sale_id, coalesce(sum(o.quantity) FILTER (WHERE o.status = 'ACCEPTED'), 0) AS held,
               coalesce(sum(o.quantity) FILTER (WHERE o.status = 'CONFIRMED'), 0) AS sold
        FROM orders o JOIN touched t ON t.sale_id = o.sale_id GROUP BY o.sale_id)
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, log_evidence, database_evidence)
      SELECT :run, 'STOCK_INVARIANT_BROKEN', s.sale_id, s.sale_id,
             CASE WHEN k.sale_id IS NULL THEN NULL ELSE jsonb_build_object('stock', k.stock, 'available', k.available,
                  'reserved', k.reserved, 'confirmed', k.confirmed, 'updatedAt', k.updated_at,
                  'levels', k.levels) END,
             jsonb_build_object('stock', s.stock, 'reserved', s.reserved, 'confirmed', s.confirmed,
                                'reservedByOrders', coalesce(c.held, 0), 'confirmedByOrders', coalesce(c.sold, 0))
      FROM touched t
      JOIN sales s ON s.sale_id = t.sale_id
      LEFT JOIN counted c ON c.sale_id = t.sale_id
      LEFT JOIN log_stock_levels k ON k.sale_id = t.sale_id
      WHERE k.available + k.reserved + k.confirmed <> k.stock
         OR k.stock <> s.stock
         OR s.reserved <> coalesce(c.held, 0) OR s.confirmed <> coalesce(c.sold, 0)
         OR (:sinkCaughtUp AND (k.reserved <> s.reserved OR k.confirmed <> s.confirmed))""")
  int findBrokenStock(@Bind("run") String runId, @Bind("sinkCaughtUp") boolean sinkCaughtUp);

  // --- Provider against log and database

  /**
   * A settled charge that bought nothing the shop knows of: its payment confirmed no order and is owed no
   * refund, neither in the database nor in the log, and its purchase is not confirmed by another payment
   * (that would be {@link DiscrepancyClass#CHARGED_TWICE}).
   */
  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, request_id, payment_id,
                                                log_evidence, database_evidence, provider_evidence)
      SELECT :run, 'PAID_NOT_CONFIRMED', st.payment_id, o.sale_id, st.request_id, st.payment_id,
             jsonb_build_object(
               'outcomes', coalesce((SELECT jsonb_agg(l.status ORDER BY l.kafka_offset) FROM log_outcomes l
                                     WHERE l.request_id = st.request_id), '[]'::jsonb),
               'paymentEvents', (SELECT count(*) FROM log_payments p WHERE p.payment_id = st.payment_id)),
             jsonb_build_object('orderStatus', o.status, 'orderPaymentId', o.payment_id),
             jsonb_build_object('settlementId', st.settlement_id, 'type', st.type, 'amountCents', st.amount_cents,
                                'currency', st.currency, 'settledAt', st.settled_at)
      FROM provider_settlements st
      LEFT JOIN orders o ON o.request_id = st.request_id
      WHERE st.type = 'CHARGE' AND st.order_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM orders c WHERE c.request_id = st.request_id AND c.status = 'CONFIRMED')
        AND NOT EXISTS (SELECT 1 FROM log_outcomes l WHERE l.request_id = st.request_id AND l.status = 'CONFIRMED')
        AND NOT EXISTS (SELECT 1 FROM refunds_due r WHERE r.payment_id = st.payment_id)
        AND NOT EXISTS (SELECT 1 FROM log_outcomes l WHERE l.payment_id = st.payment_id AND l.status = 'REFUND_DUE')
      ON CONFLICT DO NOTHING""")
  int findPaidNotConfirmed(@Bind("run") String runId);

  /** A settled charge whose amount or currency is not what the purchase it confirmed costs. */
  @SqlUpdate("""
      WITH confirmations AS (
        SELECT o.request_id, o.sale_id, o.payment_id, o.amount_cents, o.currency, 'database' AS party
        FROM orders o JOIN provider_settlements st ON st.payment_id = o.payment_id
        WHERE o.status = 'CONFIRMED'
        UNION
        SELECT l.request_id, l.sale_id, l.payment_id, l.amount_cents, l.currency, 'log'
        FROM log_outcomes l WHERE l.status = 'CONFIRMED')
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, request_id, payment_id,
                                                log_evidence, database_evidence, provider_evidence)
      SELECT DISTINCT ON (st.payment_id) :run, 'AMOUNT_MISMATCH', st.payment_id, c.sale_id, c.request_id, st.payment_id,
             (SELECT jsonb_build_object('amountCents', l.amount_cents, 'currency', l.currency) FROM log_outcomes l
              WHERE l.payment_id = st.payment_id AND l.status = 'CONFIRMED' LIMIT 1),
             (SELECT jsonb_build_object('amountCents', o.amount_cents, 'currency', o.currency,
                                        'priceCents', s.price_cents, 'quantity', o.quantity)
              FROM orders o JOIN sales s ON s.sale_id = o.sale_id WHERE o.payment_id = st.payment_id AND o.status = 'CONFIRMED'),
             jsonb_build_object('settlementId', st.settlement_id, 'amountCents', st.amount_cents,
                                'currency', st.currency, 'settledAt', st.settled_at)
      FROM provider_settlements st
      JOIN confirmations c ON c.payment_id = st.payment_id
      WHERE st.type = 'CHARGE' AND st.order_id IS NULL
        AND (st.amount_cents <> c.amount_cents OR st.currency <> c.currency)
      ORDER BY st.payment_id
      ON CONFLICT DO NOTHING""")
  int findAmountMismatches(@Bind("run") String runId);

  /**
   * An order's settled charge against the sum of its items: each item's amount as its payment event carried it (the
   * day's log and the sink's payments table, each item once). Another sum or currency is a mismatch; an order none of
   * whose items is known is {@link #findOrdersPaidNotConfirmed}'s.
   */
  @SqlUpdate("""
      WITH items AS (
        SELECT DISTINCT ON (x.payment_id, x.request_id) x.payment_id, x.request_id, x.amount_cents, x.currency, x.party
        FROM (SELECT p.payment_id, p.request_id, p.amount_cents, p.currency, 'database' AS party
              FROM payments p JOIN provider_settlements st ON st.payment_id = p.payment_id AND st.order_id IS NOT NULL
              WHERE p.type = 'SUCCEEDED' AND p.order_id IS NOT NULL
              UNION ALL
              SELECT l.payment_id, l.request_id, l.amount_cents, l.currency, 'log'
              FROM log_payments l WHERE l.type = 'SUCCEEDED' AND l.order_id IS NOT NULL) x
        ORDER BY x.payment_id, x.request_id, x.party),
      paid AS (
        SELECT payment_id, sum(amount_cents) AS amount_cents, count(*) AS items, min(currency) AS currency,
               max(currency) AS last_currency, jsonb_agg(jsonb_build_object('requestId', request_id,
                 'amountCents', amount_cents, 'party', party) ORDER BY request_id) AS evidence
        FROM items GROUP BY payment_id)
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, request_id, payment_id,
                                                log_evidence, provider_evidence)
      SELECT DISTINCT ON (st.payment_id) :run, 'AMOUNT_MISMATCH', st.payment_id, st.order_id, st.payment_id,
             jsonb_build_object('orderId', st.order_id, 'items', p.items, 'itemsAmountCents', p.amount_cents,
                                'currency', p.currency, 'itemAmounts', p.evidence),
             jsonb_build_object('settlementId', st.settlement_id, 'amountCents', st.amount_cents,
                                'currency', st.currency, 'settledAt', st.settled_at)
      FROM provider_settlements st JOIN paid p ON p.payment_id = st.payment_id
      WHERE st.type = 'CHARGE' AND st.order_id IS NOT NULL
        AND (st.amount_cents <> p.amount_cents OR st.currency <> p.currency OR p.currency <> p.last_currency)
      ORDER BY st.payment_id
      ON CONFLICT DO NOTHING""")
  int findOrderAmountMismatches(@Bind("run") String runId);

  /**
   * An order's settled charge of which no item was decided, in the books or in the day's log: neither confirmed nor
   * owed back. Not corrected on its own: a replay of the settlement would name the order, not its items.
   */
  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, request_id, payment_id,
                                                log_evidence, database_evidence, provider_evidence)
      SELECT :run, 'ORDER_PAID_NOT_CONFIRMED', st.payment_id, st.order_id, st.payment_id,
             jsonb_build_object('paymentEvents', (SELECT count(*) FROM log_payments p WHERE p.payment_id = st.payment_id)),
             jsonb_build_object('paymentEvents', (SELECT count(*) FROM payments p WHERE p.payment_id = st.payment_id)),
             jsonb_build_object('settlementId', st.settlement_id, 'orderId', st.order_id, 'amountCents', st.amount_cents,
                                'currency', st.currency, 'settledAt', st.settled_at)
      FROM provider_settlements st
      WHERE st.type = 'CHARGE' AND st.order_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = st.payment_id AND o.status = 'CONFIRMED')
        AND NOT EXISTS (SELECT 1 FROM log_outcomes l WHERE l.payment_id = st.payment_id
                        AND l.status IN ('CONFIRMED', 'REFUND_DUE'))
        AND NOT EXISTS (SELECT 1 FROM refunds_due r WHERE r.payment_id = st.payment_id)
      ON CONFLICT DO NOTHING""")
  int findOrdersPaidNotConfirmed(@Bind("run") String runId);

  /** Settled charges for purchases that a different payment confirmed: refunds, once the provider agrees. */
  @SqlQuery("""
      SELECT st.payment_id, st.request_id, c.sale_id, st.amount_cents, st.currency,
             jsonb_build_object('confirmedBy', c.payment_id, 'party', c.party)::text AS log_evidence,
             jsonb_build_object('orderStatus', (SELECT o.status FROM orders o WHERE o.request_id = st.request_id),
                                'orderPaymentId', (SELECT o.payment_id FROM orders o WHERE o.request_id = st.request_id),
                                'refundDue', EXISTS (SELECT 1 FROM refunds_due r WHERE r.payment_id = st.payment_id))::text
               AS database_evidence,
             jsonb_build_object('settlementId', st.settlement_id, 'amountCents', st.amount_cents,
                                'currency', st.currency, 'settledAt', st.settled_at)::text AS provider_evidence
      FROM provider_settlements st
      JOIN LATERAL (
        SELECT o.sale_id, o.payment_id, 'database' AS party FROM orders o
        WHERE o.request_id = st.request_id AND o.status = 'CONFIRMED'
        UNION ALL
        SELECT l.sale_id, l.payment_id, 'log' FROM log_outcomes l
        WHERE l.request_id = st.request_id AND l.status = 'CONFIRMED'
        LIMIT 1) c ON TRUE
      WHERE st.type = 'CHARGE' AND c.payment_id <> st.payment_id AND st.payment_id > :after
        AND NOT EXISTS (SELECT 1 FROM provider_settlements r WHERE r.payment_id = st.payment_id AND r.type = 'REFUND')
      ORDER BY st.payment_id LIMIT :limit""")
  @RegisterConstructorMapper(Candidate.class)
  List<Candidate> chargedTwiceCandidates(@Bind("after") String after, @Bind("limit") int limit);

  /**
   * Refunds owed (REFUND_DUE in the day's log, or owed since the day in the database and not marked
   * refunded) with no refund settled on the day; the provider is asked whether it was refunded another day. A
   * purchase that its payment confirmed (in the books or in the log) is never owed back: a second success event of
   * the same payment, after a unit came back, confirmed it late, and the money is the purchase's. One candidate per
   * payment, owing the sum of its purchases' amounts owed: an order's payment may owe back some of its items, and
   * only those are refunded, never the whole charge.
   */
  @SqlQuery("""
      SELECT d.payment_id, min(d.request_id) AS request_id, min(d.sale_id) AS sale_id,
             sum(d.amount_cents) AS amount_cents, min(d.currency) AS currency,
             (CASE WHEN count(*) > 1
                   THEN jsonb_build_object('refundDue', bool_or(d.logged), 'items',
                                           jsonb_agg(jsonb_build_object('requestId', d.request_id,
                                                                        'amountCents', d.amount_cents)
                                                     ORDER BY d.request_id))
                   ELSE jsonb_build_object('refundDue', bool_or(d.logged)) END)::text AS log_evidence,
             (SELECT jsonb_build_object('refundDue', TRUE, 'createdAt', min(r.created_at), 'refundedAt', max(r.refunded_at))
              FROM refunds_due r WHERE r.payment_id = d.payment_id HAVING count(*) > 0)::text AS database_evidence,
             NULL AS provider_evidence
      FROM (SELECT u.payment_id, u.request_id, min(u.sale_id) AS sale_id, min(u.amount_cents) AS amount_cents,
                   min(u.currency) AS currency, bool_or(u.party = 'log') AS logged
            FROM (SELECT payment_id, request_id, sale_id, amount_cents, currency, 'log' AS party
                  FROM log_outcomes WHERE status = 'REFUND_DUE'
                  UNION ALL
                  SELECT payment_id, request_id, sale_id, amount_cents, currency, 'database'
                  FROM refunds_due WHERE created_at >= :from AND created_at < :to AND refunded_at IS NULL) u
            GROUP BY u.payment_id, u.request_id) d
      WHERE d.payment_id > :after
        AND NOT EXISTS (SELECT 1 FROM provider_settlements st WHERE st.payment_id = d.payment_id AND st.type = 'REFUND')
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = d.payment_id AND o.request_id = d.request_id
                        AND o.status = 'CONFIRMED')
        AND NOT EXISTS (SELECT 1 FROM log_outcomes l WHERE l.payment_id = d.payment_id AND l.request_id = d.request_id
                        AND l.status = 'CONFIRMED')
        AND NOT EXISTS (SELECT 1 FROM reconciliation_discrepancies x WHERE x.run_id = :run AND x.subject = d.payment_id)
      GROUP BY d.payment_id
      ORDER BY d.payment_id LIMIT :limit""")
  @RegisterConstructorMapper(Candidate.class)
  List<Candidate> refundOwedCandidates(@Bind("run") String runId, @Bind("from") Instant from, @Bind("to") Instant to,
                                       @Bind("after") String after, @Bind("limit") int limit);

  /** Purchases the day's log confirmed whose charge did not settle on the day; the provider is asked about each. */
  @SqlQuery("""
      SELECT l.payment_id, l.request_id, l.sale_id, l.amount_cents, l.currency,
             jsonb_build_object('status', l.status, 'partition', l.kafka_partition, 'offset', l.kafka_offset,
                                'loggedAt', l.logged_at)::text AS log_evidence,
             (SELECT jsonb_build_object('orderStatus', o.status, 'orderPaymentId', o.payment_id)
              FROM orders o WHERE o.request_id = l.request_id)::text AS database_evidence,
             NULL AS provider_evidence
      FROM log_outcomes l
      WHERE l.status = 'CONFIRMED' AND l.payment_id > :after
        AND NOT EXISTS (SELECT 1 FROM provider_settlements st WHERE st.payment_id = l.payment_id AND st.type = 'CHARGE')
      ORDER BY l.payment_id LIMIT :limit""")
  @RegisterConstructorMapper(Candidate.class)
  List<Candidate> confirmedWithoutSettlement(@Bind("after") String after, @Bind("limit") int limit);

  @SqlUpdate("""
      INSERT INTO reconciliation_discrepancies (run_id, class, subject, sale_id, request_id, payment_id,
                                                log_evidence, database_evidence, provider_evidence)
      VALUES (:run, :class, :subject, :saleId, :requestId, :paymentId, CAST(:logEvidence AS jsonb),
              CAST(:databaseEvidence AS jsonb), CAST(:providerEvidence AS jsonb))
      ON CONFLICT DO NOTHING""")
  void insertDiscrepancy(@Bind("run") String runId, @Bind("class") String discrepancyClass,
                         @Bind("subject") String subject, @Bind("saleId") String saleId,
                         @Bind("requestId") String requestId, @Bind("paymentId") String paymentId,
                         @Bind("logEvidence") String logEvidence, @Bind("databaseEvidence") String databaseEvidence,
                         @Bind("providerEvidence") String providerEvidence);

  // --- Corrections

  @SqlQuery("""
      SELECT class AS discrepancy_class, subject, sale_id, request_id, payment_id,
             log_evidence ->> 'topic' AS topic, (log_evidence ->> 'partition')::int AS partition,
             (log_evidence ->> 'offset')::bigint AS "offset", (provider_evidence ->> 'amountCents')::bigint AS amount_cents
      FROM reconciliation_discrepancies
      WHERE run_id = :run AND class IN (<classes>) AND correction_id IS NULL AND (class, subject) > (:afterClass, :afterSubject)
      ORDER BY class, subject LIMIT :limit""")
  @RegisterConstructorMapper(ToCorrect.class)
  List<ToCorrect> toCorrect(@Bind("run") String runId,
                            @BindList("classes") List<String> classes,
                            @Bind("afterClass") String afterClass, @Bind("afterSubject") String afterSubject,
                            @Bind("limit") int limit);

  @SqlQuery("SELECT run_id FROM reconciliation_corrections WHERE correction_id = :id")
  Optional<String> correctedBy(@Bind("id") String correctionId);

  @SqlUpdate("""
      INSERT INTO reconciliation_corrections (correction_id, kind, discrepancy, day, run_id, made_at, sale_id,
                                              request_id, payment_id, amount_cents, currency)
      VALUES (:id, :kind, :discrepancy, :day, :run, :madeAt, :saleId, :requestId, :paymentId, :amountCents, :currency)
      ON CONFLICT (correction_id) DO NOTHING""")
  void recordCorrection(@Bind("id") String correctionId, @Bind("kind") String kind,
                        @Bind("discrepancy") String discrepancy, @Bind("day") LocalDate day, @Bind("run") String runId,
                        @Bind("madeAt") Instant madeAt, @Bind("saleId") String saleId,
                        @Bind("requestId") String requestId, @Bind("paymentId") String paymentId,
                        @Bind("amountCents") Long amountCents, @Bind("currency") String currency);

  @SqlUpdate("""
      UPDATE reconciliation_discrepancies SET action = :action, correction_id = :correctionId,
             provider_evidence = CASE WHEN CAST(:error AS text) IS NULL THEN provider_evidence
                                 ELSE coalesce(provider_evidence, '{}'::jsonb) || jsonb_build_object('correctionFailed', CAST(:error AS text)) END
      WHERE run_id = :run AND class = :class AND subject = :subject""")
  void settle(@Bind("run") String runId, @Bind("class") String discrepancyClass, @Bind("subject") String subject,
              @Bind("action") String action, @Bind("correctionId") String correctionId, @Bind("error") String error);
}
