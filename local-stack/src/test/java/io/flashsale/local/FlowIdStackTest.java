package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.local.Buyers.Answer;
import io.flashsale.reconciliation.nightly.DiscrepancyClass;
import io.flashsale.reconciliation.nightly.ReconcileCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One buyer's flow id on the whole local stack (a real broker, the topology, the sink into PostgreSQL, the payment
 * simulator): sent on the queue join, the purchase and the checkout, it is on the join, the request, both outcomes,
 * the payment's metadata and event, the rows the sink wrote, and the nightly report links the payment's discrepancy
 * (a settlement a cent short) to every step of that flow, in order. A second buyer's lost webhook, replayed by the
 * night, is linked to its own flow through its order.
 */
class FlowIdStackTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  @TempDir static Path reports;
  static LocalStack stack;
  static Buyers http;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    http = new Buyers(stack.apiUrl());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aFlowIsFollowedFromTheJoinToTheNightlyReport() throws Exception {
    Instant now = Instant.now();
    String saleId = http.createSale(new HashMap<>(Map.of("sku", "FLOW-" + now.toEpochMilli(), "name", "Flow sale",
        "stock", 10, "perUserLimit", 1, "priceCents", 999, "currency", "USD",
        "startsAt", now.minusSeconds(5).toString(), "endsAt", now.plus(Duration.ofHours(1)).toString(),
        "waitingRoom", Map.of("admitPerSecond", 1000))));
    String erin = Buyers.tokenFor("erin-" + saleId);
    String flow = "flow-erin-" + UUID.randomUUID();
    Map<String, String> inFlow = Map.of("Flashsale-Flow", flow);

    Answer joined = http.call("POST", "/api/sales/" + saleId + "/queue", erin, Map.of(), inFlow);
    assertThat(joined.status()).as("%s", joined.body()).isEqualTo(202);
    JsonNode admitted = http.call("GET", "/api/queue/" + joined.body().path("queueToken").asText() + "?waitMs=10000",
        erin, null, Map.of()).body();
    assertThat(admitted.path("status").asText()).as("%s", admitted).isEqualTo("ADMITTED");
    Answer purchase = http.call("POST", "/api/sales/" + saleId + "/purchases", erin, Map.of("quantity", 1),
        Map.of("Flashsale-Flow", flow, "Flashsale-Pass", admitted.path("purchasePass").asText()));
    assertThat(purchase.status()).as("%s", purchase.body()).isEqualTo(202);
    String requestId = purchase.body().path("requestId").asText();
    assertThat(http.awaitStatus(erin, requestId, "ACCEPTED", PATIENCE).path("flowId").asText()).isEqualTo(flow);
    TestStack.simulatorFaults(stack, "{\"shortSettlements\": 1}");
    Answer checkout = http.call("POST", "/api/purchases/" + requestId + "/checkout", erin, null, inFlow);
    assertThat(checkout.status()).as("%s", checkout.body()).isEqualTo(200);
    String paymentId = checkout.body().path("paymentId").asText();
    assertThat(http.completePayment(checkout.body().path("redirectUrl").asText(), "SUCCEEDED").status()).isEqualTo(202);
    assertThat(http.awaitStatus(erin, requestId, "CONFIRMED", PATIENCE).path("flowId").asText()).isEqualTo(flow);

    // A second buyer, whose payment's webhook the provider loses.
    String frank = Buyers.tokenFor("frank-" + saleId);
    String frankFlow = "flow-frank-" + UUID.randomUUID();
    String frankRequest = admittedPurchase(frank, saleId, frankFlow);
    TestStack.simulatorFaults(stack, "{\"dropWebhooks\": 1}");
    Answer frankCheckout = http.call("POST", "/api/purchases/" + frankRequest + "/checkout", frank, null, Map.of());
    assertThat(frankCheckout.body().path("flowId").asText()).as("the purchase's flow").isEqualTo(frankFlow);
    assertThat(http.completePayment(frankCheckout.body().path("redirectUrl").asText(), "SUCCEEDED").status())
        .isEqualTo(202);

    Jdbi db = Jdbi.create(stack.databaseUrl(), "postgres", "postgres");
    await().atMost(PATIENCE).until(() -> text(db, "SELECT status FROM orders WHERE request_id = ?", requestId)
        .equals(List.of("CONFIRMED")) && !text(db, "SELECT flow_id FROM payments WHERE payment_id = ?", paymentId).isEmpty());
    assertThat(text(db, "SELECT flow_id FROM orders WHERE request_id = ?", requestId)).containsExactly(flow);
    assertThat(text(db, "SELECT flow_id FROM order_events WHERE request_id = ? ORDER BY decided_at", requestId))
        .containsExactly(flow, flow);
    assertThat(text(db, "SELECT flow_id FROM payments WHERE payment_id = ?", paymentId)).containsExactly(flow);

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Map<String, String> env = new HashMap<>(LocalStack.endpoints(new LocalStackConfig(dataDir, 0)));
    env.put("FLASHSALE_REPORT_DIR", reports.toString());
    int exitCode = new CommandLine(new ReconcileCommand(env)).execute("--date", today.toString());

    assertThat(exitCode).as("the short settlement needs a person").isEqualTo(ReconcileCommand.NEEDS_PERSON);
    JsonNode report = JSON.readTree(reportFile("report.json").toFile());
    JsonNode mismatch = discrepancy(report, DiscrepancyClass.AMOUNT_MISMATCH);
    assertThat(mismatch.path("flowId").asText()).isEqualTo(flow);
    List<String> steps = new ArrayList<>();
    mismatch.path("flow").forEach(step -> steps.add(step.path("step").asText()
        + (step.path("step").asText().equals("OUTCOME") ? " " + step.path("detail").asText() : "")));
    assertThat(steps).containsExactly("QUEUE_JOIN", "PURCHASE_REQUEST", "OUTCOME ACCEPTED", "CHECKOUT", "PAYMENT",
        "OUTCOME CONFIRMED");
    List<Instant> times = new ArrayList<>();
    mismatch.path("flow").forEach(step -> times.add(Instant.parse(step.path("at").asText())));
    assertThat(times).isSorted();
    assertThat(mismatch.path("flow").get(4).path("paymentId").asText()).isEqualTo(paymentId);
    assertThat(mismatch.path("flow").get(1).path("requestId").asText()).isEqualTo(requestId);
    JsonNode lost = discrepancy(report, DiscrepancyClass.PAID_NOT_CONFIRMED);
    assertThat(lost.path("flowId").asText()).isEqualTo(frankFlow);
    assertThat(lost.path("flow")).extracting(step -> step.path("step").asText())
        .startsWith("QUEUE_JOIN", "PURCHASE_REQUEST", "OUTCOME", "CHECKOUT");
    String html = Files.readString(reportFile("report.html"));
    assertThat(html).contains(flow, frankFlow, "QUEUE_JOIN", "PURCHASE_REQUEST", "CHECKOUT");
    assertThat(text(db, "SELECT flow_id FROM reconciliation_discrepancies WHERE class = ?",
        DiscrepancyClass.AMOUNT_MISMATCH.name())).containsExactly(flow);
  }

  private static String admittedPurchase(String token, String saleId, String flow) {
    Answer joined = http.call("POST", "/api/sales/" + saleId + "/queue", token, Map.of(), Map.of("Flashsale-Flow", flow));
    JsonNode admitted = http.call("GET", "/api/queue/" + joined.body().path("queueToken").asText() + "?waitMs=10000",
        token, null, Map.of()).body();
    Answer purchase = http.call("POST", "/api/sales/" + saleId + "/purchases", token, Map.of("quantity", 1),
        Map.of("Flashsale-Flow", flow, "Flashsale-Pass", admitted.path("purchasePass").asText()));
    assertThat(purchase.status()).as("%s", purchase.body()).isEqualTo(202);
    String requestId = purchase.body().path("requestId").asText();
    http.awaitStatus(token, requestId, "ACCEPTED", PATIENCE);
    return requestId;
  }

  private static JsonNode discrepancy(JsonNode report, DiscrepancyClass discrepancyClass) {
    List<JsonNode> found = new ArrayList<>();
    report.path("discrepancyList").forEach(d -> {
      if (d.path("class").asText().equals(discrepancyClass.name())) {
        found.add(d);
      }
    });
    assertThat(found).as("%s in %s", discrepancyClass, report).hasSize(1);
    return found.get(0);
  }

  private static Path reportFile(String name) throws Exception {
    try (Stream<Path> files = Files.walk(reports)) {
      return files.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
    }
  }

  private static List<String> text(Jdbi db, String sql, Object... args) {
    return db.withHandle(h -> {
      var query = h.createQuery(sql);
      for (int i = 0; i < args.length; i++) {
        query.bind(i, args[i]);
      }
      return query.mapTo(String.class).list();
    });
  }
}
