package io.flashsale.bench;

import io.flashsale.topology.TopologyApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./flashsale bench [--quick]}: every benchmark in one run, on this machine, written to
 * bench-results/&lt;timestamp&gt;/. A scenario that fails is reported as null with a note; the others go on.
 */
@Command(name = "flashsale bench", mixinStandardHelpOptions = true,
    description = "Benchmark the topology against its ceiling, the HTTP path, and PostgreSQL and Redis baselines.")
public final class BenchCommand implements Callable<Integer> {
  private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Option(names = "--quick", description = "Smaller sizes and short runs: a smoke run in a few minutes.")
  boolean quick;

  @Option(names = "--only", split = ",", description = "Run only these parts: backlog, http, live, flash, crowd, "
      + "fairness, baselines, jmh; and, only when named, stages (where an idle click's time goes) and settings (the latency "
      + "settings against throughput).")
  java.util.Set<String> only;

  @Option(names = "--part-output", hidden = true,
      description = "Run the one part named by --only in this JVM and write its figures here (see PartProcess).")
  Path partOutput;

  private BenchResults results = new BenchResults();
  private final Map<String, Histogram> histograms = new LinkedHashMap<>();
  private Path dir;

  /**
   * The JDK HTTP client completes every async response through the common fork-join pool, which on 2 cores
   * has a parallelism of 1 and then starts a new thread per task: the long-polls spent their time starting
   * threads. A few pooled threads are enough.
   */
  static final int COMMON_POOL_PARALLELISM = 8;

  public static void main(String[] args) {
    // Before anything touches the common pool, which reads this once.
    System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", String.valueOf(COMMON_POOL_PARALLELISM));
    // The terminal shows progress; the libraries (and the stack) speak up only when something is wrong.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.io.flashsale", "warn");
    // The broker and clients warn of what they retry anyway (CONCURRENT_TRANSACTIONS, topic already exists).
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
    TopologyApp.useFastFormatLocale(); // as the topology's own main does: the runs measure the topology as deployed
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }

  /** One part of the run. */
  private interface Part {
    void run() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    BenchConfig config = BenchConfig.fromEnv(System.getenv(), quick);
    if (partOutput != null) {
      runParts(config);
      results.peakRssMb = peakRssMb();
      PartProcess.write(partOutput, results, histograms);
      return 0;
    }
    LocalDateTime started = LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS);
    dir = config.outputRoot().resolve(RUN_NAME.format(started) + (quick ? "-quick" : ""));
    Files.createDirectories(dir);
    long startedNanos = System.nanoTime();
    results.mode = quick ? "quick" : "full";
    results.startedAt = started.toString();
    results.machine = BenchResults.Machine.current();
    System.out.printf("Flashsale bench (%s) on %d cores, %s; results in %s%n", results.mode, results.machine.cores(),
        results.machine.jdk(), dir);
    if (only == null || !only.contains("settings")) {
      results.note("settings table not run (only with --only settings)");
    }
    runParts(config);

    if (results.topologyHotSkuRps != null && results.baselineRedisLuaRps != null) {
      results.topologyVsRedis = Math.round(results.topologyHotSkuRps / results.baselineRedisLuaRps * 100) / 100.0;
      // The ratio's spread: the slowest hot-SKU run against the fastest Redis run, and the other way round.
      if (results.details.get("topology_hot_sku_rps_min") instanceof Double hotMin
          && results.details.get("topology_hot_sku_rps_max") instanceof Double hotMax
          && results.details.get("baseline_redis_lua_rps_min") instanceof Double redisMin
          && results.details.get("baseline_redis_lua_rps_max") instanceof Double redisMax) {
        results.details.put("topology_vs_redis_min", Math.round(hotMin / redisMax * 100) / 100.0);
        results.details.put("topology_vs_redis_max", Math.round(hotMax / redisMin * 100) / 100.0);
      }
    }
    Double ownPeak = peakRssMb();
    if (ownPeak != null && (results.peakRssMb == null || ownPeak > results.peakRssMb)) {
      results.peakRssMb = ownPeak;
    }
    results.durationSeconds = Math.round((System.nanoTime() - startedNanos) / 1e8) / 10.0;
    BenchReport.write(dir, results, histograms);
    System.out.printf("%n%s%nWritten to %s in %.0f s%n", Files.readString(dir.resolve(BenchReport.REPORT_MD)), dir,
        results.durationSeconds);
    return 0;
  }

  private void runParts(BenchConfig config) {
    part("backlog", "ceiling and topology", () -> new BacklogBench(config, results).run());
    part("http", "HTTP path", () -> new HttpBench(config, results).run());
    part("live", "time to decision, idle and at fixed rates", () -> new LiveRatesBench(config, results, histograms).run());
    part("flash", "flash", () -> new FlashBench(config, results, histograms).run());
    // Asked for by name only: the settings table starts six stacks a round, the stages one more.
    if (only != null && only.contains("stages")) {
      part("stages", "idle stages", () -> new IdleStagesBench(results).run());
    }
    if (only != null && only.contains("settings")) {
      part("settings", "settings table", () -> new SettingsBench(config, results).run());
    }
    part("crowd", "crowd", () -> new CrowdBench(config, results).run());
    part("fairness", "fairness", () -> new FairnessBench(config, results).run());
    part("baselines", "baselines", () -> new Baselines(config, results).run());
    part("jmh", "JMH", () -> new JmhBench(config, results).run());
  }

  /** In the run's JVM, forks the part ({@link PartProcess}); in the part's own JVM ({@code --part-output}), runs it. */
  private void part(String name, String title, Part part) {
    if (only != null && !only.contains(name)) {
      if (partOutput == null) {
        results.note(title + " not run (--only " + String.join(",", only) + ")");
      }
      return;
    }
    try {
      if (partOutput != null) {
        part.run();
      } else {
        results = PartProcess.run(name, quick, dir.resolve("parts").resolve(name), results, histograms);
      }
    } catch (Exception | AssertionError e) {
      e.printStackTrace();
      results.note(title + " failed: " + e);
    }
  }

  /** The most resident memory this JVM ever had (Linux VmHWM); PostgreSQL and Redis run in their own processes. */
  private static Double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Math.round(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 * 10) / 10.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no figure
    }
    return null;
  }
}
