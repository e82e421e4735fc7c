package io.flashsale.api.fairness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * How evenly a sale's units went to its buyers: pure functions of the units each buyer won.
 *
 * <ul>
 *   <li>{@link #gini}: the Gini coefficient of units per buyer, every buyer who took part counted (those who won
 *       nothing too). 0 when all won the same; (n-1)/n when one of n won everything; the order does not matter.</li>
 *   <li>{@link #firstShare}: the share of all units won by the first {@code fraction} of joiners, in join order
 *       (at least one joiner, so a sale of fewer than ten buyers counts its first).</li>
 * </ul>
 */
public final class Fairness {
  /** The joiners counted by the "first joiners" share: the first 10 % (seed 003's key metric). */
  public static final double FIRST_JOINERS = 0.10;

  private Fairness() {}

  /** The Gini coefficient of {@code units} (one entry per buyer, none negative): 0 for no buyer or no unit. */
  public static double gini(long[] units) {
    int n = units.length;
    long[] sorted = units.clone();
    Arrays.sort(sorted);
    double total = 0;
    double weighted = 0; // sum of i * x_i over the ascending order, i from 1
    for (int i = 0; i < n; i++) {
      if (sorted[i] < 0) {
        throw new IllegalArgumentException("units must not be negative: " + sorted[i]);
      }
      total += sorted[i];
      weighted += (double) (i + 1) * sorted[i];
    }
    if (n == 0 || total == 0) {
      return 0;
    }
    // G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n, the mean absolute difference over twice the mean.
    return Math.max(0, 2 * weighted / (n * total) - (double) (n + 1) / n);
  }

  /** How many joiners "the first {@code fraction}" of {@code n} is: rounded up, at least one of a non-empty sale. */
  public static int firstCount(int n, double fraction) {
    if (fraction <= 0 || fraction > 1) {
      throw new IllegalArgumentException("fraction must be in (0, 1]: " + fraction);
    }
    return n == 0 ? 0 : Math.max(1, (int) Math.ceil(n * fraction - 1e-9));
  }

  /**
   * The share of all units won by the first {@code fraction} of joiners: {@code unitsInJoinOrder} holds each
   * buyer's units in the order they joined. 0 when nobody won anything.
   */
  public static double firstShare(long[] unitsInJoinOrder, double fraction) {
    int first = firstCount(unitsInJoinOrder.length, fraction);
    double total = 0;
    double theirs = 0;
    for (int i = 0; i < unitsInJoinOrder.length; i++) {
      total += unitsInJoinOrder[i];
      if (i < first) {
        theirs += unitsInJoinOrder[i];
      }
    }
    return total == 0 ? 0 : theirs / total;
  }

  /**
   * {@link #firstShare(long[], double)} of buyers given unordered: buyer {@code i} joined at {@code joinedAt[i]}
   * (ties broken by {@code tieBreak[i]}, distinct among equal times) and won {@code units[i]}. Sorts a copy of the
   * times only (a primitive sort, about 80 ms for a million here), not the buyers.
   */
  public static double firstShare(long[] joinedAt, long[] tieBreak, long[] units, double fraction) {
    int n = units.length;
    int first = firstCount(n, fraction);
    if (first == 0) {
      return 0;
    }
    long[] times = joinedAt.clone();
    Arrays.sort(times);
    long last = times[first - 1]; // the time of the last of the first joiners
    int before = 0;
    double total = 0;
    double theirs = 0;
    List<long[]> atLast = new ArrayList<>(); // {tieBreak, units} of the buyers who joined at that time
    for (int i = 0; i < n; i++) {
      total += units[i];
      if (joinedAt[i] < last) {
        theirs += units[i];
        before++;
      } else if (joinedAt[i] == last) {
        atLast.add(new long[] {tieBreak[i], units[i]});
      }
    }
    atLast.sort(Comparator.comparingLong(entry -> entry[0]));
    for (int i = 0; i < first - before; i++) {
      theirs += atLast.get(i)[1];
    }
    return total == 0 ? 0 : theirs / total;
  }
}
