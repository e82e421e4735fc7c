package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.FlowIds;
import io.flashsale.payments.HttpPaymentProvider;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentSimulator;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.QueuePlace;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The buyer's flow id (header Flashsale-Flow) over a real broker and the payment simulator: made when absent and
 * answered in the header either way; kept on the join, the request and the payment's metadata; shown by every
 * answer about the purchase. Malformed ones are refused with nothing written ({@link BadInputTest}).
 */
class FlowIdTest {
  private static final HttpClient http = HttpClient.newHttpClient();
  private static PaymentSimulator simulator;
  private static ApiFixture fixture;
  private static PaymentProvider provider;

  @BeforeAll
  static void start() {
    simulator = PaymentSimulator.start(SimulatorConfig.local(null));
    fixture = ApiFixture.start(Map.of("FLASHSALE_PAYMENT_PROVIDER_URL", simulator.baseUrl()));
    simulator.setWebhookUrl("http://127.0.0.1:" + fixture.api.port() + "/api/payments/webhook");
    provider = new HttpPaymentProvider(simulator.baseUrl(), SimulatorConfig.LOCAL_API_KEY);
  }

  @AfterAll
  static void stop() {
    fixture.close();
    simulator.close();
  }

  @Test
  void aPurchaseWithoutAFlowGetsANewOneThatEveryAnswerShows() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();

    Response accepted = purchase(saleId, user, null);
    Response other = purchase(saleId, ApiFixture.newUser(), null);

    assertThat(accepted.status()).as(accepted.raw().body()).isEqualTo(202);
    String flowId = accepted.header(FlowIds.HEADER);
    assertThat(UUID.fromString(flowId).version()).isEqualTo(4);
    assertThat(other.header(FlowIds.HEADER)).as("a new flow each").isNotEqualTo(flowId);
    assertThat(accepted.json().path("flowId").asText()).isEqualTo(flowId);
    String requestId = accepted.json().path("requestId").asText();
    assertThat(loggedRequest(requestId).getFlowId()).isEqualTo(flowId);
    assertThat(fixture.poll(requestId, user, 0).path("flowId").asText()).isEqualTo(flowId);

    CompletableFuture<Response> longPoll = fixture.call("GET", "/api/purchases/" + requestId + "?waitMs=10000")
        .auth(fixture.buyer(user)).sendAsync();
    decide(saleId, requestId, user, OutcomeStatus.ACCEPTED, flowId);

