package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One sale through every way a hold can end, on the whole local stack (broker, topology, API, payment
 * simulator, sink, PostgreSQL): paid, payment failed then expired, cancelled, expired, and paid late.
 */
class HoldLifecycleTest {
  private static final int HOLD_SECONDS = 3;
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
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
  void everyHoldEndsOnceAndTheDatabaseAgrees() throws Exception {
    String saleId = buyers.createLiveSale("SKU-LIFECYCLE", 5, 1, HOLD_SECONDS);
    Buyer alice = buy("alice", saleId);
    Buyer bob = buy("bob", saleId);
    Buyer carol = buy("carol", saleId);
    Buyer dave = buy("dave", saleId);
    Buyer erin = buy("erin", saleId);

    // alice pays, and the provider delivers her webhook twice.
    TestStack.simulatorFaults(stack, "{\"duplicateWebhooks\": 1}");
    assertThat(buyers.completePayment(alice.checkout(), "SUCCEEDED").status()).isEqualTo(202);
    JsonNode paid = alice.awaitStatus("CONFIRMED");
    assertThat(paid.path("orderId").asText()).isNotBlank();
    // bob's payment fails: his hold runs out.
    assertThat(buyers.completePayment(bob.checkout(), "FAILED").status()).isEqualTo(202);
    // carol gives her units back.
    assertThat(buyers.cancel(carol.token, carol.requestId).status()).isEqualTo(202);
    carol.awaitStatus("CANCELLED");
    assertThat(buyers.cancel(carol.token, carol.requestId).body().path("code").asText()).isEqualTo("INVALID_STATE");
    // erin starts paying but finishes only after her hold expired: confirmed from the stock that came back. She was
    // already paying when the shop closed her checkout at the hold's end (the provider lets such a payment finish).
    TestStack.simulatorFaults(stack, "{\"lateExpiries\": 1}");
    String erinsPayment = erin.checkout();
    bob.awaitStatus("EXPIRED");
    dave.awaitStatus("EXPIRED");
    erin.awaitStatus("EXPIRED");
    assertThat(buyers.completePayment(erinsPayment, "SUCCEEDED").status()).isEqualTo(202);
    erin.awaitStatus("CONFIRMED");

    var metrics = buyers.metrics(saleId).body();
    assertThat(metrics.path("confirmed").asInt()).isEqualTo(2);
    assertThat(metrics.path("reserved").asInt()).isZero();
    assertThat(metrics.path("available").asInt()).isEqualTo(3);

    Jdbi db = Jdbi.create(stack.databaseUrl(), "postgres", "postgres");
    await().atMost(PATIENCE).untilAsserted(() -> {
      Map<String, String> statusByUser = new HashMap<>();
      db.useHandle(h -> h.createQuery("SELECT user_id, status FROM orders WHERE sale_id = :sale")
          .bind("sale", saleId)
          .map((rs, ctx) -> Map.entry(rs.getString("user_id"), rs.getString("status")))
          .forEach(e -> statusByUser.put(e.getKey(), e.getValue())));
      assertThat(statusByUser).isEqualTo(Map.of(
          "alice", "CONFIRMED", "bob", "EXPIRED", "carol", "CANCELLED", "dave", "EXPIRED", "erin", "CONFIRMED"));
    });
    Map<String, Object> sale = db.withHandle(h -> h.createQuery("SELECT reserved, confirmed FROM sales WHERE sale_id = :sale")
        .bind("sale", saleId).mapToMap().one());
    assertThat(sale).containsEntry("reserved", 0).containsEntry("confirmed", 2);
    // Three webhooks (alice's twice): three payment rows, each with the sale's price.
    Map<String, Long> paymentsByType = new HashMap<>();
    db.useHandle(h -> h.createQuery("SELECT type, count(*) AS n, min(amount_cents) AS low, max(amount_cents) AS high "
            + "FROM payments WHERE sale_id = :sale GROUP BY type")
        .bind("sale", saleId)
        .mapToMap()
        .forEach(row -> {
          assertThat(row.get("low")).isEqualTo(Buyers.PRICE_CENTS);
          assertThat(row.get("high")).isEqualTo(Buyers.PRICE_CENTS);
          paymentsByType.put((String) row.get("type"), (Long) row.get("n"));
        }));
    assertThat(paymentsByType).isEqualTo(Map.of("SUCCEEDED", 2L, "FAILED", 1L));
    long refundsDue = db.withHandle(h -> h.createQuery("SELECT count(*) FROM refunds_due WHERE sale_id = :sale")
        .bind("sale", saleId).mapTo(Long.class).one());
    assertThat(refundsDue).isZero();
  }

  private static Buyer buy(String userId, String saleId) {
    String token = Buyers.tokenFor(userId);
    Buyers.Answer answer = buyers.purchase(token, saleId, 1, userId + "-click");
    assertThat(answer.status()).as("purchase %s", answer).isEqualTo(202);
    Buyer buyer = new Buyer(token, answer.body().get("requestId").asText());
    buyer.awaitStatus("ACCEPTED");
    return buyer;
  }

  private record Buyer(String token, String requestId) {
    JsonNode awaitStatus(String status) {
      return buyers.awaitStatus(token, requestId, status, PATIENCE);
    }

    /** Starts paying; returns where the buyer pays. */
    String checkout() {
      Buyers.Answer answer = buyers.checkout(token, requestId);
      assertThat(answer.status()).as("checkout %s", answer).isEqualTo(200);
      return answer.body().get("redirectUrl").asText();
    }
  }
}
