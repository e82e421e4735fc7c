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
 * One hot SKU over four stock shards on the whole local stack: 1,500 buyers over HTTP against a sale of 120 with a
 * limit of 2. The shards decide on their own partitions, stock moves to where buyers are, and the sale as buyers,
 * the API and the books see it is one sale that sold exactly its stock.
 */
class StockShardsRushTest {
  private static final int STOCK = 120;
  private static final int SHARDS = 4;
  private static final int BUYERS = 1_500;
  private static final int CONCURRENCY = 64;

  @TempDir static Path dataDir;
  static LocalStack stack;
  static Buyers buyers;
  static Topics topics;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, SHARDS);
    buyers = new Buyers(stack.apiUrl());
    topics = Topics.using(SchemaRegistry.forUrl(stack.schemaRegistryUrl()));
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aShardedSaleSellsExactlyItsStockWithPerUserLimitsHeld() throws Exception {
    String saleId = buyers.createSale(Map.of("sku", "SKU-SHARDED", "name", "Sharded rush", "stock", STOCK,
        "perUserLimit", 2, "priceCents", 4999, "currency", "USD", "shards", SHARDS,
        "startsAt", Instant.now().minusSeconds(60).toString(), "endsAt", Instant.now().plus(Duration.ofHours(1)).toString()));
    assertThat(buyers.call("GET", "/api/sales/" + saleId, null, null, Map.of()).body().get("shards").asInt())
        .isEqualTo(SHARDS);

    long started = System.nanoTime();
    Rush rush = new Rush(buyers, saleId).run(BUYERS, 3, 2, CONCURRENCY);
    rush.awaitDecisions(CONCURRENCY, 120_000);
    System.out.printf("sharded rush: %d requests decided in %.2f s, answers %s%n", rush.acceptedForProcessing.size(),
        (System.nanoTime() - started) / 1e9, rush.answersByStatus);

    assertThat(rush.finalStatusByRequestId).hasSameSizeAs(rush.acceptedForProcessing);
    assertThat(rush.acceptedUnits()).as("units sold over all shards").isEqualTo(STOCK);
    assertThat(rush.acceptedUnitsByUser().values()).allSatisfy(units -> assertThat(units).isLessThanOrEqualTo(2));
    DecisionLog log = new DecisionLog(stack.bootstrapServers(), topics);
    log.assertAgreesWith(saleId, rush);

    Map<String, Integer> soldByShard = log.decisions(saleId).stream()
        .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .collect(Collectors.groupingBy(PurchaseOutcome::getSaleId, Collectors.summingInt(PurchaseOutcome::getQuantity)));
    System.out.printf("units sold by shard: %s%n", soldByShard);
    assertThat(soldByShard.keySet()).as("every shard decided buyers of its own")
        .containsExactlyInAnyOrder(Shards.saleId(saleId, 0), Shards.saleId(saleId, 1), Shards.saleId(saleId, 2),
            Shards.saleId(saleId, 3));
    assertThat(buyers.metrics(saleId).body().get("available").asInt()).as("the API's sum of the shards").isZero();
    assertThat(buyers.call("GET", "/api/admin/sales", Buyers.ADMIN_TOKEN, null, Map.of()).body().toString())
        .as("shards are not sales of their own").doesNotContain(Shards.saleId(saleId, 0));
  }
}
