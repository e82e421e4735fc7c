package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.sale.DecisionRate;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin's list, end and report routes and the extended metrics, the topology played by hand: the test reads
 * the end the API wrote and answers with the stock level the topology would send.
 */
class AdminRoutesTest {
  @TempDir
  static Path reports;
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() throws IOException {
    Path run = Files.createDirectories(reports.resolve("2026-11-23").resolve("run-1"));
    Files.writeString(run.resolve("report.html"), "<html><body>Reconciliation of 2026-11-23</body></html>");
    Files.writeString(run.resolve("report.json"), "{\"day\":\"2026-11-23\"}");
    Files.writeString(reports.resolve("secret.txt"), "not a report");
    fixture = ApiFixture.start(Map.of("FLASHSALE_REPORT_DIR", reports.toString()));
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void salesAreListedByStatus() {
    String live = fixture.createSale(Map.of());
    String scheduled = fixture.createSale(Map.of("startsAt", Instant.now().plusSeconds(600).toString(),
        "endsAt", Instant.now().plusSeconds(1200).toString()));

    assertThat(ids(list(""))).contains(live, scheduled);
    assertThat(ids(list("?status=LIVE"))).contains(live).doesNotContain(scheduled);
    assertThat(ids(list("?status=scheduled"))).contains(scheduled).doesNotContain(live);
    assertThat(list("?status=ENDED").findValuesAsText("status")).allMatch("ENDED"::equals);
  }

  @Test
  void endingASaleGoesThroughTheTopologyAndLaterPurchasesAreRefused() throws Exception {
    String saleId = fixture.createSale(Map.of("stock", 5));
    open(saleId, null);
    CompletableFuture<ApiFixture.Response> ending =
        fixture.call("POST", "/api/admin/sales/" + saleId + "/end").auth(fixture.admin()).sendAsync();

    ConsumerRecord<String, SaleEnd> end = await().atMost(Duration.ofSeconds(20))
        .until(() -> endsOf(saleId), found -> !found.isEmpty()).get(0);
    assertThat(end.key()).as("keyed by SKU, in the sale's partition").isEqualTo("SKU-" + saleId);
    Instant endedAt = Instant.ofEpochMilli(end.timestamp());
    open(saleId, endedAt); // the topology's decision, as every instance reads it

    ApiFixture.Response answer = ending.get();
    assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
    assertThat(answer.json().path("status").asText()).isEqualTo("ENDED");
    assertThat(Instant.parse(answer.json().path("endedAt").asText())).isEqualTo(endedAt);
    assertThat(ids(list("?status=ENDED"))).contains(saleId);

    Map<TopicPartition, Long> before = allEndOffsets();
    fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(ApiFixture.newUser()))
        .json("{\"quantity\":1}").send().assertProblem(409, ErrorCode.SALE_ENDED);
    fixture.call("POST", "/api/admin/sales/" + saleId + "/end").auth(fixture.admin()).send()
        .assertProblem(409, ErrorCode.SALE_ENDED);
    assertThat(allEndOffsets()).as("refusals write nothing").isEqualTo(before);
  }

  @Test
  void badEndsAreProblemsAndWriteNothing() {
    String saleId = fixture.createSale(Map.of());
    Map<TopicPartition, Long> before = allEndOffsets();

    String path = "/api/admin/sales/" + saleId + "/end";
    fixture.call("POST", path).send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    fixture.call("POST", path).auth("Bearer not-the-token").send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    fixture.call("POST", path).auth(fixture.buyer(ApiFixture.newUser())).send()
        .assertProblem(401, ErrorCode.UNAUTHENTICATED);
    fixture.call("POST", "/api/admin/sales/no-such-sale/end").auth(fixture.admin()).send()
        .assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    fixture.call("POST", path).auth(fixture.admin()).json("{\"now\": true}").send()
        .assertProblem(400, ErrorCode.VALIDATION);
    fixture.call("POST", path).auth(fixture.admin()).json("{\"pad\": \"" + "x".repeat(20_000) + "\"}").send()
        .assertProblem(413, ErrorCode.PAYLOAD_TOO_LARGE);
    // Not opened by the topology yet: it could not place the end, so none is written.
    fixture.call("POST", path).auth(fixture.admin()).send().assertProblem(503, ErrorCode.UNAVAILABLE);
    fixture.call("GET", path).auth(fixture.admin()).send().assertProblem(405, ErrorCode.METHOD_NOT_ALLOWED);
    fixture.call("GET", "/api/admin/sales?status=OPEN").auth(fixture.admin()).send()
        .assertProblem(400, ErrorCode.VALIDATION);
    fixture.call("GET", "/api/admin/sales").send().assertProblem(401, ErrorCode.UNAUTHENTICATED);

    assertThat(allEndOffsets()).isEqualTo(before);
  }

