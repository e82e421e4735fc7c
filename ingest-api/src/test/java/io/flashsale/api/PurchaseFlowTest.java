package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A sale created, clicked, queued and decided, against a real broker; the topology's part is played by hand. */
class PurchaseFlowTest {
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    fixture = ApiFixture.start();
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void adminCreatesASaleThatEveryoneCanSee() {
    String saleId = "sale-" + UUID.randomUUID();
    Instant startsAt = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
    Instant endsAt = startsAt.plusSeconds(3600);
    Response created = fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(ApiFixture.saleJson(saleId,
        Map.of("stock", 7, "priceCents", 1999, "currency", "EUR", "startsAt", startsAt.toString(), "endsAt", endsAt.toString())))
        .send();

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo("/api/sales/" + saleId);
    JsonNode sale = fixture.call("GET", "/api/sales/" + saleId).send().json();
    assertThat(withoutServerTime(created.json())).isEqualTo(withoutServerTime(sale));
    assertThat(sale.path("stock").asInt()).isEqualTo(7);
    assertThat(sale.path("remaining").asInt()).isEqualTo(7);
    assertThat(sale.path("status").asText()).isEqualTo("LIVE");
    assertThat(sale.path("currency").asText()).isEqualTo("EUR");
    assertThat(sale.path("startsAt").asText()).isEqualTo(startsAt.toString());
    assertThat(sale.path("allocation").asText()).isEqualTo("FCFS");
    assertThat(sale.path("holdSeconds").asInt()).isEqualTo(300);
    assertThat(Instant.parse(sale.path("serverTime").asText())).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(5, ChronoUnit.SECONDS));

