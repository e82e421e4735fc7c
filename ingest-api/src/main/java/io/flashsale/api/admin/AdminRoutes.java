package io.flashsale.api.admin;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.sale.SaleBody;
import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.sale.SaleView;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The admin's routes beside creating a sale: listing sales, ending one now, the nightly reports and the audit trail. */
public final class AdminRoutes {
  /** How long ending a sale waits for the topology's decision to come back before answering 202 instead of 200. */
  static final Duration END_READ_BACK_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final List<String> REPORT_FILES = List.of("report.html", "report.json");

  /**
   * The nightly reports this process can read, newest first; {@code reachable} is false without the directory
   * (FLASHSALE_REPORT_DIR as configured): no night has run yet, or the reports are written where this process
   * cannot see them.
   */
  record Reports(boolean reachable, String reportDir, List<Report> reports) {}

  /** One run's report: its day, run id and where to fetch its two files (admin token needed). */
  record Report(String day, String runId, String html, String json) {}

  private final SaleView sales;
  private final TopicWriter writer;
  private final Topics topics;
  private final Clock clock;
  private final Path reportDir;
  private final AdminAudit audit;
  private final AuditView auditView;

  /** One audited action as the dashboard lists it; {@code at} is the broker's time of the record. */
  record AuditEntry(Instant at, String actor, String issuer, String role, String action, String method, String path,
                    String saleId, String bodySha256, Map<String, String> changes, String clientAddress,
                    String userAgent, int status) {}

  public AdminRoutes(SaleView sales, TopicWriter writer, Topics topics, Clock clock, Path reportDir,
              AdminAudit audit, AuditView auditView) {
    this.sales = sales;
    this.writer = writer;
    this.topics = topics;
    this.clock = clock;
    this.reportDir = reportDir;
    this.audit = audit;
    this.auditView = auditView;
  }

  /** {@code ?status=SCHEDULED|LIVE|SOLD_OUT|ENDED} (absent: all), soonest start first. */
  public void list(Context ctx) {
    SaleStatus wanted = status(ctx.queryParam("status"));
    List<SaleBody> found = sales.all().stream()
        .map(sale -> SaleBody.of(sale, sales, clock.instant()))
        .filter(body -> wanted == null || body.status() == wanted)
        .sorted(Comparator.comparing(SaleBody::startsAt).thenComparing(SaleBody::saleId))
        .toList();
    ctx.json(Map.of("sales", found));
  }

  /**
   * Ends a sale now, through the topology: a record on {@code sale-ends}, decided by the sale's task at the
   * broker's time of append, which every instance then learns from {@code stock-levels}. Answers 200 with the
   * ended sale once this instance has read that decision back, 202 if it takes longer (the end is durable).
   */
  public void end(Context ctx) {
    Sale sale = sales.known(ctx.pathParam("saleId"));
    // No body: anything sent is a mistake, refused before anything is written (an oversized one is 413).
    if (ctx.bodyAsBytes().length > 0) {
      throw new Problem(ErrorCode.VALIDATION, "Ending a sale takes no body");
    }
    Instant now = clock.instant();
    if (sales.status(sale, now) == SaleStatus.ENDED) {
      throw new Problem(ErrorCode.SALE_ENDED, "Sale " + sale.getSaleId() + " ended at " + sales.closesAt(sale));
    }
    if (sales.stockLevel(sale.getSaleId()).isEmpty()) {
      // The topology has not opened the sale yet and would drop an end it cannot place.
      throw new Problem(ErrorCode.UNAVAILABLE, "Sale " + sale.getSaleId() + " is not open in the topology yet, please retry",
          Map.of("Retry-After", "1"), Map.of());
    }
    // A sharded sale ends in each of its shards.
    CompletableFuture<?>[] ends = Shards.deciding(sale).stream().map(decided -> writer.write(topics.saleEnds,
        decided.getSku(), SaleEnd.newBuilder().setSaleId(decided.getSaleId()).setSku(decided.getSku()).setRequestedAt(now)
            .build())).toArray(CompletableFuture[]::new);
    ctx.future(() -> audit.after(ctx, sale.getSaleId(), Map.of(), CompletableFuture.allOf(ends)
        .thenCompose(written -> sales.awaitEnd(sale.getSaleId(), END_READ_BACK_TIMEOUT))
        .thenAccept(endedAt -> ctx.status(endedAt == null ? HttpStatus.ACCEPTED : HttpStatus.OK)
            .json(SaleBody.of(sale, sales, clock.instant())))));
  }

