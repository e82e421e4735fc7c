package io.flashsale.reconciliation.nightly;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * The report of a run: {@code report.json} for machines (the summary and every discrepancy, streamed from the
 * database page by page) and {@code report.html} for people (the summary, a chart per sale, and the first
 * {@value #HTML_DISCREPANCIES} discrepancies with what each party says).
 */
final class Reports {
  static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private static final int HTML_DISCREPANCIES = 500;
  private static final int PAGE = 1_000;

  private Reports() {}

  /** One sale's day as the parties saw it; the log's stock level is null if the log has none. */
  public record SaleSummary(String saleId, String name, String currency, Long priceCents, Integer stock,
                     Integer dbReserved, Integer dbConfirmed, Integer logAvailable, Integer logReserved,
                     Integer logConfirmed, long accepted, long rejected, long confirmed, long expired, long cancelled,
                     long refundsDue, long chargedCents, long refundedCents, long discrepancies) {}

  private static final String SALES = """
      WITH outcomes AS (
        SELECT sale_id, count(*) FILTER (WHERE status = 'ACCEPTED') AS accepted,
               count(*) FILTER (WHERE status = 'REJECTED') AS rejected,
               count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
               count(*) FILTER (WHERE status = 'EXPIRED') AS expired,
               count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
               count(*) FILTER (WHERE status = 'REFUND_DUE') AS refunds_due
        FROM log_outcomes GROUP BY sale_id),
      money AS (
        SELECT o.sale_id, coalesce(sum(st.amount_cents) FILTER (WHERE st.type = 'CHARGE'), 0) AS charged_cents,
               coalesce(sum(st.amount_cents) FILTER (WHERE st.type = 'REFUND'), 0) AS refunded_cents
        FROM provider_settlements st JOIN orders o ON o.request_id = st.request_id GROUP BY o.sale_id),
      found AS (SELECT sale_id, count(*) AS discrepancies FROM reconciliation_discrepancies
                WHERE run_id = :run GROUP BY sale_id),
      touched AS (SELECT sale_id FROM outcomes UNION SELECT sale_id FROM money)
      SELECT t.sale_id, s.name, s.currency, s.price_cents, s.stock, s.reserved AS db_reserved,
             s.confirmed AS db_confirmed, k.available AS log_available, k.reserved AS log_reserved,
             k.confirmed AS log_confirmed, coalesce(x.accepted, 0) AS accepted, coalesce(x.rejected, 0) AS rejected,
             coalesce(x.confirmed, 0) AS confirmed, coalesce(x.expired, 0) AS expired,
             coalesce(x.cancelled, 0) AS cancelled, coalesce(x.refunds_due, 0) AS refunds_due,
             coalesce(m.charged_cents, 0) AS charged_cents, coalesce(m.refunded_cents, 0) AS refunded_cents,
             coalesce(f.discrepancies, 0) AS discrepancies
      FROM touched t
      LEFT JOIN sales s ON s.sale_id = t.sale_id
      LEFT JOIN log_stock_levels k ON k.sale_id = t.sale_id
      LEFT JOIN outcomes x ON x.sale_id = t.sale_id
      LEFT JOIN money m ON m.sale_id = t.sale_id
      LEFT JOIN found f ON f.sale_id = t.sale_id
      ORDER BY t.sale_id""";

  private static final String DISCREPANCIES = """
      SELECT class, subject, sale_id, request_id, payment_id, action, correction_id,
             log_evidence::text AS log_evidence, database_evidence::text AS database_evidence,
             provider_evidence::text AS provider_evidence
      FROM reconciliation_discrepancies
      WHERE run_id = :run AND (class, subject) > (:afterClass, :afterSubject)
      ORDER BY class, subject LIMIT :limit""";

  /** Sums up the run, writes both files into {@code <root>/<day>/<run id>/}, and answers the run's result. */
  /**
   * Each sale of the day as the parties saw it. Taken before the corrections, so that the database's counts
   * are from the same moment as the log's.
   */
  static List<SaleSummary> sales(Handle handle, String runId) {
    return handle.createQuery(SALES).bind("run", runId)
        .map(ConstructorMapper.of(SaleSummary.class)).list();
  }

  static RunResult write(Handle handle, Path root, String runId, LocalDate day, Instant startedAt, Instant finishedAt,
                         Map<String, Object> parties, Map<String, Long> sinkLag, List<SaleSummary> sales,
                         List<String> undecodable) throws IOException {
    Map<String, Map<String, Long>> byClass = new LinkedHashMap<>();
    Map<String, Long> counts = new LinkedHashMap<>(Map.of("found", 0L, "corrected", 0L, "alreadyCorrected", 0L, "needsPerson", 0L));
    handle.createQuery("SELECT class, action, count(*) FROM reconciliation_discrepancies WHERE run_id = :run GROUP BY class, action ORDER BY class, action")
        .bind("run", runId)
        .map((rs, ctx) -> {
          long n = rs.getLong(3);
          byClass.computeIfAbsent(rs.getString(1), c -> new LinkedHashMap<>()).put(rs.getString(2), n);
          counts.merge("found", n, Long::sum);
          counts.merge(switch (rs.getString(2)) {
            case "CORRECTED" -> "corrected";
            case "ALREADY_CORRECTED" -> "alreadyCorrected";
            default -> "needsPerson";
          }, n, Long::sum);
          return n;
        }).list();
    RunStatus status = counts.get("needsPerson") > 0 ? RunStatus.NEEDS_PERSON
        : counts.get("corrected") > 0 ? RunStatus.CORRECTED
        : counts.get("alreadyCorrected") > 0 ? RunStatus.NOTHING_NEW
        : RunStatus.CLEAN;

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("runId", runId);
    summary.put("day", day.toString());
    summary.put("status", status);
    summary.put("startedAt", startedAt);
    summary.put("finishedAt", finishedAt);
    summary.put("parties", parties);
    summary.put("sinkLag", sinkLag);
    summary.put("undecodableRecords", List.copyOf(undecodable)); // topic-partition@offset, skipped
    summary.put("discrepancies", counts);
    summary.put("byClass", byClass);
    summary.put("sales", sales);

    Path dir = root.resolve(day.toString()).resolve(runId);
    Files.createDirectories(dir);
    writeJson(handle, dir.resolve("report.json"), runId, summary);
    writeHtml(handle, dir.resolve("report.html"), runId, summary, sales, byClass);
    return new RunResult(runId, status, finishedAt, dir, counts, byClass, summary);
  }

  private static void writeJson(Handle handle, Path file, String runId, Map<String, Object> summary) throws IOException {
    try (JsonGenerator out = JSON.getFactory().createGenerator(Files.newBufferedWriter(file))) {
      out.useDefaultPrettyPrinter();
      out.writeStartObject();
      for (var entry : summary.entrySet()) {
        out.writeFieldName(entry.getKey());
        JSON.writeValue(out, entry.getValue());
      }
      out.writeArrayFieldStart("discrepancyList");
      forEachDiscrepancy(handle, runId, Integer.MAX_VALUE, row -> {
        try {
          out.writeStartObject();
          for (var column : row.entrySet()) {
            out.writeFieldName(camel(column.getKey()));
            if (column.getKey().endsWith("_evidence") && column.getValue() != null) {
              out.writeRawValue((String) column.getValue());
            } else {
              JSON.writeValue(out, column.getValue());
            }
          }
          out.writeEndObject();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      out.writeEndArray();
      out.writeEndObject();
    }
  }

  /** Hands the run's discrepancies, at most {@code max}, one page in memory at a time. */
  private static void forEachDiscrepancy(Handle handle, String runId, int max,
                                         Consumer<Map<String, Object>> each) {
    String afterClass = "";
    String afterSubject = "";
    int seen = 0;
    while (seen < max) {
      List<Map<String, Object>> page = handle.createQuery(DISCREPANCIES).bind("run", runId)
          .bind("afterClass", afterClass).bind("afterSubject", afterSubject)
          .bind("limit", Math.min(PAGE, max - seen)).mapToMap().list();
      if (page.isEmpty()) {
        return;
      }
      page.forEach(each);
      seen += page.size();
      afterClass = (String) page.get(page.size() - 1).get("class");
      afterSubject = (String) page.get(page.size() - 1).get("subject");
    }
  }

  private static void writeHtml(Handle handle, Path file, String runId, Map<String, Object> summary,
                                List<SaleSummary> sales, Map<String, Map<String, Long>> byClass) throws IOException {
    try (Writer out = Files.newBufferedWriter(file)) {
      RunStatus status = (RunStatus) summary.get("status");
      out.write("""
          <!doctype html>
          <html lang="en"><head><meta charset="utf-8"><title>Reconciliation %1$s</title>
          <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
            table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
            th { background: #f3f3f3; } .num { text-align: right; } .status { font-size: 1.3em; font-weight: bold; padding: 6px 12px; display: inline-block; }
            .CLEAN, .CORRECTED, .NOTHING_NEW { background: #d8f0d8; } .NEEDS_PERSON, .FAILED { background: #f8d0d0; }
            .sale { border: 1px solid #ddd; padding: 0.5em 1em; margin: 1em 0; } code { font-size: 12px; white-space: pre-wrap; }
          </style></head><body>
          <h1>Reconciliation of %1$s</h1>
          <p><span class="status %2$s">%2$s</span> run <code>%3$s</code>, %4$s to %5$s</p>
          """.formatted(html(summary.get("day")), status, html(runId), html(summary.get("startedAt")),
          html(summary.get("finishedAt"))));
      out.write("<p>" + html(switch (status) {
        case CLEAN -> "The Kafka log, the database and the payment provider agree.";
        case CORRECTED -> "Everything found was corrected by this run; nobody needs to act.";
        case NOTHING_NEW -> "Nothing new: everything found had been corrected by an earlier run, whose effect is on its way.";
        case NEEDS_PERSON -> "Some discrepancies need a person: they are listed below with what each party says.";
        case FAILED -> "The run failed.";
      }) + "</p>\n");
      out.write("<h2>The parties</h2>\n<table>");
      Map<?, ?> parties = (Map<?, ?>) summary.get("parties");
      for (var entry : parties.entrySet()) {
        out.write(row(html(entry.getKey()), number(entry.getValue())));
      }
      Map<?, ?> lag = (Map<?, ?>) summary.get("sinkLag");
      out.write(row("sink lag (offsets of the log not yet in the database)", number(lag.get("offsets"))));
      out.write(row("of them from this day (not judged yet)", number(lag.get("recordsOfTheDay"))));
      List<?> undecodableRecords = (List<?>) summary.get("undecodableRecords");
      out.write(row("records of the day not decodable, skipped (topic-partition@offset)",
          undecodableRecords.isEmpty() ? "none" : html(undecodableRecords.stream().map(String::valueOf)
              .collect(java.util.stream.Collectors.joining(", ")))));
      out.write("</table>\n<h2>Discrepancies by class</h2>\n<table><tr><th>class</th><th>meaning</th>"
          + "<th>corrected now</th><th>corrected before</th><th>needs a person</th></tr>\n");
      for (DiscrepancyClass c : DiscrepancyClass.values()) {
        Map<String, Long> actions = byClass.getOrDefault(c.name(), Map.of());
        out.write("<tr><td>" + c.name() + "</td><td>" + html(c.meaning()) + "</td>"
            + cell(actions.get("CORRECTED")) + cell(actions.get("ALREADY_CORRECTED")) + cell(actions.get("NEEDS_PERSON"))
            + "</tr>\n");
      }
      out.write("</table>\n<h2>Sales</h2>\n");
      for (SaleSummary sale : sales) {
        out.write(saleSection(sale));
      }
      out.write("<h2>Discrepancies</h2>\n<table><tr><th>class</th><th>subject</th><th>action</th>"
          + "<th>log</th><th>database</th><th>provider</th></tr>\n");
      forEachDiscrepancy(handle, runId, HTML_DISCREPANCIES, d -> {
        try {
          out.write("<tr><td>" + html(d.get("class")) + "</td><td><code>" + html(d.get("subject")) + "</code>"
              + (d.get("request_id") != null ? "<br>request <code>" + html(d.get("request_id")) + "</code>" : "")
              + "</td><td>" + html(d.get("action"))
              + (d.get("correction_id") != null ? "<br><code>" + html(d.get("correction_id")) + "</code>" : "")
              + "</td><td><code>" + html(d.get("log_evidence")) + "</code></td><td><code>"
              + html(d.get("database_evidence")) + "</code></td><td><code>" + html(d.get("provider_evidence"))
              + "</code></td></tr>\n");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      out.write("</table>\n<p>Every discrepancy, with its evidence, is in <a href=\"report.json\">report.json</a>.</p>\n");
      out.write("</body></html>\n");
    }
  }

  /** A sale's units as the log's stock level has them (one stacked bar), its decisions of the day, and its money. */
  private static String saleSection(SaleSummary s) {
    StringBuilder out = new StringBuilder("<div class=\"sale\"><h3>" + html(s.saleId())
        + (s.name() != null ? " &middot; " + html(s.name()) : "") + "</h3>\n");
    if (s.stock() != null && s.logAvailable() != null) {
      int width = 600;
      double unit = (double) width / Math.max(1, s.stock());
      int confirmed = (int) Math.round(s.logConfirmed() * unit);
      int reserved = (int) Math.round(s.logReserved() * unit);
      int available = (int) Math.round(s.logAvailable() * unit);
      out.append("<svg width=\"").append(width + 20).append("\" height=\"46\" role=\"img\" aria-label=\"units\">")
          .append(bar(0, confirmed, "#2e7d32")).append(bar(confirmed, reserved, "#f9a825"))
          .append(bar(confirmed + reserved, available, "#bdbdbd"))
          .append("<rect x=\"0\" y=\"4\" width=\"").append(width).append("\" height=\"22\" fill=\"none\" stroke=\"#333\"/>")
          .append(String.format(Locale.ROOT, "<text x=\"0\" y=\"42\" font-size=\"12\">stock %d: confirmed %d, reserved %d, "
              + "available %d (log)%s</text></svg>\n", s.stock(), s.logConfirmed(), s.logReserved(), s.logAvailable(),
              s.dbConfirmed() != null ? String.format(Locale.ROOT, "; database: confirmed %d, reserved %d",
                  s.dbConfirmed(), s.dbReserved()) : ""));
    }
    long[] counts = {s.accepted(), s.rejected(), s.confirmed(), s.expired(), s.cancelled(), s.refundsDue()};
    String[] labels = {"accepted", "rejected", "confirmed", "expired", "cancelled", "refund due"};
    long most = Math.max(1, Arrays.stream(counts).max().orElse(1));
    out.append("<svg width=\"620\" height=\"").append(counts.length * 18 + 4).append("\" role=\"img\" aria-label=\"decisions\">");
    for (int i = 0; i < counts.length; i++) {
      int length = (int) Math.round(400.0 * counts[i] / most);
      out.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\" font-size=\"12\">%s</text>"
          + "<rect x=\"90\" y=\"%d\" width=\"%d\" height=\"13\" fill=\"#5c6bc0\"/>"
          + "<text x=\"%d\" y=\"%d\" font-size=\"12\">%,d</text>", i * 18 + 14, labels[i], i * 18 + 3, length,
          96 + length, i * 18 + 14, counts[i]));
    }
    out.append("</svg>\n");
    out.append(String.format(Locale.ROOT, "<p>Settled: charged %s, refunded %s %s. Discrepancies: %d.</p></div>%n",
        money(s.chargedCents()), money(s.refundedCents()), s.currency() == null ? "" : html(s.currency()),
        s.discrepancies()));
    return out.toString();
  }

  private static String bar(int x, int width, String colour) {
    return String.format(Locale.ROOT, "<rect x=\"%d\" y=\"4\" width=\"%d\" height=\"22\" fill=\"%s\"/>", x, width, colour);
  }

  private static String money(long cents) {
    return String.format(Locale.ROOT, "%,d.%02d", cents / 100, Math.abs(cents % 100));
  }

  private static String row(String label, String value) {
    return "<tr><th>" + label + "</th><td class=\"num\">" + value + "</td></tr>\n";
  }

  private static String cell(Long n) {
    return "<td class=\"num\">" + (n == null ? "" : n) + "</td>";
  }

  private static String number(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : html(value);
  }

  private static String camel(String column) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : column.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  static String html(Object value) {
    if (value == null) {
      return "";
    }
    return value.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
