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
      "baseline_redis_lua_rps", "peak_rss_mb", "machine");

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
