package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.api.access.Identity;
import io.flashsale.api.http.RequestIds;
import io.flashsale.api.sale.SaleDefinition;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.Sales;
import io.flashsale.topology.InvalidRecordException;
import io.flashsale.topology.Validation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the API accepts, the topology accepts: valid inputs, generated without the shared rules (by character
 * ranges and bounds of the contract), sent to a real API over HTTP; the records it wrote are read back from the
 * broker and must pass the topology's validation. And invalid strings are refused by both sides.
 */
class ApiTopologyAgreementTest {
  private static final String REGISTRY_URL = "mock://agreement-" + UUID.randomUUID();
  /** Writes non-ASCII as JSON escapes, so that any character reaches the API as it was generated. */
  private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final List<String> CURRENCIES = Currency.getAvailableCurrencies().stream()
      .map(Currency::getCurrencyCode).filter(code -> code.matches("[A-Z]{3}")).sorted().toList();
  private static final List<Character> REFUSED = List.of('\u0000', '\u0001', '\t', '\n', '\r', '\u001f', '\u007f',
      '\u0080', '\u0085', '\u009f', '\ud800', '\udbff', '\udc00', '\udfff', '\ufdd0', '\ufdef', '\ufffe', '\uffff');

  private static IngestApi api;
  private static ApiConfig config;
  private static Topics topics;
  private static HttpClient http;
  private static KafkaConsumer<byte[], byte[]> written;
  private static String liveSale;
  private static Identity identity;
  private static final Map<String, ConsumerRecord<byte[], byte[]>> seen = new HashMap<>();

