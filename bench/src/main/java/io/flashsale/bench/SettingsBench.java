package io.flashsale.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.flashsale.api.ApiConfig;
import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;

/**
 * The latency settings against throughput, one row per combination of commit interval, eager-commit lag, Kafka
 * Streams' poll time and its producer's linger ({@code ./flashsale bench --only settings}). Each row gets:
 *
 * <ul>
 *   <li>the hot SKU's backlog decisions/s, as {@link BacklogBench} measures it, with the row's settings;
 *   <li>on a whole local stack started with the row's settings (the sink and PostgreSQL in it): after a warm-up,
 *       the idle time to decision ({@link LiveRatesBench#IDLE_CLICKS} clicks at {@link LiveRatesBench#IDLE_RATE}/s, each
 *       POSTed and long-polled) and the time to decision at a fixed live rate
 *       ({@code FLASHSALE_BENCH_SETTINGS_LIVE_RATE}, 5,000/s), open loop from each click's intended start, from the
 *       flash's click generator in its own JVM, with the rate it achieved and the generator's own lag beside it.
 * </ul>
 *
 * The rows take turns round by round ({@code FLASHSALE_BENCH_SETTINGS_ROUNDS}), and each cell is the median of its
 * rounds, its runs kept beside it.
 */
final class SettingsBench {
  /**
   * One combination of settings, every one of them set explicitly, so that a row means the same whatever the
   * defaults are.
   */
  record Setting(
      @JsonProperty("commit_interval_ms") long commitIntervalMs,
      @JsonProperty("eager_commit_lag_ms") long eagerCommitLagMs,
      @JsonProperty("streams_poll_ms") long streamsPollMs,
      @JsonProperty("streams_linger_ms") long streamsLingerMs) {

    Map<String, String> environment() {
      return Map.of(
          "FLASHSALE_COMMIT_INTERVAL_MS", String.valueOf(commitIntervalMs),
          "FLASHSALE_EAGER_COMMIT_LAG_MS", String.valueOf(eagerCommitLagMs),
          "FLASHSALE_STREAMS_POLL_MS", String.valueOf(streamsPollMs),
          "FLASHSALE_STREAMS_LINGER_MS", String.valueOf(streamsLingerMs));
    }

    String label() {
      return String.format("commit %d ms, eager lag %d ms, poll %d ms, Streams linger %d ms", commitIntervalMs,
          eagerCommitLagMs, streamsPollMs, streamsLingerMs);
    }
  }

  /** A row of the table: medians of the rounds, and every round. */
  record Row(
      @JsonProperty("setting") Setting setting,
      @JsonProperty("backlog_decisions_per_s") Double backlogDecisionsPerS,
      @JsonProperty("idle_p50_ms") Double idleP50Ms,
      @JsonProperty("idle_p99_ms") Double idleP99Ms,
      @JsonProperty("live_offered_per_s") double liveOfferedPerS,
      @JsonProperty("live_decided_per_s") Double liveDecidedPerS,
      @JsonProperty("live_p50_ms") Double liveP50Ms,
      @JsonProperty("live_p99_ms") Double liveP99Ms,
      @JsonProperty("live_generator_lag_p99_ms") Double liveGeneratorLagP99Ms,
      @JsonProperty("rounds") List<Map<String, Double>> rounds) {}

  /**
   * The defaults before eager commits (Kafka Streams' own poll of 100 ms and its producer's linger of 100 ms, an
   * interval of 100 ms); then one setting moved at a time: a short interval, a short poll, eager commits with a lag of
   * a second, the shipped lag of 100 ms with Kafka Streams' linger of 100 ms, and the shipped defaults (the last row:
   * the lag of 100 ms and a linger of 5 ms).
   */
  static final List<Setting> SETTINGS = List.of(
      new Setting(100, 0, 100, 100),
      new Setting(20, 0, 100, 100),
      new Setting(100, 0, 10, 100),
      new Setting(100, 1_000, 100, 100),
      new Setting(100, 100, 100, 100),
      new Setting(100, 100, 100, 5));

  static final double LIVE_RATE = 5_000;

  private final BenchConfig config;
  private final BenchResults results;

  SettingsBench(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
  }

