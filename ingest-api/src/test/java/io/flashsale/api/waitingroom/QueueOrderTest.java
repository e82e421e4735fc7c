package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.testing.RankCorrelation;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class QueueOrderTest {
  private static final Instant START = Instant.parse("2026-11-27T00:00:00Z");

  private static QueueOrder.Shuffle shuffle(String saleId) {
    return new WaitingRoomSigner("a-secret-of-at-least-32-bytes-long!").shuffle(saleId);
  }

  @Property(tries = 200)
  void thePreQueueIsShuffledIntoEverySlotOnce(@ForAll @IntRange(min = 2, max = 5_000) int size) {
    QueueOrder.Shuffle shuffle = shuffle("sale-" + size);
    BitSet taken = new BitSet(size);
    for (long place = 0; place < size; place++) {
      long slot = QueueOrder.slot(place, true, size, shuffle);
      assertThat(slot).isBetween(0L, size - 1L);
      assertThat(taken.get((int) slot)).as("slot %d given twice", slot).isFalse();
      taken.set((int) slot);
    }
  }

  @Test
  void theShuffleIsNotTheJoinOrderAndDiffersBySale() {
    int n = 2_000;
    long[] slots = new long[n];
    long[] other = new long[n];
    for (int place = 0; place < n; place++) {
      slots[place] = QueueOrder.slot(place, true, n, shuffle("sale-a"));
      other[place] = QueueOrder.slot(place, true, n, shuffle("sale-b"));
    }
    // Kendall's tau of a random order is about 0 with a standard deviation of 0.015 at n = 2,000.
    assertThat(Math.abs(RankCorrelation.kendallTau(slots))).isLessThan(0.1);
    assertThat(slots).isNotEqualTo(other);
  }

  @Test
  void laterPlacesKeepTheirNumberBehindThePreQueue() {
    assertThat(QueueOrder.slot(1_000, false, 1_000, shuffle("s"))).isEqualTo(1_000);
    assertThat(QueueOrder.slot(0, true, 1, shuffle("s"))).isZero();
  }

  @Test
  void admissionFollowsTheRateAndItsChanges() {
    List<QueueOrder.Rate> rates = List.of(new QueueOrder.Rate(Instant.EPOCH, 10),
        new QueueOrder.Rate(START.plusSeconds(10), 100));
    assertThat(QueueOrder.admitted(START, rates, START.minusSeconds(1))).isZero();
    assertThat(QueueOrder.admitted(START, rates, START.plusSeconds(5))).isEqualTo(50);
    assertThat(QueueOrder.admitted(START, rates, START.plusSeconds(12))).isEqualTo(100 + 200);
    assertThat(QueueOrder.rateAt(rates, START.plusSeconds(11))).isEqualTo(100);
  }

  @Property(tries = 300)
  void aSlotIsAdmittedWhenItsTimeComesAndNotBefore(@ForAll @LongRange(max = 100_000) long slot,
                                                   @ForAll @IntRange(min = 1, max = 10_000) int rate,
                                                   @ForAll @IntRange(max = 100_000) int nowMillisAfterStart) {
    List<QueueOrder.Rate> rates = List.of(new QueueOrder.Rate(Instant.EPOCH, rate));
    Instant now = START.plusMillis(nowMillisAfterStart);
    Instant at = QueueOrder.admittedAt(START, rates, now, slot);
    assertThat(QueueOrder.admitted(START, rates, at)).isGreaterThan(slot);
    if (at.isAfter(now)) {
      assertThat(QueueOrder.admitted(START, rates, at.minusMillis(1))).isLessThanOrEqualTo(slot);
    }
  }

  @Property(tries = 300)
  void fromTheStartOnAPositionNeverGrows(@ForAll @LongRange(max = 1_000_000) long place,
                                         @ForAll @IntRange(min = 1, max = 1_000) int firstRate,
                                         @ForAll @IntRange(min = 1, max = 1_000) int laterRate,
                                         @ForAll @IntRange(max = 60_000) int changeAfterMs,
                                         @ForAll @IntRange(max = 60_000) int firstPollMs,
                                         @ForAll @IntRange(max = 60_000) int laterByMs) {
    List<QueueOrder.Rate> rates = List.of(new QueueOrder.Rate(Instant.EPOCH, firstRate),
        new QueueOrder.Rate(START.plusMillis(changeAfterMs), laterRate));
    Instant first = START.plusMillis(firstPollMs);
    long before = place - QueueOrder.admitted(START, rates, first);
    long after = place - QueueOrder.admitted(START, rates, first.plusMillis(laterByMs));
    assertThat(after).isLessThanOrEqualTo(before);
  }

}
