package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.sale.SaleStatus;
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
 * The idle kick as {@link Admission} decides it from the signed token's last contact and the clock: a buyer not
 * heard from for idleKickSeconds before its turn loses its place; one who polls keeps it; an admission that came in
 * time stays; a join cannot bring back a turn long past.
 */
class IdleKickTest {
  private static final Instant START = Instant.parse("2026-12-06T20:00:00Z");
  private static final int IDLE = 600;
  private final Sale sale = Sales.opening("s1", "SKU", 100, 1, START)
      .setWaitingRoom(new WaitingRoom(1, 120, 900, 0, IDLE)).build();
  private final List<QueueOrder.Rate> rates = List.of(new QueueOrder.Rate(Instant.EPOCH, 1));
  /** 5,000 joined after the start: slot = place, admitted one a second from START + LEAD. */
  private final QueueStats stats = new QueueStats("s1", 5_000L, 0L, true, START);
  private final QueueOrder.Shuffle shuffle = new WaitingRoomSigner(WaitingRoomSettings.LOCAL_SECRET).shuffle("s1");

  private Admission at(QueueToken token, Instant now) {
    return Admission.of(sale, SaleStatus.LIVE, token, stats, rates, shuffle, now);
  }

  @Test
  void anIdleBuyerLosesItsPlaceAndAPollingOneKeepsIt() {
    Instant joined = START.plusSeconds(10);
    QueueToken idle = new QueueToken("s1", "idle", 3_000, false, joined);
    assertThat(at(idle, joined.plusSeconds(IDLE)).state()).as("at the limit").isEqualTo(State.WAITING);
    assertThat(at(idle, joined.plusSeconds(IDLE + 1)).state()).isEqualTo(State.EXPIRED);

    // The same place, polled every 25 s over its 50 minutes' wait: each answer's token says when it was heard from.
    QueueToken polling = new QueueToken("s1", "polling", 3_000, false, joined);
    Instant now = joined;
    while (now.isBefore(START.plusSeconds(3_100))) {
      now = now.plusSeconds(25);
      assertThat(at(polling, now).state()).as("at %s", now).isIn(State.WAITING, State.ADMITTED);
      polling = polling.seen(now);
    }
    assertThat(at(polling, now).state()).isEqualTo(State.ADMITTED);
    // Polled until its turn came, then away: still admitted (the pass says how long it may buy).
    assertThat(at(polling, now.plusSeconds(5 * IDLE)).state()).isEqualTo(State.ADMITTED);
  }

  @Test
  void anAdmissionThatCameBeforeTheDeadlineStays() {
    Instant seen = START.plusSeconds(10);
    QueueToken early = new QueueToken("s1", "early", 100, false, seen); // admitted at START + 102 s
    assertThat(at(early, START.plusSeconds(2 * IDLE)).state()).isEqualTo(State.ADMITTED);
  }

  @Test
  void aTokenFromBeforeIdleKicksIsNeverKicked() {
    QueueToken legacy = new QueueToken("s1", "legacy", 3_000, false);
    assertThat(at(legacy, START.plusSeconds(2_000)).state()).isEqualTo(State.WAITING);
  }

  @Test
  void aPreQueuedBuyerIdleBeforeTheStartLosesItsPlace() {
    QueueToken early = new QueueToken("s1", "early", 3, true, START.minusSeconds(IDLE + 60));
    Admission before = Admission.of(sale, SaleStatus.SCHEDULED, early, new QueueStats("s1", 10L, 10L, false, null),
        rates, shuffle, START.minusSeconds(30));
    assertThat(before.state()).isEqualTo(State.EXPIRED);
  }

  @Test
  void aJoinCannotBringBackATurnLongPast() {
    QueueToken place = new QueueToken("s1", "back", 100, false); // its turn: START + 102 s
    assertThat(Admission.turnLongPast(sale, place, stats, rates, shuffle, START.plusSeconds(102 + IDLE - 1))).isFalse();
    assertThat(Admission.turnLongPast(sale, place, stats, rates, shuffle, START.plusSeconds(103 + IDLE))).isTrue();
    assertThat(Admission.turnLongPast(sale, new QueueToken("s1", "w", 4_000, false), stats, rates, shuffle,
        START.plusSeconds(103 + IDLE))).as("still waiting").isFalse();
  }

  @Test
  void theTokenCarriesWhenTheBuyerWasHeardFromUnderTheSignature() {
    WaitingRoomSigner signer = new WaitingRoomSigner(WaitingRoomSettings.LOCAL_SECRET);
    QueueToken token = new QueueToken("s1", "u", 7, false, START);
    assertThat(signer.token(signer.token(token))).contains(token);
    QueueToken legacy = new QueueToken("s1", "u", 7, false);
    assertThat(signer.token(signer.token(legacy))).contains(legacy);
  }
}
