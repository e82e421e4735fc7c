package io.flashsale.reconciliation.nightly;

import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static io.flashsale.schemas.OutcomeStatus.REFUND_DUE;
import static io.flashsale.schemas.PaymentEventType.REFUNDED;
import static io.flashsale.schemas.PaymentEventType.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.reconciliation.sink.OutcomeSink;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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

/**
 * A day of carts: orders paying for purchases of two sales at once, each a single charge at the provider and one
 * payment event per item in the log, as the API writes them. The nightly job matches each order's settlement to the
 * sum of its items (a real broker, the real sink into a real PostgreSQL, the payment simulator over HTTP).
 */
class CartReconciliationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String REGISTRY = "mock://cart-reconciliation-test";
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

  /**
   * Two carts over two sales: one paid and confirmed whole; one whose item of the second sale had expired and lost
   * its stock, so that item alone is owed back, and refunded the same day. Everything agrees: the run is clean.
   */
  @Test
  void aDayOfCartsIsClean() throws Exception {
    SaleStory shoes = new SaleStory("cart-shoes-" + UUID.randomUUID(), 5);
    SaleStory hats = new SaleStory("cart-hats-" + UUID.randomUUID(), 5);
    Payment first = provider.order("order-1-" + UUID.randomUUID(), List.of(item(shoes, 1, 2), item(hats, 1, 1)), true);
    Payment second = provider.order("order-2-" + UUID.randomUUID(), List.of(item(shoes, 2, 1), item(hats, 2, 1)), true);
    provider.port.refund(second.paymentId(), SaleStory.PRICE_CENTS, "refund-hats-2");
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(shoes.sale());
      log.send(hats.sale());
      log.send(shoes.accepted(1, 2));
      log.send(hats.accepted(1, 1));
      log.send(shoes.accepted(2, 1));
      log.send(hats.accepted(2, 1));
      log.send(hats.ended(2, 1, EXPIRED)); // before the second cart was paid; its unit went to someone else
      log.send(item(shoes, "evt-1", 1, 2, first, SUCCEEDED));
      log.send(item(hats, "evt-1", 1, 1, first, SUCCEEDED));
      log.send(paid(shoes, 1, 2, CONFIRMED, first));
      log.send(paid(hats, 1, 1, CONFIRMED, first));
      log.send(item(shoes, "evt-2", 2, 1, second, SUCCEEDED));
      log.send(item(hats, "evt-2", 2, 1, second, SUCCEEDED));
      log.send(paid(shoes, 2, 1, CONFIRMED, second));
      log.send(paid(hats, 2, 1, REFUND_DUE, second));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM refunds_due") == 1);
      try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING.plusSeconds(120))) {
        log.begin();
        log.send(item(hats, "evt-3", 2, 1, second, REFUNDED)); // the refund of that item alone, made later
        log.commit();
      }
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM payments WHERE order_id IS NOT NULL") == 5);
      assertThat(books.rows("SELECT request_id, refunded_at IS NOT NULL AS refunded FROM refunds_due"))
          .containsExactly(Map.of("request_id", hats.requestId(2), "refunded", true));

      RunResult night = reconcile();

      assertThat(books.rows("SELECT class, subject FROM reconciliation_discrepancies")).isEmpty();
      assertThat(night.status()).isEqualTo(RunStatus.CLEAN);
      JsonNode report = Reports.JSON.readTree(night.reportDir().resolve("report.json").toFile());
      Map<String, Long> charged = new HashMap<>();
      Map<String, Long> refunded = new HashMap<>();
      report.get("sales").forEach(sale -> {
        charged.put(sale.get("saleId").asText(), sale.get("chargedCents").asLong());
        refunded.put(sale.get("saleId").asText(), sale.get("refundedCents").asLong());
      });
      assertThat(charged).as("each sale is credited its items' share of the carts' charges").isEqualTo(Map.of(
          shoes.saleId, 3 * SaleStory.PRICE_CENTS, hats.saleId, 2 * SaleStory.PRICE_CENTS));
      assertThat(refunded).as("the second cart's refund is the hats sale's, whose item it gave back").isEqualTo(Map.of(
          shoes.saleId, 0L, hats.saleId, SaleStory.PRICE_CENTS));
    }
  }

  /**
   * A cart paid twice: a second order paying two holds the first order had paid, and one hold of its own. The second
   * payment's two items are owed back and only they are refunded (the sum of their amounts, not the whole charge);
   * its own item stays sold; the rerun refunds nothing more.
   */
  @Test
  void aSecondOrderOfHoldsAlreadyPaidIsRefundedItemByItemNotWhole() throws Exception {
    SaleStory shoes = new SaleStory("twice-shoes-" + UUID.randomUUID(), 5);
    SaleStory hats = new SaleStory("twice-hats-" + UUID.randomUUID(), 5);
    Payment first = provider.order("order-a-" + UUID.randomUUID(), List.of(item(shoes, 1, 2), item(hats, 1, 1)), true);
    Payment second = provider.order("order-b-" + UUID.randomUUID(),
        List.of(item(shoes, 1, 2), item(hats, 1, 1), item(shoes, 3, 1)), true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(shoes.sale());
      log.send(hats.sale());
      log.send(shoes.accepted(1, 2));
      log.send(hats.accepted(1, 1));
      log.send(shoes.accepted(3, 1));
      log.send(item(shoes, "evt-a", 1, 2, first, SUCCEEDED));
      log.send(item(hats, "evt-a", 1, 1, first, SUCCEEDED));
      log.send(paid(shoes, 1, 2, CONFIRMED, first));
      log.send(paid(hats, 1, 1, CONFIRMED, first));
      log.send(item(shoes, "evt-b", 1, 2, second, SUCCEEDED));
      log.send(item(hats, "evt-b", 1, 1, second, SUCCEEDED));
      log.send(item(shoes, "evt-b", 3, 1, second, SUCCEEDED));
      log.send(paid(shoes, 1, 2, REFUND_DUE, second));
      log.send(paid(hats, 1, 1, REFUND_DUE, second));
      log.send(paid(shoes, 3, 1, CONFIRMED, second));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM refunds_due") == 2);

      RunResult night = reconcile();

      assertThat(books.rows("SELECT class, subject, action FROM reconciliation_discrepancies"))
          .containsExactly(Map.of("class", DiscrepancyClass.REFUND_OWED.name(), "subject", second.paymentId(),
              "action", "CORRECTED"));
      assertThat(books.rows("SELECT payment_id, amount_cents FROM reconciliation_corrections"))
          .as("the two items owed, not the charge of " + 4 * SaleStory.PRICE_CENTS)
          .containsExactly(Map.of("payment_id", second.paymentId(), "amount_cents", 3 * SaleStory.PRICE_CENTS));
      assertThat(night.status()).isNotEqualTo(RunStatus.CLEAN);
      assertThat(reconcile().found()).as("the rerun").isZero();
    }
  }

  /**
   * An order settled a cent short is an AMOUNT_MISMATCH against the sum of its items; an order whose webhook never
   * came (no item decided) is listed for a person, not replayed as a single purchase.
   */
  @Test
  void anOrderSettledForAnotherSumOrNeverDecidedIsReported() throws Exception {
    SaleStory shoes = new SaleStory("cart-short-" + UUID.randomUUID(), 5);
    SaleStory hats = new SaleStory("cart-short-hats-" + UUID.randomUUID(), 5);
    provider.faults("{\"shortSettlements\": 1}");
    Payment shortPaid = provider.order("order-s-" + UUID.randomUUID(), List.of(item(shoes, 1, 1), item(hats, 1, 1)),
        true);
    Payment lost = provider.order("order-l-" + UUID.randomUUID(), List.of(item(shoes, 2, 1), item(hats, 2, 1)), true);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(shoes.sale());
      log.send(hats.sale());
      log.send(shoes.accepted(1, 1));
      log.send(hats.accepted(1, 1));
      log.send(shoes.accepted(2, 1));
      log.send(hats.accepted(2, 1));
      log.send(item(shoes, "evt-1", 1, 1, shortPaid, SUCCEEDED));
      log.send(item(hats, "evt-1", 1, 1, shortPaid, SUCCEEDED));
      log.send(paid(shoes, 1, 1, CONFIRMED, shortPaid));
      log.send(paid(hats, 1, 1, CONFIRMED, shortPaid));
      log.send(shoes.ended(2, 1, EXPIRED)); // the lost order's holds ran out: its webhook never came
      log.send(hats.ended(2, 1, EXPIRED));
      log.commit();
    }
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events") == 8);

      RunResult night = reconcile();

      assertThat(books.rows("SELECT class, subject, request_id FROM reconciliation_discrepancies ORDER BY class"))
          .containsExactly(
              Map.of("class", DiscrepancyClass.AMOUNT_MISMATCH.name(), "subject", shortPaid.paymentId(),
                  "request_id", shortPaid.orderId()),
              Map.of("class", DiscrepancyClass.ORDER_PAID_NOT_CONFIRMED.name(), "subject", lost.paymentId(),
                  "request_id", lost.orderId()));
      assertThat(night.status()).isNotEqualTo(RunStatus.CLEAN);
      JsonNode mismatch = Reports.JSON.readTree((String) books.rows("SELECT log_evidence::text AS e FROM "
          + "reconciliation_discrepancies WHERE class = 'AMOUNT_MISMATCH'").get(0).get("e"));
      assertThat(mismatch.get("itemsAmountCents").asLong()).isEqualTo(2 * SaleStory.PRICE_CENTS);
      assertThat(mismatch.get("items").asInt()).isEqualTo(2);
    }
  }

  private static PaymentProvider.Item item(SaleStory story, int request, int quantity) {
    return new PaymentProvider.Item(story.requestId(request), story.saleId, story.sku, SaleStory.PRICE_CENTS * quantity);
  }

  /** One item's event of an order's payment, as the API writes it from the provider's webhook. */
  private static PaymentEvent item(SaleStory story, String eventId, int request, int quantity, Payment payment,
      PaymentEventType type) {
    return PaymentEvent.newBuilder(story.payment(eventId + ":" + request, request, quantity, payment.paymentId(), type))
        .setOrderId(payment.orderId()).build();
  }

  private static PurchaseOutcome paid(SaleStory story, int request, int quantity,
      io.flashsale.schemas.OutcomeStatus status, Payment payment) {
    return story.paid(request, quantity, status, payment.paymentId());
  }

  private RunResult reconcile() {
    Map<String, String> env = new HashMap<>(books.env(kafka.bootstrapServers(), REGISTRY, Map.of()));
    env.put("FLASHSALE_PAYMENT_PROVIDER_URL", provider.url());
    env.put("FLASHSALE_REPORT_DIR", reports.toString());
    try (Reconciliation reconciliation = Reconciliation.create(ReconciliationConfig.fromEnv(env),
        new PrintStream(progress, true))) {
      return reconciliation.run(DAY);
    }
  }
}
