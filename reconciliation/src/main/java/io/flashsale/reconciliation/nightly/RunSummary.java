package io.flashsale.reconciliation.nightly;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.flashsale.reconciliation.nightly.Reports.SaleSummary;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a run sums up, the head of both reports and the summary kept in reconciliation_runs.
 *
 * @param parties what each party held for the day (records, rows, settlements), by name
 * @param sinkLag offsets of the log not yet in the database ({@code offsets}), and of them from the day
 *     ({@code recordsOfTheDay})
 * @param undecodableRecords records of the day that could not be decoded and were skipped, as topic-partition@offset
 * @param discrepancies discrepancies found, by action: found, corrected, alreadyCorrected, needsPerson
 * @param byClass discrepancies found per {@link DiscrepancyClass}, by action
 */
@JsonPropertyOrder({"runId", "day", "status", "startedAt", "finishedAt", "parties", "sinkLag", "undecodableRecords",
    "discrepancies", "byClass", "sales"})
public record RunSummary(String runId, String day, RunStatus status, Instant startedAt, Instant finishedAt,
                         Map<String, Object> parties, Map<String, Long> sinkLag, List<String> undecodableRecords,
                         Map<String, Long> discrepancies, Map<String, Map<String, Long>> byClass,
                         List<SaleSummary> sales) {}