  /** The sale's fairness as the admin reads it: the first of two buyers won both units. */
  @Test
  void metricsShowTheFairnessOfTheUnitsWon() throws InterruptedException {
    String saleId = fixture.createSale(Map.of("stock", 2, "perUserLimit", 2));
    fixture.decide(saleId, "fair-1-" + saleId, "first", 2, OutcomeStatus.ACCEPTED);
    Thread.sleep(5); // a later decision time: the join order
    fixture.decide(saleId, "fair-2-" + saleId, "second", 1, OutcomeStatus.REJECTED);

    JsonNode metrics = await().atMost(Duration.ofSeconds(30)).until(() -> metrics(saleId),
        m -> m.path("giniUnitsPerUser").asDouble() > 0);
    assertThat(metrics.path("giniUnitsPerUser").asDouble()).as("one winner of two: (n-1)/n").isEqualTo(0.5);
    assertThat(metrics.path("firstTenthShare").asDouble()).isEqualTo(1.0);
    assertThat(metrics.path("admittedPerSecond").asDouble()).as("no waiting room").isZero();
    assertThat(metrics.path("newJoinerStartTime").isNull()).isTrue();
  }

  @Test
  void metricsShowOrdersConversionAndDecisionsPerSecond() {
    String saleId = fixture.createSale(Map.of("stock", 10));
    Instant now = Instant.now();
    fixture.produce(fixture.topics.stockLevels, saleId, level(saleId, 10, 10, 0, 0, 0, Map.of(), now, null));
    fixture.produce(fixture.topics.stockLevels, saleId,
        level(saleId, 10, 6, 4, 0, 0, Map.of("SOLD_OUT", 3L), now.plusMillis(1), null));
    fixture.produce(fixture.topics.stockLevels, saleId,
        level(saleId, 10, 6, 2, 2, 2, Map.of("SOLD_OUT", 3L, "LIMIT_EXCEEDED", 1L), now.plusMillis(2), null));

    JsonNode metrics = await().atMost(Duration.ofSeconds(20)).until(() -> metrics(saleId),
        m -> m.path("ordersCount").asLong() == 2);
    assertThat(metrics.path("conversionRate").asDouble()).isEqualTo(0.5);
    assertThat(metrics.path("queueLength").asLong()).isZero();
    assertThat(metrics.path("admitted").asLong()).isZero();
    assertThat(metrics.path("deviceRejections").asLong()).isZero();
    assertThat(metrics.path("rejected").path("LIMIT_EXCEEDED").asLong()).isEqualTo(1);
    JsonNode perSecond = metrics.path("decisionsPerSecond");
    assertThat(perSecond.path("accepted")).hasSize(DecisionRate.SECONDS);
    assertThat(sum(perSecond.path("accepted"))).isEqualTo(4);
    assertThat(sum(perSecond.path("rejected"))).isEqualTo(4);
    fixture.call("GET", "/api/admin/sales/" + saleId + "/metrics").send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
  }

