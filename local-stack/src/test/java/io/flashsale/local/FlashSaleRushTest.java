package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on the local stack: 2,000 concurrent buyers against a sale of 100; and a sale of one hot SKU over
 * four stock shards whose buyers all fall on two of them.
 */
class FlashSaleRushTest {
  private static final int STOCK = 100;
  private static final int BUYERS = 2_000;
  private static final int CLICKS_PER_BUYER = 3;
  private static final int CONCURRENCY = 64;

  @TempDir static Path dataDir;
  static LocalStack stack;
  static Buyers buyers;
  static Topics topics;

  @BeforeAll
  static void startStack() {
    long started = System.nanoTime();
    stack = TestStack.start(dataDir, 4);
    buyers = new Buyers(stack.apiUrl());
    System.out.printf("local stack ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    topics = Topics.using(SchemaRegistry.forUrl(stack.schemaRegistryUrl()));
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void twoThousandBuyersGetExactlyTheStockAndEveryRequestOneAnswer() throws Exception {
    String saleId = buyers.createLiveSale("SKU-RUSH", STOCK, 1);

    long started = System.nanoTime();
    Rush rush = new Rush(buyers, saleId).run(BUYERS, CLICKS_PER_BUYER, 1, CONCURRENCY);
    double submitSeconds = (System.nanoTime() - started) / 1e9;
    rush.awaitDecisions(CONCURRENCY, 120_000);
    double decidedSeconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("rush: %d clicks answered in %.2f s, all %d requests decided after %.2f s, answers %s%n",
        rush.answersByStatus.values().stream().mapToInt(a -> a.get()).sum(), submitSeconds,
        rush.acceptedForProcessing.size(), decidedSeconds, rush.answersByStatus);

    // Retries with one Idempotency-Key, however concurrent, carried one request id.
    assertThat(rush.requestIdsByIdempotencyKey.values())
        .allSatisfy(ids -> assertThat(ids).containsOnly(ids.get(0)));
    // Every request the API took reached a decision, and the stock went exactly once.
    assertThat(rush.finalStatusByRequestId).hasSameSizeAs(rush.acceptedForProcessing);
    assertThat(rush.finalStatusByRequestId.values()).containsOnly("ACCEPTED", "REJECTED");
    assertThat(rush.acceptedUnits()).isEqualTo(STOCK);
    assertThat(rush.acceptedUnitsByUser().values()).allSatisfy(units -> assertThat(units).isEqualTo(1));
    assertThat(rush.reasonByRequestId.values()).containsOnly("SOLD_OUT", "LIMIT_EXCEEDED");

    new DecisionLog(stack.bootstrapServers(), topics).assertAgreesWith(saleId, rush);
    assertThat(buyers.metrics(saleId).body().get("available").asInt()).isZero();
  }

  /**
   * A sale of 120 on 4 shards, limit 2, whose buyers all fall on shards 0 and 1: the other two shards' stock must
   * move to them. Buyers come in waves of 500 (3 clicks each) until the sale is sold out, at most 8.
   */
  @Test
  void aShardedSaleSellsExactlyItsStockWhereverItsBuyersAre() throws Exception {
    int stock = 120;
    int shards = 4;
    String saleId = buyers.createSale(Map.of("sku", "SKU-SHARDED", "name", "Sharded rush", "stock", stock,
        "perUserLimit", 2, "priceCents", 4999, "currency", "USD", "shards", shards,
        "startsAt", Instant.now().minusSeconds(60).toString(), "endsAt", Instant.now().plus(Duration.ofHours(1)).toString()));
    assertThat(buyers.call("GET", "/api/sales/" + saleId, null, null, Map.of()).body().get("shards").asInt())
        .isEqualTo(shards);

    long started = System.nanoTime();
    Rush rush = new Rush(buyers, saleId);
    int waves = 0;
    while (waves < 8 && rush.acceptedUnits() < stock) {
      rush.onlyBuyers(userId -> Shards.shardOf(userId, shards) < 2, waves++ * 100_000).run(500, 3, 2, CONCURRENCY);
      rush.awaitDecisions(CONCURRENCY, 120_000);
    }
    DecisionLog log = new DecisionLog(stack.bootstrapServers(), topics);
    Map<String, Integer> soldByShard = log.decisions(saleId).stream()
        .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .collect(Collectors.groupingBy(PurchaseOutcome::getSaleId, Collectors.summingInt(PurchaseOutcome::getQuantity)));
    System.out.printf("sharded rush: %d requests in %d wave(s) decided in %.2f s; units sold by shard %s%n",
        rush.acceptedForProcessing.size(), waves, (System.nanoTime() - started) / 1e9, soldByShard);

    assertThat(rush.finalStatusByRequestId).hasSameSizeAs(rush.acceptedForProcessing);
    assertThat(rush.acceptedUnits()).as("units sold over all shards").isEqualTo(stock);
    assertThat(rush.acceptedUnitsByUser().values()).allSatisfy(units -> assertThat(units).isLessThanOrEqualTo(2));
    log.assertAgreesWith(saleId, rush);
    assertThat(soldByShard.keySet()).as("only the shards with buyers sold")
        .containsExactlyInAnyOrder(Shards.saleId(saleId, 0), Shards.saleId(saleId, 1));
    assertThat(buyers.metrics(saleId).body().get("available").asInt()).as("the API's sum of the shards").isZero();
    assertThat(buyers.call("GET", "/api/admin/sales", Buyers.ADMIN_TOKEN, null, Map.of()).body().toString())
        .as("shards are not sales of their own").doesNotContain(Shards.saleId(saleId, 0));
  }
}
