package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.payments.PaymentSimulator;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.schemas.Order;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The buyer's cart and orders against a real broker and the payment simulator sending signed webhooks over HTTP; the
 * topology's decisions are played by hand (its own tests decide them: CartPaymentTest).
 */
class CartRoutesTest {
  private static final HttpClient http = HttpClient.newHttpClient();
  private static PaymentSimulator simulator;
  private static ApiFixture fixture;

  record Held(String saleId, String requestId, int quantity, long priceCents) {
    String sku() {
      return "SKU-" + saleId;
    }
  }

  @BeforeAll
  static void start() {
    simulator = PaymentSimulator.start(SimulatorConfig.local(null));
    fixture = ApiFixture.start(Map.of("FLASHSALE_PAYMENT_PROVIDER_URL", simulator.baseUrl()));
    simulator.setWebhookUrl("http://127.0.0.1:" + fixture.api.port() + "/api/payments/webhook");
  }

  @AfterAll
  static void stop() {
    fixture.close();
    simulator.close();
  }

  @Test
  void theCartListsTheBuyersLiveHoldsAcrossSalesSoonestFirstWithTotals() {
    String alice = ApiFixture.newUser();
    assertThat(cart(alice).toString()).isEqualTo("{\"items\":[],\"totals\":[],\"expiresInSeconds\":null}");
    Held shoes = held(alice, Map.of("priceCents", 4999, "name", "Shoes"), 2, 200);
    Held hats = held(alice, Map.of("priceCents", 1500, "name", "Hats"), 1, 100);
    Held ended = held(alice, Map.of("priceCents", 700), 1, 300);
    fixture.decide(ended.saleId(), ended.requestId(), alice, 1, OutcomeStatus.EXPIRED);
    String bob = ApiFixture.newUser();
    held(bob, Map.of("priceCents", 100), 1, 300);

    await().atMost(Duration.ofSeconds(10)).until(() -> cart(alice).path("items").size() == 2);
    JsonNode cart = cart(alice);
    assertThat(cart.path("items")).extracting(item -> item.path("requestId").asText())
        .as("soonest to end first").containsExactly(hats.requestId(), shoes.requestId());
    JsonNode first = cart.path("items").get(1);
    assertThat(first.path("saleId").asText()).isEqualTo(shoes.saleId());
    assertThat(first.path("quantity").asInt()).isEqualTo(2);
    assertThat(first.path("unitPriceCents").asLong()).isEqualTo(4999);
    assertThat(first.path("amountCents").asLong()).isEqualTo(9998);
    assertThat(first.path("currency").asText()).isEqualTo("USD");
    assertThat(Instant.parse(first.path("holdExpiresAt").asText())).isAfter(Instant.now());
    assertThat(cart.path("totals").toString()).isEqualTo("[{\"currency\":\"USD\",\"amountCents\":11498}]");
    assertThat(cart.path("expiresInSeconds").asLong()).isBetween(90L, 100L);
  }

