package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.admin.SaleCreationRoutes;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API's part of fair sales over HTTP on the in-JVM broker: a sale that requires a device refuses a token without
 * one before writing anything; a lottery's seed is chosen at creation, written to draw-seeds before the sale is
 * claimed, shown only as its hash until the draw, and the draw is shown once the topology has published it.
 */
class FairSaleRoutesTest {
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
  void aSaleThatRequiresADeviceRefusesATokenWithoutOneAndWritesNothing() {
    String saleId = fixture.createSale(Map.of("requireDevice", true));
    String withoutDevice = "Bearer " + JWT.create().withSubject("no-device-user")
        .withExpiresAt(Instant.now().plusSeconds(300)).sign(Algorithm.HMAC256(fixture.config.access().jwtSecret()));
    Map<TopicPartition, Long> before = endOffsets();

    fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(withoutDevice).json("{\"quantity\": 1}").send()
        .assertProblem(403, ErrorCode.DEVICE_REQUIRED);

    assertThat(endOffsets()).isEqualTo(before);
    assertThat(fixture.purchase(saleId, "with-device-user", 1)).as("a token with did is taken").isNotBlank();
  }

  @Test
  void aLotterysSeedIsWrittenBeforeItsClaimAndShownOnlyAsItsHashUntilTheDraw() {
    String saleId = fixture.createSale(Map.of("allocation", "LOTTERY"));
    JsonNode shown = fixture.call("GET", "/api/sales/" + saleId).send().json();
    String seedHash = shown.path("drawSeedHash").asText();

    ConsumerRecord<String, DrawSeed> seed = single(fixture.readAll(fixture.topics.drawSeeds).stream()
        .filter(r -> r.value().getSaleId().equals(saleId)).toList());
    ConsumerRecord<String, Sale> claim = single(fixture.readAll(fixture.topics.saleClaims).stream()
        .filter(r -> r.key().equals(saleId)).toList());
    assertThat(seed.key()).as("keyed by SKU, co-partitioned with the sale").isEqualTo("SKU-" + saleId);
    assertThat(seed.value().getSeed()).matches("[0-9a-f]{64}");
    assertThat(SaleCreationRoutes.sha256Hex(seed.value().getSeed())).isEqualTo(seedHash).matches("[0-9a-f]{64}");
    assertThat(seed.timestamp()).isLessThanOrEqualTo(claim.timestamp());
    assertThat(claim.value().getDrawSeedHash()).isEqualTo(seedHash);
    assertThat(fixture.call("GET", "/api/sales/" + saleId).send().raw().body()).doesNotContain(seed.value().getSeed());
    fixture.call("GET", "/api/sales/" + saleId + "/draw").send().assertProblem(409, ErrorCode.INVALID_STATE);
    fixture.call("GET", "/api/sales/no-such-sale/draw").send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);

    fixture.produce(fixture.topics.lotteryDraws, saleId, DrawResult.newBuilder()
        .setSaleId(saleId).setSku("SKU-" + saleId).setSeed(seed.value().getSeed()).setSeedHash(seedHash)
        .setEntries(5000).setWinners(5).setEntriesDigest("ab".repeat(32)).setAlgorithm("in words")
        .setLastEntryPartition(0).setLastEntryOffset(41).setLastEntryIndex(2).setDrawnAt(Instant.now()).build());

    await().atMost(Duration.ofSeconds(10))
        .until(() -> fixture.call("GET", "/api/sales/" + saleId + "/draw").send().status() == 200);
    JsonNode draw = fixture.call("GET", "/api/sales/" + saleId + "/draw").send().json();
    assertThat(draw.path("seed").asText()).isEqualTo(seed.value().getSeed());
    assertThat(draw.path("seedHash").asText()).isEqualTo(seedHash);
    assertThat(draw.path("entries").asLong()).isEqualTo(5000);
    assertThat(draw.path("winners").asLong()).isEqualTo(5);
    assertThat(draw.path("entriesDigest").asText()).isEqualTo("ab".repeat(32));
    assertThat(draw.path("algorithm").asText()).isEqualTo("in words");
    assertThat(draw.path("lastEntry").path("offset").asLong()).isEqualTo(41);
  }

  @Test
  void aFirstComeFirstServedSaleHasNoSeedAndNoDraw() {
    String saleId = fixture.createSale(Map.of());

    assertThat(fixture.call("GET", "/api/sales/" + saleId).send().json().has("drawSeedHash")).isFalse();
    assertThat(fixture.readAll(fixture.topics.drawSeeds)).noneMatch(r -> r.value().getSaleId().equals(saleId));
    fixture.call("GET", "/api/sales/" + saleId + "/draw").send().assertProblem(409, ErrorCode.INVALID_STATE);
  }

  private static Map<TopicPartition, Long> endOffsets() {
    return fixture.endOffsets(fixture.topics.all().stream().map(Topics.Topic::name).toArray(String[]::new));
  }

  private static <T> T single(List<T> values) {
    assertThat(values).hasSize(1);
    return values.get(0);
  }
}
