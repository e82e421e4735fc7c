package io.flashsale.api.fairness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The fairness figures' defining properties, over any buyers and any units. */
class FairnessTest {
  @Property(tries = 300)
  void equalSharesHaveGiniZero(@ForAll @IntRange(min = 1, max = 5_000) int buyers,
                               @ForAll @LongRange(min = 0, max = 50) long each) {
    long[] units = new long[buyers];
    java.util.Arrays.fill(units, each);
    assertThat(Fairness.gini(units)).isCloseTo(0, within(1e-9));
  }

  @Property(tries = 300)
  void oneWinnerOfNHasGiniNMinusOneOverN(@ForAll @IntRange(min = 1, max = 5_000) int buyers,
                                         @ForAll @LongRange(min = 1, max = 1_000) long won,
                                         @ForAll @IntRange(min = 0, max = 4_999) int winnerAt) {
    long[] units = new long[buyers];
    units[winnerAt % buyers] = won;
    assertThat(Fairness.gini(units)).isCloseTo((buyers - 1) / (double) buyers, within(1e-9));
  }

  @Property(tries = 300)
  void giniIgnoresTheOrderAndStaysInItsBounds(@ForAll @Size(min = 1, max = 500) List<@LongRange(min = 0, max = 20) Long> won,
                                              @ForAll long seed) {
    List<Long> shuffled = new ArrayList<>(won);
    Collections.shuffle(shuffled, new Random(seed));
    double gini = Fairness.gini(array(won));
    assertThat(Fairness.gini(array(shuffled))).isCloseTo(gini, within(1e-9));
    assertThat(gini).isBetween(0.0, (won.size() - 1) / (double) won.size() + 1e-9);
  }

  @Property(tries = 300)
  void theFirstJoinersShareIsAShareAndAtLeastTheirsOfAnEqualSale(
      @ForAll @Size(min = 1, max = 500) List<@LongRange(min = 0, max = 20) Long> won) {
    double share = Fairness.firstShare(array(won), Fairness.FIRST_JOINERS);
    assertThat(share).isBetween(0.0, 1.0);
    int first = Fairness.firstCount(won.size(), Fairness.FIRST_JOINERS);
    long theirs = won.subList(0, first).stream().mapToLong(Long::longValue).sum();
    long all = won.stream().mapToLong(Long::longValue).sum();
    assertThat(share).isCloseTo(all == 0 ? 0 : theirs / (double) all, within(1e-9));
  }

  @Property(tries = 300)
  void theShareOfBuyersGivenInAnyOrderIsTheShareInJoinOrder(
      @ForAll @Size(min = 1, max = 300) List<@LongRange(min = 0, max = 5) Long> won,
      @ForAll @Size(min = 300, max = 300) List<@LongRange(min = 0, max = 20) Long> joinedAt, @ForAll long seed) {
    // Buyer i joined at joinedAt[i] (many at the same millisecond), ties broken by i: its place in the sale's sequence.
    int n = won.size();
    List<Integer> joinOrder = new ArrayList<>(java.util.stream.IntStream.range(0, n).boxed().toList());
    joinOrder.sort(java.util.Comparator.<Integer>comparingLong(joinedAt::get).thenComparingInt(i -> i));
    long[] inJoinOrder = joinOrder.stream().mapToLong(won::get).toArray();
    List<Integer> given = new ArrayList<>(joinOrder);
    Collections.shuffle(given, new Random(seed));
    long[] at = given.stream().mapToLong(joinedAt::get).toArray();
    long[] tie = given.stream().mapToLong(Integer::longValue).toArray();
    long[] units = given.stream().mapToLong(won::get).toArray();
    assertThat(Fairness.firstShare(at, tie, units, Fairness.FIRST_JOINERS))
        .isCloseTo(Fairness.firstShare(inJoinOrder, Fairness.FIRST_JOINERS), within(1e-9));
  }

  @Property(tries = 200)
  void anEqualSaleGivesTheFirstTenthATenth(@ForAll @IntRange(min = 1, max = 10_000) int tenths) {
    long[] units = new long[tenths * 10];
    java.util.Arrays.fill(units, 2);
    assertThat(Fairness.firstShare(units, Fairness.FIRST_JOINERS)).isCloseTo(0.1, within(1e-9));
  }

  @Test
  void theFirstJoinersAreAtLeastOneAndRoundedUp() {
    assertThat(Fairness.firstCount(0, 0.1)).isZero();
    assertThat(Fairness.firstCount(1, 0.1)).isEqualTo(1);
    assertThat(Fairness.firstCount(10, 0.1)).isEqualTo(1);
    assertThat(Fairness.firstCount(11, 0.1)).isEqualTo(2);
    assertThat(Fairness.firstShare(new long[] {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0.1)).isCloseTo(0.75, within(1e-9));
    assertThat(Fairness.gini(new long[0])).isZero();
    assertThat(Fairness.gini(new long[] {0, 0})).isZero();
  }

  private static long[] array(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }
}