  @BeforeContainer
  static void startApi() throws Exception {
    String bootstrap = TestInfrastructure.kafka().bootstrapServers();
    config = ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_HTTP_PORT", "0",
        "FLASHSALE_BOOTSTRAP_SERVERS", bootstrap, "FLASHSALE_SCHEMA_REGISTRY_URL", REGISTRY_URL,
        "FLASHSALE_PARTITIONS", "4", "FLASHSALE_RATE_LIMIT_PER_SECOND", "1000000"));
    api = IngestApi.start(config);
    identity = new Identity(config.access().jwtSecret(), config.access().adminToken());
    topics = Topics.using(SchemaRegistry.forUrl(REGISTRY_URL));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    written = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(Topics.SALES, Topics.PURCHASE_REQUESTS)) {
      written.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    written.assign(partitions);
    written.seekToEnd(partitions);
    partitions.forEach(written::position); // from here on: only what this test's API writes
    Map<String, Object> sale = new LinkedHashMap<>(Map.of("sku", "SKU-agreement-" + UUID.randomUUID(), "name", "Agreement",
        "stock", 1_000_000, "perUserLimit", 10_000, "priceCents", 100, "currency", "EUR",
        "startsAt", Instant.now().minusSeconds(60).toString(), "endsAt", Instant.now().plusSeconds(86_400).toString()));
    HttpResponse<String> created = post("/api/admin/sales", "Bearer " + config.access().adminToken(), JSON.writeValueAsString(sale), Map.of());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    liveSale = JSON.readTree(created.body()).path("saleId").asText();
    sale(liveSale);
  }

  @AfterContainer
  static synchronized void stopApi() {
    written.close();
    api.close();
  }

  // --- what the API accepts

  @Property(tries = 150)
  void everySaleTheApiCreatesIsOneTheTopologyRegisters(@ForAll("validSales") Map<String, Object> definition)
      throws Exception {
    HttpResponse<String> created = post("/api/admin/sales", "Bearer " + config.access().adminToken(), JSON.writeValueAsString(definition),
        Map.of());
    assertThat(created.statusCode()).as("%s -> %s", definition, created.body()).isEqualTo(201);
    String saleId = JSON.readTree(created.body()).path("saleId").asText();

    Sale sale = sale(saleId);
    assertThat(sale.getName()).isEqualTo(definition.get("name"));
    Validation.requireValidSale(sale.getSku(), sale); // as the sale registration reads it: keyed by SKU
  }

  @Property(tries = 250)
  void everyPurchaseTheApiTakesIsOneTheTopologyDecides(@ForAll("buyerIds") String userId, @ForAll("deviceIds") String deviceId,
      @ForAll("idempotencyKeys") String idempotencyKey, @ForAll("quantities") int quantity) throws Exception {
    Map<String, String> headers = idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey);
    HttpResponse<String> taken = post("/api/sales/" + liveSale + "/purchases", "Bearer " + token(userId, deviceId),
        "{\"quantity\": " + quantity + "}", headers);
    assertThat(taken.statusCode()).as("user %s device %s key %s -> %s", userId, deviceId, idempotencyKey, taken.body())
        .isEqualTo(202);
    String requestId = JSON.readTree(taken.body()).path("requestId").asText();

    ConsumerRecord<byte[], byte[]> record = recordOf(Topics.PURCHASE_REQUESTS, requestId);
    String key = topics.purchaseRequests.keySerde().deserializer().deserialize(record.topic(), record.key());
    PurchaseBatch batch = topics.purchaseRequests.valueSerde().deserializer().deserialize(record.topic(), record.value());
    Validation.requireValidBatch(key, batch);
    PurchaseRequest request = batch.getRequests().stream().filter(r -> r.getRequestId().equals(requestId))
        .findFirst().orElseThrow();
    assertThat(request.getUserId()).isEqualTo(userId);
    if (idempotencyKey == null) { // with a key the generator repeated, the record is the first click's
      assertThat(request.getDeviceId()).isEqualTo(deviceId);
    }
    Validation.requireValidPurchase(key, request);
  }

  @Provide
  Arbitrary<Map<String, Object>> validSales() {
    Arbitrary<Instant> starts = Arbitraries.longs().between(0, Instant.parse("9998-12-31T00:00:00Z").toEpochMilli())
        .map(Instant::ofEpochMilli);
    Arbitrary<Long> length = Arbitraries.longs().between(1, 365L * 86_400_000);
    Arbitrary<Map<String, Object>> required = Combinators.combine(text(), text(),
        Arbitraries.integers().between(1, 1_000_000_000), Arbitraries.longs().between(0, 1_000_000_000_000L),
        Arbitraries.of(CURRENCIES), starts, length).as((sku, name, stock, price, currency, start, span) -> {
          Map<String, Object> sale = new LinkedHashMap<>();
          sale.put("sku", sku);
          sale.put("name", name);
          sale.put("stock", stock);
          sale.put("priceCents", price);
          sale.put("currency", currency);
          sale.put("startsAt", start.toString());
          sale.put("endsAt", start.plusMillis(span).toString());
          return sale;
        });
    Arbitrary<String> saleIds = Arbitraries.strings().withChars("ABCXYZabcxyz0189._-").ofMinLength(1).ofMaxLength(27)
        .map(id -> id + "-" + UUID.randomUUID().toString().substring(0, 36)); // at most 64, and new
    return Combinators.combine(required, saleIds.injectNull(0.3), Arbitraries.integers().between(1, 10_000).injectNull(0.3),
        Arbitraries.integers().between(1, 86_400).injectNull(0.3), Arbitraries.of(Allocation.values()).injectNull(0.3))
        .as((sale, saleId, perUserLimit, holdSeconds, allocation) -> {
          Map<String, Object> full = new LinkedHashMap<>(sale);
          putIfPresent(full, "saleId", saleId);
          putIfPresent(full, "perUserLimit", perUserLimit);
          putIfPresent(full, "holdSeconds", holdSeconds);
          putIfPresent(full, "allocation", allocation == null ? null : allocation.name());
          return full;
        });
  }

  @Provide
  Arbitrary<String> buyerIds() {
    return text();
  }

  @Provide
  Arbitrary<String> deviceIds() {
    return text().injectNull(0.2);
  }

  @Provide
  Arbitrary<String> idempotencyKeys() {
    return Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(64)
        .filter(key -> !key.isBlank() && key.strip().equals(key)) // HTTP trims a header value's outer spaces
        .injectNull(0.3);
  }

  @Provide
  Arbitrary<Integer> quantities() {
    return Arbitraries.integers().between(1, 10_000);
  }

  /**
   * Text the contract allows: 1 to 256 characters, not blank, of every plane but without control characters,
   * surrogate halves or noncharacters (chosen from ranges here, not by the shared rules under test).
   */
  private static Arbitrary<String> text() {
    Arbitrary<String> bmp = Arbitraries.strings().withCharRange(' ', '~').withCharRange('\u00a0', '\ud7ff')
        .withCharRange('\ue000', '\ufdcf').withCharRange('\ufdf0', '\ufffd').ofMinLength(1).ofMaxLength(200);
    Arbitrary<String> astral = Arbitraries.integers().between(0x10000, 0x10FFFD).filter(cp -> (cp & 0xFFFE) != 0xFFFE)
        .list().ofMaxSize(28).map(cps -> {
          StringBuilder out = new StringBuilder();
          cps.forEach(out::appendCodePoint);
          return out.toString();
        });
    return Combinators.combine(bmp, astral).as(String::concat).filter(text -> !text.isBlank());
  }

  // --- what neither accepts

  @Property(tries = 300)
  void stringsWithAForbiddenCharacterOrTooLongAreRefusedByBoth(@ForAll("invalidStrings") String bad) throws Exception {
    Instant now = Instant.parse("2026-11-27T00:00:00Z");
    // The API: as a sale's SKU, name or description, as a buyer's user or device id
    for (int field = 0; field < 3; field++) {
      SaleDefinition definition = new SaleDefinition(null, field == 0 ? bad : "SKU-1", field == 1 ? bad : "Name", 1, 1, 1L,
          "EUR", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", null, null, null, null, null, field == 2 ? bad : null, null);
      assertThatThrownBy(() -> definition.toSale(now)).as("the API, field %d", field).isInstanceOf(RuntimeException.class)
          .hasMessageContaining(List.of("sku", "name", "description").get(field));
    }
    assertThatThrownBy(() -> identity.buyer("Bearer " + signedToken(bad, "phone"))).as("the API, user id")
        .isInstanceOf(RuntimeException.class).hasMessageContaining("sub");
    assertThatThrownBy(() -> identity.buyer("Bearer " + signedToken("user-1", bad))).as("the API, device id")
        .isInstanceOf(RuntimeException.class).hasMessageContaining("did");
    assertThatThrownBy(() -> RequestIds.idempotencyKey(bad)).as("the API, idempotency key").isInstanceOf(RuntimeException.class);

    // The topology: in each string of a sale and of a purchase request
    Sale sale = Sales.opening("sale-1", "SKU-1", 1, 1, now).setName("Name").setPriceCents(1).setCurrency("EUR")
        .setEndsAt(now.plusSeconds(60)).setCreatedAt(now).build();
    PurchaseRequest request = PurchaseRequest.newBuilder().setRequestId("req-1").setSaleId("sale-1").setSku("SKU-1")
        .setUserId("user-1").setDeviceId("phone").setQuantity(1).setIdempotencyKey("click-1").setRequestedAt(now).build();
    Validation.requireValidSale("SKU-1", sale);
    Validation.requireValidPurchase("SKU-1", request);
    for (Sale broken : List.of(Sale.newBuilder(sale).setSaleId(bad).build(), Sale.newBuilder(sale).setName(bad).build(),
        Sale.newBuilder(sale).setSku(bad).build())) {
      assertThatThrownBy(() -> Validation.requireValidSale(broken.getSku(), broken)).as("the topology, sale")
          .isInstanceOf(InvalidRecordException.class);
    }
    for (PurchaseRequest broken : List.of(PurchaseRequest.newBuilder(request).setRequestId(bad).build(),
        PurchaseRequest.newBuilder(request).setSaleId(bad).build(), PurchaseRequest.newBuilder(request).setSku(bad).build(),
        PurchaseRequest.newBuilder(request).setUserId(bad).build(), PurchaseRequest.newBuilder(request).setDeviceId(bad).build(),
        PurchaseRequest.newBuilder(request).setIdempotencyKey(bad).build())) {
      assertThatThrownBy(() -> Validation.requireValidPurchase(broken.getSku(), broken)).as("the topology, request")
          .isInstanceOf(InvalidRecordException.class);
    }
  }

  @Provide
  Arbitrary<String> invalidStrings() {
    Arbitrary<String> withForbidden = Combinators.combine(text(), Arbitraries.of(REFUSED),
            Arbitraries.integers().between(0, 255))
        .as((text, forbidden, at) -> {
          int cut = Math.min(at, text.length());
          if (cut > 0 && Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut--; // keep the text's own pairs whole: the forbidden character is the only fault
          }
          return text.substring(0, cut) + forbidden + text.substring(cut);
        });
    Arbitrary<String> tooLong = Arbitraries.strings().alpha().numeric().ofMinLength(257).ofMaxLength(2_000);
    return Arbitraries.oneOf(withForbidden, tooLong);
  }

  // --- helpers

  private static void putIfPresent(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  /** A buyer token whose claims are written as JSON escapes, so that any string travels exactly. */
  private static String token(String userId, String deviceId) throws Exception {
    Map<String, Object> claims = new HashMap<>();
    claims.put("sub", userId);
    if (deviceId != null) {
      claims.put(Identity.DEVICE_CLAIM, deviceId);
    }
    claims.put("exp", Instant.now().plusSeconds(600).getEpochSecond());
    return signed(JSON.writeValueAsString(claims));
  }

  private static String signedToken(String userId, String deviceId) throws Exception {
    return token(userId, deviceId);
  }

  private static String signed(String payloadJson) throws Exception {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String unsigned = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
        + "." + base64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(config.access().jwtSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return unsigned + "." + base64.encodeToString(mac.doFinal(unsigned.getBytes(StandardCharsets.UTF_8)));
  }

  private static HttpResponse<String> post(String path, String authorization, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .header("Authorization", authorization).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30)).POST(BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private static Sale sale(String saleId) {
    ConsumerRecord<byte[], byte[]> record = recordOf(Topics.SALES, saleId);
    return topics.sales.valueSerde().deserializer().deserialize(record.topic(), record.value());
  }

  /**
   * The record of this sale id (sales) or request id (purchase-requests), reading what the API wrote until it
   * comes. Records are remembered by id: a request id derived from a key the generator repeats is written once.
   */
  private static synchronized ConsumerRecord<byte[], byte[]> recordOf(String topic, String id) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!seen.containsKey(topic + "/" + id) && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> record : written.poll(Duration.ofMillis(100))) {
        idsOf(record).forEach(each -> seen.put(record.topic() + "/" + each, record));
      }
    }
    assertThat(seen).as("the record of %s on %s", id, topic).containsKey(topic + "/" + id);
    return seen.get(topic + "/" + id);
  }

  /** The sale's id, or the ids of every request of a batch. */
  private static List<String> idsOf(ConsumerRecord<byte[], byte[]> record) {
    return record.topic().equals(Topics.SALES)
        ? List.of(topics.sales.valueSerde().deserializer().deserialize(record.topic(), record.value()).getSaleId())
        : topics.purchaseRequests.valueSerde().deserializer().deserialize(record.topic(), record.value())
            .getRequests().stream().map(PurchaseRequest::getRequestId).toList();
  }
}
