package io.flashsale.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Time to decision, idle and at fixed offered rates ({@code ./flashsale bench --only live}): on one local stack with
 * the shipped settings (the sink and PostgreSQL in it), after an unmeasured warm-up until the JIT is quiet
 * ({@link AcceptedWarmUp}), first {@link #IDLE_CLICKS} clicks at {@link #IDLE_RATE}/s, then each rate of
 * {@link BenchConfig#e2eRates()} in turn for {@link BenchConfig#e2eDuration()}, on a sale of its own with unlimited
 * stock, every click from a new buyer, POSTed and long-polled to its decision, open loop from its intended start,
 * from the flash's click generator in its own JVM. Each rate starts on a quiet stack (nothing pending, the sink caught
 * up). The rate's holds last an hour, so that no earlier rate's expiries land in a later one's window: a run measures
 * the decisions, not the returns five minutes later.
 *
 * <p>Reports per rate the decisions a second, p50/p99/p99.9, the generator's lag behind its schedule, the CPU of each
 * process and of the stack's busiest threads, the broker's request times; and the highest rate whose p99 stays under
 * {@link #P99_LIMIT_MS}.
 */
final class LiveRatesBench {
  static final double P99_LIMIT_MS = 100;
  /** The idle figure: this many clicks at {@link #IDLE_RATE} a second, each from a new buyer, on unlimited stock. */
  static final int IDLE_CLICKS = 200;
  static final double IDLE_RATE = 20;
  private static final int UNLIMITED = 1_000_000_000;
  private static final int HOUR_HOLD_SECONDS = 3_600;

  /** One rate's figures. */
  record RateRow(
      @JsonProperty("offered_per_s") int offeredPerS,
      @JsonProperty("decided_per_s") double decidedPerS,
      @JsonProperty("p50_ms") double p50Ms,
      @JsonProperty("p99_ms") double p99Ms,
      @JsonProperty("p999_ms") double p999Ms,
      @JsonProperty("without_decision") long withoutDecision,
      @JsonProperty("generator_lag_p99_ms") double generatorLagP99Ms,
      @JsonProperty("cpu_cores") Map<String, Double> cpuCores,
      @JsonProperty("cpu_cores_stack_threads") Map<String, Double> stackThreads,
      @JsonProperty("broker_request_ms") Map<String, Map<String, Double>> brokerRequestMs,
      @JsonProperty("streams_commits") Map<String, Double> streamsCommits) {}

  private final BenchConfig config;
  private final BenchResults results;
  private final Map<String, Histogram> histograms;

  LiveRatesBench(BenchConfig config, BenchResults results, Map<String, Histogram> histograms) {
    this.config = config;
    this.results = results;
    this.histograms = histograms;
  }

  void run() throws Exception {
    Path work = Files.createTempDirectory("flashsale-live");
    Path dataDir = Files.createTempDirectory("flashsale-bench-live-stack");
    Map<String, String> env = FlashBench.stackEnvironment();
    int seconds = (int) config.e2eDuration().toSeconds();
    System.out.printf("%nTime to decision at %s clicks/s offered, %d s each: starting the local stack ...%n",
        config.e2eRates(), seconds);
    try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
        FlashBooks books = new FlashBooks(DriverManager.getConnection(stack.databaseUrl(), "postgres", "postgres"),
            admin)) {
      BuyerClient client = new BuyerClient(stack.apiUrl());
      FlashBench.awaitReady(stack, client);
      long postmaster = FlashBench.postmaster(dataDir);
      String warm = unlimitedSale(client, "live-warm-up");
      List<FlashClicks.Phase> phases = new ArrayList<>(AcceptedWarmUp.phases(warm, "live-warm-up-buyer-",
          config.warmUpRounds()));
      String idle = unlimitedSale(client, "live-idle");
      phases.add(fixed(idle, "live-idle-buyer-", IDLE_CLICKS, IDLE_RATE));
      List<String> sales = new ArrayList<>();
      for (int rate : config.e2eRates()) {
        String sale = unlimitedSale(client, "live-" + rate);
        sales.add(sale);
        phases.add(fixed(sale, "live-" + rate + "-buyer-", rate * seconds, rate));
      }
      List<RateRow> rows = new ArrayList<>();
      try (FlashClicks.Session clicks = FlashClicks.Session.start(FlashBench.plan(stack.apiUrl(), phases), work)) {
        results.details.put("e2e_rates_warm_up_compile_shares",
            AcceptedWarmUp.run(clicks, config.warmUpRounds(), () -> FlashBench.awaitQuiet(client, books, warm)));
        idle(clicks);
        FlashBench.awaitQuiet(client, books, idle);
        for (int i = 0; i < sales.size(); i++) {
          rows.add(rate(clicks, config.e2eRates().get(i), postmaster, stack.topology()));
          FlashBench.awaitQuiet(client, books, sales.get(i));
        }
      }
      report(rows);
    } finally {
      Utils.delete(dataDir.toFile());
      Utils.delete(work.toFile());
    }
  }

  /** A few clicks a second on the quiet, warm stack, each POSTed and long-polled to its decision. */
  private void idle(FlashClicks.Session clicks) throws Exception {
    System.out.printf("  idle: %d clicks at %.0f/s on the quiet stack%n", IDLE_CLICKS, IDLE_RATE);
    FlashRun idle = clicks.next();
    Latency latency = record("e2e_idle", FlashClicks.decode(idle.decisionLatency()));
    // The part of it before the 202: the rest is the long-poll's wait for the decision.
    record("e2e_idle_post", FlashClicks.decode(idle.postLatency()));
    results.e2eIdleP99Ms = latency.p99Ms();
    System.out.printf("  idle: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms%n", latency.p50Ms(), latency.p99Ms(),
        latency.p999Ms());
    if (idle.failed() > 0) {
      results.note("e2e_idle: " + idle.failed() + " of " + IDLE_CLICKS + " clicks got no decision: " + idle.sampleFailures());
    }
  }

  private Latency record(String scenario, Histogram micros) {
    Latency latency = Latency.of(micros);
    histograms.put(scenario, micros);
    results.latency.put(scenario, latency);
    return latency;
  }

  private RateRow rate(FlashClicks.Session clicks, int rate, long postmaster, KafkaStreams streams)
      throws Exception {
    System.out.printf("  %,d clicks/s offered for %d s%n", rate, config.e2eDuration().toSeconds());
    long[] before = new long[3];
    long[] after = new long[3];
    Map<String, Long> threadsBefore = new HashMap<>();
    Map<String, Long> threadsAfter = new HashMap<>();
    Map<String, Double> commitsBefore = new HashMap<>();
    Map<String, Double> commitsAfter = new HashMap<>();
    FlashRun run = clicks.next(pid -> {
      before[0] = System.nanoTime();
      before[1] = ProcessCpu.selfNanos();
      before[2] = ProcessCpu.treeNanos(postmaster).orElse(-1L);
      threadsBefore.putAll(ProcessCpu.threadGroups());
      commitsBefore.putAll(StreamsCommitTimes.read(streams));
    }, pid -> {
      after[0] = System.nanoTime();
      after[1] = ProcessCpu.selfNanos();
      after[2] = ProcessCpu.treeNanos(postmaster).orElse(-1L);
      threadsAfter.putAll(ProcessCpu.threadGroups());
      commitsAfter.putAll(StreamsCommitTimes.read(streams));
    });
    String scenario = "e2e_at_" + rate;
    Latency latency = record(scenario, FlashClicks.decode(run.decisionLatency()));
    double window = (after[0] - before[0]) / 1e9;
    Map<String, Double> cores = new LinkedHashMap<>();
    cores.put("stack_jvm", round2((after[1] - before[1]) / 1e9 / window));
    cores.put("click_generator", round2(run.cpuSeconds() / window));
    cores.put("postgresql", before[2] < 0 || after[2] < 0 ? null : round2((after[2] - before[2]) / 1e9 / window));
    // The JVM's own threads (the JIT's compilers, the collector's) are not Java threads: they are what the
    // Java threads' sum leaves of the process.
    Map<String, Double> threads = ProcessCpu.busiest(threadsBefore, threadsAfter, window, 12);
    double javaThreads = ProcessCpu.busiest(threadsBefore, threadsAfter, window, Integer.MAX_VALUE).values().stream()
        .mapToDouble(Double::doubleValue).sum();
    threads.put("JVM threads (JIT, GC)", round2(Math.max(0, cores.get("stack_jvm") - javaThreads)));
    RateRow row = new RateRow(rate, Math.round(run.decided() / run.lastAnswerSeconds()), latency.p50Ms(),
        latency.p99Ms(), latency.p999Ms(), run.failed(), run.schedulerLagP99Ms(), cores, threads,
        BrokerRequestTimes.read(BrokerRequestTimes.TRANSACTION_REQUESTS),
        StreamsCommitTimes.between(commitsBefore, commitsAfter, window));
    System.out.printf("  %,d/s offered: %,.0f decided/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, %d without a "
            + "decision; generator lag p99 %.1f ms; CPU cores %s%n", rate, row.decidedPerS(), row.p50Ms(), row.p99Ms(),
        row.p999Ms(), row.withoutDecision(), row.generatorLagP99Ms(), cores);
    System.out.printf("    stack threads (cores): %s%n    broker request times (ms): %s%n    stream threads' "
        + "commits: %s%n", threads, row.brokerRequestMs(), row.streamsCommits());
    if (run.failed() > 0) {
      results.note(scenario + ": " + run.failed() + " clicks got no decision: " + run.sampleFailures());
    }
    return row;
  }

  private void report(List<RateRow> rows) {
    results.e2eRates.addAll(rows);
    for (RateRow row : rows) {
      if (row.offeredPerS() == 1_000) {
        results.e2eP50MsAt1k = row.p50Ms();
        results.e2eP99MsAt1k = row.p99Ms();
      } else if (row.offeredPerS() == 5_000) {
        results.e2eP50MsAt5k = row.p50Ms();
        results.e2eP99MsAt5k = row.p99Ms();
      }
    }
    results.e2eMaxRateP99Under100ms = highestUnder(rows, P99_LIMIT_MS);
  }

  /** The highest offered rate whose clicks all had their decision with a p99 under the limit; 0 if none did. */
  static double highestUnder(List<RateRow> rows, double p99LimitMs) {
    return rows.stream().filter(r -> r.withoutDecision() == 0 && r.p99Ms() < p99LimitMs)
        .mapToDouble(RateRow::offeredPerS).max().orElse(0);
  }

  /** A sale no click sells out, its holds an hour long so that none expires while figures are measured. */
  static String unlimitedSale(BuyerClient client, String saleId) throws InterruptedException {
    client.createLiveSale(saleId, "SKU-" + saleId.toUpperCase(java.util.Locale.ROOT), UNLIMITED, 1, HOUR_HOLD_SECONDS);
    return FlashBench.awaitSale(client, saleId, UNLIMITED);
  }

  private static FlashClicks.Phase fixed(String saleId, String prefix, int buyers, double rate) {
    return new FlashClicks.Phase(saleId, prefix, buyers, rate, rate, false);
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
