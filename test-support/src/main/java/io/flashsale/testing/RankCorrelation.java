package io.flashsale.testing;

/** Rank correlation, for tests that an order is not another (a shuffle against the order of arrival). */
public final class RankCorrelation {
  private RankCorrelation() {}

  /**
   * Kendall's tau of {@code order} against 0, 1, 2, ...: 1 for the same order, -1 for the reverse, about 0 for a
   * random one, with a standard deviation of sqrt(2(2n + 5) / (9n(n - 1))).
   */
  public static double kendallTau(long[] order) {
    long concordant = 0;
    long discordant = 0;
    for (int i = 0; i < order.length; i++) {
      for (int j = i + 1; j < order.length; j++) {
        if (order[i] < order[j]) {
          concordant++;
        } else {
          discordant++;
        }
      }
    }
    return (concordant - discordant) / (double) (concordant + discordant);
  }
}
