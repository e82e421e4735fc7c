package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole path on the local stack: 2,000 concurrent buyers against a sale of 100. */
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
}