  /** {@code ?limit=1..1000} (default 50): the newest admin actions this instance has read, newest first. */
  public void audit(Context ctx) {
    String limitParam = ctx.queryParam("limit");
    int limit = 50;
    if (limitParam != null) {
      try {
        limit = Integer.parseInt(limitParam);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > AuditView.KEPT) {
        throw new Problem(ErrorCode.VALIDATION, "limit must be an integer from 1 to " + AuditView.KEPT);
      }
    }
    List<AuditEntry> entries = auditView.newest(limit).stream().map(entry -> {
      var e = entry.event();
      return new AuditEntry(entry.at(), e.getActor(), e.getIssuer(), e.getRole().name().toLowerCase(Locale.ROOT),
          e.getAction().name(), e.getMethod(), e.getPath(), e.getSaleId(), e.getBodySha256(), e.getChanges(),
          e.getClientAddress(), e.getUserAgent(), e.getStatus());
    }).toList();
    ctx.json(Map.of("entries", entries, "caughtUp", auditView.caughtUp()));
  }

  /** The reports under FLASHSALE_REPORT_DIR ({@code <dir>/<day>/<run id>/report.html}), if this process sees it. */
  public void reports(Context ctx) {
    if (!Files.isDirectory(reportDir)) {
      ctx.json(new Reports(false, reportDir.toString(), List.of()));
      return;
    }
    List<Report> found = new ArrayList<>();
    try (Stream<Path> days = Files.list(reportDir)) {
      for (Path day : days.filter(Files::isDirectory).toList()) {
        String dayName = day.getFileName().toString();
        if (!DAY.matcher(dayName).matches()) {
          continue;
        }
        try (Stream<Path> runs = Files.list(day)) {
          runs.filter(run -> Files.isRegularFile(run.resolve("report.html")))
              .map(run -> run.getFileName().toString())
              .filter(run -> RUN_ID.matcher(run).matches())
              .forEach(run -> found.add(new Report(dayName, run, reportUrl(dayName, run, "report.html"),
                  reportUrl(dayName, run, "report.json"))));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(Comparator.comparing(Report::day).thenComparing(Report::runId).reversed());
    ctx.json(new Reports(true, reportDir.toString(), found));
  }

  /** One report file; the names are checked against fixed patterns, so no path leaves the report directory. */
  public void reportFile(Context ctx) {
    String day = ctx.pathParam("day");
    String runId = ctx.pathParam("runId");
    String file = ctx.pathParam("file");
    if (!DAY.matcher(day).matches() || !RUN_ID.matcher(runId).matches() || !REPORT_FILES.contains(file)) {
      throw new Problem(ErrorCode.VALIDATION, "A report is named by a day (YYYY-MM-DD), a run id and report.html or report.json");
    }
    Path path = reportDir.resolve(day).resolve(runId).resolve(file);
    if (!Files.isRegularFile(path)) {
      throw new Problem(ErrorCode.NOT_FOUND, "No report " + day + "/" + runId + "/" + file);
    }
    try {
      ctx.contentType(file.endsWith(".html") ? ContentType.TEXT_HTML + "; charset=utf-8" : ContentType.JSON)
          .result(Files.readAllBytes(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String reportUrl(String day, String runId, String file) {
    return "/api/admin/reports/" + day + "/" + runId + "/" + file;
  }

  private static SaleStatus status(String value) {
    if (value == null) {
      return null;
    }
    try {
      return SaleStatus.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new Problem(ErrorCode.VALIDATION, "status must be one of SCHEDULED, LIVE, SOLD_OUT, ENDED");
    }
  }
}
