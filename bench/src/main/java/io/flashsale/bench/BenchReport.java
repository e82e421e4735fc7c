package io.flashsale.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** Writes a run's results.json, report.md, the charts and an index.html that shows them. */
final class BenchReport {
  static final String RESULTS_JSON = "results.json";
  static final String REPORT_MD = "report.md";
  static final String THROUGHPUT_PNG = "throughput.png";
  static final String LATENCY_PNG = "latency.png";
  static final String PERCENTILES_PNG = "latency-percentiles.png";
  static final String FLASH_PNG = "flash-timeline.png";
  static final String INDEX_HTML = "index.html";

  /** The issue's goals: reported beside each figure, never asserted. */
  static final double TARGET_HOT_SKU_TIMES_REDIS = 2;
  static final double TARGET_HOT_SKU_RPS = 100_000;
  static final double TARGET_HTTP_ACCEPT_SHARE_OF_CEILING = 0.5;
  static final double TARGET_HTTP_ACCEPT_P99_MS = 50;
  static final double TARGET_HTTP_SOLDOUT_SHARE_OF_CEILING = 0.8;
  static final double TARGET_E2E_P99_MS_AT_5K = 100;
  static final double TARGET_TIMES_POSTGRES = 10;
  static final double TARGET_E2E_IDLE_P99_MS = 50;
  static final double TARGET_FLASH_SHARE_OF_CEILING = 0.7;
  static final double TARGET_FLASH_DECISION_P99_MS = 1_000;
  static final double TARGET_FLASH_BOOKS_S = 10;
  static final double TARGET_SINK_OUTCOMES_PER_S = 20_000;

  /**
   * One line of the report.
   *
   * @param met whether the target is met; null where there is no target or no figure
   * @param throughput whether the figure is a rate, which is compared with the ceiling
   */
  record Row(String figure, String key, Double value, String unit, String target, Boolean met, boolean throughput) {}

  private BenchReport() {}