    JsonNode decided = longPoll.join().json();
    assertThat(decided.path("status").asText()).isEqualTo("ACCEPTED");
    assertThat(decided.path("flowId").asText()).isEqualTo(flowId);
  }

  @Test
  void theFlowSentTravelsToThePaymentsMetadataAndItsWebhook() throws Exception {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    String flowId = "flow \"quoted\" \\ " + UUID.randomUUID(); // printable ASCII, JSON escapes included

    Response accepted = purchase(saleId, user, flowId);
    assertThat(accepted.status()).as(accepted.raw().body()).isEqualTo(202);
    assertThat(accepted.header(FlowIds.HEADER)).isEqualTo(flowId);
    assertThat(accepted.json().path("flowId").asText()).isEqualTo(flowId);
    String requestId = accepted.json().path("requestId").asText();
    assertThat(loggedRequest(requestId).getFlowId()).isEqualTo(flowId);
    decide(saleId, requestId, user, OutcomeStatus.ACCEPTED, flowId);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        fixture.poll(requestId, user, 0).path("status").asText().equals("ACCEPTED"));

    Response checkout = checkout(requestId, user, flowId);
    // A second tab of the same buyer, another flow: the same payment, still in the purchase's flow.
    Response otherTab = checkout(requestId, user, "another-tab");

    assertThat(checkout.status()).as(checkout.raw().body()).isEqualTo(200);
    assertThat(checkout.header(FlowIds.HEADER)).isEqualTo(flowId);
    assertThat(checkout.json().path("flowId").asText()).isEqualTo(flowId);
    assertThat(otherTab.header(FlowIds.HEADER)).isEqualTo("another-tab");
    assertThat(otherTab.json().path("paymentId").asText()).isEqualTo(checkout.json().path("paymentId").asText());
    assertThat(otherTab.json().path("flowId").asText()).isEqualTo(flowId);
    String paymentId = checkout.json().path("paymentId").asText();
    assertThat(provider.payment(paymentId).orElseThrow().flowId()).isEqualTo(flowId);

    assertThat(complete(checkout.json().path("redirectUrl").asText(), "SUCCEEDED")).isEqualTo(202);

    await().atMost(Duration.ofSeconds(15)).until(() -> !paymentEvents(paymentId).isEmpty());
    assertThat(paymentEvents(paymentId)).extracting(PaymentEvent::getFlowId).containsOnly(flowId);
  }

  @Test
  void aPurchaseAtTheHiddenOrderUrlKeepsItsFlow() {
    String saleId = fixture.createSale(Map.of("hiddenOrderUrl", true));
    String url = fixture.call("GET", "/api/sales/" + saleId + "/order-url").send().json().path("purchaseUrl").asText();
    String user = ApiFixture.newUser();

    Response accepted = fixture.call("POST", url).auth(fixture.buyer(user)).header(FlowIds.HEADER, "flow-hidden-1")
        .json("{\"quantity\": 1}").send();

    assertThat(accepted.status()).as(accepted.raw().body()).isEqualTo(202);
    assertThat(accepted.header(FlowIds.HEADER)).isEqualTo("flow-hidden-1");
    assertThat(loggedRequest(accepted.json().path("requestId").asText()).getFlowId()).isEqualTo("flow-hidden-1");
  }

  @Test
  void aQueueJoinCarriesTheFlowAndAnswersIt() {
    String saleId = fixture.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 10)));
    String user = ApiFixture.newUser();
    String flowId = "flow-" + UUID.randomUUID();

    CompletableFuture<Response> join = fixture.call("POST", "/api/sales/" + saleId + "/queue").auth(fixture.buyer(user))
        .header(FlowIds.HEADER, flowId).json("{}").sendAsync();
    await().atMost(Duration.ofSeconds(10)).until(() -> joins(saleId, user).size() == 1);
    fixture.produce(fixture.topics.queuePlaces, "SKU-" + saleId, new QueuePlace(saleId, user, 0L, false));

    Response placed = join.join();
    assertThat(placed.status()).as(placed.raw().body()).isEqualTo(202);
    assertThat(placed.header(FlowIds.HEADER)).isEqualTo(flowId);
    assertThat(joins(saleId, user)).extracting(QueueJoin::getFlowId).containsExactly(flowId);
  }

  // --- helpers

  private static Response purchase(String saleId, String user, String flowId) {
    ApiFixture.Call call = fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(user));
    if (flowId != null) {
      call.header(FlowIds.HEADER, flowId);
    }
    return call.json("{\"quantity\": 1}").send();
  }

  private static Response checkout(String requestId, String user, String flowId) {
    return fixture.call("POST", "/api/purchases/" + requestId + "/checkout").auth(fixture.buyer(user))
        .header(FlowIds.HEADER, flowId).send();
  }

  /** Plays the topology, which copies the request's flow onto its outcome. */
  private static void decide(String saleId, String requestId, String user, OutcomeStatus status, String flowId) {
    fixture.produce(fixture.topics.purchaseOutcomes, requestId, PurchaseOutcome.newBuilder()
        .setRequestId(requestId).setSaleId(saleId).setSku("SKU-" + saleId).setUserId(user).setQuantity(1)
        .setStatus(status).setHoldExpiresAt(Instant.now().plusSeconds(300)).setDecidedAt(Instant.now())
        .setFlowId(flowId).build());
  }

  private static PurchaseRequest loggedRequest(String requestId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> requests(requestId).size() == 1);
    return requests(requestId).get(0);
  }

  private static List<PurchaseRequest> requests(String requestId) {
    return fixture.readAll(fixture.topics.purchaseRequests).stream().flatMap(r -> r.value().getRequests().stream())
        .filter(r -> r.getRequestId().equals(requestId)).toList();
  }

  private static List<QueueJoin> joins(String saleId, String user) {
    return fixture.readAll(fixture.topics.queueJoins).stream().map(ConsumerRecord::value)
        .filter(j -> j.getSaleId().equals(saleId) && j.getUserId().equals(user)).toList();
  }

  private static List<PaymentEvent> paymentEvents(String paymentId) {
    return fixture.readAll(fixture.topics.paymentEvents).stream().map(ConsumerRecord::value)
        .filter(e -> e.getPaymentId().equals(paymentId)).toList();
  }

  /** Plays the buyer on the provider's page. */
  private static int complete(String redirectUrl, String outcome) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(redirectUrl + "/complete")).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"outcome\": \"" + outcome + "\"}")).build(), BodyHandlers.ofString()).statusCode();
  }
}
