package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sale with hiddenOrderUrl over HTTP on the in-JVM broker: its order URL is refused (409) before the start and
 * given after it, never cached; a purchase there is taken (202, in purchase-requests); the public path, a wrong secret
 * and a secret on an ordinary sale are 404 with nothing written; two API instances give the same URL, and each takes
 * the other's; the waiting room's pass is still required there.
 */
class HiddenOrderUrlTest {
  private static final String PURCHASE = "{\"quantity\": 1}";
  private static ApiFixture fixture;
  private static ApiFixture other;

  @BeforeAll
  static void startTwoApis() {
    fixture = ApiFixture.start();
    other = ApiFixture.start(fixture.kafka, Map.of()); // a second instance on the same broker, sharing nothing else
  }

  @AfterAll
  static void stopApis() {
    other.close();
    fixture.close();
  }

  @Test
  void theOrderUrlIsRefusedBeforeTheStartAndTakesPurchasesAfterIt() {
    Instant startsAt = Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.MILLIS);
    String saleId = fixture.createSale(Map.of("hiddenOrderUrl", true, "startsAt", startsAt.toString(),
        "endsAt", startsAt.plusSeconds(3600).toString()));
    assertThat(fixture.call("GET", "/api/sales/" + saleId).send().json().path("hiddenOrderUrl").asBoolean()).isTrue();

    Response early = fixture.call("GET", "/api/sales/" + saleId + "/order-url").send()
        .assertProblem(409, ErrorCode.SALE_NOT_STARTED);
    assertThat(early.header("Cache-Control")).isEqualTo("no-store");
    assertThat(Integer.parseInt(early.header("Retry-After"))).isBetween(1, 4);
    assertThat(Instant.parse(early.json().path("startsAt").asText())).isEqualTo(startsAt);
    assertThat(early.raw().body()).doesNotContain("/purchases/");

    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .until(() -> fixture.call("GET", "/api/sales/" + saleId + "/order-url").send().status() == 200);
    assertThat(Instant.now()).isAfterOrEqualTo(startsAt);
    Response revealed = fixture.call("GET", "/api/sales/" + saleId + "/order-url").send();
    assertThat(revealed.header("Cache-Control")).isEqualTo("no-store");
    String url = revealed.json().path("purchaseUrl").asText();
    assertThat(url).matches("/api/sales/" + saleId + "/purchases/[A-Za-z0-9_-]{22}");

    Map<TopicPartition, Long> before = endOffsets();
    fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE)
        .send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(ApiFixture.newUser()))
        .header("Idempotency-Key", "retry-1").json(PURCHASE).send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    String wrong = url.substring(0, url.length() - 1) + (url.endsWith("A") ? "B" : "A");
    fixture.call("POST", wrong).auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE).send()
        .assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    fixture.call("POST", url + "x").auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE).send()
        .assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    assertThat(endOffsets()).as("nothing written by the refused paths").isEqualTo(before);

    String buyer = ApiFixture.newUser();
    Response taken = fixture.call("POST", url).auth(fixture.buyer(buyer)).json(PURCHASE).send();
    assertThat(taken.status()).as(taken.raw().body()).isEqualTo(202);
    String requestId = taken.json().path("requestId").asText();
    List<PurchaseRequest> logged = requests(requestId);
    assertThat(logged).singleElement().satisfies(r -> {
      assertThat(r.getSaleId()).isEqualTo(saleId);
      assertThat(r.getUserId()).isEqualTo(buyer);
    });
    assertThat(fixture.poll(requestId, buyer, 0).path("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void twoInstancesGiveTheSameUrlAndTakeEachOthers() {
    String saleId = fixture.createSale(Map.of("hiddenOrderUrl", true));
    await().atMost(Duration.ofSeconds(15))
        .until(() -> other.call("GET", "/api/sales/" + saleId).send().status() == 200);

    String here = fixture.call("GET", "/api/sales/" + saleId + "/order-url").send().json().path("purchaseUrl").asText();
    String there = other.call("GET", "/api/sales/" + saleId + "/order-url").send().json().path("purchaseUrl").asText();
    assertThat(here).startsWith("/api/sales/" + saleId + "/purchases/").isEqualTo(there);

    String secondSale = fixture.createSale(Map.of("hiddenOrderUrl", true));
    String second = fixture.call("GET", "/api/sales/" + secondSale + "/order-url").send().json().path("purchaseUrl")
        .asText();
    assertThat(second.substring(second.lastIndexOf('/'))).as("a secret of each sale")
        .isNotEqualTo(here.substring(here.lastIndexOf('/')));

    String buyer = ApiFixture.newUser();
    Response taken = other.call("POST", here).auth(other.buyer(buyer)).json(PURCHASE).send();
    assertThat(taken.status()).as(taken.raw().body()).isEqualTo(202);
    assertThat(requests(taken.json().path("requestId").asText())).hasSize(1);
    Map<TopicPartition, Long> before = endOffsets();
    other.call("POST", here.replace(saleId, secondSale)).auth(other.buyer(buyer)).json(PURCHASE).send()
        .assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    assertThat(endOffsets()).as("one sale's secret opens no other").isEqualTo(before);
  }

  @Test
  void anOrdinarySaleAnswersItsPublicPathAndNoSecretOne() {
    String saleId = fixture.createSale(Map.of());
    Response answer = fixture.call("GET", "/api/sales/" + saleId + "/order-url").send();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
    String url = answer.json().path("purchaseUrl").asText();
    assertThat(url).isEqualTo("/api/sales/" + saleId + "/purchases");
    assertThat(fixture.call("GET", "/api/sales/" + saleId).send().json().path("hiddenOrderUrl").asBoolean()).isFalse();

    Map<TopicPartition, Long> before = endOffsets();
    fixture.call("POST", url + "/AAAAAAAAAAAAAAAAAAAAAA").auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE)
        .send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);
    assertThat(endOffsets()).isEqualTo(before);
    assertThat(fixture.call("POST", url).auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE).send().status())
        .isEqualTo(202);
    fixture.call("GET", "/api/sales/no-such-sale/order-url").send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);
  }

  @Test
  void theHiddenPathStillAsksForTheWaitingRoomsPass() {
    String saleId = fixture.createSale(Map.of("hiddenOrderUrl", true, "waitingRoom", Map.of("admitPerSecond", 10)));
    JsonNode answer = fixture.call("GET", "/api/sales/" + saleId + "/order-url").send().json();
    String url = answer.path("purchaseUrl").asText();
    assertThat(url).startsWith("/api/sales/" + saleId + "/purchases/");
    Map<TopicPartition, Long> before = endOffsets();

    fixture.call("POST", url).auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE).send()
        .assertProblem(403, ErrorCode.PASS_REQUIRED);
    fixture.call("POST", url).auth(fixture.buyer(ApiFixture.newUser())).header("Flashsale-Pass", "forged.pass")
        .json(PURCHASE).send().assertProblem(403, ErrorCode.PASS_INVALID);

    assertThat(endOffsets()).isEqualTo(before);
  }

  private static List<PurchaseRequest> requests(String requestId) {
    return fixture.readAll(fixture.topics.purchaseRequests).stream().map(r -> r.value())
        .map(PurchaseBatch::getRequests).flatMap(List::stream)
        .filter(r -> r.getRequestId().equals(requestId)).toList();
  }

  private static Map<TopicPartition, Long> endOffsets() {
    return fixture.endOffsets(fixture.topics.all().stream().map(Topics.Topic::name).toArray(String[]::new));
  }
}
