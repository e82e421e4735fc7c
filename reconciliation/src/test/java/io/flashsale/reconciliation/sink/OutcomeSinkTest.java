package io.flashsale.reconciliation.sink;

import static io.flashsale.schemas.OutcomeStatus.CANCELLED;
import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static io.flashsale.schemas.OutcomeStatus.REFUND_DUE;
import static io.flashsale.schemas.PaymentEventType.FAILED;
import static io.flashsale.schemas.PaymentEventType.REFUNDED;
import static io.flashsale.schemas.PaymentEventType.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.schemas.Correction;
import io.flashsale.schemas.CorrectionKind;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The sink in this JVM against the shared broker and PostgreSQL. Every test reads into a fresh database, but
 * the topics are shared, so the books hold the other tests' records too: assertions look at their own sale.
 */
class OutcomeSinkTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String REGISTRY = "mock://outcome-sink-test";

  private final String bootstrap = TestInfrastructure.kafka().bootstrapServers();
  private final Books books = Books.fresh(TestInfrastructure.postgres());

  @Test
  void aSalesLifecycleLandsInTheBooksExactlyOnce() {
    SaleStory story = new SaleStory("lifecycle-" + UUID.randomUUID(), 10);
    try (LogWriter log = new LogWriter(bootstrap, REGISTRY)) {
      log.begin();
      log.send(Sale.newBuilder(story.sale()).setDescription("Only ten pairs").setOriginalPriceCents(story.sale().getPriceCents() * 2)
          .build());
      log.commit();
      log.begin();
      log.send(story.accepted(1, 1));
      log.send(story.accepted(2, 2));
      log.send(story.accepted(3, 3));
      log.send(story.accepted(5, 1));
      log.send(story.rejected(4, RejectReason.SOLD_OUT));
      log.send(story.payment("evt-1", 1, 1, 1, SUCCEEDED));
      log.send(story.payment("evt-1", 1, 1, 1, SUCCEEDED)); // the provider delivered the webhook twice
      log.send(story.payment("evt-2", 5, 1, 5, FAILED));
      log.commit();
      log.begin();
      log.send(story.accepted(9, 1)); // never committed: read_committed must not see it
      log.abort();
      log.begin();
      log.send(story.paid(1, 1, CONFIRMED, 1));   // paid in time: held -> sold
      log.send(story.ended(2, 2, EXPIRED));
      log.send(story.ended(3, 3, CANCELLED));
      log.send(story.payment("evt-3", 2, 2, 2, SUCCEEDED));
      log.send(story.paid(2, 2, CONFIRMED, 2));   // paid after expiry, stock was left: sold from available
      log.send(story.payment("evt-4", 3, 3, 3, SUCCEEDED));
      log.send(story.paid(3, 3, REFUND_DUE, 3));  // paid after cancelling: money goes back
      log.commit();
    }

    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(bootstrap, REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) >= 10);
    }

    assertThat(books.rows("SELECT stock, reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
        .containsExactly(Map.of("stock", 10, "reserved", 1, "confirmed", 3));
    // The sale as defined is kept with its counters: seed 003's data model.
    assertThat(books.rows("SELECT description, original_price_cents FROM sales WHERE sale_id = ?", story.saleId))
        .containsExactly(Map.of("description", "Only ten pairs", "original_price_cents", story.sale().getPriceCents() * 2));
    assertThat(books.rows("SELECT request_id, status, reason, quantity, payment_id, amount_cents, ended_at IS NOT NULL AS ended"
        + " FROM orders WHERE sale_id = ? ORDER BY request_id", story.saleId))
        .extracting(r -> r.get("request_id"), r -> r.get("status"), r -> r.get("reason"), r -> r.get("quantity"),
            r -> r.get("payment_id"), r -> r.get("amount_cents"), r -> r.get("ended"))
        .containsExactly(
            tuple(story.requestId(1), "CONFIRMED", null, 1, story.paymentId(1), 1_990L, true),
            tuple(story.requestId(2), "CONFIRMED", null, 2, story.paymentId(2), 3_980L, true),
            tuple(story.requestId(3), "CANCELLED", null, 3, null, null, true),
            tuple(story.requestId(4), "REJECTED", "SOLD_OUT", 1, null, null, false),
            tuple(story.requestId(5), "ACCEPTED", null, 1, null, null, false));
    assertThat(books.rows("SELECT request_id, payment_id, amount_cents, currency, refunded_at FROM refunds_due WHERE sale_id = ?",
        story.saleId))
        .extracting(r -> r.get("request_id"), r -> r.get("payment_id"), r -> r.get("amount_cents"), r -> r.get("refunded_at"))
        .containsExactly(tuple(story.requestId(3), story.paymentId(3), 5_970L, null));
    assertThat(books.rows("SELECT event_id, type FROM payments WHERE sale_id = ? ORDER BY event_id", story.saleId))
        .extracting(r -> r.get("event_id"), r -> r.get("type"))
        .containsExactly(
            tuple(story.saleId + "-evt-1", "SUCCEEDED"), tuple(story.saleId + "-evt-2", "FAILED"),
            tuple(story.saleId + "-evt-3", "SUCCEEDED"), tuple(story.saleId + "-evt-4", "SUCCEEDED"));
    assertThat(books.rows("SELECT status, count(*) AS n FROM order_events WHERE sale_id = ? GROUP BY status ORDER BY status",
        story.saleId))
        .extracting(r -> r.get("status"), r -> r.get("n"))
        .containsExactly(tuple("ACCEPTED", 4L), tuple("CANCELLED", 1L), tuple("CONFIRMED", 2L), tuple("EXPIRED", 1L),
            tuple("REFUND_DUE", 1L), tuple("REJECTED", 1L));
    assertThat(books.count("SELECT count(*) FROM orders WHERE request_id = ?", story.requestId(9))).isZero();
  }

  /**
   * The provider's refund and the decision that owes it are on different topics: when the sink reads the refund
   * first, the refund owed it writes later is already made (else the nightly job would refund it again).
   */
  @Test
  void aRefundReadBeforeTheDecisionThatOwesItSettlesIt() {
    SaleStory story = new SaleStory("refund-first-" + UUID.randomUUID(), 10);
    try (LogWriter log = new LogWriter(bootstrap, REGISTRY);
        OutcomeSink sink = OutcomeSink.start(books.sinkConfig(bootstrap, REGISTRY, Map.of()))) {
      log.begin();
      log.send(story.sale());
      log.send(story.accepted(1, 1));
      log.send(story.accepted(2, 1));
      log.send(story.ended(1, 1, EXPIRED));
      log.send(story.ended(2, 1, EXPIRED));
      log.send(story.payment("evt-1", 1, 1, 1, SUCCEEDED));
      log.send(story.payment("evt-2", 1, 1, 1, REFUNDED)); // refunded by hand at the provider, early
      log.commit();
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM payments WHERE sale_id = ?", story.saleId) == 2);
      log.begin();
      log.send(story.paid(1, 1, REFUND_DUE, 1));
      log.send(story.paid(2, 1, REFUND_DUE, 2)); // another payment, not refunded: still owed
      log.commit();
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM refunds_due WHERE sale_id = ?",
          story.saleId) == 2);
    }

    assertThat(books.rows("SELECT request_id, refunded_at IS NOT NULL AS refunded FROM refunds_due WHERE sale_id = ?"
        + " ORDER BY request_id", story.saleId))
        .extracting(r -> r.get("request_id"), r -> r.get("refunded"))
        .containsExactly(tuple(story.requestId(1), true), tuple(story.requestId(2), false));
  }

  /** The topology rejects a request for a sale it never saw; the sink keeps that decision and goes on. */
  @Test
  void aDecisionAboutASaleThatWasNeverDefinedIsKeptWithoutAnOrder() {
    SaleStory unknown = new SaleStory("never-defined-" + UUID.randomUUID(), 1);
    SaleStory known = new SaleStory("defined-" + UUID.randomUUID(), 5);
    try (LogWriter log = new LogWriter(bootstrap, REGISTRY)) {
      log.begin();
      log.send(known.sale());
      log.send(unknown.rejected(1, RejectReason.SALE_NOT_LIVE));
      log.send(known.accepted(1, 2));
      log.commit();
    }

    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(bootstrap, REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM orders WHERE sale_id = ?", known.saleId) == 1
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", unknown.saleId) == 1
          && sink.status().lag() == 0);
    }

    assertThat(books.count("SELECT count(*) FROM orders WHERE sale_id = ?", unknown.saleId)).isZero();
    assertThat(books.count("SELECT reserved FROM sales WHERE sale_id = ?", known.saleId)).isEqualTo(2);
  }

  /** A restart goes on from the positions in the database: only records written since are read. */
  @Test
  void aRestartAfterACleanStopReadsOnlyWhatIsNew() {
    SaleStory story = new SaleStory("restart-" + UUID.randomUUID(), 100);
    SinkConfig config = books.sinkConfig(bootstrap, REGISTRY, Map.of("FLASHSALE_SINK_MAX_POLL_RECORDS", "7"));
    try (LogWriter log = new LogWriter(bootstrap, REGISTRY)) {
      log.begin();
      log.send(story.sale());
      for (int request = 1; request <= 30; request++) {
        log.send(story.accepted(request, 1));
      }
      log.commit();
      long before;
      try (OutcomeSink sink = OutcomeSink.start(config)) {
        await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM orders WHERE sale_id = ?", story.saleId) == 30
            && sink.status().lag() == 0);
        before = books.count("SELECT count(*) FROM order_events");
      }

      log.begin();
      for (int request = 1; request <= 20; request++) {
        log.send(story.ended(request, 1, EXPIRED));
      }
      log.commit();
      try (OutcomeSink sink = OutcomeSink.start(config)) {
        await().atMost(WAIT).until(() -> sink.status().lag() == 0 && sink.status().recordsWritten() >= 20);
        assertThat(sink.status().recordsWritten()).isEqualTo(20);
      }
      assertThat(books.count("SELECT count(*) FROM order_events")).isEqualTo(before + 20);
    }
    assertThat(books.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
        .containsExactly(Map.of("reserved", 10, "confirmed", 0));
    assertThat(books.count("SELECT count(*) FROM orders WHERE sale_id = ? AND status = 'EXPIRED'", story.saleId))
        .isEqualTo(20);
  }

  /**
   * The reconciliation replays a record whose sale is gone from the books (a restored backup, a hand-deleted row)
   * while the sink still remembers the sale: the database refuses the order, but the fault is the sink's memory,
   * not the record's, so the record is written (kept without an order, as its sale is unknown) and never
   * quarantined.
   */
  @Test
  void aReplayedRecordIsNotQuarantinedForASaleTheSinkRemembersWrongly() {
    SaleStory story = new SaleStory("replayed-" + UUID.randomUUID(), 5);
    try (LogWriter log = new LogWriter(bootstrap, REGISTRY);
         OutcomeSink sink = OutcomeSink.start(books.sinkConfig(bootstrap, REGISTRY, Map.of()))) {
      log.begin();
      log.send(story.sale());
      log.send(story.accepted(1, 1));
      log.commit();
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM orders WHERE sale_id = ?", story.saleId) == 1);
      Map<String, Object> position = books.rows("SELECT kafka_partition, kafka_offset FROM order_events WHERE sale_id = ?",
          story.saleId).get(0);
      books.update("DELETE FROM order_events WHERE sale_id = ?", story.saleId);
      books.update("DELETE FROM orders WHERE sale_id = ?", story.saleId);
      books.update("DELETE FROM sales WHERE sale_id = ?", story.saleId);

      log.begin();
      log.send(Correction.newBuilder().setCorrectionId("replay-record:" + story.saleId).setKind(CorrectionKind.REPLAY_RECORD)
          .setDiscrepancy("MISSING_IN_DATABASE").setDay(LocalDate.now()).setRunId("run-" + story.saleId)
          .setSourceTopic(Topics.PURCHASE_OUTCOMES).setSourcePartition((Integer) position.get("kafka_partition"))
          .setSourceOffset((Long) position.get("kafka_offset")).setOutcome(story.accepted(1, 1))
          .setCreatedAt(Instant.now()).build());
      log.commit();
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == 1
          && sink.status().lag() == 0);
      assertThat(sink.status().recordsQuarantined()).isZero();
    }
    assertThat(books.count("SELECT count(*) FROM sink_quarantine")).isZero();
    assertThat(books.count("SELECT count(*) FROM orders WHERE sale_id = ?", story.saleId)).isZero();
  }
}
