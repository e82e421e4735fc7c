package io.flashsale.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A figure measured in several runs: its median, which the report quotes, and its spread (min–max), which says how
 * far a rerun may land from it. The runs themselves go to results.json's details beside it.
 */
final class Spread {
  private Spread() {}

  static double median(List<Double> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("No runs");
    }
    List<Double> sorted = new ArrayList<>(runs);
    Collections.sort(sorted);
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  /** Keeps {@code key_runs}, {@code key_min} and {@code key_max} in {@code details}; returns the median. */
  static double put(Map<String, Object> details, String key, List<Double> runs) {
    details.put(key + "_runs", runs.stream().map(v -> (double) Math.round(v)).toList());
    details.put(key + "_min", (double) Math.round(Collections.min(runs)));
    details.put(key + "_max", (double) Math.round(Collections.max(runs)));
    return Math.round(median(runs));
  }

  /** "163,934/s (159,000–169,000, 3 runs)". */
  static String describe(List<Double> runs) {
    return String.format("%,.0f/s (%,.0f–%,.0f, %d runs)", median(runs), Collections.min(runs), Collections.max(runs),
        runs.size());
  }
}
