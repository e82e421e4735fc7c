package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.payments.PaymentWebhook;
import io.flashsale.payments.WebhookSignature;
import io.flashsale.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A property-based fuzzer of the HTTP edge: over every route the API serves, bad requests of every kind (forged,
 * expired, unsigned or expiry-less tokens, control characters in every string field, header and path parameter,
 * long strings, huge numbers, wrong types, duplicated keys, deep nesting, unknown fields, wrong content types,
 * oversized bodies), and malformed HTTP over a raw socket for the server's own answers. None may get a 5xx,
 * every 4xx must be problem+json with type, title, status, detail and code, and no topic of the catalogue may
 * move: after every single request the end offsets of all topics are what they were.
 */
class HttpFuzzTest {
  private static final String PURCHASE = "{\"quantity\": 1}";
  private static final String OTHER_SECRET = "a-secret-that-is-not-the-api-secret-at-all";
  private static final List<String> CONTROL = List.of("\u0000", "\u0001", "\t", "\n", "\r", "\u001b", "\u001f",
      "\u007f", "\u0085", "\u009f", "\ud800", "\udfff", "\ufffe", "\uffff", "\ufdd0");
  /** What a JSON encoder carries as it is: half a surrogate pair it replaces (IdentityTest escapes it by hand). */
  private static final List<String> ENCODABLE_CONTROL = CONTROL.stream()
      .filter(c -> !Character.isSurrogate(c.charAt(0))).toList();

  private static ApiFixture fixture;
  private static KafkaConsumer<byte[], byte[]> offsets;
  private static List<TopicPartition> partitions;
  private static Map<TopicPartition, Long> baseline;
  private static List<String> routes;
  private static String liveSale;
  /** The path a live sale with hiddenOrderUrl takes purchases at. */
  private static String hiddenPurchasePath;
  private static String pendingRequest;
  private static String pendingUser;
  private static final AtomicInteger sent = new AtomicInteger();
  /** Answers by status and code, shown at the end: what the fuzzer reached. */
  private static final Map<String, Integer> answers = new java.util.concurrent.ConcurrentSkipListMap<>();

  /** One bad request, and what it is meant to break. */
  record Bad(String what, String method, String path, Map<String, String> headers, byte[] body) {
    @Override
    public String toString() {
      String shown = body == null ? "" : new String(body, StandardCharsets.UTF_8);
      return what + ": " + method + " " + abbreviate(path) + " " + abbreviate(shown);
    }
  }

  /** Bytes for the socket, and what they are meant to break. */
  record Raw(String what, byte[] bytes) {
    @Override
    public String toString() {
      return what + ": " + abbreviate(new String(bytes, StandardCharsets.ISO_8859_1));
    }
  }

  @BeforeContainer
  static void startApi() {
    fixture = ApiFixture.start(Map.of("FLASHSALE_RATE_LIMIT_PER_SECOND", "1000000"));
    // Readiness answers 503 by contract while no topology runs (none does here): it is no input to refuse. An
    // event stream's answer never ends, so it is no answer to wait for; SaleEventsTest covers its bad inputs.
    routes = fixture.api.routes().stream()
        .filter(route -> !route.equals("GET /health/ready") && !route.equals("GET /api/sales/{saleId}/events"))
        .toList();
    liveSale = fixture.createSale(Map.of("perUserLimit", 2));
    pendingUser = ApiFixture.newUser();
    pendingRequest = fixture.purchase(liveSale, pendingUser, 1);
    String hiddenSale = fixture.createSale(Map.of("perUserLimit", 2, "hiddenOrderUrl", true));
    hiddenPurchasePath = fixture.call("GET", "/api/sales/" + hiddenSale + "/order-url").send().json()
        .path("purchaseUrl").asText();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
    offsets = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    partitions = new ArrayList<>();
    for (Topics.Topic<?, ?> topic : fixture.topics.all()) {
      offsets.partitionsFor(topic.name()).forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
    }
    baseline = offsets.endOffsets(partitions);
  }