  @Test
  void reportsAreListedAndServedToTheAdminOnly() {
    JsonNode listed = fixture.call("GET", "/api/admin/reports").auth(fixture.admin()).send().json();
    assertThat(listed.path("reachable").asBoolean()).isTrue();
    assertThat(listed.path("reports")).hasSize(1);
    String html = listed.path("reports").get(0).path("html").asText();
    assertThat(html).isEqualTo("/api/admin/reports/2026-11-23/run-1/report.html");

    ApiFixture.Response report = fixture.call("GET", html).auth(fixture.admin()).send();
    assertThat(report.status()).isEqualTo(200);
    assertThat(report.contentType()).startsWith("text/html");
    assertThat(report.raw().body()).contains("Reconciliation of 2026-11-23");
    fixture.call("GET", html).send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    fixture.call("GET", "/api/admin/reports/2026-11-23/run-1/secret.txt").auth(fixture.admin()).send()
        .assertProblem(400, ErrorCode.VALIDATION);
    fixture.call("GET", "/api/admin/reports/2026-11-23/..%2F..%2F/report.html").auth(fixture.admin()).send()
        .assertProblem(400, ErrorCode.VALIDATION);
    fixture.call("GET", "/api/admin/reports/2026-11-24/run-1/report.html").auth(fixture.admin()).send()
        .assertProblem(404, ErrorCode.NOT_FOUND);
  }

  @Test
  void aReportDirectoryOutOfReachIsSaid() {
    try (ApiFixture elsewhere = ApiFixture.start(Map.of("FLASHSALE_REPORT_DIR", reports.resolve("absent").toString()))) {
      JsonNode listed = elsewhere.call("GET", "/api/admin/reports").auth(elsewhere.admin()).send().json();
      assertThat(listed.path("reachable").asBoolean()).isFalse();
      assertThat(listed.path("reports")).isEmpty();
    }
  }

  private static void open(String saleId, Instant endedAt) {
    fixture.produce(fixture.topics.stockLevels, saleId,
        level(saleId, 5, 5, 0, 0, 0, Map.of(), Instant.now(), endedAt));
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      JsonNode sale = fixture.call("GET", "/api/sales/" + saleId).send().json();
      return endedAt == null || sale.path("status").asText().equals("ENDED");
    });
    if (endedAt == null) { // the view has read it once the metrics show it
      await().atMost(Duration.ofSeconds(20)).until(() -> metrics(saleId).path("stock").asInt() == 5);
    }
  }

  private static StockLevel level(String saleId, int stock, int available, int reserved, int confirmed, long orders,
      Map<String, Long> rejected, Instant at, Instant endedAt) {
    long rejections = rejected.values().stream().mapToLong(Long::longValue).sum();
    return StockLevel.newBuilder()
        .setSaleId(saleId).setSku("SKU-" + saleId).setStock(stock).setAvailable(available).setReserved(reserved)
        .setConfirmed(confirmed).setOrders(orders).setAccepted(reserved + confirmed)
        .setRequests(reserved + confirmed + rejections).setRejected(new HashMap<>(rejected))
        .setExpired(0).setCancelled(0).setUpdatedAt(at).setEndedAt(endedAt).build();
  }

  private static JsonNode metrics(String saleId) {
    return fixture.call("GET", "/api/admin/sales/" + saleId + "/metrics").auth(fixture.admin()).send().json();
  }

  private static JsonNode list(String query) {
    ApiFixture.Response listed = fixture.call("GET", "/api/admin/sales" + query).auth(fixture.admin()).send();
    assertThat(listed.status()).as(listed.raw().body()).isEqualTo(200);
    return listed.json().path("sales");
  }

  private static List<String> ids(JsonNode sales) {
    List<String> ids = new ArrayList<>();
    sales.forEach(sale -> ids.add(sale.path("saleId").asText()));
    return ids;
  }

  private static List<ConsumerRecord<String, SaleEnd>> endsOf(String saleId) {
    return fixture.readAll(fixture.topics.saleEnds).stream()
        .filter(record -> record.value().getSaleId().equals(saleId)).toList();
  }

  private static long sum(JsonNode values) {
    long total = 0;
    for (JsonNode value : values) {
      total += value.asLong();
    }
    return total;
  }

  private static Map<TopicPartition, Long> allEndOffsets() {
    return fixture.endOffsets(fixture.topics.all().stream().map(Topics.Topic::name).toArray(String[]::new));
  }
}