  static List<Row> rows(BenchResults r) {
    List<Row> rows = new ArrayList<>();
    rows.add(rate("Ceiling: exactly_once_v2 pass-through", "ceiling_eos_passthrough_rps", r.ceilingEosPassthroughRps, "records/s", "", null));
    rows.add(rate("Topology, 1 hot SKU (1 partition)", "topology_hot_sku_rps", r.topologyHotSkuRps, "decisions/s",
        ">= 100,000/s and >= 2x Redis", v -> v >= TARGET_HOT_SKU_RPS && r.topologyVsRedis != null
            && r.topologyVsRedis >= TARGET_HOT_SKU_TIMES_REDIS));
    rows.add(rate("Topology, 1,000 SKUs (8 partitions)", "topology_many_skus_rps", r.topologyManySkusRps, "decisions/s",
        ">= the hot SKU", v -> r.topologyHotSkuRps != null && v >= r.topologyHotSkuRps));
    rows.add(factor("Topology hot SKU / Redis Lua", "topology_vs_redis", r.topologyVsRedis, ">= 2", TARGET_HOT_SKU_TIMES_REDIS));
    rows.add(rate("HTTP ceiling: bare Javalin, fixed 409 (buyer per request)", "http_ceiling_rps", r.httpCeilingRps,
        "requests/s", "", null));
    rows.add(rate("HTTP accepted (POST until 202)", "http_accept_rps", r.httpAcceptRps, "requests/s", "", null));
    rows.add(factor("HTTP accepted / HTTP ceiling", "http_accept_ratio", r.httpAcceptRatio, ">= 0.5",
        TARGET_HTTP_ACCEPT_SHARE_OF_CEILING));
    rows.add(latency("HTTP accepted p50", "http_accept_p50_ms", r.httpAcceptP50Ms, "", null));
    rows.add(latency("HTTP accepted p99", "http_accept_p99_ms", r.httpAcceptP99Ms, "< 50 ms", v -> v < TARGET_HTTP_ACCEPT_P99_MS));
    rows.add(latency("HTTP accepted p99.9", "http_accept_p999_ms", r.httpAcceptP999Ms, "", null));
    rows.add(rate("HTTP sold out at the edge (409)", "http_soldout_rps", r.httpSoldoutRps, "requests/s", "", null));
    rows.add(factor("HTTP sold out / HTTP ceiling", "http_soldout_ratio", r.httpSoldoutRatio, ">= 0.8",
        TARGET_HTTP_SOLDOUT_SHARE_OF_CEILING));
    rows.add(latency("HTTP sold out p99", "http_soldout_p99_ms", r.httpSoldoutP99Ms, "", null));
    rows.add(latency("Time to decision p50 at 1k/s", "e2e_p50_ms_at_1k", r.e2eP50MsAt1k, "", null));
    rows.add(latency("Time to decision p99 at 1k/s", "e2e_p99_ms_at_1k", r.e2eP99MsAt1k, "", null));
    rows.add(latency("Time to decision p50 at 5k/s", "e2e_p50_ms_at_5k", r.e2eP50MsAt5k, "", null));
    rows.add(latency("Time to decision p99 at 5k/s", "e2e_p99_ms_at_5k", r.e2eP99MsAt5k, "< 100 ms", v -> v < TARGET_E2E_P99_MS_AT_5K));
    rows.add(new Row("Highest offered rate with time to decision p99 < 100 ms", "e2e_max_rate_p99_under_100ms",
        r.e2eMaxRateP99Under100ms, "requests/s", "", null, false));
    rows.add(latency("Time to decision p99, idle (a few clicks a second, warm stack)", "e2e_idle_p99_ms", r.e2eIdleP99Ms,
        "< 50 ms", v -> v < TARGET_E2E_IDLE_P99_MS));
    rows.add(rate("Flash: clicks absorbed (best 5 s)", "flash_clicks_per_s", r.flashClicksPerS, "clicks/s", "", null));
    rows.add(rate("Flash: the same clicks against the HTTP ceiling", "flash_ceiling_clicks_per_s", r.flashCeilingClicksPerS,
        "clicks/s", "", null));
    rows.add(factor("Flash clicks / the ceiling's", "flash_ceiling_ratio", r.flashCeilingRatio, ">= 0.7",
        TARGET_FLASH_SHARE_OF_CEILING));
    rows.add(latency("Flash: POST answered p99 (202 or 409)", "flash_post_p99_ms", r.flashPostP99Ms, "", null));
    rows.add(latency("Flash: time to decision p99", "flash_decision_p99_ms", r.flashDecisionP99Ms, "< 1 s",
        v -> v < TARGET_FLASH_DECISION_P99_MS));
    // Beside the flash's latency: a generator that sends late makes every click's latency from its intended start.
    rows.add(latency("Flash: the click generator's lag behind its schedule p99", "flash_generator_lag_p99_ms",
        number(r.details.get("flash_generator_lag_p99_ms")), "", null));
    rows.add(new Row("Flash: sold out after (last ACCEPTED reached its buyer)", "flash_sellout_s", r.flashSelloutS, "s", "",
        null, false));
    rows.add(new Row("Flash: accepted (exactly the stock)", "flash_accepted", r.flashAccepted == null ? null
        : r.flashAccepted.doubleValue(), "", "= stock", r.flashAccepted == null ? null
        : Long.valueOf(r.flashAccepted).equals(r.details.get("flash_stock") == null ? null
            : ((Number) r.details.get("flash_stock")).longValue()), false));
    rows.add(new Row("Flash: clicks without an answer (5xx, time-out)", "flash_unanswered", r.flashUnanswered == null ? null
        : r.flashUnanswered.doubleValue(), "", "0", r.flashUnanswered == null ? null : r.flashUnanswered == 0, false));
    rows.add(new Row("Flash: books hold every order, s after the last click (negative: before it)",
        "flash_books_complete_s", r.flashBooksCompleteS, "s", "<= 10 s", r.flashBooksCompleteS == null ? null
        : r.flashBooksCompleteS <= TARGET_FLASH_BOOKS_S, false));
    rows.add(new Row("Flash: the sink's peak lag behind the decisions", "flash_sink_peak_lag_offsets",
        number(r.details.get("flash_sink_peak_lag_offsets")), "offsets", "", null, false));
    if (r.details.get("flash_cpu_cores") instanceof Map<?, ?> cores) {
      cores.forEach((process, used) -> rows.add(new Row("Flash: CPU cores of " + process, "flash_cpu_cores." + process,
          number(used), "cores", "", null, false)));
    }
    rows.add(rate("Sink: outcomes written to PostgreSQL (peak second of the flash)", "sink_outcomes_per_s",
        r.sinkOutcomesPerS, "outcomes/s", ">= 20,000/s", v -> v >= TARGET_SINK_OUTCOMES_PER_S));
    rows.add(rate("Baseline: PostgreSQL hot row", "baseline_postgres_hot_row_rps", r.baselinePostgresHotRowRps, "purchases/s",
        "topology hot SKU >= 10x this", v -> r.topologyHotSkuRps != null && r.topologyHotSkuRps >= TARGET_TIMES_POSTGRES * v));
    rows.add(rate("Baseline: Redis Lua script", "baseline_redis_lua_rps", r.baselineRedisLuaRps, "purchases/s", "", null));
    rows.add(new Row("Peak RSS of the bench JVM", "peak_rss_mb", r.peakRssMb, "MiB", "", null, false));
    return rows;
  }

