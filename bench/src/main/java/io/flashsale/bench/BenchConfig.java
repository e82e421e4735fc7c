package io.flashsale.bench;

import io.flashsale.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How big each benchmark is. {@code ./flashsale bench} runs the full sizes, {@code --quick} a smoke run of
 * the same scenarios in a few minutes. Read from the environment in one place ({@link Settings}: blank is unset, a
 * bad value names its variable):
 *
 * <ul>
 *   <li>{@code FLASHSALE_BENCH_OUTPUT_DIR} (default {@value #DEFAULT_OUTPUT_DIR}): results go to a new
 *       timestamped directory under it
 *   <li>{@code FLASHSALE_BENCH_BACKLOG_REQUESTS} (default 1,000,000; quick 100,000): size of the preloaded
 *       backlog of the ceiling and topology runs
 *   <li>{@code FLASHSALE_BENCH_BASELINE_REQUESTS} (default 200,000; quick 20,000): purchases sent to each baseline
 *   <li>{@code FLASHSALE_BENCH_RUN_SECONDS} (default 20; quick 5): length of each measured HTTP run, after a
 *       warm-up of 15 s (quick 3 s)
 *   <li>{@code FLASHSALE_BENCH_E2E_SECONDS} (default 15; quick 5): length of each time-to-decision run at a fixed
 *       rate (250 to 5,000 clicks a second; quick 1,000, 2,000, 5,000)
 *   <li>{@code FLASHSALE_BENCH_E2E_RATES} (comma-separated clicks a second): other offered rates for those runs, one
 *       rate held for a profile for instance
 *   <li>{@code FLASHSALE_BENCH_WARM_UP_ROUNDS} (default 30; quick 6): most rounds of 10,000 accepted clicks before the
 *       time to decision is measured, ending with the first round in which the JIT compilers were quiet
 *   <li>{@code FLASHSALE_STREAM_THREADS}, {@code FLASHSALE_COMMIT_INTERVAL_MS} and the other topology settings
 *       apply to the ceiling and the topology alike (see TopologyConfig)
 *   <li>{@code FLASHSALE_BENCH_BACKLOG_BATCH} (default 100): purchase requests per record of the topology's
 *       backlog, as the API gathers them for a hot SKU in a surge (1: a record per request)
 *   <li>{@code FLASHSALE_BENCH_COMPARE_UNBATCHED} (default false): also measure the topology with one request per
 *       record, alternately with batches in the same run
 *   <li>{@code FLASHSALE_BENCH_BACKLOG_ROUNDS} (default 3): measured runs of each backlog figure, which
 *       reports their median and spread
 *   <li>{@code FLASHSALE_BENCH_FLASH_BUYERS} (default 1,000,000; quick 100,000) and
 *       {@code FLASHSALE_BENCH_FLASH_STOCK} (default 10,000; quick 1,000): the flash, seed 002's "10,000 items,
 *       1 million buyers"
 *   <li>{@code FLASHSALE_BENCH_FLASH_MAX_RATE} (default 200,000): the most clicks a second the flash's ramp offers
 *   <li>{@code FLASHSALE_BENCH_CLICKS_JAVA_OPTS}: more JVM options for the flash's click generator (a JFR recording)
 *   <li>{@code FLASHSALE_BENCH_CROWD_STREAMS} (default 100,000; quick 10,000): event streams the crowd opens on one
 *       API instance (seed 003's "1M concurrent users", a tenth of them on one instance)
 *   <li>{@code FLASHSALE_BENCH_SETTINGS_ROUNDS} (default 3; quick 1): rounds of the settings table, each cell the
 *       median of its rounds
 *   <li>{@code FLASHSALE_BENCH_SETTINGS_LIVE_RATE} (default 5,000) and {@code FLASHSALE_BENCH_SETTINGS_LIVE_SECONDS}
 *       (default 15; quick 5): the settings table's live load, clicks a second offered and for how long
 * </ul>
 *
 * @param backlogRequests purchase requests preloaded for each backlog run
 * @param buyersPerItem requests per unit of stock; every design gets the same stock for the same requests
 * @param manySkus SKUs of the many-SKU backlog run (one sale each)
 * @param partitions partitions of every topic
 * @param httpBuyers distinct buyers (JWTs) sending the HTTP load
 * @param httpWarmup unmeasured load before each closed-loop HTTP run (JIT, connection set-up)
 * @param httpDuration length of each measured closed-loop HTTP run
 * @param e2eRates clicks a second offered in the time-to-decision runs ({@link LiveRatesBench})
 * @param e2eDuration length of each time-to-decision run
 * @param baselineRequests purchases sent to each baseline
 * @param baselineClients connections (and threads) of each baseline
 * @param jmhForks 0 runs JMH inside this JVM (quick), 1 in a fresh JVM
 * @param backlogBatch requests per record of the topology's backlog
 * @param compareUnbatched measure the topology with a record per request too, alternately with batches
 * @param backlogRounds measured runs of each backlog figure, after an unmeasured warm-up in each
 * @param flashBuyers distinct buyers of the flash, one click each
 * @param flashStock units of the flash's one SKU
 * @param flashMaxRate most clicks per second the flash's ramp offers
 * @param crowdStreams event streams of the crowd, all watching one sale on one API instance
 * @param settingsRounds rounds of the settings table
 * @param settingsLiveRate clicks a second offered in the settings table's live runs
 * @param settingsLiveSeconds length of each live run of the settings table
 * @param warmUpRounds most rounds of accepted clicks before the time to decision, until the JIT is quiet
 */
public record BenchConfig(
    boolean quick,
    Path outputRoot,
    int backlogRequests,
    int buyersPerItem,
    int manySkus,
    int partitions,
    int httpBuyers,
    Duration httpWarmup,
    Duration httpDuration,
    List<Integer> e2eRates,
    Duration e2eDuration,
    int baselineRequests,
    int baselineClients,
    int jmhForks,
    int jmhWarmupIterations,
    int jmhMeasurementIterations,
    Duration jmhIterationTime,
    int backlogBatch,
    boolean compareUnbatched,
    int backlogRounds,
    int flashBuyers,
    int flashStock,
    int flashMaxRate,
    int crowdStreams,
    int settingsRounds,
    double settingsLiveRate,
    int settingsLiveSeconds,
    int warmUpRounds) {

  public static final String DEFAULT_OUTPUT_DIR = "bench-results";
  /**
   * Offered loads of the time-to-decision runs, in steps fine enough to find the highest with a p99 under 100 ms;
   * 1k and 5k have keys of their own in results.json.
   */
  public static final List<Integer> E2E_RATES_QUICK = List.of(1_000, 2_000, 5_000);
  public static final List<Integer> E2E_RATES = List.of(250, 500, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000);

  public static BenchConfig fromEnv(Map<String, String> env, boolean quick) {
    Settings settings = Settings.of(env);
    Path output = settings.path("FLASHSALE_BENCH_OUTPUT_DIR", DEFAULT_OUTPUT_DIR);
    int backlog = settings.integer("FLASHSALE_BENCH_BACKLOG_REQUESTS", quick ? 100_000 : 1_000_000);
    int baseline = settings.integer("FLASHSALE_BENCH_BASELINE_REQUESTS", quick ? 20_000 : 200_000);
    Duration run = settings.seconds("FLASHSALE_BENCH_RUN_SECONDS", Duration.ofSeconds(quick ? 5 : 20));
    Duration e2e = settings.seconds("FLASHSALE_BENCH_E2E_SECONDS", Duration.ofSeconds(quick ? 5 : 15));
    List<Integer> e2eRates = settings.parsed("FLASHSALE_BENCH_E2E_RATES", quick ? E2E_RATES_QUICK : E2E_RATES,
        BenchConfig::rates, "clicks a second, comma-separated");
    // JIT warm-up before every measured HTTP run: HTTP figures of the first minute are several times lower.
    Duration warmup = quick ? Duration.ofSeconds(3) : Duration.ofSeconds(15);
    int batch = settings.integer("FLASHSALE_BENCH_BACKLOG_BATCH", 100);
    boolean compare = settings.flag("FLASHSALE_BENCH_COMPARE_UNBATCHED", false);
    // Three runs at least, so that a figure comes with its spread: single runs of the backlog differed by 2x.
    int rounds = settings.integer("FLASHSALE_BENCH_BACKLOG_ROUNDS", 3);
    int flashBuyers = settings.integer("FLASHSALE_BENCH_FLASH_BUYERS", quick ? 100_000 : 1_000_000);
    int flashStock = settings.integer("FLASHSALE_BENCH_FLASH_STOCK", quick ? 1_000 : 10_000);
    int flashMaxRate = settings.integer("FLASHSALE_BENCH_FLASH_MAX_RATE", 200_000);
    int crowdStreams = settings.integer("FLASHSALE_BENCH_CROWD_STREAMS", quick ? 10_000 : 100_000);
    int settingsRounds = settings.integer("FLASHSALE_BENCH_SETTINGS_ROUNDS", quick ? 1 : 3);
    int liveRate = settings.integer("FLASHSALE_BENCH_SETTINGS_LIVE_RATE", (int) SettingsBench.LIVE_RATE);
    int liveSeconds = settings.integer("FLASHSALE_BENCH_SETTINGS_LIVE_SECONDS", quick ? 5 : 15);
    // The JIT went quiet after 17 to 22 rounds on 2 cores: 30 leave room; a smoke run stops sooner, its figures cold.
    int warmUpRounds = settings.integer("FLASHSALE_BENCH_WARM_UP_ROUNDS", quick ? 6 : 30);
    return quick
        ? new BenchConfig(true, output, backlog, 10, 1_000, 8, 2_000, warmup, run, e2eRates, e2e,
            baseline, 16, 0, 1, 2, Duration.ofSeconds(1), batch, compare, rounds, flashBuyers, flashStock, flashMaxRate,
            crowdStreams, settingsRounds, liveRate, liveSeconds, warmUpRounds)
        : new BenchConfig(false, output, backlog, 10, 1_000, 8, 10_000, warmup, run, e2eRates, e2e,
            baseline, 16, 1, 3, 5, Duration.ofSeconds(2), batch, compare, rounds, flashBuyers, flashStock, flashMaxRate,
            crowdStreams, settingsRounds, liveRate, liveSeconds, warmUpRounds);
  }

  private static List<Integer> rates(String text) {
    List<Integer> rates = Arrays.stream(text.split(",")).map(String::trim).map(Integer::valueOf).toList();
    if (rates.isEmpty() || rates.stream().anyMatch(rate -> rate <= 0)) {
      throw new IllegalArgumentException("not a list of rates: " + text);
    }
    return rates;
  }

  /** Units on sale for {@code requests} purchase requests. */
  public int stockFor(int requests) {
    return Math.max(1, requests / buyersPerItem);
  }
}
