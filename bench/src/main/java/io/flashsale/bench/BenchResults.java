package io.flashsale.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every figure of one bench run, as written to results.json. A figure is null when its scenario was
 * skipped or failed; {@link #notes} says why. Throughputs are per second, latencies in milliseconds.
 */
public final class BenchResults {
  /** The machine the figures were measured on. */
  public record Machine(
      @JsonProperty("cores") int cores,
      @JsonProperty("memory_mb") long memoryMb,
      @JsonProperty("max_heap_mb") long maxHeapMb,
      @JsonProperty("jdk") String jdk,
      @JsonProperty("os") String os) {

    public static Machine current() {
      Runtime runtime = Runtime.getRuntime();
      long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
          ? os.getTotalMemorySize() : -1;
      return new Machine(runtime.availableProcessors(), memory / (1024 * 1024), runtime.maxMemory() / (1024 * 1024),
          System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
          System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }
  }

  @JsonProperty("mode") String mode;
  @JsonProperty("started_at") String startedAt;
  @JsonProperty("duration_s") Double durationSeconds;
  @JsonProperty("ceiling_eos_passthrough_rps") Double ceilingEosPassthroughRps;
  @JsonProperty("topology_hot_sku_rps") Double topologyHotSkuRps;
  @JsonProperty("topology_many_skus_rps") Double topologyManySkusRps;
  @JsonProperty("http_ceiling_rps") Double httpCeilingRps;
  @JsonProperty("http_accept_rps") Double httpAcceptRps;
  @JsonProperty("http_accept_ratio") Double httpAcceptRatio;
  @JsonProperty("http_accept_p50_ms") Double httpAcceptP50Ms;
  @JsonProperty("http_accept_p99_ms") Double httpAcceptP99Ms;
  @JsonProperty("http_accept_p999_ms") Double httpAcceptP999Ms;
  @JsonProperty("http_soldout_rps") Double httpSoldoutRps;
  @JsonProperty("http_soldout_p99_ms") Double httpSoldoutP99Ms;
  @JsonProperty("http_soldout_ratio") Double httpSoldoutRatio;
  @JsonProperty("e2e_p50_ms_at_1k") Double e2eP50MsAt1k;
  @JsonProperty("e2e_p99_ms_at_1k") Double e2eP99MsAt1k;
  @JsonProperty("e2e_p50_ms_at_5k") Double e2eP50MsAt5k;
  @JsonProperty("e2e_p99_ms_at_5k") Double e2eP99MsAt5k;
  @JsonProperty("e2e_max_rate_p99_under_100ms") Double e2eMaxRateP99Under100ms;
  @JsonProperty("e2e_idle_p99_ms") Double e2eIdleP99Ms;
  @JsonProperty("flash_clicks_per_s") Double flashClicksPerS;
  @JsonProperty("flash_ceiling_clicks_per_s") Double flashCeilingClicksPerS;
  @JsonProperty("flash_ceiling_ratio") Double flashCeilingRatio;
  @JsonProperty("flash_post_p99_ms") Double flashPostP99Ms;
  @JsonProperty("flash_decision_p99_ms") Double flashDecisionP99Ms;
  @JsonProperty("flash_sellout_s") Double flashSelloutS;
  @JsonProperty("flash_books_complete_s") Double flashBooksCompleteS;
  @JsonProperty("flash_accepted") Long flashAccepted;
  @JsonProperty("flash_unanswered") Long flashUnanswered;
  @JsonProperty("sink_outcomes_per_s") Double sinkOutcomesPerS;
  @JsonProperty("baseline_postgres_hot_row_rps") Double baselinePostgresHotRowRps;
  @JsonProperty("baseline_redis_lua_rps") Double baselineRedisLuaRps;
  @JsonProperty("topology_vs_redis") Double topologyVsRedis;
  @JsonProperty("peak_rss_mb") Double peakRssMb;
  @JsonProperty("machine") Machine machine;
  /** The full percentiles behind every latency figure, by scenario. */
  @JsonProperty("latency") final Map<String, Latency> latency = new LinkedHashMap<>();
  /** The flash second by second, for its chart. */
  @JsonProperty("flash_timeline") FlashTimeline.Seconds flashTimeline;
  /** Time to decision at each fixed offered rate ({@link LiveRatesBench}). */
  @JsonProperty("e2e_rates") final List<LiveRatesBench.RateRow> e2eRates = new ArrayList<>();
  /** The latency settings against throughput ({@link SettingsBench}), a row per combination. */
  @JsonProperty("settings_table") final List<SettingsBench.Row> settingsTable = new ArrayList<>();
  /** JMH primary scores (operations per second), by benchmark. */
  @JsonProperty("jmh_ops_per_s") final Map<String, Double> jmhOpsPerSecond = new LinkedHashMap<>();
  /** Secondary numbers worth keeping: sizes, preload rates, error counts. */
  @JsonProperty("details") final Map<String, Object> details = new LinkedHashMap<>();
  /** What was skipped or failed, and why. */
  @JsonProperty("notes") final List<String> notes = new ArrayList<>();

  void note(String message) {
    notes.add(message);
    System.out.println("  NOTE: " + message);
  }
}
