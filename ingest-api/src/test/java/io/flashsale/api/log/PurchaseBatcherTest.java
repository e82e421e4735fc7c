package io.flashsale.api.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.ApiFixture;
import io.flashsale.api.access.Identity;
import io.flashsale.api.log.PurchaseBatcher.Placed;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A batch is bounded by bytes as well as by count: 1,000 requests whose ids are the longest {@link InputRules}
 * allows (256 characters of 4 bytes) are three times what the producer sends in one request, and still every one
 * is written, in order, in records the producer and the broker take.
 */
class PurchaseBatcherTest {
  private static final int CLICKS = 1_000;
  /** A character of 4 bytes in UTF-8 (two UTF-16 units), allowed in every text. */
  private static final String WIDE = new String(Character.toChars(0x1F6D2));
  private static ApiFixture fixture;

  @BeforeAll
  static void start() {
    fixture = ApiFixture.start();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void aThousandRequestsWithTheLongestIdsLeaveInRecordsTheBrokerTakes() throws Exception {
    String sku = longest("SKU-" + UUID.randomUUID());
    List<PurchaseRequest> requests = new ArrayList<>();
    for (int i = 0; i < CLICKS; i++) {
      requests.add(PurchaseRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
          .setSaleId("s".repeat(64)).setSku(sku).setUserId(longest("user-" + i)).setDeviceId(longest("device-" + i))
          .setQuantity(1).setIdempotencyKey("k".repeat(InputRules.MAX_IDEMPOTENCY_KEY_LENGTH))
          .setRequestedAt(Instant.now()).build());
    }
    long total = requests.stream().mapToLong(PurchaseBatcher::encodedSize).sum();
    try (TopicWriter writer = new TopicWriter(KafkaSettings.of(fixture.kafka.bootstrapServers(), ApiFixture.REGISTRY,
        "unused"), Duration.ofSeconds(30), Runnable::run)) {
      assertThat(total).as("the clicks are more than one record can hold").isGreaterThan(2L * writer.maxRecordBytes());
      PurchaseBatcher batcher = new PurchaseBatcher(writer, fixture.topics.purchaseRequests, CLICKS);
      // The first leaves at once; the others gather behind it, all of them before it is acknowledged.
      List<CompletableFuture<Placed>> placed = new ArrayList<>();
      for (PurchaseRequest request : requests) {
        placed.add(batcher.submit(request));
      }
      CompletableFuture.allOf(placed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      List<ConsumerRecord<String, PurchaseBatch>> records = fixture.readAll(fixture.topics.purchaseRequests).stream()
          .filter(record -> sku.equals(record.key())).toList();
      assertThat(records.size()).as("records of the SKU").isGreaterThanOrEqualTo(3);
      List<String> logged = new ArrayList<>();
      for (ConsumerRecord<String, PurchaseBatch> record : records) {
        assertThat(record.serializedKeySize() + record.serializedValueSize()).isLessThanOrEqualTo(writer.maxRecordBytes());
        record.value().getRequests().forEach(r -> logged.add(r.getRequestId()));
      }
      assertThat(logged).as("every click once, in the order it came")
          .isEqualTo(requests.stream().map(PurchaseRequest::getRequestId).toList());
      // Each click's place is its record and index: what the topology's outcome will name.
      for (int i = 0; i < CLICKS; i++) {
        Placed place = placed.get(i).join();
        ConsumerRecord<String, PurchaseBatch> record = records.stream()
            .filter(r -> r.partition() == place.partition() && r.offset() == place.offset()).findFirst().orElseThrow();
        assertThat(record.value().getRequests().get(place.index())).isEqualTo(requests.get(i));
      }
    }
  }

  @Test
  void everyClickWithTheLongestIdsGetsItsAccepted() {
    String sku = longest("SKU-" + UUID.randomUUID());
    String saleId = fixture.createSale(Map.of("sku", sku, "stock", 1_000_000, "perUserLimit", 1));
    List<CompletableFuture<Response>> clicks = new ArrayList<>();
    for (int i = 0; i < CLICKS; i++) {
      String token = "Bearer " + JWT.create().withSubject(longest("user-" + i))
          .withClaim(Identity.DEVICE_CLAIM, longest("device-" + i)).withExpiresAt(Instant.now().plusSeconds(300))
          .sign(Algorithm.HMAC256(fixture.config.access().jwtSecret()));
      clicks.add(fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(token)
          .header("Idempotency-Key", "k".repeat(InputRules.MAX_IDEMPOTENCY_KEY_LENGTH)).json("{\"quantity\": 1}")
          .sendAsync());
    }
    List<String> accepted = new ArrayList<>();
    for (CompletableFuture<Response> click : clicks) {
      Response response = click.join();
      assertThat(response.status()).as(response.raw().body()).isEqualTo(202);
      accepted.add(response.json().path("requestId").asText());
    }

    List<String> logged = fixture.readAll(fixture.topics.purchaseRequests).stream()
        .filter(record -> sku.equals(record.key()))
        .flatMap(record -> record.value().getRequests().stream()).map(PurchaseRequest::getRequestId).toList();
    assertThat(logged).containsExactlyInAnyOrderElementsOf(accepted);
  }

  /** {@code prefix} filled up to 256 characters with characters of 4 bytes. */
  private static String longest(String prefix) {
    String text = prefix + WIDE.repeat(InputRules.MAX_TEXT_LENGTH - prefix.length());
    assertThat(text.codePointCount(0, text.length())).isEqualTo(InputRules.MAX_TEXT_LENGTH);
    assertThat(text.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(900);
    return text;
  }
}