  void run() throws Exception {
    int rounds = config.settingsRounds();
    double liveRate = config.settingsLiveRate();
    Map<Setting, List<Map<String, Double>>> runs = new LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      for (Setting setting : SETTINGS) {
        System.out.printf("%nSettings round %d of %d: %s%n", round, rounds, setting.label());
        Map<String, Double> cells = new LinkedHashMap<>();
        try {
          // The backlog's figures go to a scratch result: the table keeps what matters here.
          cells.put("backlog_decisions_per_s", new BacklogBench(config, new BenchResults())
              .hotSku(setting.environment(), "hot SKU backlog, " + setting.label()));
          cells.putAll(live(setting, liveRate));
        } catch (Exception | AssertionError e) {
          e.printStackTrace();
          results.note("settings " + setting.label() + ", round " + round + " failed: " + e);
        }
        runs.computeIfAbsent(setting, s -> new ArrayList<>()).add(cells);
      }
    }
    runs.forEach((setting, list) -> results.settingsTable.add(new Row(setting, median(list, "backlog_decisions_per_s"),
        median(list, "idle_p50_ms"), median(list, "idle_p99_ms"), liveRate, median(list, "live_decided_per_s"),
        median(list, "live_p50_ms"), median(list, "live_p99_ms"), median(list, "live_generator_lag_p99_ms"), list)));
    System.out.printf("%nSettings (medians of %d round(s)):%n", rounds);
    results.settingsTable.forEach(row -> System.out.printf("  %s: backlog %s/s, idle p50 %s ms p99 %s ms, at %,.0f/s "
            + "offered: %s decided/s, p50 %s ms, p99 %s ms (generator lag p99 %s ms)%n", row.setting().label(),
        row.backlogDecisionsPerS(), row.idleP50Ms(), row.idleP99Ms(), row.liveOfferedPerS(), row.liveDecidedPerS(),
        row.liveP50Ms(), row.liveP99Ms(), row.liveGeneratorLagP99Ms()));
  }

  /** The idle and live figures of one stack started with the setting. */
  private Map<String, Double> live(Setting setting, double liveRate) throws Exception {
    Path work = Files.createTempDirectory("flashsale-settings");
    Path dataDir = Files.createTempDirectory("flashsale-bench-settings-stack");
    Map<String, String> env = FlashBench.stackEnvironment();
    env.putAll(setting.environment());
    int liveClicks = (int) Math.round(liveRate * config.settingsLiveSeconds());
    int warmClicks = Math.max(1_000, liveClicks / 5);
    Map<String, Double> cells = new LinkedHashMap<>();
    try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
        FlashBooks books = new FlashBooks(DriverManager.getConnection(stack.databaseUrl(), "postgres", "postgres"),
            admin)) {
      BuyerClient client = new BuyerClient(stack.apiUrl());
      FlashBench.awaitReady(stack, client);
      String warm = FlashBench.sale(client, "settings-warm-up", "SKU-SETTINGS-WARM-UP", UNLIMITED);
      String idle = FlashBench.sale(client, "settings-idle", "SKU-SETTINGS-IDLE", UNLIMITED);
      String live = FlashBench.sale(client, "settings-live", "SKU-SETTINGS-LIVE", UNLIMITED);
      try (FlashClicks.Session clicks = FlashClicks.Session.start(new FlashClicks.Plan(stack.apiUrl(),
          ApiConfig.LOCAL_JWT_SECRET, FlashBench.CLICK_CONNECTIONS, FlashBench.POLL_CONNECTIONS, List.of(
              fixed(warm, "warm-up-buyer-", warmClicks, Math.min(liveRate, 1_000)),
              fixed(idle, "idle-buyer-", LiveRatesBench.IDLE_CLICKS, LiveRatesBench.IDLE_RATE),
              fixed(live, "live-buyer-", liveClicks, liveRate))), work)) {
        System.out.printf("  warm-up (unmeasured): %,d clicks%n", warmClicks);
        clicks.next();
        FlashBench.awaitQuiet(client, books, warm);
        System.out.printf("  idle: %d clicks at %.0f/s%n", LiveRatesBench.IDLE_CLICKS, LiveRatesBench.IDLE_RATE);
        Latency idleLatency = Latency.of(FlashClicks.decode(clicks.next().decisionLatency()));
        cells.put("idle_p50_ms", idleLatency.p50Ms());
        cells.put("idle_p99_ms", idleLatency.p99Ms());
        FlashBench.awaitQuiet(client, books, idle);
        System.out.printf("  live: %,d clicks at %,.0f/s%n", liveClicks, liveRate);
        FlashRun run = clicks.next();
        Latency liveLatency = Latency.of(FlashClicks.decode(run.decisionLatency()));
        cells.put("live_decided_per_s", (double) Math.round(run.decided() / run.lastAnswerSeconds()));
        cells.put("live_p50_ms", liveLatency.p50Ms());
        cells.put("live_p99_ms", liveLatency.p99Ms());
        cells.put("live_generator_lag_p99_ms", run.schedulerLagP99Ms());
        if (run.failed() > 0) {
          results.note("settings " + setting.label() + ": " + run.failed() + " live clicks got no decision: "
              + run.sampleFailures());
        }
        FlashBench.awaitQuiet(client, books, live);
      }
    } finally {
      Utils.delete(dataDir.toFile());
      Utils.delete(work.toFile());
    }
    System.out.printf("  %s%n", cells);
    return cells;
  }

  private static final int UNLIMITED = 1_000_000_000;

  private static FlashClicks.Phase fixed(String saleId, String prefix, int buyers, double rate) {
    return new FlashClicks.Phase(saleId, prefix, buyers, rate, rate, false);
  }

  private static Double median(List<Map<String, Double>> rounds, String key) {
    List<Double> values = rounds.stream().map(r -> r.get(key)).filter(v -> v != null).toList();
    return values.isEmpty() ? null : Math.round(Spread.median(values) * 10) / 10.0;
  }
}
