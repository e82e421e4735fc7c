package io.flashsale.reconciliation.nightly;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * What a run found: its status, where its report is, and the summary written into it (also kept in
 * reconciliation_runs).
 *
 * @param counts discrepancies found, by action: found, corrected, alreadyCorrected, needsPerson
 * @param byClass discrepancies found per {@link DiscrepancyClass}, by action
 */
public record RunResult(String runId, RunStatus status, Instant finishedAt, Path reportDir,
                        Map<String, Long> counts, Map<String, Map<String, Long>> byClass,
                        RunSummary summary) {

  public long found() {
    return counts.getOrDefault("found", 0L);
  }

  public long corrected() {
    return counts.getOrDefault("corrected", 0L);
  }

  public long alreadyCorrected() {
    return counts.getOrDefault("alreadyCorrected", 0L);
  }

  public long needsPerson() {
    return counts.getOrDefault("needsPerson", 0L);
  }

  /** Discrepancies of one class found by the run. */
  public long found(DiscrepancyClass discrepancyClass) {
    return byClass.getOrDefault(discrepancyClass.name(), Map.of()).values().stream().mapToLong(Long::longValue).sum();
  }

  /** Discrepancies of one class that ended with {@code action}: CORRECTED, ALREADY_CORRECTED or NEEDS_PERSON. */
  public long found(DiscrepancyClass discrepancyClass, String action) {
    return byClass.getOrDefault(discrepancyClass.name(), Map.of()).getOrDefault(action, 0L);
  }
}
