package io.flashsale.reconciliation.nightly;

import static io.flashsale.reconciliation.nightly.DiscrepancyClass.AMOUNT_MISMATCH;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.CHARGED_TWICE;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.CONFIRMED_NOT_PAID;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.MISSING_IN_DATABASE;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.OUTCOME_STALLED;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.PAID_NOT_CONFIRMED;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.REFUND_OWED;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.SINK_QUARANTINED;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.STOCK_INVARIANT_BROKEN;
import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static io.flashsale.schemas.OutcomeStatus.REFUND_DUE;
import static io.flashsale.schemas.PaymentEventType.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.payments.PaymentProvider.Settlement;
import io.flashsale.payments.PaymentProvider.SettlementType;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.reconciliation.sink.OutcomeSink;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The nightly reconciliation against a real broker (one per test, so that the day's log is the test's own),
 * a real PostgreSQL written by the real sink, and the payment simulator over HTTP. The log is written as the
 * topology would have written it, with the faults of a bad day put in by hand or by the simulator.
 */
class ReconciliationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String REGISTRY = "mock://reconciliation-test";
  private static final LocalDate DAY = LocalDate.ofInstant(SaleStory.OPENING, ZoneOffset.UTC);

  private final KafkaBroker kafka = TestInfrastructure.newKafka();
  private final Books books = Books.fresh(TestInfrastructure.postgres());
  private final SimulatedProvider provider = new SimulatedProvider(SaleStory.OPENING.plusSeconds(3_600));
  private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
  @TempDir
  Path reports;

  @AfterEach
  void stop() {
    provider.close();
    kafka.close();
  }

  @Test
  void aBadDayIsFoundClassifiedCorrectedOrListedAndARerunFindsNothingNew() throws Exception {
    SaleStory story = new SaleStory("bad-day-" + UUID.randomUUID(), 10);
    Payment paid = provider.payment(story, 1, 1, "a", true);
    Payment webhookLost = provider.payment(story, 2, 1, "a", true);
    Payment neverPaid = provider.payment(story, 3, 1, "a", false);
    Payment first = provider.payment(story, 4, 1, "a", true);
    Payment second = provider.payment(story, 4, 1, "b", true);
    provider.faults("{\"shortSettlements\": 1}");
    Payment settledShort = provider.payment(story, 5, 1, "a", true);
    Payment afterExpiry = provider.payment(story, 7, 1, "a", true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      for (int request : new int[] {1, 2, 3, 4, 5, 7}) {
        log.send(story.accepted(request, 1));
      }
      log.send(story.rejected(6, RejectReason.SOLD_OUT));
      log.send(story.payment("evt-1", 1, 1, paid.paymentId(), SUCCEEDED));
      log.send(story.paid(1, 1, CONFIRMED, paid.paymentId()));
      log.send(story.ended(2, 1, EXPIRED)); // and the provider's webhook for its payment never came
      log.send(story.payment("evt-3", 3, 1, neverPaid.paymentId(), SUCCEEDED)); // not what the provider says
      log.send(story.paid(3, 1, CONFIRMED, neverPaid.paymentId()));
      log.send(story.payment("evt-4a", 4, 1, first.paymentId(), SUCCEEDED));
      log.send(story.paid(4, 1, CONFIRMED, first.paymentId()));
      log.send(story.payment("evt-4b", 4, 1, second.paymentId(), SUCCEEDED));
      log.send(story.paid(4, 1, REFUND_DUE, second.paymentId()));
      log.send(story.payment("evt-5", 5, 1, settledShort.paymentId(), SUCCEEDED));
      log.send(story.paid(5, 1, CONFIRMED, settledShort.paymentId()));
      log.send(story.ended(7, 1, EXPIRED));
      log.send(story.payment("evt-7", 7, 1, afterExpiry.paymentId(), SUCCEEDED));
      log.send(story.paid(7, 1, REFUND_DUE, afterExpiry.paymentId()));
      log.commit();
    }

    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == 15);
      // A restored backup lost one order, and someone moved a count by hand.
      Map<String, Object> lost = books.rows("SELECT kafka_partition, kafka_offset FROM order_events WHERE request_id = ?",
          story.requestId(6)).get(0);
      books.update("DELETE FROM order_events WHERE request_id = ?", story.requestId(6));
      books.update("DELETE FROM orders WHERE request_id = ?", story.requestId(6));
      books.update("UPDATE sales SET reserved = reserved + 1 WHERE sale_id = ?", story.saleId);

      RunResult night = reconcile();

      assertThat(night.status()).isEqualTo(RunStatus.NEEDS_PERSON);
      assertThat(night.found(PAID_NOT_CONFIRMED, "CORRECTED")).isEqualTo(1);
      assertThat(night.found(CHARGED_TWICE, "CORRECTED")).isEqualTo(1);
      assertThat(night.found(REFUND_OWED, "CORRECTED")).isEqualTo(1);
      assertThat(night.found(MISSING_IN_DATABASE, "CORRECTED")).isEqualTo(1);
      assertThat(night.found(CONFIRMED_NOT_PAID, "NEEDS_PERSON")).isEqualTo(1);
      assertThat(night.found(AMOUNT_MISMATCH, "NEEDS_PERSON")).isEqualTo(1);
      assertThat(night.found(STOCK_INVARIANT_BROKEN, "NEEDS_PERSON")).isEqualTo(1);
      assertThat(night.found()).isEqualTo(7);
      assertThat(subjects(night.runId())).containsExactlyInAnyOrderEntriesOf(Map.of(
          PAID_NOT_CONFIRMED.name(), webhookLost.paymentId(),
          CHARGED_TWICE.name(), second.paymentId(),
          REFUND_OWED.name(), afterExpiry.paymentId(),
          MISSING_IN_DATABASE.name(), "purchase-outcomes-" + lost.get("kafka_partition") + "-" + lost.get("kafka_offset"),
          CONFIRMED_NOT_PAID.name(), neverPaid.paymentId(),
          AMOUNT_MISMATCH.name(), settledShort.paymentId(),
          STOCK_INVARIANT_BROKEN.name(), story.saleId));
      // The evidence of each party is kept with the discrepancy.
      assertThat(evidence(night.runId(), AMOUNT_MISMATCH, "provider_evidence").get("amountCents").asLong())
          .isEqualTo(SaleStory.PRICE_CENTS - 1);
      assertThat(evidence(night.runId(), AMOUNT_MISMATCH, "database_evidence").get("amountCents").asLong())
          .isEqualTo(SaleStory.PRICE_CENTS);
      assertThat(evidence(night.runId(), CONFIRMED_NOT_PAID, "provider_evidence").get("paymentStatus").asText())
          .isEqualTo("PENDING");
      assertThat(evidence(night.runId(), STOCK_INVARIANT_BROKEN, "database_evidence").get("reserved").asInt())
          .isEqualTo(1);

      // The corrections took effect: two refunds at the provider, the lost order back in the database through
      // the sink, and the lost payment handed to the topology.
      assertThat(provider.port.payment(second.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.REFUNDED);
      assertThat(provider.port.payment(afterExpiry.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.REFUNDED);
      assertThat(provider.port.payment(first.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.SUCCEEDED);
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(books.rows("SELECT status, reason FROM orders WHERE request_id = ?", story.requestId(6)))
            .containsExactly(Map.of("status", "REJECTED", "reason", "SOLD_OUT"));
        assertThat(books.rows("SELECT payment_id, type FROM payments WHERE event_id = ?",
            "replay-payment:" + webhookLost.paymentId()))
            .containsExactly(Map.of("payment_id", webhookLost.paymentId(), "type", "SUCCEEDED"));
      });
      assertThat(books.count("SELECT count(*) FROM reconciliation_corrections")).isEqualTo(4);

      RunResult rerun = reconcile();

      assertThat(rerun.corrected()).isZero();
      assertThat(rerun.alreadyCorrected()).isEqualTo(1); // the lost payment waits for the topology, not here
      assertThat(rerun.found(PAID_NOT_CONFIRMED, "ALREADY_CORRECTED")).isEqualTo(1);
      assertThat(rerun.found(CHARGED_TWICE) + rerun.found(REFUND_OWED) + rerun.found(MISSING_IN_DATABASE)).isZero();
      assertThat(rerun.needsPerson()).isEqualTo(3);
      assertThat(books.count("SELECT count(*) FROM reconciliation_corrections")).isEqualTo(4);
      List<Settlement> refunds = provider.port.settlements(DAY).filter(s -> s.type() == SettlementType.REFUND).toList();
      assertThat(refunds).extracting(Settlement::paymentId)
          .containsExactlyInAnyOrder(second.paymentId(), afterExpiry.paymentId());
    }
  }

  @Test
  void aCleanDayReportsZeroInTheDatabaseTheJsonAndTheHtml() throws Exception {
    SaleStory story = new SaleStory("clean-day-" + UUID.randomUUID(), 5);
    Payment paid = provider.payment(story, 1, 2, "a", true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(story.accepted(1, 2));
      log.send(story.accepted(2, 1));
      log.send(story.accepted(3, 1));
      log.send(story.rejected(4, RejectReason.LIMIT_EXCEEDED));
      log.send(story.payment("evt-1", 1, 2, paid.paymentId(), SUCCEEDED));
      log.send(story.paid(1, 2, CONFIRMED, paid.paymentId()));
      log.send(story.ended(2, 1, EXPIRED));
      // The request was logged again after it was decided: the topology sends its latest outcome again, which
      // changes nothing in the books and is no discrepancy.
      log.send(repeat(story.ended(2, 1, EXPIRED)));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0 && sink.status().recordsWritten() >= 8);
      assertThat(books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId)).isEqualTo(6);

      RunResult night = reconcile();

      assertThat(night.status()).isEqualTo(RunStatus.CLEAN);
      assertThat(night.found()).isZero();
      assertThat(books.count("SELECT count(*) FROM reconciliation_discrepancies")).isZero();
      assertThat(books.rows("SELECT status FROM reconciliation_runs WHERE run_id = ?", night.runId()))
          .containsExactly(Map.of("status", "CLEAN"));
      JsonNode report = Reports.JSON.readTree(night.reportDir().resolve("report.json").toFile());
      assertThat(report.get("status").asText()).isEqualTo("CLEAN");
      assertThat(report.get("discrepancyList")).isEmpty();
      assertThat(report.at("/parties/logOutcomes").asLong()).isEqualTo(6);
      assertThat(report.at("/parties/providerSettlements").asLong()).isEqualTo(1);
      JsonNode sale = report.get("sales").get(0);
      assertThat(sale.get("saleId").asText()).isEqualTo(story.saleId);
      assertThat(sale.get("accepted").asLong()).isEqualTo(3);
      assertThat(sale.get("chargedCents").asLong()).isEqualTo(2 * SaleStory.PRICE_CENTS);
      String html = Files.readString(night.reportDir().resolve("report.html"));
      assertThat(html).contains("CLEAN", story.saleId, "<svg", "agree");
      assertThat(progress.toString()).contains("[1/8]", "[8/8]", "outcomes");
    }
  }

  /**
   * Each discrepancy is linked to its buyer's flow and the flow's steps, from the books and from the day's log where
   * the books lack them: a buyer charged twice (both payments' checkouts asked of the provider), and an order lost
   * from the books, whose flow only the log still knows. A request no longer in purchase-requests (its position was
   * never written here) leaves its step out instead of failing the run.
   */
  @Test
  void aDiscrepancyIsLinkedToEveryStepOfItsFlowFromTheBooksOrTheLog() throws Exception {
    SaleStory story = new SaleStory("flows-" + UUID.randomUUID(), 10);
    Payment first = provider.payment(story, 1, 1, "a", true);
    Payment second = provider.payment(story, 1, 1, "b", true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(PurchaseOutcome.newBuilder(story.accepted(1, 1)).setFlowId("flow-one").build());
      log.send(PurchaseOutcome.newBuilder(story.accepted(2, 1)).setFlowId("flow-lost").build());
      log.send(PaymentEvent.newBuilder(story.payment("evt-1a", 1, 1, first.paymentId(), SUCCEEDED))
          .setFlowId("flow-one").build());
      log.send(PurchaseOutcome.newBuilder(story.paid(1, 1, CONFIRMED, first.paymentId())).setFlowId("flow-one").build());
      log.send(PaymentEvent.newBuilder(story.payment("evt-1b", 1, 1, second.paymentId(), SUCCEEDED))
          .setFlowId("flow-one").build());
      log.send(PurchaseOutcome.newBuilder(story.paid(1, 1, REFUND_DUE, second.paymentId())).setFlowId("flow-one")
          .build());
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == 4);
      assertThat(books.rows("SELECT flow_id FROM orders WHERE request_id = ?", story.requestId(1)))
          .containsExactly(Map.of("flow_id", "flow-one"));
      assertThat(books.count("SELECT count(*) FROM payments WHERE flow_id = 'flow-one'")).isEqualTo(2);
      books.update("UPDATE sales SET reserved = reserved - 1 WHERE sale_id = ?", story.saleId);
      books.update("DELETE FROM order_events WHERE request_id = ?", story.requestId(2));
      books.update("DELETE FROM orders WHERE request_id = ?", story.requestId(2));
    } // stopped: the night's replay of the lost outcome stays out of the books while the flows are traced
    {
      RunResult night = reconcile();

      assertThat(night.found(CHARGED_TWICE)).isEqualTo(1);
      assertThat(night.found(MISSING_IN_DATABASE)).isEqualTo(1);
      JsonNode report = Reports.JSON.readTree(night.reportDir().resolve("report.json").toFile());
      Map<String, JsonNode> byClass = new HashMap<>();
      report.get("discrepancyList").forEach(d -> byClass.put(d.get("class").asText(), d));
      JsonNode twice = byClass.get(CHARGED_TWICE.name());
      assertThat(twice.get("flowId").asText()).isEqualTo("flow-one");
      List<String> steps = new java.util.ArrayList<>();
      twice.get("flow").forEach(step -> steps.add(step.get("step").asText() + " " + step.get("source").asText()));
      assertThat(steps).containsExactlyInAnyOrder("OUTCOME database", "CHECKOUT provider", "CHECKOUT provider",
          "PAYMENT database", "PAYMENT database", "OUTCOME database", "OUTCOME database");
      assertThat(twice.get("flow").get(0).get("step").asText()).isEqualTo("OUTCOME");
      assertThat(twice.get("flow").get(0).get("detail").asText()).isEqualTo("ACCEPTED");
      JsonNode lost = byClass.get(MISSING_IN_DATABASE.name());
      assertThat(lost.get("flowId").asText()).isEqualTo("flow-lost");
      assertThat(lost.get("flow")).singleElement().satisfies(step -> {
        assertThat(step.get("source").asText()).isEqualTo("log");
        assertThat(step.get("detail").asText()).startsWith("ACCEPTED");
        assertThat(step.get("requestId").asText()).isEqualTo(story.requestId(2));
      });
      assertThat(books.rows("SELECT DISTINCT flow_id FROM reconciliation_flow_steps WHERE run_id = ? ORDER BY flow_id",
          night.runId())).containsExactly(Map.of("flow_id", "flow-lost"), Map.of("flow_id", "flow-one"));
      String html = Files.readString(night.reportDir().resolve("report.html"));
      assertThat(html).contains("flow-one", "flow-lost", "CHECKOUT", "not in the database");
      assertThat(progress.toString()).contains("is no longer at purchase-requests-");
    }
  }

  /**
   * A poison record does not stop the night: garbage bytes on purchase-outcomes and on payment-events are
   * skipped and listed by position (the same positions the sink set aside), and the rest of the day reconciles
   * with its figures right. An unreachable schema registry still fails the run: it says nothing about a record.
   */
  @Test
  void aDayWithGarbageRecordsReconcilesListsThemAndAnUnreachableRegistryStillFailsTheRun() throws Exception {
    SaleStory story = new SaleStory("poison-day-" + UUID.randomUUID(), 5);
    Payment paid = provider.payment(story, 1, 2, "a", true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(story.accepted(1, 2));
      log.send(story.accepted(2, 1));
      log.sendRaw(Topics.PURCHASE_OUTCOMES, story.requestId(9), "not avro".getBytes(StandardCharsets.UTF_8));
      log.send(story.accepted(3, 1));
      log.send(story.rejected(4, RejectReason.LIMIT_EXCEEDED));
      log.sendRaw(Topics.PAYMENT_EVENTS, story.sku, new byte[] {0, 0, 0, 0, 42, 1, 2}); // wire format, no such schema
      log.send(story.payment("evt-1", 1, 2, paid.paymentId(), SUCCEEDED));
      log.send(story.paid(1, 2, CONFIRMED, paid.paymentId()));
      log.send(story.ended(2, 1, EXPIRED));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == 6
          && books.count("SELECT count(*) FROM sink_quarantine") == 2);
      List<String> quarantined = books.rows("SELECT topic, kafka_partition, kafka_offset FROM sink_quarantine")
          .stream().map(row -> row.get("topic") + "-" + row.get("kafka_partition") + "@" + row.get("kafka_offset"))
          .toList();

      RunResult night = reconcile();

      // The sink set both aside: each is a discrepancy for a person (not skipped), and nothing else is.
      assertThat(night.status()).isEqualTo(RunStatus.NEEDS_PERSON);
      assertThat(night.found()).isEqualTo(2);
      assertThat(night.found(SINK_QUARANTINED, "NEEDS_PERSON")).isEqualTo(2);
      JsonNode report = Reports.JSON.readTree(night.reportDir().resolve("report.json").toFile());
      assertThat(report.at("/parties/logOutcomes").asLong()).isEqualTo(6);
      assertThat(report.at("/parties/logPaymentEvents").asLong()).isEqualTo(1);
      assertThat(report.at("/parties/logUndecodable").asLong()).isEqualTo(2);
      assertThat(report.get("undecodableRecords")).extracting(JsonNode::asText)
          .containsExactlyInAnyOrderElementsOf(quarantined)
          .anySatisfy(position -> assertThat(position).startsWith(Topics.PURCHASE_OUTCOMES + "-"))
          .anySatisfy(position -> assertThat(position).startsWith(Topics.PAYMENT_EVENTS + "-"));
      JsonNode sale = report.get("sales").get(0);
      assertThat(sale.get("accepted").asLong()).isEqualTo(3);
      assertThat(sale.get("rejected").asLong()).isEqualTo(1);
      assertThat(sale.get("confirmed").asLong()).isEqualTo(1);
      assertThat(sale.get("expired").asLong()).isEqualTo(1);
      assertThat(sale.get("chargedCents").asLong()).isEqualTo(2 * SaleStory.PRICE_CENTS);
      assertThat(Files.readString(night.reportDir().resolve("report.html"))).contains(quarantined);

      try (ServerSocket closed = new ServerSocket(0)) {
        unreachableRegistry = "http://127.0.0.1:" + closed.getLocalPort();
      }
      assertThatThrownBy(this::reconcile).satisfies(e -> assertThat(SchemaRegistry.isUnavailable(e)).isTrue());
      assertThat(books.rows("SELECT status FROM reconciliation_runs ORDER BY started_at DESC LIMIT 1"))
          .containsExactly(Map.of("status", "FAILED"));
    }
  }

  /**
   * A record the database refuses for what it holds is set aside; it is a discrepancy every night until it is
   * replayed with {@code reconcile replay-quarantine}, which, once its cause is fixed, lands it in the books.
   */
  @Test
  void aQuarantinedRecordIsADiscrepancyUntilItIsReplayedOnceItsCauseIsFixed() throws Exception {
    SaleStory story = new SaleStory("quarantined-" + UUID.randomUUID(), 5);
    Payment paid = provider.payment(story, 1, 1, "a", true);
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      // A rule the books were given by mistake refuses one buyer's orders.
      books.update("ALTER TABLE orders ADD CONSTRAINT no_user_2 CHECK (user_id <> 'user-2')");
      try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
        log.begin();
        log.send(story.sale());
        log.send(story.accepted(1, 1));
        log.send(story.accepted(2, 1));
        log.send(story.payment("evt-1", 1, 1, paid.paymentId(), SUCCEEDED));
        log.send(story.paid(1, 1, CONFIRMED, paid.paymentId()));
        log.commit();
      }
      await().atMost(WAIT).until(() -> sink.status().lag() == 0 && sink.status().recordsQuarantined() == 1);
      Map<String, Object> position = books.rows("SELECT kafka_partition, kafka_offset FROM sink_quarantine").get(0);
      String subject = "purchase-outcomes-" + position.get("kafka_partition") + "-" + position.get("kafka_offset");

      RunResult night = reconcile();
      assertThat(night.status()).isEqualTo(RunStatus.NEEDS_PERSON);
      assertThat(subjects(night.runId())).containsExactlyEntriesOf(Map.of(SINK_QUARANTINED.name(), subject));
      assertThat(evidence(night.runId(), SINK_QUARANTINED, "database_evidence").get("sqlState").asText())
          .isEqualTo("23514");

      books.update("ALTER TABLE orders DROP CONSTRAINT no_user_2"); // the cause fixed
      assertThat(new CommandLine(new ReconcileCommand(reconciliationEnv())).execute("replay-quarantine"))
          .isZero();
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM orders WHERE request_id = ?",
          story.requestId(2)) == 1 && sink.status().lag() == 0);
      assertThat(books.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
          .containsExactly(Map.of("reserved", 1, "confirmed", 1));
      // Replayed once: a second replay finds nothing to hand back.
      assertThat(new CommandLine(new ReconcileCommand(reconciliationEnv())).execute("replay-quarantine"))
          .isZero();
      assertThat(books.count("SELECT count(*) FROM sink_quarantine WHERE replayed_at IS NULL")).isZero();

      RunResult after = reconcile();
      assertThat(after.status()).isEqualTo(RunStatus.CLEAN);
      assertThat(after.found()).isZero();
    }
  }

  /**
   * A payment whose success came twice (two provider events) around a unit coming back was owed a refund, then
   * confirmed its purchase late: it is the purchase's money, and the night must not refund it.
   */
  @Test
  void aPaymentThatConfirmedItsPurchaseIsNeverRefundedEvenIfARefundWasOnceDue() throws Exception {
    SaleStory story = new SaleStory("one-fate-" + UUID.randomUUID(), 1);
    Payment late = provider.payment(story, 1, 1, "a", true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(story.next(story.accepted(1, 1)));
      log.send(story.next(story.ended(1, 1, EXPIRED)));
      log.send(story.next(story.accepted(2, 1))); // the unit goes to another buyer
      log.send(story.payment("evt-1", 1, 1, late.paymentId(), SUCCEEDED));
      log.send(story.next(story.paid(1, 1, REFUND_DUE, late.paymentId())));
      log.send(story.next(story.ended(2, 1, EXPIRED))); // and comes back
      log.send(story.payment("evt-1b", 1, 1, late.paymentId(), SUCCEEDED)); // the payment's second success event
      log.send(story.next(story.paid(1, 1, CONFIRMED, late.paymentId())));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == 6);

      RunResult night = reconcile();

      assertThat(night.found(REFUND_OWED)).isZero();
      assertThat(night.status()).isEqualTo(RunStatus.CLEAN);
      assertThat(provider.port.payment(late.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.SUCCEEDED);
      assertThat(books.count("SELECT count(*) FROM reconciliation_corrections")).isZero();
    }
  }

  /** A sharded sale's shards must hold its stock between them: a unit lost on the way from one to another shows. */
  @Test
  void shardsWhoseStockDoesNotSumToTheSalesAreADiscrepancy() throws Exception {
    SaleStory lost = new SaleStory("shards-lost-" + UUID.randomUUID(), 10);
    SaleStory whole = new SaleStory("shards-whole-" + UUID.randomUUID(), 10);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      for (SaleStory story : List.of(lost, whole)) {
        Sale sale = story.sale();
        sale.setShards(2);
        log.send(sale);
        PurchaseOutcome onShard = story.rejected(1, RejectReason.LIMIT_EXCEEDED);
        onShard.setSaleId(Shards.saleId(story.saleId, 0));
        onShard.setSku(Shards.sku(story.sku, 0));
        log.send(onShard);
      }
      log.send(level(lost, 0, 6));
      log.send(level(lost, 1, 3)); // one unit left shard 1 for shard 0 and never arrived
      log.send(level(whole, 0, 4));
      log.send(level(whole, 1, 6));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM orders WHERE sale_id IN (?, ?)", lost.saleId, whole.saleId) == 2);

      RunResult night = reconcile();

      assertThat(subjects(night.runId())).containsExactlyEntriesOf(Map.of(STOCK_INVARIANT_BROKEN.name(), lost.saleId));
      JsonNode log = evidence(night.runId(), STOCK_INVARIANT_BROKEN, "log_evidence");
      assertThat(log.get("stock").asInt()).isEqualTo(9);
      assertThat(log.get("levels").asInt()).isEqualTo(2);
      assertThat(evidence(night.runId(), STOCK_INVARIANT_BROKEN, "database_evidence").get("stock").asInt())
          .isEqualTo(10);
    }
  }

  /**
   * An outcome of a sale never reaches the log the sink reads (here: numbered 2, never written): the outcomes
   * after it wait in the sink, the sale's counts stop before the gap, and the night names the sale and the
   * sequence missing instead of calling the waiting records missing.
   */
  @Test
  void outcomesWaitingBehindASequenceNeverReadAreReportedWithTheSequenceMissing() throws Exception {
    SaleStory story = new SaleStory("stalled-" + UUID.randomUUID(), 5);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(story.next(story.accepted(1, 1)));
      story.next(story.accepted(2, 1)); // decided, numbered 2, and lost
      log.send(story.next(story.accepted(3, 1)));
      log.send(story.next(story.ended(1, 1, EXPIRED)));
      log.commit();
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()), meters)) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM sink_pending_outcomes WHERE sale_id = ?", story.saleId) == 2);
      await().atMost(WAIT).until(() -> meters.get(OutcomeSink.WAITING_METER).gauge().value() == 2);
      assertThat(books.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
          .containsExactly(Map.of("reserved", 1, "confirmed", 0));

      RunResult night = reconcile();

      assertThat(subjects(night.runId())).containsExactlyEntriesOf(Map.of(OUTCOME_STALLED.name(), story.saleId));
      assertThat(evidence(night.runId(), OUTCOME_STALLED, "log_evidence").get("missingSequence").asLong()).isEqualTo(2);
      JsonNode waiting = evidence(night.runId(), OUTCOME_STALLED, "database_evidence");
      assertThat(waiting.get("appliedSequence").asLong()).isEqualTo(1);
      assertThat(waiting.get("waiting").asLong()).isEqualTo(2);
      assertThat(night.status()).isEqualTo(RunStatus.NEEDS_PERSON);
    }
  }

  /**
   * A unit a last draw holds for its winner moved from available to reserved with no outcome yet (drawReserved): the
   * books, kept from outcomes, do not count it, and the night does not call that a difference.
   */
  @Test
  void unitsALastDrawHoldsForItsWinnersAreNoDiscrepancy() throws Exception {
    SaleStory story = new SaleStory("last-draw-" + UUID.randomUUID(), 5);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(story.accepted(1, 2));
      log.send(StockLevel.newBuilder().setSaleId(story.saleId).setSku(story.sku).setStock(5).setAvailable(2)
          .setReserved(3).setDrawReserved(1).setConfirmed(0).setAccepted(1).setRequests(1)
          .setUpdatedAt(SaleStory.OPENING).build());
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM orders WHERE sale_id = ?", story.saleId) == 1);

      RunResult night = reconcile();

      assertThat(books.count("SELECT count(*) FROM reconciliation_discrepancies WHERE run_id = ? AND subject = ?",
          night.runId(), story.saleId)).isZero();
    }
  }

  /** A shard's stock level: nothing held or sold, all of its stock available. */
  private static StockLevel level(SaleStory story, int shard, int stock) {
    return StockLevel.newBuilder().setSaleId(Shards.saleId(story.saleId, shard)).setSku(Shards.sku(story.sku, shard))
        .setStock(stock).setAvailable(stock).setReserved(0).setConfirmed(0).setUpdatedAt(SaleStory.OPENING).build();
  }

  private static PurchaseOutcome repeat(PurchaseOutcome outcome) {
    outcome.setRepeat(true);
    return outcome;
  }

  private Map<String, String> reconciliationEnv() {
    Map<String, String> env = new HashMap<>(books.env(kafka.bootstrapServers(), REGISTRY, Map.of()));
    env.put("FLASHSALE_PAYMENT_PROVIDER_URL", provider.url());
    env.put("FLASHSALE_REPORT_DIR", reports.toString());
    return env;
  }

  /** The registry the reconciliation reads with, when not the test's own. */
  private String unreachableRegistry;

  private RunResult reconcile() {
    Map<String, String> env = new HashMap<>(books.env(kafka.bootstrapServers(),
        unreachableRegistry == null ? REGISTRY : unreachableRegistry, Map.of()));
    env.put("FLASHSALE_PAYMENT_PROVIDER_URL", provider.url());
    env.put("FLASHSALE_REPORT_DIR", reports.toString());
    try (Reconciliation reconciliation = Reconciliation.create(ReconciliationConfig.fromEnv(env),
        new PrintStream(progress, true))) {
      return reconciliation.run(DAY);
    }
  }

  private Map<String, String> subjects(String runId) {
    Map<String, String> subjects = new HashMap<>();
    books.rows("SELECT class, subject FROM reconciliation_discrepancies WHERE run_id = ?", runId)
        .forEach(row -> subjects.put((String) row.get("class"), (String) row.get("subject")));
    return subjects;
  }

  private JsonNode evidence(String runId, DiscrepancyClass discrepancyClass, String party) throws Exception {
    String json = (String) books.rows("SELECT " + party + "::text AS e FROM reconciliation_discrepancies"
        + " WHERE run_id = ? AND class = ?", runId, discrepancyClass.name()).get(0).get("e");
    return Reports.JSON.readTree(json);
  }
}