  private static Double number(Object value) {
    return value instanceof Number n ? n.doubleValue() : null;
  }

  static void write(Path dir, BenchResults results, Map<String, Histogram> histograms) throws IOException {
    Files.createDirectories(dir);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(RESULTS_JSON).toFile(), results);
    List<Row> rows = rows(results);
    Files.writeString(dir.resolve(REPORT_MD), markdown(results, rows), StandardCharsets.UTF_8);
    throughputChart(rows, dir.resolve(THROUGHPUT_PNG));
    latencyChart(results, dir.resolve(LATENCY_PNG));
    percentileChart(histograms, dir.resolve(PERCENTILES_PNG));
    flashChart(results.flashTimeline, dir.resolve(FLASH_PNG));
    Files.writeString(dir.resolve(INDEX_HTML), html(results, rows), StandardCharsets.UTF_8);
  }

  /**
   * HTTP figures are set against the HTTP ceiling, the flash's against the same clicks on that ceiling, the sink's
   * against nothing, the topology's against the exactly-once pass-through.
   */
  private static Double ceilingOf(Row row, BenchResults results) {
    if (row.key().startsWith("http_")) {
      return results.httpCeilingRps;
    }
    if (row.key().startsWith("flash_")) {
      return results.flashCeilingClicksPerS;
    }
    return row.key().startsWith("sink_") ? null : results.ceilingEosPassthroughRps;
  }

  static String markdown(BenchResults results, List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("# Flashsale bench, ").append(results.mode).append(" run of ").append(results.startedAt).append("\n\n");
    BenchResults.Machine m = results.machine;
    if (m != null) {
      md.append(String.format("Machine: %d cores, %,d MiB, %s, %s. Broker, topology, API, load generators, PostgreSQL and "
          + "Redis all share it.%n%n", m.cores(), m.memoryMb(), m.jdk(), m.os()));
    }
    md.append("| Figure | Measured | Target | Met | Ratio to ceiling |\n|---|---:|---|:-:|---:|\n");
    for (Row row : rows) {
      md.append("| ").append(row.figure()).append(" (`").append(row.key()).append("`) | ").append(measured(row))
          .append(" | ").append(row.target()).append(" | ").append(met(row.met())).append(" | ")
          .append(ratio(row, ceilingOf(row, results))).append(" |\n");
    }
    if (!results.latency.isEmpty()) {
      md.append("\n## Latency percentiles (ms)\n\n| Scenario | Count | p50 | p90 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|---:|\n");
      results.latency.forEach((name, l) -> md.append(String.format("| %s | %,d | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
          name, l.count(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.p999Ms(), l.maxMs())));
    }
    tables(results).forEach(t -> md.append(t.markdown()));
    if (!results.jmhOpsPerSecond.isEmpty()) {
      md.append("\n## JMH (operations/s)\n\n| Benchmark | ops/s |\n|---|---:|\n");
      results.jmhOpsPerSecond.forEach((name, score) -> md.append(String.format("| %s | %,.0f |%n", name, score)));
    }
    if (!results.notes.isEmpty()) {
      md.append("\n## Notes\n\n");
      results.notes.forEach(note -> md.append("- ").append(note).append('\n'));
    }
    md.append("\nCharts: ").append(THROUGHPUT_PNG).append(", ").append(LATENCY_PNG).append(", ").append(PERCENTILES_PNG)
        .append(results.flashTimeline == null ? "" : ", " + FLASH_PNG)
        .append(" (all in ").append(INDEX_HTML).append("). Every figure and its details: ").append(RESULTS_JSON).append(".\n");
    return md.toString();
  }

  /** A table of its own in the report: a title, its columns, its rows of cells as text. */
  record Table(String title, List<String> columns, List<List<String>> rows) {
    String markdown() {
      StringBuilder md = new StringBuilder("\n## ").append(title).append("\n\n| ").append(String.join(" | ", columns))
          .append(" |\n|").append("---:|".repeat(columns.size())).append('\n');
      rows.forEach(row -> md.append("| ").append(String.join(" | ", row)).append(" |\n"));
      return md.toString();
    }

    String html() {
      StringBuilder html = new StringBuilder("<h2>").append(escape(title)).append("</h2><table><tr>");
      columns.forEach(c -> html.append("<th>").append(escape(c)).append("</th>"));
      html.append("</tr>\n");
      rows.forEach(row -> html.append("<tr><td>").append(String.join("</td><td>", row)).append("</td></tr>\n"));
      return html.append("</table>").toString();
    }
  }

  /** What a stream thread's commit blocked for: the producer's flush, the offsets, the transaction's commit. */
  static Double msPerCommit(Map<String, Double> commits) {
    List<String> steps = List.of("flush_ms_per_commit", "send_offsets_ms_per_commit", "commit_txn_ms_per_commit");
    return steps.stream().allMatch(step -> commits.get(step) != null)
        ? steps.stream().mapToDouble(commits::get).sum() : null;
  }

  /** The tables of the run: the time to decision at each fixed rate, the settings table. */
  static List<Table> tables(BenchResults results) {
    List<Table> tables = new ArrayList<>();
    if (!results.e2eRates.isEmpty()) {
      tables.add(new Table("Time to decision at fixed rates (open loop, from each click's intended start)",
          List.of("offered/s", "decided/s", "p50 ms", "p99 ms", "p99.9 ms", "without a decision", "generator lag p99 ms",
              "stack JVM cores", "generator cores", "PostgreSQL cores", "commits/s", "ms per commit"),
          results.e2eRates.stream().map(r -> List.of(String.format("%,d", r.offeredPerS()),
              String.format("%,.0f", r.decidedPerS()), String.format("%.1f", r.p50Ms()), String.format("%.1f", r.p99Ms()),
              String.format("%.1f", r.p999Ms()), String.valueOf(r.withoutDecision()),
              String.format("%.1f", r.generatorLagP99Ms()), cell("%.2f", r.cpuCores().get("stack_jvm")),
              cell("%.2f", r.cpuCores().get("click_generator")), cell("%.2f", r.cpuCores().get("postgresql")),
              cell("%.1f", r.streamsCommits().get("commits_per_s")), cell("%.1f", msPerCommit(r.streamsCommits()))))
              .toList()));
    }
    if (!results.settingsTable.isEmpty()) {
      tables.add(new Table("Latency settings against throughput (medians of the rounds)", SETTINGS_COLUMNS,
          results.settingsTable.stream().map(BenchReport::settingsCells).toList()));
    }
    return tables;
  }

  static final List<String> SETTINGS_COLUMNS = List.of("commit interval ms", "eager-commit lag ms", "Streams poll ms",
      "Streams linger ms", "backlog decisions/s", "idle p50 ms", "idle p99 ms", "live offered/s", "live decided/s",
      "live p99 ms", "generator lag p99 ms");

  /** A row of the settings table, its cells as text: "" where not measured. */
  static List<String> settingsCells(SettingsBench.Row row) {
    SettingsBench.Setting s = row.setting();
    return List.of(String.valueOf(s.commitIntervalMs()), String.valueOf(s.eagerCommitLagMs()),
        String.valueOf(s.streamsPollMs()), String.valueOf(s.streamsLingerMs()), cell("%,.0f", row.backlogDecisionsPerS()),
        cell("%.1f", row.idleP50Ms()), cell("%.1f", row.idleP99Ms()), cell("%,.0f", row.liveOfferedPerS()),
        cell("%,.0f", row.liveDecidedPerS()), cell("%.1f", row.liveP99Ms()), cell("%.1f", row.liveGeneratorLagP99Ms()));
  }

  private static String cell(String format, Double value) {
    return value == null ? "" : String.format(format, value);
  }

  /** A ratio of two figures of the same run, against the least it should be. */
  private static Row factor(String figure, String key, Double value, String target, double atLeast) {
    return new Row(figure, key, value, "x", target, value == null ? null : value >= atLeast, false);
  }

  private static Row rate(String figure, String key, Double value, String unit, String target, Predicate<Double> goal) {
    return new Row(figure, key, value, unit, target, value == null || goal == null ? null : goal.test(value), true);
  }

  private static Row latency(String figure, String key, Double value, String target, Predicate<Double> goal) {
    return new Row(figure, key, value, "ms", target, value == null || goal == null ? null : goal.test(value), false);
  }

  static String measured(Row row) {
    if (row.value() == null) {
      return "skipped";
    }
    return switch (row.unit()) {
      case "ms" -> String.format("%.2f ms", row.value());
      case "x" -> String.format("%.2fx", row.value());
      case "s" -> String.format("%.2f s", row.value());
      case "cores" -> String.format("%.2f cores", row.value());
      case "" -> String.format("%,.0f", row.value());
      default -> String.format("%,.0f %s", row.value(), row.unit());
    };
  }

  private static String met(Boolean met) {
    return met == null ? "" : met ? "yes" : "no";
  }

  static String ratio(Row row, Double ceiling) {
    return row.throughput() && row.value() != null && ceiling != null && ceiling > 0
        ? String.format("%.2f", row.value() / ceiling) : "";
  }

  private static void throughputChart(List<Row> rows, Path file) throws IOException {
    List<String> names = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    rows.stream().filter(r -> r.throughput() && r.value() != null).forEach(r -> {
      names.add(r.figure().replaceFirst(" \\(.*", ""));
      values.add(r.value());
    });
    if (names.isEmpty()) {
      return;
    }
    CategoryChart chart = new CategoryChartBuilder().width(1200).height(600).title("Throughput (per second)")
        .yAxisTitle("per second").build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(20);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setDecimalPattern("#,###");
    chart.addSeries("per second", names, values);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** p50 to p99.9 of every scenario side by side. */
  private static void latencyChart(BenchResults results, Path file) throws IOException {
    if (results.latency.isEmpty()) {
      return;
    }
    List<String> scenarios = new ArrayList<>(results.latency.keySet());
    CategoryChart chart = new CategoryChartBuilder().width(1200).height(600).title("Latency percentiles (ms)")
        .yAxisTitle("ms").build();
    chart.getStyler().setXAxisLabelRotation(20);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    addPercentile(chart, "p50", scenarios, results, Latency::p50Ms);
    addPercentile(chart, "p90", scenarios, results, Latency::p90Ms);
    addPercentile(chart, "p99", scenarios, results, Latency::p99Ms);
    addPercentile(chart, "p99.9", scenarios, results, Latency::p999Ms);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void addPercentile(CategoryChart chart, String name, List<String> scenarios, BenchResults results,
      java.util.function.ToDoubleFunction<Latency> percentile) {
    chart.addSeries(name, scenarios, scenarios.stream().map(s -> percentile.applyAsDouble(results.latency.get(s))).toList());
  }

  /** The whole latency distribution of the HTTP scenarios, HdrHistogram style: x = 1 / (1 - percentile). */
  private static void percentileChart(Map<String, Histogram> histograms, Path file) throws IOException {
    if (histograms.isEmpty()) {
      return;
    }
    XYChart chart = new XYChartBuilder().width(1200).height(600).title("Latency by percentile")
        .xAxisTitle("percentile (1 / (1 - p): 10 = p90, 100 = p99, 1000 = p99.9)").yAxisTitle("ms").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    int series = 0;
    for (Map.Entry<String, Histogram> entry : histograms.entrySet()) {
      Histogram histogram = entry.getValue();
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (HistogramIterationValue value : histogram.percentiles(5)) {
        double percentile = value.getPercentileLevelIteratedTo();
        if (percentile >= 100.0) {
          break;
        }
        x.add(100.0 / (100.0 - percentile));
        y.add(value.getValueIteratedTo() / 1000.0);
      }
      if (!x.isEmpty()) {
        chart.addSeries(entry.getKey(), x, y);
        series++;
      }
    }
    if (series > 0) {
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
  }

  /**
   * The flash second by second: clicks due, decisions reaching buyers (accepted, rejected, sold out) on the left
   * axis; the time to decision p50 and p99 of the clicks due in each second on the right.
   */
  private static void flashChart(FlashTimeline.Seconds timeline, Path file) throws IOException {
    if (timeline == null || timeline.length() == 0) {
      return;
    }
    XYChart chart = new XYChartBuilder().width(1200).height(600).title("The flash over time")
        .xAxisTitle("seconds from the first click").yAxisTitle("per second").build();
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    List<Integer> seconds = java.util.stream.IntStream.range(0, timeline.length()).boxed().toList();
    chart.addSeries("clicks due", seconds, timeline.offered());
    chart.addSeries("decisions", seconds, java.util.stream.IntStream.range(0, timeline.length())
        .mapToObj(timeline::decisions).toList());
    chart.addSeries("accepted", seconds, timeline.accepted());
    List<Integer> withLatency = seconds.stream().filter(s -> timeline.decisionP99Ms().get(s) != null).toList();
    if (!withLatency.isEmpty()) {
      chart.addSeries("decision p50 (ms, right)", withLatency, withLatency.stream().map(timeline.decisionP50Ms()::get).toList())
          .setYAxisGroup(1);
      chart.addSeries("decision p99 (ms, right)", withLatency, withLatency.stream().map(timeline.decisionP99Ms()::get).toList())
          .setYAxisGroup(1);
      chart.setYAxisGroupTitle(1, "ms");
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static String html(BenchResults results, List<Row> rows) {
    StringBuilder table = new StringBuilder();
    for (Row row : rows) {
      table.append(String.format("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n", escape(row.figure()),
          measured(row), escape(row.target()), met(row.met()), ratio(row, ceilingOf(row, results))));
    }
    StringBuilder tables = new StringBuilder();
    tables(results).forEach(t -> tables.append(t.html()));
    return """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Flashsale bench %s</title>
        <style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}td:nth-child(2){text-align:right}</style>
        </head><body>
        <h1>Flashsale bench, %s run of %s</h1>
        <table><tr><th>Figure</th><th>Measured</th><th>Target</th><th>Met</th><th>Ratio to ceiling</th></tr>
        %s</table>
        %s
        <h2>Throughput</h2><img src="%s" alt="throughput">
        <h2>Latency</h2><img src="%s" alt="latency percentiles"><img src="%s" alt="latency by percentile">
        %s
        <p>All figures: <a href="%s">%s</a>, <a href="%s">%s</a></p>
        </body></html>
        """.formatted(escape(results.startedAt), escape(results.mode), escape(results.startedAt), table, tables, THROUGHPUT_PNG,
        LATENCY_PNG, PERCENTILES_PNG,
        results.flashTimeline == null ? "" : "<h2>The flash over time</h2><img src=\"" + FLASH_PNG + "\" alt=\"flash\">",
        RESULTS_JSON, RESULTS_JSON, REPORT_MD, REPORT_MD);
  }

  private static String escape(String text) {
    return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
