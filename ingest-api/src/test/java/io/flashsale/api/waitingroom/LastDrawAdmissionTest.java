package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.waitingroom.Admission.LastDraw;
import io.flashsale.api.waitingroom.Admission.State;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import io.flashsale.testing.Sales;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A waiting buyer of a sale with a last draw, as {@link Admission} tells it: after the sell-out (or the end) it waits
 * in the draw instead of being told SOLD_OUT, a winner is ADMITTED until its unit's claimUntil (and SOLD_OUT after),
 * and once the draw closed everyone hears the sale's end as before. A sale without a last draw is unchanged.
 */
class LastDrawAdmissionTest {
  private static final Instant START = Instant.parse("2026-12-06T20:00:00Z");
  private final Sale sale = Sales.opening("s1", "SKU", 10, 1, START)
      .setWaitingRoom(new WaitingRoom(1, 120, 900, 0, 600)).setLastDraw(true).build();
  private final List<QueueOrder.Rate> rates = List.of(new QueueOrder.Rate(Instant.EPOCH, 1));
  private final QueueStats stats = new QueueStats("s1", 5_000L, 0L, true, START);
  private final QueueOrder.Shuffle shuffle = new WaitingRoomSigner(WaitingRoomSettings.LOCAL_SECRET).shuffle("s1");
  private final QueueToken token = new QueueToken("s1", "buyer", 3_000, false, START.plusSeconds(10));
  private final Instant now = START.plusSeconds(60);

  private Admission at(Sale which, SaleStatus status, LastDraw lastDraw, Instant when) {
    return Admission.of(which, status, token, stats, rates, shuffle, lastDraw, when);
  }

  @Test
  void afterTheSellOutAWaitingBuyerWaitsInTheDrawNotToldSoldOut() {
    assertThat(at(sale, SaleStatus.SOLD_OUT, new LastDraw(null, false), now).state()).isEqualTo(State.LAST_DRAW);
    assertThat(at(sale, SaleStatus.ENDED, new LastDraw(null, false), now).state()).isEqualTo(State.LAST_DRAW);
    assertThat(at(sale, SaleStatus.SOLD_OUT, new LastDraw(null, true), now).state()).as("the draw closed")
        .isEqualTo(State.SOLD_OUT);
    Sale plain = Sale.newBuilder(sale).setLastDraw(false).build();
    assertThat(at(plain, SaleStatus.SOLD_OUT, new LastDraw(null, false), now).state()).isEqualTo(State.SOLD_OUT);
  }

  @Test
  void aWinnerIsAdmittedUntilItsUnitStopsWaitingThenSoldOut() {
    Instant claimUntil = now.plusSeconds(120);
    Admission won = at(sale, SaleStatus.SOLD_OUT, new LastDraw(claimUntil, false), now);
    assertThat(won.state()).isEqualTo(State.ADMITTED);
    assertThat(won.at()).as("its pass runs until then").isEqualTo(claimUntil);
    assertThat(at(sale, SaleStatus.ENDED, new LastDraw(claimUntil, false), now).state()).as("after the end too")
        .isEqualTo(State.ADMITTED);
    assertThat(at(sale, SaleStatus.SOLD_OUT, new LastDraw(claimUntil, false), claimUntil).state())
        .isEqualTo(State.SOLD_OUT);
  }

  @Test
  void whileTheSaleIsLiveTheQueueMovesAsBefore() {
    assertThat(at(sale, SaleStatus.LIVE, new LastDraw(null, false), now).state()).isEqualTo(State.WAITING);
    assertThat(at(sale, SaleStatus.LIVE, new LastDraw(null, false), START.plusSeconds(3_100)).state())
        .isEqualTo(State.EXPIRED);
  }
}
