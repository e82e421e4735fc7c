package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  private static final List<String> REQUIRED_KEYS = List.of("ceiling_eos_passthrough_rps", "topology_hot_sku_rps",
      "topology_many_skus_rps", "http_accept_rps", "http_accept_p99_ms", "http_soldout_rps", "http_soldout_p99_ms",
      "e2e_p50_ms_at_1k", "e2e_p99_ms_at_1k", "e2e_p99_ms_at_5k", "baseline_postgres_hot_row_rps",
      "baseline_redis_lua_rps", "peak_rss_mb", "machine", "flash_clicks_per_s", "flash_ceiling_ratio",
      "flash_decision_p99_ms", "flash_sellout_s", "flash_books_complete_s", "e2e_idle_p99_ms", "sink_outcomes_per_s");

  @TempDir Path dir;

  @Test
  void resultsJsonHasEveryKeyWithNullForSkippedFigures() throws Exception {
    BenchResults results = sample();
    results.baselineRedisLuaRps = null;
    results.note("Redis Lua skipped: redis-server is not available");

    BenchReport.write(dir, results, Map.of("http_accept", histogram(1_000, 2_000, 40_000)));

    JsonNode json = new ObjectMapper().readTree(dir.resolve(BenchReport.RESULTS_JSON).toFile());
    assertThat(REQUIRED_KEYS).allMatch(json::has);
    assertThat(json.get("topology_hot_sku_rps").asDouble()).isEqualTo(90_000);
    assertThat(json.get("baseline_redis_lua_rps").isNull()).isTrue();
    assertThat(json.get("machine").get("cores").asInt()).isPositive();
    assertThat(json.get("notes").get(0).asText()).contains("redis-server");
    assertThat(dir.resolve(BenchReport.THROUGHPUT_PNG)).isNotEmptyFile();
    assertThat(dir.resolve(BenchReport.LATENCY_PNG)).isNotEmptyFile();
    assertThat(dir.resolve(BenchReport.PERCENTILES_PNG)).isNotEmptyFile();
    assertThat(Files.readString(dir.resolve(BenchReport.INDEX_HTML))).contains(BenchReport.THROUGHPUT_PNG);
  }

  @Test
  void reportPutsEachTargetAndTheRatioToTheCeilingBesideTheFigure() throws Exception {
    BenchResults results = sample();
    BenchReport.write(dir, results, Map.of());
    List<String> lines = Files.readAllLines(dir.resolve(BenchReport.REPORT_MD));

    // 90,000/s is 90% of the ceiling and 2.25x Redis, but under 100,000/s: not met.
    assertThat(line(lines, "topology_hot_sku_rps")).contains("90,000 decisions/s", "| no |", "| 0.90 |");
    assertThat(line(lines, "topology_vs_redis")).contains("2.25x", "| yes |");
    // HTTP figures are set against the HTTP ceiling (50,000/s), not the topology's.
    assertThat(line(lines, "http_accept_rps")).contains("25,000 requests/s", "| 0.50 |");
    assertThat(line(lines, "http_accept_ratio")).contains("0.50x", "| yes |");
    assertThat(line(lines, "http_soldout_ratio")).contains("0.70x", "| no |");
    assertThat(line(lines, "http_accept_p99_ms")).contains("60.00 ms", "| no |");
    assertThat(line(lines, "e2e_p99_ms_at_5k")).contains("| yes |");
    // 90,000 against 8,000: more than ten times the hot row.
    assertThat(line(lines, "baseline_postgres_hot_row_rps")).contains("| yes |", "| 0.08 |");
  }

  @Test
  void theFlashStandsBesideItsCeilingWithItsTargetsAndItsChart() throws Exception {
    BenchResults results = sample();
    results.flashClicksPerS = 14_000.0;
    results.flashCeilingClicksPerS = 20_000.0;
    results.flashCeilingRatio = 0.7;
    results.flashDecisionP99Ms = 1_200.0;
    results.flashSelloutS = 3.5;
    results.flashBooksCompleteS = -2.0; // the books were complete before the last (sold-out) click
    results.flashAccepted = 9_999L;
    results.flashUnanswered = 0L;
    results.details.put("flash_stock", 10_000);
    results.details.put("flash_sink_peak_lag_offsets", 4_321L);
    results.details.put("flash_generator_lag_p99_ms", 12.5);
    results.details.put("flash_cpu_cores", Map.of("click_generator", 0.45));
    results.e2eIdleP99Ms = 45.0;
    results.sinkOutcomesPerS = 12_000.0;
    results.flashTimeline = new FlashTimeline.Seconds(List.of(500L, 900L), List.of(500L, 900L), List.of(10L, 0L),
        List.of(5L, 2L), List.of(400L, 898L), List.of(0L, 0L), java.util.Arrays.asList(30.0, null),
        java.util.Arrays.asList(80.0, null));

    BenchReport.write(dir, results, Map.of());

    JsonNode json = new ObjectMapper().readTree(dir.resolve(BenchReport.RESULTS_JSON).toFile());
    assertThat(json.get("flash_clicks_per_s").asDouble()).isEqualTo(14_000);
    assertThat(json.get("flash_timeline").get("offered")).hasSize(2);
    List<String> lines = Files.readAllLines(dir.resolve(BenchReport.REPORT_MD));
    // Set against the same clicks on the bare server, not against the topology's ceiling.
    assertThat(line(lines, "flash_clicks_per_s")).contains("14,000 clicks/s", "| 0.70 |");
    assertThat(line(lines, "flash_ceiling_ratio")).contains("0.70x", "| yes |");
    assertThat(line(lines, "flash_decision_p99_ms")).contains("1200.00 ms", "| no |");
    assertThat(line(lines, "flash_accepted")).contains("9,999", "| no |");
    assertThat(line(lines, "flash_unanswered")).contains("| yes |");
    assertThat(line(lines, "flash_books_complete_s")).contains("-2.00 s", "| yes |");
    assertThat(line(lines, "e2e_idle_p99_ms")).contains("45.00 ms", "| yes |");
    assertThat(line(lines, "sink_outcomes_per_s")).contains("12,000 outcomes/s", "| no |");
    assertThat(line(lines, "flash_sink_peak_lag_offsets")).contains("4,321 offsets");
    assertThat(line(lines, "flash_generator_lag_p99_ms")).contains("12.50 ms");
    assertThat(line(lines, "flash_cpu_cores.click_generator")).contains("0.45 cores");
    assertThat(dir.resolve(BenchReport.FLASH_PNG)).isNotEmptyFile();
    assertThat(Files.readString(dir.resolve(BenchReport.INDEX_HTML))).contains(BenchReport.FLASH_PNG);
  }

  @Test
  void theSettingsTableGoesToResultsJsonTheReportAndThePage() throws Exception {
    BenchResults results = sample();
    results.settingsTable.add(new SettingsBench.Row(new SettingsBench.Setting(100, 0, 100, 100), 120_000.0, 90.0, 190.0,
        5_000, 4_100.0, 70.0, 400.0, 3.5, List.of(Map.of("idle_p99_ms", 190.0))));
    results.settingsTable.add(new SettingsBench.Row(new SettingsBench.Setting(100, 100, 100, 5), 118_000.0, 20.0, 41.0,
        5_000, null, null, null, null, List.of()));

    BenchReport.write(dir, results, Map.of());

    JsonNode row = new ObjectMapper().readTree(dir.resolve(BenchReport.RESULTS_JSON).toFile()).get("settings_table").get(1);
    assertThat(row.get("setting").get("eager_commit_lag_ms").asLong()).isEqualTo(100);
    assertThat(row.get("setting").get("streams_linger_ms").asLong()).isEqualTo(5);
    assertThat(row.get("idle_p99_ms").asDouble()).isEqualTo(41.0);
    assertThat(row.get("live_p99_ms").isNull()).isTrue();
    List<String> lines = Files.readAllLines(dir.resolve(BenchReport.REPORT_MD));
    assertThat(lines).contains("| " + String.join(" | ", BenchReport.SETTINGS_COLUMNS) + " |",
        "| 100 | 0 | 100 | 100 | 120,000 | 90.0 | 190.0 | 5,000 | 4,100 | 400.0 | 3.5 |",
        "| 100 | 100 | 100 | 5 | 118,000 | 20.0 | 41.0 | 5,000 |  |  |  |");
    assertThat(Files.readString(dir.resolve(BenchReport.INDEX_HTML)))
        .contains("<th>eager-commit lag ms</th>", "<td>100</td><td>100</td><td>100</td><td>5</td><td>118,000</td>");
  }

  @Test
  void theRatesTableGoesToResultsJsonTheReportAndThePage() throws Exception {
    BenchResults results = sample();
    results.e2eRates.add(new LiveRatesBench.RateRow(1_000, 998, 12.5, 48.0, 70.0, 0, 1.5,
        Map.of("stack_jvm", 0.9, "click_generator", 0.2, "postgresql", 0.1), Map.of("flashsale-http-N", 0.4),
        Map.of("Produce TotalTimeMs", Map.of("p50", 3.0, "p99", 20.0)),
        Map.of("commits_per_s", 40.0, "flush_ms_per_commit", 4.0, "send_offsets_ms_per_commit", 3.0,
            "commit_txn_ms_per_commit", 8.0)));
    results.e2eRates.add(new LiveRatesBench.RateRow(5_000, 4_200, 900.0, 2_800.0, 3_100.0, 0, 2.0, Map.of(),
        Map.of(), Map.of(), Map.of()));

    BenchReport.write(dir, results, Map.of());

    JsonNode row = new ObjectMapper().readTree(dir.resolve(BenchReport.RESULTS_JSON).toFile()).get("e2e_rates").get(1);
    assertThat(row.get("offered_per_s").asInt()).isEqualTo(5_000);
    assertThat(row.get("p99_ms").asDouble()).isEqualTo(2_800.0);
    List<String> lines = Files.readAllLines(dir.resolve(BenchReport.REPORT_MD));
    assertThat(lines).contains("| 1,000 | 998 | 12.5 | 48.0 | 70.0 | 0 | 1.5 | 0.90 | 0.20 | 0.10 | 40.0 | 15.0 |",
        "| 5,000 | 4,200 | 900.0 | 2800.0 | 3100.0 | 0 | 2.0 |  |  |  |  |  |");
    assertThat(Files.readString(dir.resolve(BenchReport.INDEX_HTML))).contains("<th>offered/s</th>",
        "<td>1,000</td><td>998</td><td>12.5</td><td>48.0</td>");
  }

  @Test
  void theHighestRateUnderTheLimitNeedsEveryClickDecided() {
    List<LiveRatesBench.RateRow> rows = List.of(
        new LiveRatesBench.RateRow(500, 500, 10, 40, 60, 0, 1, Map.of(), Map.of(), Map.of(), Map.of()),
        new LiveRatesBench.RateRow(1_000, 1_000, 12, 90, 120, 0, 1, Map.of(), Map.of(), Map.of(), Map.of()),
        new LiveRatesBench.RateRow(2_000, 1_990, 15, 95, 200, 3, 1, Map.of(), Map.of(), Map.of(), Map.of()),
        new LiveRatesBench.RateRow(3_000, 2_900, 40, 150, 400, 0, 1, Map.of(), Map.of(), Map.of(), Map.of()));
    assertThat(LiveRatesBench.highestUnder(rows, 100)).isEqualTo(1_000.0);
    assertThat(LiveRatesBench.highestUnder(rows, 30)).isZero();
  }

  @Test
  void skippedFiguresMeetNoTarget() {
    BenchResults results = new BenchResults();
    List<BenchReport.Row> rows = BenchReport.rows(results);
    assertThat(rows).allMatch(row -> row.value() == null && row.met() == null);
    assertThat(BenchReport.measured(rows.get(0))).isEqualTo("skipped");
  }

  private static String line(List<String> lines, String key) {
    return lines.stream().filter(l -> l.contains("`" + key + "`")).findFirst().orElseThrow();
  }

  private static BenchResults sample() {
    BenchResults results = new BenchResults();
    results.mode = "test";
    results.startedAt = "2025-01-01T00:00";
    results.machine = BenchResults.Machine.current();
    results.ceilingEosPassthroughRps = 100_000.0;
    results.topologyHotSkuRps = 90_000.0;
    results.topologyManySkusRps = 80_000.0;
    results.httpCeilingRps = 50_000.0;
    results.httpAcceptRps = 25_000.0;
    results.httpAcceptRatio = 0.5;
    results.httpSoldoutRatio = 0.7;
    results.topologyVsRedis = 2.25;
    results.httpAcceptP99Ms = 60.0;
    results.httpSoldoutRps = 50_000.0;
    results.httpSoldoutP99Ms = 3.0;
    results.e2eP50MsAt1k = 10.0;
    results.e2eP99MsAt1k = 30.0;
    results.e2eP99MsAt5k = 80.0;
    results.baselinePostgresHotRowRps = 8_000.0;
    results.baselineRedisLuaRps = 40_000.0;
    results.peakRssMb = 1_500.0;
    results.latency.put("http_accept", new Latency(100, 1, 2, 60, 70, 80));
    return results;
  }

  private static Histogram histogram(long... micros) {
    Histogram histogram = Latency.newHistogram();
    for (long value : micros) {
      histogram.recordValue(value);
    }
    return histogram;
  }
}
