package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.cancellation;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static io.flashsale.topology.SaleTopologyDriver.seed;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The last draw: after a waiting-room sale sold out, a unit that comes back is reserved for a buyer drawn among those
 * still waiting, not sold to the fastest click; the winner's purchase takes it, an unclaimed one goes to the next
 * round, and the closed draw recomputes from the seed and the logs.
 */
class LastDrawTest {
  private static final int PASS_SECONDS = 60;
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();
  private final List<QueueJoin> joins = new ArrayList<>();
  private final List<PurchaseOutcome> outcomes = new ArrayList<>();
  private int requests;

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void aUnitThatComesBackAfterTheSellOutGoesToADrawnWaitingBuyerNotToTheFastestClick() {
    Sale sale = flashsale.defineLastDraw(sale("last-1", "SKU-L1", 2, 1, Allocation.FCFS), seed("last-1"), PASS_SECONDS);
    IntStream.range(0, 8).forEach(i -> join(sale, "user-" + i));
    assertThat(buy(sale, "user-0").getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(buy(sale, "user-1").getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(buy(sale, "user-2").getReason()).isEqualTo(RejectReason.SOLD_OUT);

    flashsale.cancel(cancellation("r-2", sale, "user-1")); // user-1 gives its unit back
    record();
    assertThat(buy(sale, "user-3").getReason()).as("the fastest click does not get the returned unit")
        .isEqualTo(RejectReason.SOLD_OUT);
    flashsale.advanceWallClock(Duration.ofSeconds(1));

    LastDrawRound round = single(flashsale.readLastDrawRounds());
    String winner = single(round.getWinners());
    assertThat(round.getRound()).isEqualTo(1);
    assertThat(round.getSeedHash()).isEqualTo(sale.getDrawSeedHash());
    assertThat(round.getClaimUntil()).isEqualTo(flashsale.wallClock().plusSeconds(PASS_SECONDS));
    assertThat(winner).as("a buyer who was given a unit is not waiting, even after giving it back")
        .isNotIn("user-0", "user-1");
    assertThat(round.getCandidates()).isEqualTo(6);
    StockLevel reserved = lastLevel();
    assertThat(reserved.getAvailable()).isZero();
    assertThat(reserved.getReserved()).isEqualTo(2);

    String loser = IntStream.range(2, 8).mapToObj(i -> "user-" + i).filter(u -> !u.equals(winner)).findFirst()
        .orElseThrow();
    assertThat(buy(sale, loser).getReason()).isEqualTo(RejectReason.SOLD_OUT);
    PurchaseOutcome claim = buy(sale, winner);
    assertThat(claim.getStatus()).as("the winner's purchase takes the unit held for it").isEqualTo(OutcomeStatus.ACCEPTED);
    StockLevel held = lastLevel();
    assertThat(held.getAvailable() + held.getReserved() + held.getConfirmed()).isEqualTo(2);
    assertThat(held.getReserved()).isEqualTo(2);
    assertThat(buy(sale, winner).getReason()).as("nobody claims twice").isEqualTo(RejectReason.LIMIT_EXCEEDED);
  }

  @Test
  void aUnitNotClaimedInTimeGoesToTheNextRoundAndNobodyWinsTwice() {
    Sale sale = flashsale.defineLastDraw(sale("last-2", "SKU-L2", 1, 1, Allocation.FCFS), seed("last-2"), PASS_SECONDS);
    IntStream.range(0, 5).forEach(i -> join(sale, "user-" + i));
    assertThat(buy(sale, "user-0").getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    flashsale.cancel(cancellation("r-1", sale, "user-0"));
    record();
    flashsale.advanceWallClock(Duration.ofSeconds(1));
    String first = single(single(flashsale.readLastDrawRounds()).getWinners());

    // Nobody claims: a moment after claimUntil (and a lottery's grace) the unit goes to the next round.
    flashsale.advanceWallClock(Duration.ofSeconds(PASS_SECONDS - 1));
    assertThat(flashsale.readLastDrawRounds()).as("the winner still has time").isEmpty();
    flashsale.advanceWallClock(SaleTopology.LOTTERY_DRAW_GRACE.plusSeconds(1));
    LastDrawRound second = single(flashsale.readLastDrawRounds());
    assertThat(second.getRound()).isEqualTo(2);
    assertThat(single(second.getWinners())).isNotEqualTo(first);
    assertThat(buy(sale, first).getReason()).as("a lapsed winner claims nothing").isEqualTo(RejectReason.SOLD_OUT);
  }

  @Test
  void whatIsLeftAtTheEndIsDrawnAndClaimedAfterItAndTheClosedDrawRecomputesFromTheLogs() {
    // Holds outlast the end, so that only the draw's own units move before it closes.
    Sale sale = flashsale.defineLastDraw(Sale.newBuilder(sale("last-3", "SKU-L3", 5, 1, Allocation.FCFS))
        .setHoldSeconds(7200).build(), seed("last-3"), PASS_SECONDS);
    IntStream.range(0, 12).forEach(i -> join(sale, "user-" + i));
    buy(sale, "user-0");
    buy(sale, "user-1");

    flashsale.advanceWallClockTo(sale.getEndsAt().plus(SaleTopology.LOTTERY_DRAW_GRACE));
    LastDrawRound round = single(flashsale.readLastDrawRounds());
    assertThat(round.getUnits()).isEqualTo(3);
    assertThat(round.getWinners()).hasSize(3).doesNotContain("user-0", "user-1");
    String winner = round.getWinners().get(0);
    PurchaseOutcome late = buyLoggedAt(sale, winner, flashsale.wallClock());
    assertThat(late.getStatus()).as("a winner claims after the end").isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(buyLoggedAt(sale, "user-11", flashsale.wallClock()).getReason()).isEqualTo(RejectReason.SALE_NOT_LIVE);

    // The two unclaimed units lapse and are drawn again; then the draw closes and reveals its seed.
    flashsale.advanceWallClock(Duration.ofSeconds(PASS_SECONDS).plus(SaleTopology.LOTTERY_DRAW_GRACE));
    LastDrawRound again = single(flashsale.readLastDrawRounds());
    assertThat(again.getWinners()).hasSize(2).doesNotContainAnyElementsOf(round.getWinners());
    flashsale.advanceWallClockTo(sale.getEndsAt().plusSeconds(sale.getHoldSeconds() + 200));
    record();
    DrawResult closed = single(flashsale.readDraws());
    assertThat(closed.getSeed()).isEqualTo(seed("last-3"));
    assertThat(closed.getWinners()).isEqualTo(5);
    assertThat(closed.getAlgorithm()).isEqualTo(LastDrawRules.ALGORITHM);
    assertThat(LastDrawRules.verify(sale, closed.getSeed(), joins, outcomes, List.of(round, again), closed)).isEmpty();

    // And a tampered round does not verify.
    LastDrawRound forged = LastDrawRound.newBuilder(again).setWinners(List.of("user-1", again.getWinners().get(1)))
        .build();
    assertThat(LastDrawRules.verify(sale, closed.getSeed(), joins, outcomes, List.of(round, forged), closed))
        .isNotEmpty();
  }

  @Test
  void aSaleWithoutLastDrawSellsAReturnedUnitToTheNextClick() {
    Sale sale = flashsale.defineLottery(Sale.newBuilder(sale("plain-1", "SKU-P1", 1, 1, Allocation.FCFS))
        .setWaitingRoom(new io.flashsale.schemas.WaitingRoom(100, PASS_SECONDS, 900, 0, 3600)).build(), seed("p"));
    join(sale, "user-0");
    join(sale, "user-1");
    buy(sale, "user-0");
    flashsale.cancel(cancellation("r-1", sale, "user-0"));
    assertThat(buy(sale, "user-1").getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    flashsale.advanceWallClock(Duration.ofSeconds(2));
    assertThat(flashsale.readLastDrawRounds()).isEmpty();
  }

  private void join(Sale sale, String user) {
    QueueJoin join = new QueueJoin(sale.getSaleId(), user, "device-" + user, null, null);
    joins.add(join);
    flashsale.queueJoins.pipeInput(sale.getSku(), join, NOW.minusSeconds(30));
    flashsale.queuePlaces.readValuesToList();
  }

  private PurchaseOutcome buy(Sale sale, String user) {
    return buyLoggedAt(sale, user, NOW);
  }

  private PurchaseOutcome buyLoggedAt(Sale sale, String user, Instant at) {
    String id = "r-" + ++requests;
    flashsale.purchaseLoggedAt(at, request(id, sale, user, 1));
    record();
    return outcomes.stream().filter(o -> o.getRequestId().equals(id)).reduce((a, b) -> b).orElseThrow();
  }

  private void record() {
    outcomes.addAll(flashsale.readOutcomes());
  }

  private StockLevel lastLevel() {
    return SaleTopologyDriver.last(flashsale.readStockLevels());
  }
}
