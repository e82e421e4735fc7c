package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static io.flashsale.topology.SaleTopologyDriver.seed;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lottery anyone can verify: a secret seed whose hash is published first, one ticket per user, a draw in score
 * order that walks its store in chunks, and a published draw that equals its recomputation from the seed and the log.
 */
class FairLotteryTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();
  /** What the test piped into purchase-requests, as a verifier reads it back: one partition, offsets from 0. */
  private final List<LotteryRules.LoggedRequest> log = new ArrayList<>();
  private long nextOffset;

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void thePublishedDrawEqualsItsRecomputationFromTheSeedAndTheLog() {
    String seed = seed("verify");
    Sale sale = flashsale.defineLottery(Sale.newBuilder(sale("fair-1", "SKU-F", 40, 2, Allocation.LOTTERY))
        .setPerDeviceLimit(3).build(), seed);
    for (int i = 0; i < 300; i++) {
      String user = "user-" + (i % 200); // a third of the users send a second request, under another key
      String device = i % 4 == 0 ? null : "device-" + (i % 7); // devices shared by several users
      int quantity = 1 + i % 3; // quantity 3 is over the per-user limit: never a ticket
      purchase(PurchaseRequest.newBuilder(request("r-" + i, sale, user, quantity)).setDeviceId(device).build());
    }
    purchase(request("r-0", sale, "user-0", 1)); // a retry of the first request

    flashsale.advanceWallClockTo(sale.getEndsAt().plus(SaleTopology.LOTTERY_DRAW_GRACE).plusSeconds(1));

    DrawResult draw = single(flashsale.readDraws());
    LotteryRules.Recomputed again = LotteryRules.recompute(sale, draw.getSeed(), log, draw.getLastEntryPartition(),
        draw.getLastEntryOffset(), draw.getLastEntryIndex());
    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    Set<String> accepted = outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .map(PurchaseOutcome::getRequestId).collect(Collectors.toSet());
    assertThat(draw.getSeed()).isEqualTo(seed);
    assertThat(draw.getSeedHash()).isEqualTo(sale.getDrawSeedHash()).isEqualTo(LotteryRules.seedHash(seed));
    assertThat(draw.getEntries()).isEqualTo(again.tickets().size()).isLessThanOrEqualTo(200).isGreaterThan(100);
    assertThat(draw.getEntriesDigest()).isEqualTo(again.entriesDigest());
    assertThat(accepted).isEqualTo(again.winningRequestIds());
    assertThat(draw.getWinners()).isEqualTo(accepted.size());
    assertThat(draw.getAlgorithm()).isEqualTo(LotteryRules.ALGORITHM);
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId).as("one outcome per request").doesNotHaveDuplicates()
        .hasSize(300);
    assertThat(outcomes).filteredOn(o -> o.getReason() == RejectReason.DEVICE_LIMIT_EXCEEDED)
        .as("devices shared by users win within their limit").isNotEmpty();
    int won = outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED).mapToInt(PurchaseOutcome::getQuantity)
        .sum();
    assertThat(won).isEqualTo(40);
    // A log rewritten to hold one more ticket before the last entry recomputes to another digest: it is caught.
    List<LotteryRules.LoggedRequest> rewritten = new ArrayList<>(log);
    rewritten.add(0, new LotteryRules.LoggedRequest(request("forged", sale, "user-forged", 1), 0, 0, 1, NOW));
    LotteryRules.Recomputed forged = LotteryRules.recompute(sale, seed, rewritten, draw.getLastEntryPartition(),
        draw.getLastEntryOffset(), draw.getLastEntryIndex());
    assertThat(forged.tickets()).hasSize(again.tickets().size() + 1);
    assertThat(forged.entriesDigest()).isNotEqualTo(draw.getEntriesDigest());
    // One more request in the log after the draw's last entry does not change the recomputation.
    purchase(request("late", sale, "user-late", 1));
    assertThat(LotteryRules.recompute(sale, seed, log, draw.getLastEntryPartition(), draw.getLastEntryOffset(),
        draw.getLastEntryIndex())).isEqualTo(again);
  }

  @Test
  void aDrawOfTwentyThousandEntriesRunsInChunksAndGivesExactlyTheStock() {
    String seed = seed("large");
    Sale sale = flashsale.defineLottery(sale("fair-large", "SKU-F", 137, 1, Allocation.LOTTERY), seed);
    int entries = 20_000;
    for (int batch = 0; batch < entries / 500; batch++) {
      PurchaseRequest[] requests = new PurchaseRequest[500];
      for (int i = 0; i < 500; i++) {
        int n = batch * 500 + i;
        requests[i] = SaleTopologyDriver.unkeyed("r-" + n, sale, "user-" + n);
      }
      flashsale.purchaseTogether(requests);
    }
    assertThat(flashsale.readOutcomes()).isEmpty();

    flashsale.advanceWallClockTo(sale.getEndsAt().plus(SaleTopology.LOTTERY_DRAW_GRACE).plusSeconds(1));
    List<Integer> outcomesPerPunctuation = new ArrayList<>();
    List<DrawResult> draws = new ArrayList<>();
    List<PurchaseOutcome> outcomes = new ArrayList<>();
    for (int punctuation = 0; punctuation < 10 && draws.isEmpty(); punctuation++) {
      List<PurchaseOutcome> decided = flashsale.readOutcomes();
      outcomesPerPunctuation.add(decided.size());
      outcomes.addAll(decided);
      draws.addAll(flashsale.readDraws());
      flashsale.advanceWallClock(SaleTopology.LOTTERY_DRAW_INTERVAL);
    }

    assertThat(outcomesPerPunctuation).as("scoring first, then deciding, each chunk bounded")
        .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(SaleTopology.LOTTERY_DRAW_CHUNK))
        .startsWith(0).hasSizeGreaterThanOrEqualTo(4);
    assertThat(outcomes).hasSize(entries).extracting(PurchaseOutcome::getRequestId).doesNotHaveDuplicates();
    assertThat(outcomes).filteredOn(o -> o.getStatus() == OutcomeStatus.ACCEPTED).hasSize(137);
    assertThat(outcomes).filteredOn(o -> o.getStatus() == OutcomeStatus.REJECTED)
        .allSatisfy(o -> assertThat(o.getReason()).isEqualTo(RejectReason.LOTTERY_LOST));
    DrawResult draw = single(draws);
    assertThat(draw.getEntries()).isEqualTo(entries);
    assertThat(draw.getWinners()).isEqualTo(137);
    assertThat(flashsale.storeContents(SaleTopology.LOTTERY_TICKETS_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.LOTTERY_ENTRIES_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.LOTTERY_PROGRESS_STORE)).isEmpty();
  }

  @Test
  void theSeedIsInNoOutputBeforeTheDraw() {
    String seed = seed("secret");
    TestOutputTopic<String, byte[]> stockLevels = raw(Topics.STOCK_LEVELS);
    TestOutputTopic<String, byte[]> outcomes = raw(Topics.PURCHASE_OUTCOMES);
    TestOutputTopic<String, byte[]> draws = raw(Topics.LOTTERY_DRAWS);
    TestOutputTopic<String, byte[]> deadLetters = raw(Topics.DEAD_LETTERS);
    Sale sale = flashsale.defineLottery(sale("fair-secret", "SKU-F", 1, 1, Allocation.LOTTERY), seed);
    flashsale.purchase(request("a", sale, "alice", 1));
    flashsale.purchase(request("b", sale, "alice", 1)); // rejected at once
    flashsale.purchase(request("c", sale, "bob", 1));
    flashsale.advanceWallClockTo(sale.getEndsAt());

    List<TestRecord<String, byte[]>> before = new ArrayList<>();
    for (TestOutputTopic<String, byte[]> topic : List.of(stockLevels, outcomes, draws, deadLetters)) {
      before.addAll(topic.readRecordsToList());
    }
    assertThat(before).isNotEmpty().allSatisfy(record ->
        assertThat(new String(record.value(), StandardCharsets.ISO_8859_1)).doesNotContain(seed));
    assertThat(sale.getDrawSeedHash()).isNotEqualTo(seed);

    flashsale.advanceWallClock(SaleTopology.LOTTERY_DRAW_GRACE.plusSeconds(1));
    assertThat(new String(single(draws.readValuesToList()), StandardCharsets.ISO_8859_1)).contains(seed);
  }

  /** A claimant that lost its sale id left a seed too; the draw takes the seed whose hash the sale published. */
  @Test
  void theDrawTakesTheSeedWhoseHashTheSalePublished() {
    Sale sale = sale("fair-claims", "SKU-F", 1, 1, Allocation.LOTTERY);
    flashsale.drawSeeds.pipeInput(sale.getSku(), new DrawSeed(sale.getSaleId(), seed("loser")), NOW.minusSeconds(200));
    Sale defined = flashsale.defineLottery(sale, seed("winner"));
    flashsale.purchase(request("a", defined, "alice", 1));

    flashsale.advanceWallClock(Duration.ofHours(2));

    assertThat(single(flashsale.readDraws()).getSeed()).isEqualTo(seed("winner"));
  }

  private void purchase(PurchaseRequest request) {
    Instant loggedAt = request.getRequestedAt();
    flashsale.purchaseLoggedAt(loggedAt, request);
    log.add(new LotteryRules.LoggedRequest(request, 0, nextOffset++, 0, loggedAt));
  }

  private TestOutputTopic<String, byte[]> raw(String topic) {
    return flashsale.driver.createOutputTopic(topic, Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
  }
}