  /**
   * A cart of three sales paid at once: one order, one payment of the sum; the provider's webhook becomes one payment
   * event per item, each keyed by its own SKU with its own amount and the order's id; the order shows each item's fate.
   */
  @Test
  void anOrderOfThreeSalesIsOnePaymentWhoseWebhookIsOneEventPerItem() throws Exception {
    String alice = ApiFixture.newUser();
    List<Held> cart = List.of(held(alice, Map.of("priceCents", 4999), 2, 300),
        held(alice, Map.of("priceCents", 1500), 1, 300), held(alice, Map.of("priceCents", 700), 1, 300));
    String body = orderBody(cart.stream().map(Held::requestId).toList());

    Response placed = order(alice, body);
    assertThat(placed.status()).as(placed.raw().body()).isEqualTo(200);
    JsonNode order = placed.json();
    String orderId = order.path("orderId").asText();
    String paymentId = order.path("paymentId").asText();
    assertThat(order.path("amountCents").asLong()).isEqualTo(2 * 4999 + 1500 + 700);
    assertThat(order.path("currency").asText()).isEqualTo("USD");
    assertThat(order.path("redirectUrl").asText()).isEqualTo(simulator.baseUrl() + "/pay/" + paymentId);
    Response again = order(alice, orderBody(List.of(cart.get(2).requestId(), cart.get(0).requestId(),
        cart.get(1).requestId())));
    assertThat(again.json().path("orderId").asText()).as("the same cart is the same order").isEqualTo(orderId);
    assertThat(again.json().path("paymentId").asText()).as("and the same payment").isEqualTo(paymentId);
    List<Order> logged = fixture.readAll(fixture.topics.orders).stream().map(ConsumerRecord::value)
        .filter(o -> o.getOrderId().equals(orderId)).toList();
    assertThat(logged).isNotEmpty().allSatisfy(o -> {
      assertThat(o.getPaymentId()).isEqualTo(paymentId);
      assertThat(o.getUserId()).isEqualTo(alice);
      assertThat(o.getItems()).extracting(i -> i.getRequestId())
          .containsExactlyInAnyOrderElementsOf(cart.stream().map(Held::requestId).toList());
    });
    JsonNode pending = showOrder(alice, orderId).json();
    assertThat(pending.path("status").asText()).isEqualTo("PENDING");
    showOrder(ApiFixture.newUser(), orderId).assertProblem(404, ErrorCode.ORDER_NOT_FOUND);

    assertThat(complete(order.path("redirectUrl").asText())).isEqualTo(202);

    await().atMost(Duration.ofSeconds(15)).until(() -> paymentEvents(paymentId).size() == 3);
    List<ConsumerRecord<String, PaymentEvent>> events = paymentEvents(paymentId);
    for (Held held : cart) {
      ConsumerRecord<String, PaymentEvent> event = events.stream()
          .filter(r -> r.value().getRequestId().equals(held.requestId())).findFirst().orElseThrow();
      assertThat(event.key()).as("keyed by the item's SKU").isEqualTo(held.sku());
      assertThat(event.value().getOrderId()).isEqualTo(orderId);
      assertThat(event.value().getAmountCents()).isEqualTo(held.priceCents() * held.quantity());
      assertThat(event.value().getSaleId()).isEqualTo(held.saleId());
    }
    assertThat(events).extracting(r -> r.value().getEventId()).doesNotHaveDuplicates();

    // The topology's answer, played: two confirmed, the third's hold had ended and its stock was gone.
    paid(cart.get(0), alice, paymentId, OutcomeStatus.CONFIRMED);
    paid(cart.get(1), alice, paymentId, OutcomeStatus.CONFIRMED);
    fixture.decide(cart.get(2).saleId(), cart.get(2).requestId(), alice, 1, OutcomeStatus.EXPIRED);
    paid(cart.get(2), alice, paymentId, OutcomeStatus.REFUND_DUE);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> showOrder(alice, orderId).json().path("status").asText().equals("PARTIALLY_REFUNDED"));
    JsonNode shown = showOrder(alice, orderId).json();
    assertThat(shown.path("items")).extracting(i -> i.path("status").asText() + "/" + i.path("refund").asText())
        .containsExactlyInAnyOrder("CONFIRMED/null", "CONFIRMED/null", "EXPIRED/DUE");
    assertThat(cart(alice).path("items")).as("nothing is held any more").isEmpty();