  /** After every property: nothing was written by any request since the fixture was set up. */
  @AfterProperty
  void nothingWasWrittenAtAll() {
    assertThat(offsets.endOffsets(partitions)).isEqualTo(baseline);
  }

  @AfterContainer
  static void stopApi() {
    System.out.println("HttpFuzzTest sent " + sent.get() + " bad requests; answers " + answers);
    offsets.close();
    fixture.close();
  }

  @Property(tries = 900)
  void badHttpRequestsAreRefusedWithAProblemAndWriteNothing(@ForAll("badRequests") Bad bad) throws Exception {
    // Each over a connection of its own, sent whole before the answer is read. On a pooled connection (the JDK
    // client) a POST after some refusals found the connection closed under it ("header parser received no bytes",
    // every other run on Jetty 12), and a client still sending a refused oversized body could lose the answer.
    Map<TopicPartition, Long> before = offsets.endOffsets(partitions);
    String answer = exchange(raw(bad));
    sent.incrementAndGet();

    assertThat(answer).as("an answer to %s", bad).startsWith("HTTP/1.1 ");
    int headerEnd = answer.indexOf("\r\n\r\n");
    String contentType = answer.substring(0, headerEnd).lines()
        .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:")).map(l -> l.substring(13).trim())
        .findFirst().orElse(null);
    assertAnswer(Integer.parseInt(answer.substring(9, 12)), contentType, answer.substring(headerEnd + 4));
    assertThat(offsets.endOffsets(partitions)).as("end offsets after %s", bad).isEqualTo(before);
  }

  @Property(tries = 300)
  void malformedHttpIsAnsweredByTheServerWithAProblem(@ForAll("rawRequests") Raw raw) throws Exception {
    Map<TopicPartition, Long> before = offsets.endOffsets(partitions);
    String answer = exchange(raw.bytes());
    sent.incrementAndGet();

    assertThat(answer).as("an answer to %s", raw).startsWith("HTTP/1.1 ");
    int status = Integer.parseInt(answer.substring(9, 12));
    int headerEnd = answer.indexOf("\r\n\r\n");
    String head = answer.substring(0, headerEnd);
    String contentType = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:"))
        .map(l -> l.substring(13).trim()).findFirst().orElse(null);
    assertAnswer(status, contentType, answer.substring(headerEnd + 4));
    assertThat(offsets.endOffsets(partitions)).as("end offsets after %s", raw).isEqualTo(before);
  }

  /** The server's own answers, one of each kind, with the status and code they must have. */
  @Example
  void theServersOwnAnswersAreProblemsWithTheirCodes() throws IOException {
    assertServerAnswer("GET /api/sales/" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, ErrorCode.URI_TOO_LONG);
    assertServerAnswer("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(10_000) + "\r\n\r\n", 431,
        ErrorCode.HEADERS_TOO_LARGE);
    assertServerAnswer("GARBAGE\r\n\r\n", 400, ErrorCode.BAD_REQUEST);
    assertServerAnswer("GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n", 400, ErrorCode.BAD_REQUEST); // Jetty says 505
    assertServerAnswer("GET /health/live HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n", 400, ErrorCode.BAD_REQUEST);
    assertServerAnswer("POST /api/sales/" + liveSale + "/purchases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: gzip\r\n\r\n" + PURCHASE, 400, ErrorCode.BAD_REQUEST);
  }

  /**
   * Flawed paths get the answers they got before Jetty 12: an encoded separator, dot segment, backslash or bad UTF-8
   * stays inside its path parameter (the routes match the raw path) and is looked up like any other id; what Jetty
   * cannot decode is its 400, never a 5xx.
   */
  @Example
  void flawedPathsStayInsideTheirSegment() throws IOException {
    for (String id : List.of("a%2Fb", "%2e%2e", "..%2F..%2Fadmin", "a%5Cb", "a\\b", "%C0%AF", "a%01b", "x;a=b")) {
      assertServerAnswer("GET /api/sales/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n", 404, ErrorCode.SALE_NOT_FOUND);
    }
    assertServerAnswer("GET /api/sales/%2e%2e/%2e%2e/etc HTTP/1.1\r\nHost: x\r\n\r\n", 404, ErrorCode.NOT_FOUND);
    for (String path : List.of("/api/sales/%u0041", "/%zz", "/a/../../b", "/api/sales/a%00b")) {
      assertServerAnswer("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n", 400, ErrorCode.BAD_REQUEST);
    }
  }

