package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cart across sales on the whole local stack (broker, topology, API, payment simulator, sink, PostgreSQL): one
 * payment for holds of three sales, each confirmed in its own sale; a hold ending before the payment, confirmed late
 * or refunded alone; the books in PostgreSQL carrying each item's payment event and its order.
 */
class CartFlowTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  static LocalStack stack;
  static Buyers buyers;
  static Jdbi db;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    buyers = new Buyers(stack.apiUrl());
    db = Jdbi.create(stack.databaseUrl(), "postgres", "postgres");
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  /** Paid once, the webhook delivered twice: each hold confirmed once, three payment rows for the order. */
  @Test
  void aCartOfThreeSalesPaidOnceIsConfirmedInEachSale() throws Exception {
    String alice = Buyers.tokenFor("alice-" + UUID.randomUUID());
    List<String> sales = List.of(sale("SHOES", 5, 300), sale("HATS", 5, 300), sale("SOCKS", 5, 300));
    List<String> held = sales.stream().map(saleId -> hold(alice, saleId)).toList();
    JsonNode cart = buyers.call("GET", "/api/cart", alice, null, Map.of()).body();
    assertThat(cart.path("items")).hasSize(3);
    assertThat(cart.path("totals").get(0).path("amountCents").asLong()).isEqualTo(3 * Buyers.PRICE_CENTS);

    Buyers.Answer order = buyers.call("POST", "/api/orders", alice, Map.of("requestIds", held), Map.of());
    assertThat(order.status()).as("%s", order).isEqualTo(200);
    String orderId = order.body().path("orderId").asText();
    String paymentId = order.body().path("paymentId").asText();
    TestStack.simulatorFaults(stack, "{\"duplicateWebhooks\": 1}");
    assertThat(buyers.completePayment(order.body().path("redirectUrl").asText(), "SUCCEEDED").status()).isEqualTo(202);

    held.forEach(requestId -> buyers.awaitStatus(alice, requestId, "CONFIRMED", PATIENCE));
    await().atMost(PATIENCE).until(() -> orderStatus(alice, orderId).equals("PAID"));
    assertThat(buyers.call("GET", "/api/cart", alice, null, Map.of()).body().path("items")).isEmpty();
    for (String saleId : sales) {
      JsonNode metrics = buyers.metrics(saleId).body();
      assertThat(metrics.path("confirmed").asInt()).as("sold once in %s", saleId).isEqualTo(1);
      assertThat(metrics.path("reserved").asInt()).isZero();
    }
    await().atMost(PATIENCE).untilAsserted(() -> {
      assertThat(count("SELECT count(*) FROM payments WHERE order_id = ?", orderId)).isEqualTo(3);
      assertThat(count("SELECT count(*) FROM orders WHERE payment_id = ? AND status = 'CONFIRMED'", paymentId))
          .isEqualTo(3);
    });
    assertThat(count("SELECT count(*) FROM refunds_due WHERE payment_id = ?", paymentId)).isZero();
  }

  /**
   * Two holds of the cart end before it is paid: one whose unit is still there is confirmed late, one whose unit
   * another buyer took meanwhile is owed back alone; the order shows which.
   */
  @Test
  void holdsEndingFirstAreConfirmedLateWhileStockLastsElseRefundedAlone() {
    String alice = Buyers.tokenFor("alice-" + UUID.randomUUID());
    String shoes = sale("SHOES", 5, 300);
    String spare = sale("SPARE", 5, 2); // ends first, plenty of stock
    String last = sale("LAST", 1, 2); // ends first, its only unit goes to bob
    Map<String, String> held = new HashMap<>();
    for (String saleId : List.of(shoes, spare, last)) {
      held.put(saleId, hold(alice, saleId));
    }
    Buyers.Answer order = buyers.call("POST", "/api/orders", alice,
        Map.of("requestIds", List.copyOf(held.values())), Map.of());
    assertThat(order.status()).as("%s", order).isEqualTo(200);
    String orderId = order.body().path("orderId").asText();
    String paymentId = order.body().path("paymentId").asText();
    // Two holds run out while the buyer pays: an order's payment stays open (no one hold's end closes it).
    buyers.awaitStatus(alice, held.get(spare), "EXPIRED", PATIENCE);
    buyers.awaitStatus(alice, held.get(last), "EXPIRED", PATIENCE);
    String bob = Buyers.tokenFor("bob-" + UUID.randomUUID());
    // The edge answers SOLD_OUT until its view of the stock has the unit back.
    String[] bobs = new String[1];
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
      Buyers.Answer answer = buyers.purchase(bob, last, 1, "bob-click");
      bobs[0] = answer.status() == 202 ? answer.body().path("requestId").asText() : null;
      return bobs[0] != null;
    });
    buyers.awaitStatus(bob, bobs[0], "ACCEPTED", PATIENCE);

    assertThat(buyers.completePayment(order.body().path("redirectUrl").asText(), "SUCCEEDED").status()).isEqualTo(202);

    buyers.awaitStatus(alice, held.get(shoes), "CONFIRMED", PATIENCE);
    buyers.awaitStatus(alice, held.get(spare), "CONFIRMED", PATIENCE);
    await().atMost(PATIENCE).until(() -> orderStatus(alice, orderId).equals("PARTIALLY_REFUNDED"));
    JsonNode shown = buyers.call("GET", "/api/orders/" + orderId, alice, null, Map.of()).body();
    Map<String, String> items = new HashMap<>();
    shown.path("items").forEach(i -> items.put(i.path("saleId").asText(),
        i.path("status").asText() + "/" + i.path("refund").asText("-")));
    assertThat(items).isEqualTo(Map.of(shoes, "CONFIRMED/-", spare, "CONFIRMED/-", last, "EXPIRED/DUE"));
    assertThat(buyers.metrics(last).body().path("reserved").asInt()).as("bob's hold stands").isEqualTo(1);
    await().atMost(PATIENCE).untilAsserted(() -> {
      List<String> owed = db.withHandle(h -> h.createQuery("SELECT request_id FROM refunds_due WHERE payment_id = :p")
          .bind("p", paymentId).mapTo(String.class).list());
      assertThat(owed).containsExactly(held.get(last));
    });
  }

  private static String sale(String name, int stock, int holdSeconds) {
    return buyers.createLiveSale("SKU-" + name + "-" + UUID.randomUUID(), stock, 1, holdSeconds);
  }

  private static String hold(String token, String saleId) {
    Buyers.Answer answer = buyers.purchase(token, saleId, 1, null);
    assertThat(answer.status()).as("purchase %s", answer).isEqualTo(202);
    String requestId = answer.body().path("requestId").asText();
    buyers.awaitStatus(token, requestId, "ACCEPTED", PATIENCE);
    return requestId;
  }

  private static String orderStatus(String token, String orderId) {
    return buyers.call("GET", "/api/orders/" + orderId, token, null, Map.of()).body().path("status").asText();
  }

  private static long count(String sql, String arg) {
    return db.withHandle(h -> h.createQuery(sql).bind(0, arg).mapTo(Long.class).one());
  }
}