    // The night refunds the item owed back; the provider's webhook names all three items, the books get the one.
    assertThat(refund(paymentId, 700, "refund:" + paymentId)).isEqualTo(201);
    await().atMost(Duration.ofSeconds(15)).until(() -> refunds(paymentId).size() == 1);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> refunds(paymentId).size() == 1);
    PaymentEvent refund = refunds(paymentId).get(0).value();
    assertThat(refund.getRequestId()).isEqualTo(cart.get(2).requestId());
    assertThat(refund.getAmountCents()).isEqualTo(700);
    assertThat(refund.getOrderId()).isEqualTo(orderId);
  }

  /**
   * An order stays payable while any of its holds is held (paying it then confirms what still is), and is expired at
   * the provider once the last one ends unpaid: the buyer can no longer pay for stock that went back.
   */
  @Test
  void anOrderIsExpiredAtTheProviderWhenItsLastHoldEnds() throws Exception {
    String alice = ApiFixture.newUser();
    Held shoes = held(alice, Map.of("priceCents", 4999), 1, 300);
    Held hats = held(alice, Map.of("priceCents", 1500), 1, 300);
    JsonNode order = order(alice, orderBody(List.of(shoes.requestId(), hats.requestId()))).json();
    String paymentId = order.path("paymentId").asText();
    assertThat(providerStatus(paymentId)).isEqualTo("PENDING");

    fixture.decide(shoes.saleId(), shoes.requestId(), alice, 1, OutcomeStatus.EXPIRED);
    await().atMost(Duration.ofSeconds(10)).until(() -> cart(alice).path("items").size() == 1);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> providerStatus(paymentId).equals("PENDING"));

    fixture.decide(hats.saleId(), hats.requestId(), alice, 1, OutcomeStatus.CANCELLED);
    await().atMost(Duration.ofSeconds(10)).until(() -> providerStatus(paymentId).equals("FAILED"));
    assertThat(complete(order.path("redirectUrl").asText())).as("its page no longer takes a payment").isEqualTo(409);
  }

  /** Another instance on the same log shows the cart and the order, though it took neither request. */
  @Test
  void anyInstanceShowsTheCartAndTheOrder() {
    String alice = ApiFixture.newUser();
    Held held = held(alice, Map.of("priceCents", 2500), 1, 300);
    Response placed = order(alice, orderBody(List.of(held.requestId())));
    assertThat(placed.status()).as(placed.raw().body()).isEqualTo(200);
    String orderId = placed.json().path("orderId").asText();

    try (ApiFixture other = ApiFixture.start(fixture.kafka, Map.of("FLASHSALE_PAYMENT_PROVIDER_URL",
        simulator.baseUrl()))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> other.call("GET", "/api/orders/" + orderId)
          .auth(other.buyer(alice)).send().status() == 200);
      JsonNode shown = other.call("GET", "/api/orders/" + orderId).auth(other.buyer(alice)).send().json();
      assertThat(shown.path("status").asText()).isEqualTo("PENDING");
      assertThat(shown.path("paymentId").asText()).isEqualTo(placed.json().path("paymentId").asText());
      assertThat(shown.path("items").get(0).path("status").asText()).isEqualTo("ACCEPTED");
      JsonNode cart = other.call("GET", "/api/cart").auth(other.buyer(alice)).send().json();
      assertThat(cart.path("items")).extracting(i -> i.path("requestId").asText()).containsExactly(held.requestId());
    }
  }

  /** Every bad order is a 4xx problem and writes nothing: no order in the log. */
  @Test
  void badOrdersAreRefusedAndWriteNothing() {
    String alice = ApiFixture.newUser();
    Held usd = held(alice, Map.of("priceCents", 1000), 1, 300);
    Held eur = held(alice, Map.of("priceCents", 1000, "currency", "EUR"), 1, 300);
    String bob = ApiFixture.newUser();
    Held bobs = held(bob, Map.of("priceCents", 1000), 1, 300);
    Held expired = held(alice, Map.of("priceCents", 1000), 1, 300);
    fixture.decide(expired.saleId(), expired.requestId(), alice, 1, OutcomeStatus.EXPIRED);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> fixture.poll(expired.requestId(), alice, 0).path("status").asText().equals("EXPIRED"));
    var before = fixture.endOffsets(Topics.ORDERS);
    List<String> many = new ArrayList<>(IntStream.range(0, 20).mapToObj(i -> "req-" + i).toList());
    many.add(usd.requestId());

    order(alice, "{\"requestIds\": []}").assertProblem(400, ErrorCode.VALIDATION);
    order(alice, "{}").assertProblem(400, ErrorCode.VALIDATION);
    order(alice, "{\"requestIds\": \"" + usd.requestId() + "\"}").assertProblem(400, ErrorCode.VALIDATION);
    order(alice, "{\"requestIds\": [\"" + usd.requestId() + "\"], \"extra\": 1}").assertProblem(400, ErrorCode.VALIDATION);
    order(alice, orderBody(many)).assertProblem(400, ErrorCode.VALIDATION);
    order(alice, orderBody(List.of(usd.requestId(), usd.requestId()))).assertProblem(400, ErrorCode.VALIDATION);
    order(alice, orderBody(List.of(usd.requestId(), eur.requestId()))).assertProblem(400, ErrorCode.VALIDATION);
    order(alice, orderBody(List.of(usd.requestId(), bobs.requestId()))).assertProblem(409, ErrorCode.INVALID_STATE);
    order(alice, orderBody(List.of(usd.requestId(), expired.requestId()))).assertProblem(409, ErrorCode.INVALID_STATE);
    order(alice, orderBody(List.of("no-such-request"))).assertProblem(409, ErrorCode.INVALID_STATE);
    fixture.call("POST", "/api/orders").json(orderBody(List.of(usd.requestId()))).send()
        .assertProblem(401, ErrorCode.UNAUTHENTICATED);

    assertThat(fixture.endOffsets(Topics.ORDERS)).isEqualTo(before);
    assertThat(order(alice, orderBody(List.of(usd.requestId()))).status()).as("the good one still goes").isEqualTo(200);
    assertThat(fixture.endOffsets(Topics.ORDERS)).isNotEqualTo(before);
  }

  // --- helpers

  /** A purchase held for {@code userId} in a new sale, its hold ending in {@code holdSeconds}. */
  private static Held held(String userId, Map<String, Object> sale, int quantity, int holdSeconds) {
    String saleId = fixture.createSale(sale);
    String requestId = fixture.purchase(saleId, userId, quantity);
    fixture.produce(fixture.topics.purchaseOutcomes, requestId, PurchaseOutcome.newBuilder()
        .setRequestId(requestId).setSaleId(saleId).setSku("SKU-" + saleId).setUserId(userId).setQuantity(quantity)
        .setStatus(OutcomeStatus.ACCEPTED).setHoldExpiresAt(Instant.now().plusSeconds(holdSeconds))
        .setDecidedAt(Instant.now()).build());
    await().atMost(Duration.ofSeconds(10))
        .until(() -> fixture.poll(requestId, userId, 0).path("status").asText().equals("ACCEPTED"));
    return new Held(saleId, requestId, quantity, ((Number) sale.get("priceCents")).longValue());
  }

  private static void paid(Held held, String userId, String paymentId, OutcomeStatus status) {
    fixture.produce(fixture.topics.purchaseOutcomes, held.requestId(), PurchaseOutcome.newBuilder()
        .setRequestId(held.requestId()).setSaleId(held.saleId()).setSku(held.sku()).setUserId(userId)
        .setQuantity(held.quantity()).setStatus(status).setDecidedAt(Instant.now()).setPaymentId(paymentId)
        .setAmountCents(held.priceCents() * held.quantity()).setCurrency("USD").build());
  }

  private static JsonNode cart(String userId) {
    Response response = fixture.call("GET", "/api/cart").auth(fixture.buyer(userId)).send();
    assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
    return response.json();
  }

  private static Response order(String userId, String body) {
    return fixture.call("POST", "/api/orders").auth(fixture.buyer(userId)).json(body).send();
  }

  private static Response showOrder(String userId, String orderId) {
    return fixture.call("GET", "/api/orders/" + orderId).auth(fixture.buyer(userId)).send();
  }

  private static String orderBody(List<String> requestIds) {
    return "{\"requestIds\": [" + String.join(", ", requestIds.stream().map(id -> "\"" + id + "\"").toList()) + "]}";
  }

  private static int complete(String redirectUrl) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(redirectUrl + "/complete")).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"outcome\": \"SUCCEEDED\"}")).build(), BodyHandlers.ofString()).statusCode();
  }

  /** A refund made at the provider, as the nightly job makes one; its webhook follows. */
  private static int refund(String paymentId, long amountCents, String key) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/v1/payments/" + paymentId + "/refunds"))
        .header("Authorization", "Bearer " + SimulatorConfig.local(null).apiKey()).header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"amountCents\": " + amountCents + "}")).build(), BodyHandlers.ofString())
        .statusCode();
  }

  private static List<ConsumerRecord<String, PaymentEvent>> refunds(String paymentId) {
    return paymentEvents(paymentId).stream().filter(r -> r.value().getType() == PaymentEventType.REFUNDED).toList();
  }

  /** The payment's status as the provider tells the shop. */
  private static String providerStatus(String paymentId) throws Exception {
    String body = http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/v1/payments/" + paymentId))
        .header("Authorization", "Bearer " + SimulatorConfig.local(null).apiKey()).build(), BodyHandlers.ofString())
        .body();
    return ApiFixture.JSON.readTree(body).path("status").asText();
  }

  private static List<ConsumerRecord<String, PaymentEvent>> paymentEvents(String paymentId) {
    return fixture.readAll(fixture.topics.paymentEvents).stream()
        .filter(r -> r.value().getPaymentId().equals(paymentId)).toList();
  }
}