  private static void assertServerAnswer(String request, int status, ErrorCode code) throws IOException {
    String answer = exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(answer).as("answer to %s", abbreviate(request)).startsWith("HTTP/1.1 " + status + " ");
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    assertThat(answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT))
        .contains("content-type: " + Problem.MEDIA_TYPE);
    JsonNode problem = ApiFixture.JSON.readTree(body);
    assertThat(problem.path("code").asText()).isEqualTo(code.name());
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("type").asText()).isEqualTo(code.type());
  }

  private static void assertAnswer(int status, String contentType, String body) throws IOException {
    answers.merge(status + (status >= 400 ? " " + codeOf(body) : ""), 1, Integer::sum);
    assertThat(status).as("status, body %s", abbreviate(body)).isLessThan(500);
    if (status >= 400) {
      assertThat(contentType).as("content type of a %s", status).startsWith(Problem.MEDIA_TYPE);
      JsonNode problem = ApiFixture.JSON.readTree(body);
      for (String member : List.of("type", "title", "detail", "code")) {
        assertThat(problem.path(member).asText()).as("%s of %s", member, body).isNotBlank();
      }
      assertThat(problem.path("status").asInt()).isEqualTo(status);
      assertThat(problem.path("code").asText()).isIn(java.util.Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
    }
  }

  private static String codeOf(String body) {
    try {
      return ApiFixture.JSON.readTree(body).path("code").asText();
    } catch (IOException e) {
      return "not JSON";
    }
  }

  // --- HTTP requests

  @Provide
  Arbitrary<Bad> badRequests() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, authFaults()),
        net.jqwik.api.Tuple.of(4, saleBodyFaults()),
        net.jqwik.api.Tuple.of(3, purchaseFaults()),
        net.jqwik.api.Tuple.of(2, signedWebhookFaults()),
        net.jqwik.api.Tuple.of(2, pathFaults()),
        net.jqwik.api.Tuple.of(1, queryFaults()),
        net.jqwik.api.Tuple.of(1, methodFaults()),
        net.jqwik.api.Tuple.of(1, mediaFaults()));
  }

  /** Every route with a request that would pass, but with wrong credentials. */
  private Arbitrary<Bad> authFaults() {
    return Combinators.combine(Arbitraries.of(routes), badAuthorization()).as((route, auth) -> {
      Bad valid = validRequest(route);
      Map<String, String> headers = new LinkedHashMap<>(valid.headers());
      headers.remove("Authorization");
      headers.remove(WebhookSignature.HEADER);
      if (auth != null) {
        headers.put(route.contains("webhook") ? WebhookSignature.HEADER : "Authorization", auth);
      }
      return new Bad("credentials " + abbreviate(String.valueOf(auth)), valid.method(), valid.path(), headers, valid.body());
    });
  }

  private Arbitrary<String> badAuthorization() {
    Instant later = Instant.now().plusSeconds(3600);
    String user = "user-" + UUID.randomUUID();
    Arbitrary<String> fixed = Arbitraries.of(
        "Bearer " + JWT.create().withSubject(user).sign(Algorithm.HMAC256(fixture.config.access().jwtSecret())), // no exp
        "Bearer " + JWT.create().withSubject(user).withExpiresAt(Instant.now().minusSeconds(5))
            .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret())),
        "Bearer " + JWT.create().withSubject(user).withExpiresAt(later).sign(Algorithm.HMAC256(OTHER_SECRET)),
        "Bearer " + JWT.create().withSubject(user).withExpiresAt(later).sign(Algorithm.none()),
        "Bearer " + JWT.create().withSubject(user).withExpiresAt(later).sign(Algorithm.HMAC512(fixture.config.access().jwtSecret())),
        "Bearer " + JWT.create().withExpiresAt(later).sign(Algorithm.HMAC256(fixture.config.access().jwtSecret())),
        "Bearer " + JWT.create().withSubject("u".repeat(257)).withExpiresAt(later)
            .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret())),
        "Bearer not.a.jwt", "Bearer ", "Basic dXNlcjpwYXNz", "bearer", "t=1,v1=00", "Bearer " + fixture.config.access().adminToken() + "x");
    Arbitrary<String> controlInClaims = Combinators.combine(Arbitraries.of(ENCODABLE_CONTROL), Arbitraries.of("sub", "did"))
        .as((control, claim) -> "Bearer " + JWT.create().withSubject(claim.equals("sub") ? "u" + control : user)
            .withClaim("did", claim.equals("did") ? "d" + control : "phone").withExpiresAt(later)
            .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret())));
    Arbitrary<String> garbage = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200).map(s -> "Bearer " + s.strip());
    return Arbitraries.oneOf(fixed, controlInClaims, garbage, Arbitraries.just(null));
  }

  /** A sale definition with one field broken, in one of many ways; the admin token is right. */
  private Arbitrary<Bad> saleBodyFaults() {
    Arbitrary<String> field = Arbitraries.of("saleId", "sku", "name", "stock", "perUserLimit", "priceCents", "currency",
        "startsAt", "endsAt", "holdSeconds", "allocation");
    Arbitrary<Bad> brokenField = Combinators.combine(field, badValue()).as((name, value) -> {
      if (value.equals("null") && List.of("saleId", "perUserLimit", "holdSeconds", "allocation").contains(name)) {
        value = "\"\""; // null is the default for an optional field, not an error
      }
      return admin("sale field " + name, replaceField(validSale(), name, value));
    });
    Arbitrary<Bad> shape = Combinators.combine(field, jsonShapeFault()).as((name, fault) ->
        admin("sale shape " + fault, shapeFault(validSale(), name, fault)));
    Arbitrary<Bad> outOfRange = Arbitraries.<Map<String, Object>>of(
        Map.<String, Object>of("stock", 0), Map.of("stock", 1_000_000_001), Map.of("perUserLimit", 10_001),
        Map.of("priceCents", 1_000_000_000_001L), Map.of("priceCents", -1), Map.of("holdSeconds", 86_401),
        Map.of("currency", "XYZ"), Map.of("currency", "usd"), Map.of("endsAt", "1960-01-01T00:00:00Z"),
        Map.of("startsAt", "+1000000-01-01T00:00:00Z"), Map.of("allocation", "AUCTION"), Map.of("saleId", "a/b"),
        Map.of("saleId", "x".repeat(65)), Map.of("sku", " "))
        .map(override -> admin("sale rule " + override.keySet(), ApiFixture.saleJson(freshId(), override)));
    return Arbitraries.oneOf(brokenField, shape, outOfRange);
  }

  /** A purchase of the live sale with a broken body or Idempotency-Key; the buyer's token is right. */
  private Arbitrary<Bad> purchaseFaults() {
    Arbitrary<Bad> quantity = Arbitraries.oneOf(badValue(), Arbitraries.of("0", "-1", "3", "2147483648", "1.0", "1e0", "01"))
        .map(value -> buyer("quantity " + abbreviate(value), "{\"quantity\": " + value + "}", null));
    Arbitrary<Bad> shape = jsonShapeFault().map(fault -> buyer("purchase shape " + fault,
        shapeFault("{\"quantity\": 1}", "quantity", fault), null));
    // Non-ASCII and control characters in headers go over the raw socket: the JDK client sends '?' for them.
    Arbitrary<Bad> key = Arbitraries.oneOf(
            Arbitraries.strings().withCharRange('!', '~').ofMinLength(65).ofMaxLength(300),
            Arbitraries.just(""))
        .map(value -> buyer("Idempotency-Key " + abbreviate(value), PURCHASE, value));
    return Arbitraries.oneOf(quantity, shape, key);
  }

  /** Correctly signed webhooks whose data the topology would refuse. */
  private Arbitrary<Bad> signedWebhookFaults() {
    Arbitrary<String> field = Arbitraries.of("paymentId", "requestId", "saleId", "sku", "currency");
    Arbitrary<Map<String, Object>> brokenData = Arbitraries.oneOf(
        Combinators.combine(field, Arbitraries.oneOf(controlString(), longString()))
            .as((name, value) -> Map.<String, Object>of(name, value)),
        Arbitraries.longs().between(1_000_000_000_001L, Long.MAX_VALUE)
            .map(amount -> Map.<String, Object>of("amountCents", amount)));
    return brokenData.map(broken -> {
      Map<String, Object> data = new LinkedHashMap<>(Map.of("paymentId", "pay_fuzz", "requestId", pendingRequest,
          "saleId", liveSale, "sku", "SKU-" + liveSale, "amountCents", 4999, "currency", "USD", "status", "SUCCEEDED"));
      data.putAll(broken);
      String body = json(Map.of("id", "evt_" + UUID.randomUUID(), "type", PaymentWebhook.SUCCEEDED,
          "created", Instant.now().getEpochSecond(), "data", data));
      return new Bad("signed webhook " + broken.keySet(), "POST", "/api/payments/webhook",
          Map.of("Content-Type", "application/json", WebhookSignature.HEADER,
              WebhookSignature.header(fixture.config.payments().webhookSecret(), Instant.now().getEpochSecond(), body)),
          body.getBytes(StandardCharsets.UTF_8));
    });
  }

  /** Every route with a path parameter, with a bad one. */
  private Arbitrary<Bad> pathFaults() {
    List<String> withParameters = routes.stream().filter(r -> r.contains("{")).toList();
    Arbitrary<String> parameter = Arbitraries.oneOf(
        Arbitraries.of(CONTROL).map(c -> "a" + URLEncoder.encode(c, StandardCharsets.UTF_8) + "b"),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(40).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8)),
        Arbitraries.strings().alpha().ofMinLength(257).ofMaxLength(4000),
        Arbitraries.of("%00", "%2e%2e", "..%2F..%2Fadmin", "%25", "%FF%FE", "%C0%AF", "%E2%80%AE", "a%2Fb"));
    return Combinators.combine(Arbitraries.of(withParameters), parameter).as((route, value) -> {
      Bad valid = validRequest(route);
      String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", value);
      return new Bad("path parameter", valid.method(), path, valid.headers(), valid.body());
    });
  }

  private Arbitrary<Bad> queryFaults() {
    return Arbitraries.oneOf(Arbitraries.of("-1", "30001", "soon", "1e3", "99999999999999999999", "%00", "", "1%0A"),
            Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(100))
        .map(wait -> new Bad("waitMs " + wait, "GET", "/api/purchases/" + pendingRequest + "?waitMs=" + wait,
            Map.of("Authorization", fixture.buyer(pendingUser)), null));
  }

  private Arbitrary<Bad> methodFaults() {
    return Combinators.combine(Arbitraries.of(routes), Arbitraries.of("PUT", "DELETE", "PATCH")).as((route, method) -> {
      Bad valid = validRequest(route);
      return new Bad("method " + method, method, valid.path(), valid.headers(), valid.body());
    });
  }

  /** JSON routes with another media type, no body at all, or a body over the limit. */
  private Arbitrary<Bad> mediaFaults() {
    List<String> jsonRoutes = routes.stream().filter(r -> r.equals("POST /api/admin/sales") || r.endsWith("/purchases")).toList();
    Arbitrary<String> type = Arbitraries.of("text/plain", "application/xml", "application/jsonx", "multipart/form-data",
        "application/x-www-form-urlencoded", "json", "application/json-patch+json");
    Arbitrary<Bad> wrongType = Combinators.combine(Arbitraries.of(jsonRoutes), type).as((route, contentType) -> {
      Bad valid = validRequest(route);
      Map<String, String> headers = new LinkedHashMap<>(valid.headers());
      headers.put("Content-Type", contentType);
      return new Bad("content type " + contentType, valid.method(), valid.path(), headers, valid.body());
    });
    Arbitrary<Bad> oversized = Combinators.combine(Arbitraries.of(routes.stream().filter(r -> r.startsWith("POST")).toList()),
        Arbitraries.integers().between(fixture.config.http().maxBodyBytes() + 1, fixture.config.http().maxBodyBytes() * 4)).as((route, size) -> {
      Bad valid = validRequest(route);
      String body = "{\"pad\": \"" + "x".repeat(size) + "\"}";
      return new Bad("oversized " + size, valid.method(), valid.path(), valid.headers(), body.getBytes(StandardCharsets.UTF_8));
    });
    return Arbitraries.oneOf(wrongType, oversized);
  }

  /** Values no field of any body may have. */
  private static Arbitrary<String> badValue() {
    return Arbitraries.oneOf(
        controlString().map(HttpFuzzTest::json),
        longString().map(HttpFuzzTest::json),
        Arbitraries.of("1000000000000000000000000000000", "-9223372036854775809", "9223372036854775808", "1e400",
            "1.5", "true", "false", "null", "{}", "[]", "[1]", "{\"a\": 1}", "\"\"", "\" \""),
        Arbitraries.bigIntegers().between(java.math.BigInteger.valueOf(1_000_000_000_001L),
            java.math.BigInteger.TEN.pow(40)).map(Object::toString));
  }

  private static Arbitrary<String> controlString() {
    return Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(20), Arbitraries.of(CONTROL),
        Arbitraries.strings().alpha().ofMaxLength(20)).as((before, control, after) -> before + control + after);
  }

  private static Arbitrary<String> longString() {
    return Arbitraries.strings().alpha().numeric().ofMinLength(257).ofMaxLength(3000);
  }

  /** Ways of breaking a JSON object's shape around one of its fields. */
  private static Arbitrary<String> jsonShapeFault() {
    return Arbitraries.oneOf(
        Arbitraries.of("duplicate", "duplicate-same", "unknown", "truncated", "array", "trailing"),
        Arbitraries.integers().between(2, 300).map(depth -> "nested-" + depth));
  }

  private static String shapeFault(String json, String field, String fault) {
    String value = fieldValue(json, field);
    if (fault.startsWith("nested-")) {
      int depth = Integer.parseInt(fault.substring(7));
      String nested = value == null ? "1" : value;
      for (int i = 0; i < depth; i++) {
        nested = i % 2 == 0 ? "[" + nested + "]" : "{\"v\": " + nested + "}";
      }
      return replaceField(json, field, nested);
    }
    return switch (fault) {
      // A field the body leaves out (an optional one) is given twice, so that it is duplicated either way.
      case "duplicate" -> json.substring(0, json.length() - 1) + (value == null ? ", \"" + field + "\": 1" : "")
          + ", \"" + field + "\": " + (value == null ? "2" : "\"other\"") + "}";
      case "duplicate-same" -> json.substring(0, json.length() - 1) + (value == null ? ", \"" + field + "\": 1" : "")
          + ", \"" + field + "\": " + (value == null ? "1" : value) + "}";
      case "unknown" -> json.substring(0, json.length() - 1) + ", \"" + field + "Extra\": 1}";
      case "truncated" -> json.substring(0, json.length() / 2);
      case "array" -> "[" + json + "]";
      default -> json + " {}";
    };
  }

  // --- valid requests, to break in one place

  /** A request to the route that passes every check but the one a case breaks. */
  private static Bad validRequest(String route) {
    String method = route.substring(0, route.indexOf(' '));
    String template = route.substring(route.indexOf(' ') + 1);
    String path = template.replace("{saleId}", liveSale).replace("{requestId}", pendingRequest)
        .replace("{queueToken}", "no-such-token")
        .replace("{day}", "2026-11-23").replace("{runId}", "run-1")
        .replace("{file}", template.startsWith("/pages/") ? "sale.js" : "report.html");
    if (template.endsWith("/purchases/{secret}")) {
      path = hiddenPurchasePath;
      template = template.substring(0, template.lastIndexOf('/')); // a purchase like the public path's
    }
    Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = null;
    if (template.startsWith("/api/admin/")) {
      headers.put("Authorization", fixture.admin());
    } else if (template.startsWith("/api/purchases") || template.endsWith("/purchases")
        || template.startsWith("/api/queue") || template.endsWith("/queue") || template.endsWith("/challenge")) {
      headers.put("Authorization", fixture.buyer(pendingUser));
    }
    if (route.equals("POST /api/admin/sales")) {
      body = validSale().getBytes(StandardCharsets.UTF_8);
    } else if (template.endsWith("/purchases")) {
      body = PURCHASE.getBytes(StandardCharsets.UTF_8);
    } else if (template.equals("/api/payments/webhook")) {
      String event = ApiFixture.webhookJson("evt_" + UUID.randomUUID(), PaymentWebhook.SUCCEEDED, "pay_1", pendingRequest,
          liveSale, "SKU-" + liveSale, 4999, "USD");
      headers.put(WebhookSignature.HEADER, WebhookSignature.header(fixture.config.payments().webhookSecret(),
          Instant.now().getEpochSecond(), event));
      body = event.getBytes(StandardCharsets.UTF_8);
    }
    if (body != null) {
      headers.put("Content-Type", "application/json");
    }
    return new Bad("valid", method, path, headers, body);
  }

  private static String validSale() {
    return ApiFixture.saleJson(freshId(), Map.of());
  }

  private static String freshId() {
    return "fuzz-" + UUID.randomUUID();
  }

  private static Bad admin(String what, String body) {
    return new Bad(what, "POST", "/api/admin/sales", Map.of("Authorization", fixture.admin(), "Content-Type",
        "application/json"), body.getBytes(StandardCharsets.UTF_8));
  }

  private static Bad buyer(String what, String body, String idempotencyKey) {
    Map<String, String> headers = new LinkedHashMap<>(Map.of("Authorization", fixture.buyer(ApiFixture.newUser()),
        "Content-Type", "application/json"));
    if (idempotencyKey != null) {
      headers.put("Idempotency-Key", idempotencyKey);
    }
    return new Bad(what, "POST", "/api/sales/" + liveSale + "/purchases", headers, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String replaceField(String json, String field, String rawValue) {
    try {
      Map<String, Object> parsed = ApiFixture.JSON.readValue(json, LinkedHashMap.class);
      parsed.put(field, MARKER);
      return ESCAPING.writeValueAsString(parsed).replace("\"" + MARKER + "\"", rawValue);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String MARKER = "@@value@@";
  /** Writes every non-ASCII character as a JSON escape: only so can half a surrogate pair travel in UTF-8. */
  private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private static String fieldValue(String json, String field) {
    try {
      JsonNode value = ApiFixture.JSON.readTree(json).get(field);
      return value == null ? null : value.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String json(Object value) {
    try {
      return ESCAPING.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- raw HTTP

  @Provide
  Arbitrary<Raw> rawRequests() {
    String purchasePath = "/api/sales/" + liveSale + "/purchases";
    String auth = fixture.buyer(pendingUser);
    Arbitrary<Raw> longUri = Arbitraries.integers().between(9_000, 40_000)
        .map(n -> raw("URI of " + n, "GET /api/sales/" + "a".repeat(n) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    Arbitrary<Raw> bigHeaders = Combinators.combine(Arbitraries.integers().between(1, 400),
            Arbitraries.integers().between(9_000, 40_000))
        .as((count, total) -> {
          StringBuilder headers = new StringBuilder();
          int each = Math.max(1, total / count);
          for (int i = 0; i < count; i++) {
            headers.append("X-Pad-").append(i).append(": ").append("p".repeat(each)).append("\r\n");
          }
          return raw(count + " headers of " + each, "GET /health/live HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
        });
    Arbitrary<Raw> badLine = Arbitraries.of(
        "GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /health/live\r\n\r\n", "GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /health/live HTTP/1.1 extra\r\nHost: x\r\n\r\n", "GET  /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
        "G\u00c9T /health/live HTTP/1.1\r\nHost: x\r\n\r\n", "GET /health/\u0001live HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health/live HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", "GET /health/live HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
        "GET /health/live HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n folded\r\n\r\n",
        "GET /health/live HTTP/1.1\r\n\r\n", "GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/sales/%2e%2e/%2e%2e/etc HTTP/1.1\r\nHost: x\r\n\r\n", "GET /api/sales/a%00b HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a/../../b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /api//sales HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n" + PURCHASE,
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n" + PURCHASE,
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15\r\nContent-Length: 16\r\n\r\n" + PURCHASE,
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n" + PURCHASE,
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + PURCHASE,
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: identity\r\n\r\n" + PURCHASE,
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 15\r\n\r\nf\r\n" + PURCHASE + "\r\n0\r\n\r\n",
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + PURCHASE + "\r\n0\r\n\r\n",
        "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + "f".repeat(20) + "\r\n")
        .map(text -> raw("malformed", text));
    // A purchase that would be accepted but for one header value the server or the rules refuse.
    Arbitrary<Raw> badHeaderValue = Combinators.combine(Arbitraries.of("Idempotency-Key", "Authorization", "Content-Type",
            "Flashsale-Flow"),
            Arbitraries.of("\u0000", "\u0001", "\u0008", "\u000b", "\u001b", "\u007f", "\u0080", "\u00ff", "\u00e9", "\r"))
        .as((name, control) -> {
          String idempotencyKey = name.equals("Idempotency-Key") ? "key" + control + "x" : "k-" + UUID.randomUUID();
          String authorization = name.equals("Authorization") ? auth.substring(0, 20) + control + auth.substring(20) : auth;
          String contentType = name.equals("Content-Type") ? "application/json" + control : "application/json";
          String flowId = name.equals("Flashsale-Flow") ? "flow" + control + "x" : "flow-" + UUID.randomUUID();
          return raw(name + " with " + (int) control.charAt(0), "POST " + purchasePath + " HTTP/1.1\r\nHost: x\r\n"
              + "Authorization: " + authorization + "\r\nContent-Type: " + contentType + "\r\nIdempotency-Key: "
              + idempotencyKey + "\r\nFlashsale-Flow: " + flowId + "\r\nContent-Length: " + PURCHASE.length() + "\r\nConnection: close\r\n\r\n" + PURCHASE);
        });
    return Arbitraries.oneOf(longUri, bigHeaders, badLine, badHeaderValue);
  }

  private static Raw raw(String what, String text) {
    return new Raw(what, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends the bytes and reads the answer until the server closes or a whole answer has arrived. */
  /** A bad request as bytes on the wire, with its Content-Length. */
  private static byte[] raw(Bad bad) {
    StringBuilder head = new StringBuilder(bad.method() + " " + bad.path() + " HTTP/1.1\r\nHost: x\r\n");
    bad.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    byte[] body = bad.body() == null ? new byte[0] : bad.body();
    head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    bytes.writeBytes(body);
    return bytes.toByteArray();
  }

  private static String exchange(byte[] request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", fixture.api.port()), 5_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
        socket.shutdownOutput(); // nothing more comes: a request cut short is answered, not waited for
      } catch (IOException e) {
        // the server may answer and close before it has read everything
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) != -1; ) {
          answer.write(buffer, 0, n);
          if (complete(answer.toString(StandardCharsets.ISO_8859_1))) {
            break;
          }
        }
      } catch (IOException e) {
        // a reset after the answer: what arrived counts
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static boolean complete(String answer) {
    int headerEnd = answer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
      return false;
    }
    String length = answer.substring(0, headerEnd).lines()
        .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:")).map(l -> l.substring(15).trim())
        .findFirst().orElse(null);
    return length != null && answer.length() - headerEnd - 4 >= Integer.parseInt(length);
  }

  private static String abbreviate(String text) {
    return text.length() <= 160 ? text : text.substring(0, 160) + "…(" + text.length() + ")";
  }
}
