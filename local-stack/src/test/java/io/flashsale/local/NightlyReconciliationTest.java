package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.payments.HttpPaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.reconciliation.nightly.DiscrepancyClass;
import io.flashsale.reconciliation.nightly.ReconcileCommand;
import io.flashsale.reconciliation.nightly.Reconciliation;
import io.flashsale.reconciliation.nightly.ReconciliationConfig;
import io.flashsale.reconciliation.nightly.RunResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A sale on the whole local stack with the simulator misbehaving (a lost webhook, a charge settled a cent
 * short) and a buyer charged twice, then the nightly command against the running stack: the lost payment
 * is replayed and the topology confirms the purchase, the second charge is refunded, the short settlement is
 * left for a person, and a rerun corrects nothing twice.
 */
class NightlyReconciliationTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  @TempDir static Path reports;
  static LocalStack stack;
  static Buyers buyers;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    buyers = new Buyers(stack.apiUrl());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void theNightCorrectsWhatItSafelyCanAndNamesTheRest() throws Exception {
    String saleId = buyers.createLiveSale("SKU-NIGHT", 5, 1, 120);
    String alice = buy("alice", saleId);
    String bob = buy("bob", saleId);
    String carol = buy("carol", saleId);
    String dave = buy("dave", saleId);
    pay("alice", alice);
    buyers.awaitStatus(Buyers.tokenFor("alice"), alice, "CONFIRMED", PATIENCE);
    TestStack.simulatorFaults(stack, "{\"dropWebhooks\": 1}");
    pay("bob", bob); // the provider charges bob, but the shop never hears of it
    TestStack.simulatorFaults(stack, "{\"shortSettlements\": 1}");
    pay("carol", carol);
    buyers.awaitStatus(Buyers.tokenFor("carol"), carol, "CONFIRMED", PATIENCE);
    pay("dave", dave);
    buyers.awaitStatus(Buyers.tokenFor("dave"), dave, "CONFIRMED", PATIENCE);
    PaymentProvider provider = new HttpPaymentProvider(stack.paymentProviderUrl(), SimulatorConfig.LOCAL_API_KEY);
    Payment again = provider.createPayment(new PaymentOrder("dave-pays-again", dave, saleId, "SKU-NIGHT", "dave",
        Buyers.PRICE_CENTS, "USD"));
    assertThat(buyers.completePayment(stack.paymentProviderUrl() + "/pay/" + again.paymentId(), "SUCCEEDED").status())
        .isEqualTo(202);
    Jdbi db = Jdbi.create(stack.databaseUrl(), "postgres", "postgres");
    await().atMost(PATIENCE).until(() -> count(db, "SELECT count(*) FROM refunds_due WHERE payment_id = ?", again.paymentId()) == 1);
    assertThat(buyers.poll(Buyers.tokenFor("bob"), bob, 0).body().path("status").asText()).isEqualTo("ACCEPTED");

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Map<String, String> env = new HashMap<>(LocalStack.endpoints(new LocalStackConfig(dataDir, 0)));
    env.put("FLASHSALE_REPORT_DIR", reports.toString());
    int exitCode = new CommandLine(new ReconcileCommand(env)).execute("--date", today.toString());

    assertThat(exitCode).as("carol's short settlement needs a person").isEqualTo(ReconcileCommand.NEEDS_PERSON);
    assertThat(classes(db)).containsExactlyInAnyOrderEntriesOf(Map.of(
        DiscrepancyClass.PAID_NOT_CONFIRMED.name(), "CORRECTED",
        DiscrepancyClass.CHARGED_TWICE.name(), "CORRECTED",
        DiscrepancyClass.AMOUNT_MISMATCH.name(), "NEEDS_PERSON"));
    // The replayed payment reached the topology, which confirmed bob's hold; dave's second charge went back.
    buyers.awaitStatus(Buyers.tokenFor("bob"), bob, "CONFIRMED", PATIENCE);
    assertThat(provider.payment(again.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.REFUNDED);
    await().atMost(PATIENCE).until(() -> count(db,
        "SELECT count(*) FROM refunds_due WHERE payment_id = ? AND refunded_at IS NOT NULL", again.paymentId()) == 1);
    await().atMost(PATIENCE).until(() -> count(db,
        "SELECT count(*) FROM orders WHERE request_id = ? AND status = 'CONFIRMED'", bob) == 1);

    RunResult rerun;
    try (Reconciliation reconciliation = Reconciliation.create(ReconciliationConfig.fromEnv(env), new PrintStream(System.out))) {
      rerun = reconciliation.run(today);
    }

    assertThat(rerun.corrected()).isZero();
    assertThat(rerun.found()).isEqualTo(1);
    assertThat(rerun.found(DiscrepancyClass.AMOUNT_MISMATCH, "NEEDS_PERSON")).isEqualTo(1);
    assertThat(count(db, "SELECT count(*) FROM reconciliation_corrections")).isEqualTo(2);
    var metrics = buyers.metrics(saleId).body();
    assertThat(metrics.path("confirmed").asInt()).isEqualTo(4);
    assertThat(metrics.path("available").asInt()).isEqualTo(1);
  }

  private static String buy(String userId, String saleId) {
    Buyers.Answer answer = buyers.purchase(Buyers.tokenFor(userId), saleId, 1, userId + "-click");
    assertThat(answer.status()).as("purchase %s", answer).isEqualTo(202);
    String requestId = answer.body().get("requestId").asText();
    buyers.awaitStatus(Buyers.tokenFor(userId), requestId, "ACCEPTED", PATIENCE);
    return requestId;
  }

  private static void pay(String userId, String requestId) {
    Buyers.Answer checkout = buyers.checkout(Buyers.tokenFor(userId), requestId);
    assertThat(checkout.status()).as("checkout %s", checkout).isEqualTo(200);
    assertThat(buyers.completePayment(checkout.body().get("redirectUrl").asText(), "SUCCEEDED").status()).isEqualTo(202);
  }

  /** The last run's discrepancies: class to action. */
  private static Map<String, String> classes(Jdbi db) {
    Map<String, String> classes = new HashMap<>();
    db.useHandle(h -> h.createQuery("""
            SELECT class, action FROM reconciliation_discrepancies
            WHERE run_id = (SELECT run_id FROM reconciliation_runs ORDER BY started_at DESC LIMIT 1)""")
        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
        .forEach(e -> classes.put(e.getKey(), e.getValue())));
    return classes;
  }

  private static long count(Jdbi db, String sql, Object... args) {
    return db.withHandle(h -> {
      var query = h.createQuery(sql);
      for (int i = 0; i < args.length; i++) {
        query.bind(i, args[i]);
      }
      return query.mapTo(Long.class).one();
    });
  }
}