    List<ConsumerRecord<String, io.flashsale.schemas.Sale>> published = fixture.readAll(fixture.topics.sales).stream()
        .filter(r -> r.value().getSaleId().equals(saleId)).toList();
    assertThat(published).hasSize(1);
    assertThat(published.get(0).key()).isEqualTo("SKU-" + saleId);
    assertThat(published.get(0).value().getPriceCents()).isEqualTo(1999);
  }

  @Test
  void aClickIsDurableBeforeItIsAcceptedAndRetriesKeepItsId() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    Response first = purchase(saleId, user, "click-1");

    assertThat(first.status()).isEqualTo(202);
    String requestId = first.json().path("requestId").asText();
    assertThat(first.json().path("status").asText()).isEqualTo("PENDING");
    assertThat(first.json().path("pollUrl").asText()).isEqualTo("/api/purchases/" + requestId);
    Logged written = requestsWithId(requestId).get(0);
    assertThat(written.key()).isEqualTo("SKU-" + saleId);
    PurchaseRequest request = written.value();
    assertThat(request.getSaleId()).isEqualTo(saleId);
    assertThat(request.getSku()).isEqualTo("SKU-" + saleId);
    assertThat(request.getUserId()).isEqualTo(user);
    assertThat(request.getDeviceId()).isEqualTo("device-of-" + user);
    assertThat(request.getQuantity()).isEqualTo(1);
    assertThat(request.getIdempotencyKey()).isEqualTo("click-1");
    assertThat(request.getRequestedAt()).isBetween(before, Instant.now());

    Response retry = purchase(saleId, user, "click-1");
    assertThat(retry.status()).isEqualTo(202);
    assertThat(retry.json().path("requestId").asText()).isEqualTo(requestId);
    assertThat(requestsWithId(requestId)).as("a retry writes nothing new").hasSize(1);

    Response otherClick = purchase(saleId, user, "click-2");
    assertThat(otherClick.json().path("requestId").asText()).isNotEqualTo(requestId);
    Response otherUser = purchase(saleId, ApiFixture.newUser(), "click-1");
    assertThat(otherUser.json().path("requestId").asText()).isNotEqualTo(requestId);
  }

  @Test
  void concurrentRetriesOfOneClickCarryOneRequestId() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();

    List<CompletableFuture<Response>> retries = java.util.stream.IntStream.range(0, 8)
        .mapToObj(i -> fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(user))
            .header("Idempotency-Key", "double-click").json("{\"quantity\": 1}").sendAsync())
        .toList();

    List<String> ids = retries.stream().map(CompletableFuture::join)
        .peek(r -> assertThat(r.status()).isEqualTo(202))
        .map(r -> r.json().path("requestId").asText()).distinct().toList();
    assertThat(ids).hasSize(1);
    // Racing retries may each reach the log; they carry one id, which the topology decides once.
    assertThat(requestsWithId(ids.get(0))).isNotEmpty();
  }

  @Test
  void pollShowsTheQueueAndLongPollReturnsAsSoonAsTheOutcomeArrives() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    String requestId = purchase(saleId, user, "k1").json().path("requestId").asText();
    Logged first = requestsWithId(requestId).get(0);

    JsonNode pending = poll(requestId, user, 0).json();
    assertThat(pending.path("status").asText()).isEqualTo("PENDING");
    assertThat(pending.path("saleId").asText()).isEqualTo(saleId);
    assertThat(pending.path("quantity").asInt()).isEqualTo(1);
    assertThat(pending.path("queuePosition").isIntegralNumber()).isTrue();
    assertThat(pending.path("queuePosition").asLong()).isZero(); // the sale's first request: nothing ahead

    long started = System.nanoTime();
    CompletableFuture<Response> longPoll = fixture.call("GET", "/api/purchases/" + requestId + "?waitMs=20000")
        .auth(fixture.buyer(user)).sendAsync();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !longPoll.isDone());
    Instant holdExpiresAt = Instant.now().plusSeconds(300).truncatedTo(ChronoUnit.MILLIS);
    fixture.produce(fixture.topics.purchaseOutcomes, requestId, outcome(first, OutcomeStatus.ACCEPTED, null, holdExpiresAt));

    JsonNode decided = longPoll.join().json();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(decided.path("status").asText()).isEqualTo("ACCEPTED");
    assertThat(Instant.parse(decided.path("holdExpiresAt").asText())).isEqualTo(holdExpiresAt);
    assertThat(decided.path("queuePosition").isNull()).isTrue();

    // The next click of the same SKU queues behind what was decided.
    String nextId = purchase(saleId, ApiFixture.newUser(), "k2").json().path("requestId").asText();
    Logged next = requestsWithId(nextId).get(0);
    assertThat(next.partition()).isEqualTo(first.partition());
    // Requests of this sale's SKU between the decided one and this one; other SKUs of the partition do not count.
    long expectedPosition = requestsOf(r -> r.getSku().equals(first.value().getSku())).stream()
        .filter(r -> r.offset() > first.offset() && r.offset() < next.offset()).count();
    JsonNode nextPending = poll(nextId, next.value().getUserId(), 0).json();
    assertThat(nextPending.path("queuePosition").asLong()).isEqualTo(expectedPosition);
  }

  @Test
  void rejectionsAndLaterEndsOfAHoldAreShown() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    String rejectedId = purchase(saleId, user, "a").json().path("requestId").asText();
    String acceptedId = purchase(saleId, user, "b").json().path("requestId").asText();
    Instant holdExpiresAt = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS);

    fixture.produce(fixture.topics.purchaseOutcomes, rejectedId,
        outcome(requestsWithId(rejectedId).get(0), OutcomeStatus.REJECTED, RejectReason.LIMIT_EXCEEDED, null));
    fixture.produce(fixture.topics.purchaseOutcomes, acceptedId,
        outcome(requestsWithId(acceptedId).get(0), OutcomeStatus.ACCEPTED, null, holdExpiresAt));
    fixture.produce(fixture.topics.purchaseOutcomes, acceptedId,
        outcome(requestsWithId(acceptedId).get(0), OutcomeStatus.EXPIRED, null, null));

    JsonNode rejected = poll(rejectedId, user, 10_000).json();
    assertThat(rejected.path("status").asText()).isEqualTo("REJECTED");
    assertThat(rejected.path("reason").asText()).isEqualTo("LIMIT_EXCEEDED");
    await().atMost(Duration.ofSeconds(10)).until(() -> poll(acceptedId, user, 0).json().path("status").asText().equals("EXPIRED"));
    assertThat(Instant.parse(poll(acceptedId, user, 0).json().path("holdExpiresAt").asText())).isEqualTo(holdExpiresAt);
  }

  @Test
  void longPollEndsWithPendingWhenNothingIsDecided() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    String requestId = purchase(saleId, user, null).json().path("requestId").asText();

    long started = System.nanoTime();
    JsonNode stillPending = poll(requestId, user, 500).json();

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(stillPending.path("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void aBuyerSeesOnlyTheirOwnPurchases() {
    String saleId = fixture.createSale(Map.of());
    String owner = ApiFixture.newUser();
    String requestId = purchase(saleId, owner, "mine").json().path("requestId").asText();

    assertThat(poll(requestId, owner, 0).status()).isEqualTo(200);
    poll(requestId, ApiFixture.newUser(), 0).assertProblem(404, ErrorCode.PURCHASE_NOT_FOUND);
  }

  @Test
  void anotherInstanceAnswersForTheSameRequest() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    String requestId = purchase(saleId, user, "anywhere").json().path("requestId").asText();

    try (ApiFixture other = ApiFixture.start()) {
      await().atMost(Duration.ofSeconds(15)).until(() ->
          other.call("GET", "/api/purchases/" + requestId).auth(other.buyer(user)).send().status() == 200);
      Response retry = other.call("POST", "/api/sales/" + saleId + "/purchases").auth(other.buyer(user))
          .header("Idempotency-Key", "anywhere").json("{\"quantity\": 1}").send();
      assertThat(retry.json().path("requestId").asText()).isEqualTo(requestId);
      assertThat(requestsWithId(requestId)).hasSize(1);
    }
  }

  @Test
  void knownSoldOutIsRejectedAtTheEdgeButRetriesStillGetTheirId() {
    String saleId = fixture.createSale(Map.of("stock", 2));
    String user = ApiFixture.newUser();
    String requestId = purchase(saleId, user, "early").json().path("requestId").asText();
    fixture.produce(fixture.topics.stockLevels, saleId, StockLevel.newBuilder().setSaleId(saleId).setSku("SKU-" + saleId)
        .setStock(2).setAvailable(0).setReserved(2).setConfirmed(0).setRequests(3).setAccepted(2)
        .setRejected(Map.of("SOLD_OUT", 1L)).setUpdatedAt(Instant.now()).build());
    await().atMost(Duration.ofSeconds(10)).until(() ->
        fixture.call("GET", "/api/sales/" + saleId).send().json().path("status").asText().equals("SOLD_OUT"));
    assertThat(fixture.call("GET", "/api/sales/" + saleId).send().json().path("remaining").asInt()).isZero();
    var before = fixture.endOffsets(Topics.PURCHASE_REQUESTS);

    purchase(saleId, ApiFixture.newUser(), "late").assertProblem(409, ErrorCode.SOLD_OUT);
    Response retry = purchase(saleId, user, "early");

    assertThat(retry.status()).isEqualTo(202);
    assertThat(retry.json().path("requestId").asText()).isEqualTo(requestId);
    assertThat(fixture.endOffsets(Topics.PURCHASE_REQUESTS)).isEqualTo(before);
  }

  @Test
  void metricsShowTheTopologysCountersAndWhatIsPending() {
    String saleId = fixture.createSale(Map.of("stock", 10));
    JsonNode fresh = metrics(saleId);
    assertThat(fresh.path("available").asInt()).isEqualTo(10);
    assertThat(fresh.path("pending").asLong()).isZero();

    purchase(saleId, ApiFixture.newUser(), null);
    purchase(saleId, ApiFixture.newUser(), null);
    fixture.produce(fixture.topics.stockLevels, saleId, StockLevel.newBuilder().setSaleId(saleId).setSku("SKU-" + saleId)
        .setStock(10).setAvailable(3).setReserved(4).setConfirmed(3).setRequests(20).setAccepted(9)
        .setRejected(Map.of("LIMIT_EXCEEDED", 11L)).setExpired(1).setCancelled(1).setUpdatedAt(Instant.now()).build());

    await().atMost(Duration.ofSeconds(10)).until(() -> metrics(saleId).path("available").asInt() == 3);
    JsonNode counted = metrics(saleId);
    assertThat(counted.path("stock").asInt()).isEqualTo(10);
    assertThat(counted.path("reserved").asInt()).isEqualTo(4);
    assertThat(counted.path("confirmed").asInt()).isEqualTo(3);
    assertThat(counted.path("requests").asLong()).isEqualTo(20);
    assertThat(counted.path("accepted").asLong()).isEqualTo(9);
    assertThat(counted.path("rejected").path("LIMIT_EXCEEDED").asLong()).isEqualTo(11);
    assertThat(counted.path("expired").asLong()).isEqualTo(1);
    assertThat(counted.path("cancelled").asLong()).isEqualTo(1);
    assertThat(counted.path("pending").asLong()).isEqualTo(2);
  }

  private static Response purchase(String saleId, String user, String idempotencyKey) {
    ApiFixture.Call call = fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(user));
    if (idempotencyKey != null) {
      call.header("Idempotency-Key", idempotencyKey);
    }
    Response response = call.json("{\"quantity\": 1}").send();
    return response;
  }

  private static JsonNode withoutServerTime(JsonNode sale) {
    return ((ObjectNode) sale.deepCopy()).without(List.of("serverTime", "remainingSeconds"));
  }

  private static Response poll(String requestId, String user, long waitMs) {
    return fixture.call("GET", "/api/purchases/" + requestId + "?waitMs=" + waitMs).auth(fixture.buyer(user)).send();
  }

  private static JsonNode metrics(String saleId) {
    return fixture.call("GET", "/api/admin/sales/" + saleId + "/metrics").auth(fixture.admin()).send().json();
  }

  /** A request as the log holds it: the record of its batch and its index there. */
  private record Logged(ConsumerRecord<String, PurchaseBatch> record, int index) {
    PurchaseRequest value() {
      return record.value().getRequests().get(index);
    }

    String key() {
      return record.key();
    }

    int partition() {
      return record.partition();
    }

    long offset() {
      return record.offset();
    }
  }

  /** Every copy of a request in the log, in log order. */
  private static List<Logged> requestsWithId(String requestId) {
    return requestsOf(r -> r.getRequestId().equals(requestId));
  }

  private static List<Logged> requestsOf(Predicate<PurchaseRequest> which) {
    List<Logged> found = new ArrayList<>();
    for (ConsumerRecord<String, PurchaseBatch> record : fixture.readAll(fixture.topics.purchaseRequests)) {
      for (int i = 0; i < record.value().getRequests().size(); i++) {
        if (which.test(record.value().getRequests().get(i))) {
          found.add(new Logged(record, i));
        }
      }
    }
    return found;
  }

  private static PurchaseOutcome outcome(Logged request, OutcomeStatus status,
                                         RejectReason reason, Instant holdExpiresAt) {
    PurchaseRequest r = request.value();
    return PurchaseOutcome.newBuilder().setRequestId(r.getRequestId()).setSaleId(r.getSaleId()).setSku(r.getSku())
        .setUserId(r.getUserId()).setQuantity(r.getQuantity()).setStatus(status).setReason(reason)
        .setHoldExpiresAt(holdExpiresAt).setDecidedAt(Instant.now())
        .setRequestPartition(request.partition()).setRequestOffset(request.offset()).setRequestIndex(request.index())
        .build();
  }
}
