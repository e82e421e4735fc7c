package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A retry of a finished purchase the API's view has forgotten (its bound of finished purchases passed) gets its
 * request id back, is logged again, and its poll answers the final state once the topology's repeat of the latest
 * outcome arrives; the repeat is not counted as a second outcome.
 */
class RetryAfterEvictionTest {
  private static final int MAX_FINISHED = 5;
  private static ApiFixture fixture;

  @BeforeAll
  static void start() {
    fixture = ApiFixture.start(Map.of("FLASHSALE_VIEW_MAX_FINISHED", Integer.toString(MAX_FINISHED)));
    // Counted from here: the view has read what other tests left on the shared broker.
    await().atMost(Duration.ofMinutes(1)).until(() ->
        fixture.call("GET", "/health/ready").send().json().path("checks").path("purchaseView").asBoolean());
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void aRetryAfterItsFinishedPurchaseLeftTheViewGetsItsIdAndFinalState() {
    String saleId = fixture.createSale(Map.of("stock", 5));
    String userId = ApiFixture.newUser();
    String requestId = click(saleId, userId);
    fixture.decide(saleId, requestId, userId, 1, OutcomeStatus.ACCEPTED);
    assertThat(fixture.poll(requestId, userId, 10_000).path("status").asText()).isEqualTo("ACCEPTED");
    double confirmedBefore = outcomesSeen("CONFIRMED");
    PurchaseOutcome confirmed = outcome(saleId, requestId, userId, OutcomeStatus.CONFIRMED, false);
    fixture.produce(fixture.topics.purchaseOutcomes, requestId, confirmed);
    // Finished purchases of others, ten times the bound: the confirmed one is forgotten (it is not read meanwhile,
    // so nothing makes the view favour it).
    double rejectedBefore = outcomesSeen("REJECTED");
    for (int i = 0; i < 10 * MAX_FINISHED; i++) {
      fixture.decide(saleId, UUID.randomUUID().toString(), ApiFixture.newUser(), 1, OutcomeStatus.REJECTED);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomesSeen("CONFIRMED") == confirmedBefore + 1
        && outcomesSeen("REJECTED") >= rejectedBefore + 10 * MAX_FINISHED);
    fixture.call("GET", "/api/purchases/" + requestId).auth(fixture.buyer(userId)).send()
        .assertProblem(404, ErrorCode.PURCHASE_NOT_FOUND);
    long logged = loggedCopies(requestId);

    String retried = click(saleId, userId);

    assertThat(retried).as("the same sale, user and Idempotency-Key: the same request").isEqualTo(requestId);
    assertThat(loggedCopies(requestId)).as("the retry is logged again").isEqualTo(logged + 1);
    assertThat(fixture.poll(requestId, userId, 0).path("status").asText()).isEqualTo("PENDING");

    // What the topology writes for a request it had decided and sees again: a copy of its latest outcome.
    PurchaseOutcome repeat = PurchaseOutcome.newBuilder(confirmed).setRepeat(true).setDecidedAt(Instant.now()).build();
    fixture.produce(fixture.topics.purchaseOutcomes, requestId, repeat);

    JsonNode answered = fixture.poll(requestId, userId, 10_000);
    assertThat(answered.path("status").asText()).isEqualTo("CONFIRMED");
    assertThat(answered.path("orderId").asText()).isEqualTo(requestId);
    assertThat(outcomesSeen("CONFIRMED")).as("a repeat is not a second outcome").isEqualTo(confirmedBefore + 1);
  }

  private static String click(String saleId, String userId) {
    Response response = fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(userId))
        .header("Idempotency-Key", "the-only-click").json("{\"quantity\": 1}").send();
    assertThat(response.status()).as(response.raw().body()).isEqualTo(202);
    return response.json().path("requestId").asText();
  }

  private static long loggedCopies(String requestId) {
    return fixture.readAll(fixture.topics.purchaseRequests).stream()
        .flatMap(record -> record.value().getRequests().stream())
        .map(PurchaseRequest::getRequestId).filter(requestId::equals).count();
  }

  private static PurchaseOutcome outcome(String saleId, String requestId, String userId, OutcomeStatus status,
                                         boolean repeat) {
    return PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId(saleId).setSku("SKU-" + saleId)
        .setUserId(userId).setQuantity(1).setStatus(status).setDecidedAt(Instant.now()).setPaymentId("pay_1")
        .setAmountCents(4999L).setCurrency("USD").setSaleSequence(2).setRepeat(repeat).build();
  }

  /** The API's own count of outcomes of this status it read, from its {@code /metrics}. */
  private static double outcomesSeen(String status) {
    Response scrape = fixture.call("GET", "/metrics").send();
    assertThat(scrape.status()).isEqualTo(200);
    return scrape.raw().body().lines()
        .filter(line -> line.startsWith("flashsale_api_outcomes_seen_total{") && line.contains("status=\"" + status + "\""))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
