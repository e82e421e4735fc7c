package io.flashsale.reconciliation.nightly;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.flashsale.reconciliation.nightly.ReportStatements.ClassCount;
import io.flashsale.reconciliation.nightly.ReportStatements.Discrepancy;
import io.flashsale.reconciliation.nightly.ReportStatements.FlowStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * The report of a run: one {@link RunSummary}, written by {@link JsonReport} ({@code report.json}, for machines)
 * and {@link HtmlReport} ({@code report.html}, for people) into {@code <root>/<day>/<run id>/}.
 */
final class Reports {
  static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private static final int PAGE = 1_000;

  private Reports() {}

  /** One sale's day as the parties saw it; the log's stock level is null if the log has none. */
  public record SaleSummary(String saleId, String name, String currency, Long priceCents, Integer stock,
                     Integer dbReserved, Integer dbConfirmed, Integer logAvailable, Integer logReserved,
                     Integer logConfirmed, long accepted, long rejected, long confirmed, long expired, long cancelled,
                     long refundsDue, long chargedCents, long refundedCents, long discrepancies) {}

  /**
   * Each sale of the day as the parties saw it. Taken before the corrections, so that the database's counts
   * are from the same moment as the log's.
   */
  static List<SaleSummary> sales(Handle handle, String runId) {
    return handle.attach(ReportStatements.class).sales(runId);
  }

  /** Sums up the run, writes both files into {@code <root>/<day>/<run id>/}, and answers the run's result. */
  static RunResult write(Handle handle, Path root, String runId, LocalDate day, Instant startedAt, Instant finishedAt,
                         Map<String, Object> parties, Map<String, Long> sinkLag, List<SaleSummary> sales,
                         List<String> undecodable) throws IOException {
    ReportStatements sql = handle.attach(ReportStatements.class);
    Map<String, Map<String, Long>> byClass = new LinkedHashMap<>();
    Map<String, Long> counts = new LinkedHashMap<>(Map.of("found", 0L, "corrected", 0L, "alreadyCorrected", 0L, "needsPerson", 0L));
    for (ClassCount row : sql.countsByClass(runId)) {
      long n = row.count();
      byClass.computeIfAbsent(row.discrepancyClass(), c -> new LinkedHashMap<>()).put(row.action(), n);
      counts.merge("found", n, Long::sum);
      counts.merge(switch (row.action()) {
        case "CORRECTED" -> "corrected";
        case "ALREADY_CORRECTED" -> "alreadyCorrected";
        default -> "needsPerson";
      }, n, Long::sum);
    }
    RunStatus status = counts.get("needsPerson") > 0 ? RunStatus.NEEDS_PERSON
        : counts.get("corrected") > 0 ? RunStatus.CORRECTED
        : counts.get("alreadyCorrected") > 0 ? RunStatus.NOTHING_NEW
        : RunStatus.CLEAN;

    RunSummary summary = new RunSummary(runId, day.toString(), status, startedAt, finishedAt, parties, sinkLag,
        List.copyOf(undecodable), counts, byClass, sales);
    Path dir = root.resolve(day.toString()).resolve(runId);
    Files.createDirectories(dir);
    JsonReport.write(sql, dir.resolve("report.json"), summary);
    HtmlReport.write(sql, dir.resolve("report.html"), summary);
    return new RunResult(runId, status, finishedAt, dir, counts, byClass, summary);
  }

  /**
   * Hands the run's discrepancies, at most {@code max}, one page in memory at a time, each with the steps of its
   * buyer's flow (empty where it has none, or its flow was not traced: {@link FlowTrace}).
   */
  static void forEachDiscrepancy(ReportStatements sql, String runId, int max,
                                 BiConsumer<Discrepancy, List<FlowStep>> each) {
    String afterClass = "";
    String afterSubject = "";
    int seen = 0;
    while (seen < max) {
      List<Discrepancy> page = sql.discrepancies(runId, afterClass, afterSubject, Math.min(PAGE, max - seen));
      if (page.isEmpty()) {
        return;
      }
      String[] flows = page.stream().map(Discrepancy::flowId).filter(Objects::nonNull).distinct().toArray(String[]::new);
      Map<String, List<FlowStep>> steps = flows.length == 0 ? Map.of() : sql.flowSteps(runId, flows).stream()
          .collect(Collectors.groupingBy(FlowStep::flowId));
      page.forEach(d -> each.accept(d, d.flowId() == null ? List.of() : steps.getOrDefault(d.flowId(), List.of())));
      seen += page.size();
      afterClass = page.get(page.size() - 1).discrepancyClass();
      afterSubject = page.get(page.size() - 1).subject();
    }
  }
}
