package io.flashsale.reconciliation.nightly;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.CHARGED_TWICE;
import static io.flashsale.reconciliation.nightly.DiscrepancyClass.PAID_NOT_CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static io.flashsale.schemas.PaymentEventType.SUCCEEDED;
import static io.flashsale.testing.StripeFixtures.decodeForm;
import static io.flashsale.testing.StripeFixtures.template;
import static io.flashsale.testing.StripeFixtures.withFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedPostgres;
import io.flashsale.payments.StripePaymentProvider;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.reconciliation.sink.OutcomeSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly reconciliation with FLASHSALE_PAYMENT_PROVIDER=stripe against a stub of Stripe's API, whose answers
 * are Stripe's shapes (test-support's {@code StripeFixtures}: its refund, and templates): the day's balance transactions are the
 * settlements, a PaymentIntent is read for what it is now, and the refund a correction makes goes to
 * {@code POST /v1/refunds} under the correction's id.
 */
class StripeReconciliationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String REGISTRY = "mock://stripe-reconciliation-test";
  private static final LocalDate DAY = LocalDate.ofInstant(SaleStory.OPENING, ZoneOffset.UTC);

  private final EmbeddedKafka kafka = EmbeddedKafka.start(null);
  private final Books books = Books.fresh(EmbeddedPostgres.shared());
  private final WireMockServer stripe = new WireMockServer(options().dynamicPort());
  private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
  @TempDir
  Path reports;

  @AfterEach
  void stop() {
    stripe.stop();
    kafka.close();
  }

  @Test
  void aDayIsReconciledAgainstStripesBalanceTransactionsAndItsCorrectionsGoToStripeOnce() throws Exception {
    stripe.start();
    SaleStory story = new SaleStory("stripe-day-" + UUID.randomUUID(), 10);
    String paid = intent();
    String webhookLost = intent();
    String first = intent();
    String second = intent();
    // Newest first, as Stripe lists them; each charge's PaymentIntent carries the purchase in its metadata.
    List<String> charges = new ArrayList<>();
    charges.add(stubIntent(story, second, 3, 1, 2_400));
    charges.add(stubIntent(story, first, 3, 1, 2_300));
    charges.add(stubIntent(story, webhookLost, 2, 1, 2_200));
    charges.add(stubIntent(story, paid, 1, 2, 2_100));
    stripe.stubFor(get(urlPathEqualTo("/v1/balance_transactions")).willReturn(json(
        "{\"object\": \"list\", \"url\": \"/v1/balance_transactions\", \"has_more\": false, \"data\": ["
            + String.join(",", charges) + "]}")));
    stripe.stubFor(post("/v1/refunds").willReturn(json(withFields("refund.json", Map.of("id", "re_" + second,
        "payment_intent", second, "charge", "ch_" + second.substring(3), "balance_transaction", "txn_re_" + second,
        "amount", SaleStory.PRICE_CENTS, "created", SaleStory.OPENING.getEpochSecond() + 7_200)))));
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY).at(SaleStory.OPENING)) {
      log.begin();
      log.send(story.sale());
      log.send(story.accepted(1, 2));
      log.send(story.accepted(2, 1));
      log.send(story.accepted(3, 1));
      log.send(story.payment("evt-1", 1, 2, paid, SUCCEEDED));
      log.send(story.paid(1, 2, CONFIRMED, paid));
      log.send(story.ended(2, 1, EXPIRED)); // and Stripe's webhook for its payment never came
      log.send(story.payment("evt-3", 3, 1, first, SUCCEEDED));
      log.send(story.paid(3, 1, CONFIRMED, first));
      log.commit(); // and the buyer of request 3 paid a second time, in another tab
    }

    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of()))) {
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == 6);

      RunResult night = reconcile();

      assertThat(night.found(PAID_NOT_CONFIRMED, "CORRECTED")).isEqualTo(1);
      assertThat(night.found(CHARGED_TWICE, "CORRECTED")).isEqualTo(1);
      assertThat(night.found()).isEqualTo(2);
      assertThat(subjects(night.runId())).containsExactlyInAnyOrderEntriesOf(Map.of(
          PAID_NOT_CONFIRMED.name(), webhookLost, CHARGED_TWICE.name(), second));
      JsonNode report = Reports.JSON.readTree(night.reportDir().resolve("report.json").toFile());
      assertThat(report.at("/parties/providerSettlements").asLong()).isEqualTo(4);
      // One page, one request, with the source and its PaymentIntent expanded.
      LoggedRequest list = single(stripe.findAll(getRequestedFor(urlPathEqualTo("/v1/balance_transactions"))));
      assertThat(list.queryParameter("created[gte]").firstValue())
          .isEqualTo(Long.toString(DAY.atStartOfDay(ZoneOffset.UTC).toEpochSecond()));
      assertThat(list.queryParameter("expand[]").values()).containsExactly("data.source.payment_intent");
      assertThat(list.getHeader("Stripe-Version")).isEqualTo(StripePaymentProvider.API_VERSION);
      // The second charge refunded at Stripe under the correction's id; the lost payment handed to the topology.
      LoggedRequest refund = single(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/refunds"))));
      assertThat(refund.getHeader("Idempotency-Key")).isEqualTo("refund:" + second);
      assertThat(decodeForm(refund.getBodyAsString())).isEqualTo(Map.of("payment_intent", second,
          "amount", Long.toString(SaleStory.PRICE_CENTS)));
      await().atMost(WAIT).untilAsserted(() -> assertThat(books.rows(
          "SELECT payment_id, request_id, type, amount_cents FROM payments WHERE event_id = ?",
          "replay-payment:" + webhookLost)).containsExactly(Map.of("payment_id", webhookLost,
          "request_id", story.requestId(2), "type", "SUCCEEDED", "amount_cents", SaleStory.PRICE_CENTS)));

      RunResult rerun = reconcile();

      assertThat(rerun.corrected()).isZero();
      assertThat(stripe.findAll(postRequestedFor(urlPathEqualTo("/v1/refunds")))).hasSize(1);
    }
  }

  private static String intent() {
    return "pi_3Q" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  /**
   * Stubs {@code GET /v1/payment_intents/<intent>} as a succeeded PaymentIntent for the story's request, and
   * answers its charge's balance transaction, {@code seconds} after the opening.
   */
  private String stubIntent(SaleStory story, String intent, int request, int quantity, int seconds) {
    Map<String, String> values = new HashMap<>(Map.of("intent", intent, "charge", "ch_" + intent.substring(3),
        "txn", "txn_" + intent.substring(3), "requestId", story.requestId(request), "saleId", story.saleId,
        "sku", story.sku, "userId", "user-" + request, "amount", Long.toString(SaleStory.PRICE_CENTS * quantity),
        "created", Long.toString(SaleStory.OPENING.getEpochSecond() + seconds)));
    values.put("net", Long.toString(SaleStory.PRICE_CENTS * quantity - 62));
    stripe.stubFor(get(urlPathEqualTo("/v1/payment_intents/" + intent))
        .willReturn(json(template("payment-intent-succeeded.json", values))));
    return template("balance-transaction-charge.json", values);
  }

  private RunResult reconcile() {
    Map<String, String> env = new HashMap<>(books.env(kafka.bootstrapServers(), REGISTRY, Map.of()));
    env.put("FLASHSALE_PAYMENT_PROVIDER", "stripe");
    env.put("FLASHSALE_STRIPE_API_KEY", "sk_test_51FlashsaleNightlyStub");
    env.put("FLASHSALE_STRIPE_API_BASE", stripe.baseUrl());
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

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
    return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
  }

  private static LoggedRequest single(List<LoggedRequest> requests) {
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }
}
