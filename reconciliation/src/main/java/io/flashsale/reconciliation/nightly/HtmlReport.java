package io.flashsale.reconciliation.nightly;

import io.flashsale.reconciliation.nightly.Reports.SaleSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}, for people: the run's summary, a chart per sale, and the first
 * {@value #HTML_DISCREPANCIES} discrepancies with what each party says and the steps of the buyer's flow they belong
 * to (all of them are in {@code report.json}).
 */
final class HtmlReport {
  private static final int HTML_DISCREPANCIES = 500;

  private HtmlReport() {}

  static void write(ReportStatements sql, Path file, RunSummary summary) throws IOException {
    try (Writer out = Files.newBufferedWriter(file)) {
      RunStatus status = summary.status();
      String runId = summary.runId();
      out.write("""
          <!doctype html>
          <html lang="en"><head><meta charset="utf-8"><title>Reconciliation %1$s</title>
          <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
            table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
            th { background: #f3f3f3; } .num { text-align: right; } .status { font-size: 1.3em; font-weight: bold; padding: 6px 12px; display: inline-block; }
            .CLEAN, .CORRECTED, .NOTHING_NEW { background: #d8f0d8; } .NEEDS_PERSON, .FAILED { background: #f8d0d0; }
            .sale { border: 1px solid #ddd; padding: 0.5em 1em; margin: 1em 0; } code { font-size: 12px; white-space: pre-wrap; }
            ol.flow { margin: 0.3em 0 0 0; padding-left: 1.4em; font-size: 12px; min-width: 22em; }
          </style></head><body>
          <h1>Reconciliation of %1$s</h1>
          <p><span class="status %2$s">%2$s</span> run <code>%3$s</code>, %4$s to %5$s</p>
          """.formatted(html(summary.day()), status, html(runId), html(summary.startedAt()),
          html(summary.finishedAt())));
      out.write("<p>" + html(switch (status) {
        case CLEAN -> "The Kafka log, the database and the payment provider agree.";
        case CORRECTED -> "Everything found was corrected by this run; nobody needs to act.";
        case NOTHING_NEW -> "Nothing new: everything found had been corrected by an earlier run, whose effect is on its way.";
        case NEEDS_PERSON -> "Some discrepancies need a person: they are listed below with what each party says.";
        case FAILED -> "The run failed.";
      }) + "</p>\n");
      out.write("<h2>The parties</h2>\n<table>");
      for (var entry : summary.parties().entrySet()) {
        out.write(row(html(entry.getKey()), number(entry.getValue())));
      }
      Map<String, Long> lag = summary.sinkLag();
      out.write(row("sink lag (offsets of the log not yet in the database)", number(lag.get("offsets"))));
      out.write(row("of them from this day (not judged yet)", number(lag.get("recordsOfTheDay"))));
      List<String> undecodableRecords = summary.undecodableRecords();
      out.write(row("records of the day not decodable, skipped (topic-partition@offset)",
          undecodableRecords.isEmpty() ? "none" : html(undecodableRecords.stream().map(String::valueOf)
              .collect(java.util.stream.Collectors.joining(", ")))));
      out.write("</table>\n<h2>Discrepancies by class</h2>\n<table><tr><th>class</th><th>meaning</th>"
          + "<th>corrected now</th><th>corrected before</th><th>needs a person</th></tr>\n");
      for (DiscrepancyClass c : DiscrepancyClass.values()) {
        Map<String, Long> actions = summary.byClass().getOrDefault(c.name(), Map.of());
        out.write("<tr><td>" + c.name() + "</td><td>" + html(c.meaning()) + "</td>"
            + cell(actions.get("CORRECTED")) + cell(actions.get("ALREADY_CORRECTED")) + cell(actions.get("NEEDS_PERSON"))
            + "</tr>\n");
      }
      out.write("</table>\n<h2>Sales</h2>\n");
      for (SaleSummary sale : summary.sales()) {
        out.write(saleSection(sale));
      }
      out.write("<h2>Discrepancies</h2>\n<table><tr><th>class</th><th>subject</th><th>action</th>"
          + "<th>log</th><th>database</th><th>provider</th></tr>\n");
      Reports.forEachDiscrepancy(sql, runId, HTML_DISCREPANCIES, (d, flow) -> {
        try {
          out.write("<tr><td>" + html(d.discrepancyClass()) + "</td><td><code>" + html(d.subject()) + "</code>"
              + (d.requestId() != null ? "<br>request <code>" + html(d.requestId()) + "</code>" : "")
              + (d.flowId() != null ? "<br>flow <code class=\"flow\">" + html(d.flowId()) + "</code>" + steps(flow) : "")
              + "</td><td>" + html(d.action())
              + (d.correctionId() != null ? "<br><code>" + html(d.correctionId()) + "</code>" : "")
              + "</td><td><code>" + html(d.logEvidence()) + "</code></td><td><code>"
              + html(d.databaseEvidence()) + "</code></td><td><code>" + html(d.providerEvidence())
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

  /** A flow's steps in order, each with its time and where it was read. */
  private static String steps(List<ReportStatements.FlowStep> flow) {
    if (flow.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("<ol class=\"flow\">");
    for (ReportStatements.FlowStep step : flow) {
      out.append("<li><b>").append(html(step.step())).append("</b> ").append(html(step.at())).append(" (")
          .append(html(step.source())).append(")");
      if (step.detail() != null) {
        out.append(": ").append(html(step.detail()));
      }
      if (step.paymentId() != null) {
        out.append(", payment <code>").append(html(step.paymentId())).append("</code>");
      }
      out.append("</li>");
    }
    return out.append("</ol>").toString();
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

  static String html(Object value) {
    if (value == null) {
      return "";
    }
    return value.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
