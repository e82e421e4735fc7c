package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.FlowIds;
import io.flashsale.payments.PaymentWebhook;
import io.flashsale.payments.WebhookSignature;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every error of the contract: the right status and code as problem+json, never a 5xx, nothing written to Kafka. */
class BadInputTest {
  private static final String PURCHASE = "{\"quantity\": 1}";
  private static final String OVERSIZED = "{\"quantity\": 1, \"pad\": \"" + "x".repeat(20_000) + "\"}";

  private static ApiFixture fixture;
  private static String liveSale;
  private static String scheduledSale;
  private static String endedSale;
  private static String soldOutSale;
  /** A live sale with hiddenOrderUrl, and the path its order URL gives. */
  private static String hiddenSale;
  private static String hiddenUrl;
  /** A live sale with a waiting room. */
  private static String roomSale;
  /** Purchases of liveSale by their owners, one per state; the payment provider is down. */
  private static Owned pending;
  private static Owned rejected;
  private static Owned confirmed;
  private static Owned held;

  /** A purchase and the buyer who made it. */
  record Owned(String requestId, String userId) {}

  @BeforeAll
  static void startApiWithSales() throws IOException {
    int nobodyListens;
    try (ServerSocket socket = new ServerSocket(0)) {
      nobodyListens = socket.getLocalPort();
    }
    fixture = ApiFixture.start(Map.of("FLASHSALE_RATE_LIMIT_PER_SECOND", "1", "FLASHSALE_RATE_LIMIT_BURST", "4",
        "FLASHSALE_PAYMENT_PROVIDER_URL", "http://127.0.0.1:" + nobodyListens));
    liveSale = fixture.createSale(Map.of("perUserLimit", 2));
    scheduledSale = fixture.createSale(Map.of("startsAt", Instant.now().plusSeconds(3600).toString(),
        "endsAt", Instant.now().plusSeconds(7200).toString()));
    endedSale = fixture.createSale(Map.of("startsAt", Instant.now().minusSeconds(7200).toString(),
        "endsAt", Instant.now().minusSeconds(3600).toString()));
    soldOutSale = fixture.createSale(Map.of("stock", 3));
    fixture.produce(fixture.topics.stockLevels, soldOutSale, StockLevel.newBuilder()
        .setSaleId(soldOutSale).setSku("SKU-" + soldOutSale).setStock(3).setAvailable(0).setReserved(1).setConfirmed(2)
        .setUpdatedAt(Instant.now()).build());
    await().atMost(Duration.ofSeconds(10)).until(() ->
        fixture.call("GET", "/api/sales/" + soldOutSale).send().json().path("status").asText().equals("SOLD_OUT"));
    hiddenSale = fixture.createSale(Map.of("hiddenOrderUrl", true, "perUserLimit", 2));
    hiddenUrl = fixture.call("GET", "/api/sales/" + hiddenSale + "/order-url").send().json().path("purchaseUrl").asText();
    assertThat(hiddenUrl).startsWith("/api/sales/" + hiddenSale + "/purchases/");
    roomSale = fixture.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 10)));
    String pendingUser = ApiFixture.newUser();
    pending = new Owned(fixture.purchase(liveSale, pendingUser, 1), pendingUser);
    rejected = decided(OutcomeStatus.REJECTED);
    confirmed = decided(OutcomeStatus.CONFIRMED);
    held = decided(OutcomeStatus.ACCEPTED);
  }

  /** A purchase of liveSale decided by hand; returns once the API shows the decision. */
  private static Owned decided(OutcomeStatus status) {
    String user = ApiFixture.newUser();
    String requestId = fixture.purchase(liveSale, user, 1);
    fixture.decide(liveSale, requestId, user, 1, status);
    assertThat(fixture.poll(requestId, user, 10_000).path("status").asText()).isEqualTo(status.name());
    return new Owned(requestId, user);
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  static Stream<Arguments> errors() {
    List<Arguments> cases = new ArrayList<>();
    // Sales, admin side
    add(cases, "create sale without credentials", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("POST", "/api/admin/sales").json(saleJson(Map.of())));
    add(cases, "create sale with a wrong admin token", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("POST", "/api/admin/sales").auth("Bearer not-the-token").json(saleJson(Map.of())));
    add(cases, "create sale with a buyer token", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.buyer(ApiFixture.newUser())).json(saleJson(Map.of())));
    add(cases, "create sale as text", 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).body("text/plain", saleJson(Map.of())));
    add(cases, "create sale without content type", 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).body(null, saleJson(Map.of())));
    add(cases, "create sale with an oversized body", 413, ErrorCode.PAYLOAD_TOO_LARGE,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(OVERSIZED));
    add(cases, "create sale with malformed JSON", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json("{\"sku\": "));
    add(cases, "create sale with an unknown field", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("discount", 50))));
    add(cases, "create sale with stock as a string", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("stock", "100"))));
    add(cases, "create sale with stock 0", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("stock", 0))));
    add(cases, "create sale ending when it starts", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin())
            .json(saleJson(Map.of("startsAt", "2026-11-27T00:00:00Z", "endsAt", "2026-11-27T00:00:00Z"))));
    add(cases, "create sale in an unknown currency", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("currency", "XYZ"))));
    add(cases, "create sale with a malformed sale id", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("saleId", "a/b"))));
    add(cases, "create sale with a hold of 0 s", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("holdSeconds", 0))));
    add(cases, "create sale with an unknown allocation", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("allocation", "AUCTION"))));
    add(cases, "create sale with a duplicated key", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin())
            .json(saleJson(Map.of()).replaceFirst("\\{", "{\"stock\": 7, ")));
    add(cases, "create sale nested deeper than the schema", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("name", List.of(List.of("x"))))));
    add(cases, "create sale with a NUL in the name", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("name", "Head\u0000phones"))));
    add(cases, "create sale with a name of 257 characters", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("name", "n".repeat(257)))));
    add(cases, "create sale with a price above 10^12 minor units", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("priceCents", 1_000_000_000_001L))));
    add(cases, "create sale with an empty string as hold", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("holdSeconds", ""))));
    add(cases, "create a sale that exists", 409, ErrorCode.SALE_EXISTS,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(ApiFixture.saleJson(liveSale, Map.of())));
    add(cases, "show an unknown sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> fixture.call("GET", "/api/sales/no-such-sale"));
    add(cases, "metrics without credentials", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("GET", "/api/admin/sales/" + liveSale + "/metrics"));
    add(cases, "metrics with a buyer token", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("GET", "/api/admin/sales/" + liveSale + "/metrics").auth(fixture.buyer(ApiFixture.newUser())));
    add(cases, "metrics of an unknown sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> fixture.call("GET", "/api/admin/sales/no-such-sale/metrics").auth(fixture.admin()));

    // Purchases
    add(cases, "purchase without credentials", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, null).json(PURCHASE));
    add(cases, "purchase with an expired token", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, "Bearer " + JWT.create().withSubject("u1").withExpiresAt(Instant.now().minusSeconds(10))
            .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret()))).json(PURCHASE));
    add(cases, "purchase with a token without expiry", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, "Bearer " + JWT.create().withSubject("u1")
            .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret()))).json(PURCHASE));
    add(cases, "purchase with a control character in the token's subject", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, "Bearer " + JWT.create().withSubject("u\u0001").withExpiresAt(Instant.now().plusSeconds(60))
            .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret()))).json(PURCHASE));
    add(cases, "purchase with a duplicated key", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{\"quantity\": 1, \"quantity\": 1}"));
    add(cases, "purchase with an unsigned token", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, "Bearer " + JWT.create().withSubject("u1").sign(Algorithm.none())).json(PURCHASE));
    add(cases, "purchase with a token of another secret", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, "Bearer " + JWT.create().withSubject("u1")
            .sign(Algorithm.HMAC256("some-other-secret-that-is-long-enough"))).json(PURCHASE));
    add(cases, "purchase with a malformed token", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, "Bearer not.a.jwt").json(PURCHASE));
    add(cases, "purchase with the admin token", 401, ErrorCode.UNAUTHENTICATED,
        () -> purchase(liveSale, fixture.admin()).json(PURCHASE));
    add(cases, "purchase as form data", 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        () -> purchase(liveSale).body("application/x-www-form-urlencoded", "quantity=1"));
    add(cases, "purchase without a body", 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        () -> purchase(liveSale));
    add(cases, "purchase with an oversized body", 413, ErrorCode.PAYLOAD_TOO_LARGE,
        () -> purchase(liveSale).json(OVERSIZED));
    add(cases, "purchase with malformed JSON", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{quantity: 1}"));
    add(cases, "purchase with an empty JSON body", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json(""));
    add(cases, "purchase with an unknown field", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{\"quantity\": 1, \"price\": 0}"));
    add(cases, "purchase with quantity as a string", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{\"quantity\": \"1\"}"));
    add(cases, "purchase with a fractional quantity", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{\"quantity\": 1.5}"));
    add(cases, "purchase without quantity", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{}"));
    add(cases, "purchase of quantity 0", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{\"quantity\": 0}"));
    add(cases, "purchase above the per-user limit", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).json("{\"quantity\": 3}"));
    add(cases, "purchase with a too long Idempotency-Key", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).header("Idempotency-Key", "k".repeat(65)).json(PURCHASE));
    add(cases, "purchase with a Flashsale-Flow of 65 characters", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).header(FlowIds.HEADER, "f".repeat(65)).json(PURCHASE));
    // The JDK's client sends what is beyond ASCII as '?' and refuses DEL: a tab stands for the characters refused
    add(cases, "purchase with a tab in Flashsale-Flow", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).header(FlowIds.HEADER, "flow\t1").json(PURCHASE));
    add(cases, "purchase with a Flashsale-Flow and an Idempotency-Key, both malformed", 400, ErrorCode.VALIDATION,
        () -> purchase(liveSale).header(FlowIds.HEADER, "f".repeat(65)).header("Idempotency-Key", "k".repeat(65))
            .json(PURCHASE));
    add(cases, "purchase in an unknown sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> purchase("no-such-sale").json(PURCHASE));
    add(cases, "purchase before the sale starts", 409, ErrorCode.SALE_NOT_STARTED,
        () -> purchase(scheduledSale).json(PURCHASE));
    add(cases, "purchase after the sale ended", 409, ErrorCode.SALE_ENDED,
        () -> purchase(endedSale).json(PURCHASE));
    add(cases, "purchase in a sold out sale", 409, ErrorCode.SOLD_OUT,
        () -> purchase(soldOutSale).json(PURCHASE));

    // The hidden order URL: its sale is unknown at every other path, and its path takes only good purchases
    add(cases, "create sale with hiddenOrderUrl as a string", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(saleJson(Map.of("hiddenOrderUrl", "yes"))));
    add(cases, "order URL of an unknown sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> fixture.call("GET", "/api/sales/no-such-sale/order-url"));
    add(cases, "order URL before the sale starts", 409, ErrorCode.SALE_NOT_STARTED,
        () -> fixture.call("GET", "/api/sales/" + scheduledSale + "/order-url"));
    add(cases, "order URL by POST", 405, ErrorCode.METHOD_NOT_ALLOWED,
        () -> fixture.call("POST", "/api/sales/" + hiddenSale + "/order-url").json(PURCHASE));
    add(cases, "purchase at the public path of a hidden sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> purchase(hiddenSale).json(PURCHASE));
    add(cases, "purchase at the public path of a hidden sale, retried", 404, ErrorCode.SALE_NOT_FOUND,
        () -> purchase(hiddenSale).header("Idempotency-Key", "k-1").json(PURCHASE));
    add(cases, "purchase at a wrong secret of a hidden sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> fixture.call("POST", "/api/sales/" + hiddenSale + "/purchases/AAAAAAAAAAAAAAAAAAAAAA")
            .auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE));
    add(cases, "purchase at a secret of a sale without one", 404, ErrorCode.SALE_NOT_FOUND,
        () -> fixture.call("POST", "/api/sales/" + liveSale + "/purchases/AAAAAAAAAAAAAAAAAAAAAA")
            .auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE));
    add(cases, "purchase at a secret of an unknown sale", 404, ErrorCode.SALE_NOT_FOUND,
        () -> fixture.call("POST", "/api/sales/no-such-sale/purchases/AAAAAAAAAAAAAAAAAAAAAA")
            .auth(fixture.buyer(ApiFixture.newUser())).json(PURCHASE));
    add(cases, "hidden purchase without credentials", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("POST", hiddenUrl).json(PURCHASE));
    add(cases, "hidden purchase with malformed JSON", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", hiddenUrl).auth(fixture.buyer(ApiFixture.newUser())).json("{quantity: 1}"));
    add(cases, "hidden purchase above the per-user limit", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", hiddenUrl).auth(fixture.buyer(ApiFixture.newUser())).json("{\"quantity\": 3}"));
    add(cases, "hidden purchase as text", 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        () -> fixture.call("POST", hiddenUrl).auth(fixture.buyer(ApiFixture.newUser())).body("text/plain", PURCHASE));
    add(cases, "hidden purchase with a Flashsale-Flow of 65 characters", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", hiddenUrl).auth(fixture.buyer(ApiFixture.newUser()))
            .header(FlowIds.HEADER, "f".repeat(65)).json(PURCHASE));
    add(cases, "queue join with a Flashsale-Flow of 65 characters", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/sales/" + roomSale + "/queue").auth(fixture.buyer(ApiFixture.newUser()))
            .header(FlowIds.HEADER, "f".repeat(65)).json("{}"));
    add(cases, "queue join with a tab in Flashsale-Flow", 400, ErrorCode.VALIDATION,
        () -> fixture.call("POST", "/api/sales/" + roomSale + "/queue").auth(fixture.buyer(ApiFixture.newUser()))
            .header(FlowIds.HEADER, "flow\t1").json("{}"));
    add(cases, "poll without credentials", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.call("GET", "/api/purchases/00000000-0000-0000-0000-000000000000"));
    add(cases, "poll an unknown request", 404, ErrorCode.PURCHASE_NOT_FOUND,
        () -> fixture.call("GET", "/api/purchases/00000000-0000-0000-0000-000000000000").auth(fixture.buyer(ApiFixture.newUser())));
    add(cases, "poll with a negative wait", 400, ErrorCode.VALIDATION,
        () -> fixture.call("GET", "/api/purchases/x?waitMs=-1").auth(fixture.buyer(ApiFixture.newUser())));
    add(cases, "poll with a wait above the maximum", 400, ErrorCode.VALIDATION,
        () -> fixture.call("GET", "/api/purchases/x?waitMs=30001").auth(fixture.buyer(ApiFixture.newUser())));
    add(cases, "poll with a wait that is no number", 400, ErrorCode.VALIDATION,
        () -> fixture.call("GET", "/api/purchases/x?waitMs=soon").auth(fixture.buyer(ApiFixture.newUser())));

    // Cancel and checkout: only the buyer's own ACCEPTED purchase
    for (String action : new String[] {"cancel", "checkout"}) {
      add(cases, action + " without credentials", 401, ErrorCode.UNAUTHENTICATED,
          () -> fixture.call("POST", "/api/purchases/" + held.requestId() + "/" + action));
      add(cases, action + " of an unknown request", 404, ErrorCode.PURCHASE_NOT_FOUND,
          () -> fixture.call("POST", "/api/purchases/00000000-0000-0000-0000-000000000000/" + action)
              .auth(fixture.buyer(ApiFixture.newUser())));
      add(cases, action + " of someone else's purchase", 404, ErrorCode.PURCHASE_NOT_FOUND,
          () -> fixture.call("POST", "/api/purchases/" + held.requestId() + "/" + action)
              .auth(fixture.buyer(ApiFixture.newUser())));
      add(cases, action + " of a PENDING purchase", 409, ErrorCode.INVALID_STATE, () -> owned(pending, action));
      add(cases, action + " of a REJECTED purchase", 409, ErrorCode.INVALID_STATE, () -> owned(rejected, action));
      add(cases, action + " of a CONFIRMED purchase", 409, ErrorCode.INVALID_STATE, () -> owned(confirmed, action));
    }
    add(cases, "checkout while the payment provider is down", 503, ErrorCode.UNAVAILABLE,
        () -> owned(held, "checkout"));
    // 400 and not the 503 above: the header is refused before the provider is asked
    add(cases, "checkout with a Flashsale-Flow of 65 characters", 400, ErrorCode.VALIDATION,
        () -> owned(held, "checkout").header(FlowIds.HEADER, "f".repeat(65)));

    // Payment webhooks: the signature is the authentication
    String event = ApiFixture.webhookJson("evt_bad_input", PaymentWebhook.SUCCEEDED, "pay_1", "req-1", "sale-1",
        "SKU-1", 4999, "USD");
    long now = Instant.now().getEpochSecond();
    String secret = ApiConfig.LOCAL_WEBHOOK_SECRET;
    add(cases, "webhook without a signature", 401, ErrorCode.UNAUTHENTICATED, () -> fixture.webhook(event, null));
    add(cases, "webhook signed with another secret", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.webhook(event, WebhookSignature.header("not-the-secret", now, event)));
    add(cases, "webhook with a signature of another body", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.webhook(event, WebhookSignature.header(secret, now, event.replace("4999", "1"))));
    add(cases, "webhook signed more than 300 s ago", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.webhook(event, WebhookSignature.header(secret, Instant.now().getEpochSecond() - 301, event)));
    add(cases, "webhook signed more than 300 s ahead", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.webhook(event, WebhookSignature.header(secret, Instant.now().getEpochSecond() + 301, event)));
    add(cases, "webhook with a malformed signature", 401, ErrorCode.UNAUTHENTICATED,
        () -> fixture.webhook(event, "t=" + now + ",v1=not-hex"));
    add(cases, "webhook with an oversized body", 413, ErrorCode.PAYLOAD_TOO_LARGE,
        () -> fixture.webhook(OVERSIZED));
    add(cases, "signed webhook as text", 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        () -> fixture.call("POST", "/api/payments/webhook")
            .header(WebhookSignature.HEADER, WebhookSignature.header(secret, Instant.now().getEpochSecond(), event))
            .body("text/plain", event));
    add(cases, "signed webhook with malformed JSON", 400, ErrorCode.VALIDATION,
        () -> fixture.webhook("{\"id\": "));
    add(cases, "signed webhook without data", 400, ErrorCode.VALIDATION,
        () -> fixture.webhook("{\"id\": \"evt_x\", \"type\": \"payment.succeeded\", \"created\": " + now + "}"));
    add(cases, "signed webhook without an id", 400, ErrorCode.VALIDATION,
        () -> fixture.webhook(event.replace("\"evt_bad_input\"", "null")));

    // Routes
    add(cases, "unknown route", 404, ErrorCode.NOT_FOUND, () -> fixture.call("GET", "/api/nothing-here"));
    add(cases, "unknown method on a route", 405, ErrorCode.METHOD_NOT_ALLOWED,
        () -> fixture.call("DELETE", "/api/sales/" + liveSale));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void answeredWithAProblemAndNothingWritten(String name, int status, ErrorCode code, Supplier<ApiFixture.Call> request) {
    Map<TopicPartition, Long> before = writableEndOffsets();

    request.get().send().assertProblem(status, code);

    assertThat(writableEndOffsets()).isEqualTo(before);
  }

  /**
   * A slow client whose oversized body arrives after its headers still gets the 413: the server neither answers
   * with the body half read and resets the connection as the rest arrives (a reset discards the answer the client
   * has not read yet) nor writes anything. The client sends its headers, then the body a moment later, then reads.
   */
  @Test
  void aSlowClientOfAnOversizedBodyGetsItsAnswer() throws Exception {
    byte[] body = ("{\"pad\": \"" + "x".repeat(60_000) + "\"}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < 5; i++) {
      Map<TopicPartition, Long> before = writableEndOffsets();
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fixture.api.port())) {
        socket.setSoTimeout(10_000);
        java.io.OutputStream out = socket.getOutputStream();
        out.write(("POST /api/admin/sales HTTP/1.1\r\nHost: x\r\nAuthorization: " + fixture.admin()
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(300); // a slow client: the server has seen the headers alone
        out.write(body);
        out.flush();
        Thread.sleep(300); // the server has answered by now
        String answer = new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(answer).isEqualTo("HTTP/1.1 413");
      }
      assertThat(writableEndOffsets()).isEqualTo(before);
    }
  }

  @Test
  void methodNotAllowedNamesTheAllowedMethods() {
    Response response = fixture.call("PUT", "/api/admin/sales").send().assertProblem(405, ErrorCode.METHOD_NOT_ALLOWED);

    assertThat(response.header("Allow")).isEqualTo("GET, POST");
  }

  @Test
  void unauthenticatedAnswersNameTheScheme() {
    Response response = purchase(liveSale, null).json(PURCHASE).send().assertProblem(401, ErrorCode.UNAUTHENTICATED);

    assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void tooManyRequestsOfOneBuyerAreRateLimited() {
    Map<TopicPartition, Long> before = writableEndOffsets();
    String buyer = fixture.buyer(ApiFixture.newUser());
    List<Integer> statuses = new ArrayList<>();
    Response limited = null;
    for (int i = 0; i < 10 && limited == null; i++) {
      // Bad bodies: the limit counts every request of the buyer, and nothing is written either way.
      Response response = purchase(liveSale, buyer).json("{\"quantity\": 0}").send();
      statuses.add(response.status());
      if (response.status() == 429) {
        limited = response;
      }
    }

    assertThat(limited).as("statuses %s", statuses).isNotNull();
    limited.assertProblem(429, ErrorCode.RATE_LIMITED);
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
    assertThat(statuses.subList(0, statuses.size() - 1)).isNotEmpty().containsOnly(400);
    assertThat(writableEndOffsets()).isEqualTo(before);
  }

  private static void add(List<Arguments> cases, String name, int status, ErrorCode code, Supplier<ApiFixture.Call> request) {
    cases.add(Arguments.of(name, status, code, request));
  }

  private static ApiFixture.Call purchase(String saleId) {
    return purchase(saleId, fixture.buyer(ApiFixture.newUser()));
  }

  private static ApiFixture.Call purchase(String saleId, String authorization) {
    ApiFixture.Call call = fixture.call("POST", "/api/sales/" + saleId + "/purchases");
    return authorization == null ? call : call.auth(authorization);
  }

  private static ApiFixture.Call owned(Owned purchase, String action) {
    return fixture.call("POST", "/api/purchases/" + purchase.requestId() + "/" + action).auth(fixture.buyer(purchase.userId()));
  }

  private static String saleJson(Map<String, Object> overrides) {
    return ApiFixture.saleJson("sale-" + java.util.UUID.randomUUID(), overrides);
  }

  private static Map<TopicPartition, Long> writableEndOffsets() {
    return fixture.endOffsets(fixture.topics.all().stream().map(Topics.Topic::name).toArray(String[]::new));
  }
}
