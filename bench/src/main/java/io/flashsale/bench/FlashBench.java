package io.flashsale.bench;

import io.flashsale.api.ApiConfig;
import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Seed 002's flash on the whole local stack: 1,000,000 distinct buyers for 10,000 units of one SKU
 * ({@code --quick}: a tenth). Each buyer clicks once and follows a 202 to its decision by long-polling; arrivals rise
 * to the highest rate the edge takes ({@link FlashRamp}); the clicks come from a JVM of their own
 * ({@link FlashClicks}), so each process's CPU is measured apart.
 *
 * <p>In order: the same clicks against the bare HTTP ceiling (all answered 409, nothing to poll); the stack starts;
 * an unmeasured warm-up flash on a sale of its own; then the flash, while PostgreSQL's books and the sink's lag are
 * read every 200 ms, until the books hold every accepted order. The flash waits until the stack is quiet after its
 * warm-up: no purchase pending and the sink caught up. Before the warm-up flash, which sells out at once and so hardly
 * warms the accepted path, accepted clicks run until the JIT is quiet ({@link AcceptedWarmUp}), as before the time
 * to decision: in a JVM of its own ({@link PartProcess}) the flash without them decided its first 10,000 clicks at
 * about 1,000/s with p99 1.4 to 8.6 s (three whole runs), with them p99 200 to 307 ms (three runs).
 */
final class FlashBench {
  /** Where every ramp starts. */
  static final double START_RATE = 500;
  /** Clicks hold a connection only until answered; long-polls until decided, so they need many more. */
  static final int CLICK_CONNECTIONS = 512;
  static final int POLL_CONNECTIONS = 4_096;
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration QUIET_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration BOOKS_TIMEOUT = Duration.ofMinutes(3);
  private static final long SAMPLE_MS = 200;

  private final BenchConfig config;
  private final BenchResults results;
  private final Map<String, Histogram> histograms;

  FlashBench(BenchConfig config, BenchResults results, Map<String, Histogram> histograms) {
    this.config = config;
    this.results = results;
    this.histograms = histograms;
  }

  void run() throws Exception {
    int buyers = config.flashBuyers();
    int stock = config.flashStock();
    Path work = Files.createTempDirectory("flashsale-flash");
    try {
      System.out.printf("%nFlash: %,d buyers for %,d units; first the same clicks against the HTTP ceiling%n", buyers,
          stock);
      FlashRun ceiling;
      try (HttpCeiling bare = HttpCeiling.start();
          FlashClicks.Session clicks = FlashClicks.Session.start(plan(bare.baseUrl(),
              ramp(HttpCeiling.SALE_ID, "ceiling-warm-up-buyer-", buyers / 10),
              ramp(HttpCeiling.SALE_ID, "ceiling-buyer-", buyers)), work)) {
        System.out.printf("  warm-up (unmeasured): %,d clicks%n", buyers / 10);
        clicks.next();
        ceiling = clicks.next();
      }
      results.flashCeilingClicksPerS = round(ceiling.clicksPerSecond());
      results.details.put("flash_ceiling_cpu_cores_generator", round2(ceiling.cpuSeconds() / ceiling.lastAnswerSeconds()));
      System.out.printf("  ceiling: %,.0f clicks/s (best %d s), generator %.2f cores%n", ceiling.clicksPerSecond(),
          FlashRun.WINDOW_SECONDS, ceiling.cpuSeconds() / ceiling.lastAnswerSeconds());

      Path dataDir = Files.createTempDirectory("flashsale-bench-flash-stack");
      Map<String, String> env = stackEnvironment();
      System.out.printf("%nFlash: starting the local stack ...%n");
      try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env);
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
          FlashBooks books = new FlashBooks(DriverManager.getConnection(stack.databaseUrl(), "postgres", "postgres"),
              admin)) {
        BuyerClient client = new BuyerClient(stack.apiUrl());
        awaitReady(stack, client);
        long postmaster = postmaster(dataDir);

        String accepting = LiveRatesBench.unlimitedSale(client, "flash-accepted-warm-up");
        String warm = sale(client, "flash-warm-up", "SKU-FLASH-WARM-UP", Math.max(1, stock / 10));
        String flashSale = sale(client, "flash", "SKU-FLASH", stock);
        List<FlashClicks.Phase> phases = new ArrayList<>(AcceptedWarmUp.phases(accepting, "accepted-warm-up-buyer-",
            config.warmUpRounds()));
        phases.add(ramp(warm, "warm-up-buyer-", buyers / 10));
        phases.add(ramp(flashSale, "flash-buyer-", buyers));
        try (FlashClicks.Session clicks = FlashClicks.Session.start(plan(stack.apiUrl(), phases), work)) {
          System.out.printf("%nFlash warm-up (unmeasured): accepted clicks until the JIT is quiet%n");
          results.details.put("flash_warm_up_compile_shares",
              AcceptedWarmUp.run(clicks, config.warmUpRounds(), () -> awaitQuiet(client, books, accepting)));
          System.out.printf("%nFlash warm-up (unmeasured): %,d buyers for %,d units%n", buyers / 10, stock / 10);
          clicks.next();
          awaitQuiet(client, books, warm);
          flash(clicks, client, books, postmaster, flashSale, buyers, stock, ceiling);
        }
      } finally {
        Utils.delete(dataDir.toFile());
      }
    } finally {
      Utils.delete(work.toFile());
    }
  }

  private void flash(FlashClicks.Session clicks, BuyerClient client, FlashBooks books, long postmaster, String saleId,
      int buyers, int stock, FlashRun ceiling) throws Exception {
    System.out.printf("%nFlash: %,d buyers for %,d units, arrivals rising from %,.0f/s to what the edge takes%n", buyers,
        stock, START_RATE);
    Sampler sampler = new Sampler(books, saleId, stock);
    Map<String, Long> threadsBefore = new HashMap<>();
    long[] cpuBefore = new long[3];
    long[] cpuAfter = new long[3];
    Map<String, Double> busiestThreads = new LinkedHashMap<>();
    AtomicLong startedAt = new AtomicLong();
    AtomicLong finishedAt = new AtomicLong();
    Thread sampling = new Thread(sampler, "flash-books");
    sampling.setDaemon(true);
    FlashRun flash;
    try {
      flash = clicks.next(pid -> {
        startedAt.set(System.nanoTime());
        sampler.start(startedAt.get());
        sampling.start();
        threadsBefore.putAll(ProcessCpu.threadGroups());
        cpuBefore[0] = ProcessCpu.selfNanos();
        cpuBefore[1] = ProcessCpu.nanos(pid).orElse(-1L);
        cpuBefore[2] = ProcessCpu.treeNanos(postmaster).orElse(-1L);
      }, pid -> {
        finishedAt.set(System.nanoTime());
        cpuAfter[0] = ProcessCpu.selfNanos();
        cpuAfter[1] = ProcessCpu.nanos(pid).orElse(-1L);
        cpuAfter[2] = ProcessCpu.treeNanos(postmaster).orElse(-1L);
        double seconds = (finishedAt.get() - startedAt.get()) / 1e9;
        busiestThreads.putAll(ProcessCpu.busiest(threadsBefore, ProcessCpu.threadGroups(), seconds, 15));
      });
      long booksDeadline = System.nanoTime() + BOOKS_TIMEOUT.toNanos();
      while (!sampler.complete() && System.nanoTime() < booksDeadline) {
        Thread.sleep(SAMPLE_MS);
      }
      awaitQuiet(client, books, saleId);
    } finally {
      sampler.stop();
      sampling.join(5_000);
    }
    double lastClick = flash.lastClickSeconds();

    Latency post = record("flash_post", FlashClicks.decode(flash.postLatency()));
    Latency decision = record("flash_decision", FlashClicks.decode(flash.decisionLatency()));
    record("flash_decision_after_202", FlashClicks.decode(flash.decisionLatencyAfter202()));
    results.flashClicksPerS = round(flash.clicksPerSecond());
    results.flashCeilingRatio = results.flashCeilingClicksPerS == null || results.flashCeilingClicksPerS == 0 ? null
        : round2(flash.clicksPerSecond() / results.flashCeilingClicksPerS);
    results.flashPostP99Ms = post.p99Ms();
    results.flashDecisionP99Ms = decision.p99Ms();
    results.flashSelloutS = flash.lastAcceptedSeconds();
    results.flashAccepted = flash.accepted();
    results.flashUnanswered = flash.failed();
    results.flashTimeline = flash.timeline();
    Double booksAt = sampler.completeSeconds();
    results.flashBooksCompleteS = booksAt == null ? null : Math.round((booksAt - lastClick) * 1000) / 1000.0;
    results.sinkOutcomesPerS = sampler.peakOutcomesPerSecond();

    Map<String, Object> d = results.details;
    d.put("flash_buyers", buyers);
    d.put("flash_stock", stock);
    d.put("flash_posts_answered", flash.postsAnswered());
    d.put("flash_202", flash.accepted202());
    d.put("flash_409_sold_out", flash.soldOut409());
    d.put("flash_statuses", flash.statuses());
    d.put("flash_accepted", flash.accepted());
    d.put("flash_rejected", flash.rejected());
    d.put("flash_5xx", flash.serverErrors());
    d.put("flash_timed_out", flash.timedOut());
    d.put("flash_other_failures", flash.otherFailures());
    d.put("flash_sample_failures", flash.sampleFailures());
    d.put("flash_poll_retries", flash.pollRetries());
    d.put("flash_peak_offered_rate", round(flash.peakOfferedRate()));
    d.put("flash_mean_clicks_per_s", round(buyers / flash.lastAnswerSeconds()));
    d.put("flash_last_click_s", lastClick);
    d.put("flash_last_answer_s", flash.lastAnswerSeconds());
    d.put("flash_first_sold_out_409_s", flash.firstSoldOutSeconds());
    d.put("flash_generator_lag_p99_ms", flash.schedulerLagP99Ms());
    d.put("flash_books_orders_held", sampler.lastHeld());
    d.put("flash_books_complete_after_start_s", booksAt);
    d.put("flash_books_complete_after_sellout_s", booksAt == null || flash.lastAcceptedSeconds() == null ? null
        : Math.round((booksAt - flash.lastAcceptedSeconds()) * 1000) / 1000.0);
    d.put("flash_sink_peak_lag_offsets", sampler.peakLag());
    d.put("flash_sink_peak_lag_at_s", sampler.peakLagAtSeconds());
    d.put("flash_ceiling_clicks", ceiling.clicks());
    double seconds = (finishedAt.get() - startedAt.get()) / 1e9;
    Map<String, Object> cores = new LinkedHashMap<>();
    cores.put("stack_jvm", cores(cpuBefore[0], cpuAfter[0], seconds));
    cores.put("click_generator", round2(flash.cpuSeconds() / seconds));
    cores.put("postgresql", cores(cpuBefore[2], cpuAfter[2], seconds));
    d.put("flash_cpu_cores", cores);
    d.put("flash_cpu_cores_stack_threads", busiestThreads);
    d.put("flash_cpu_window_s", Math.round(seconds * 100) / 100.0);

    System.out.printf("  flash: %,.0f clicks/s absorbed (best %d s; ceiling %,.0f/s, %.2fx); %,d accepted of %,d units, "
            + "%,d rejected, %,d sold-out 409s, %,d without an answer%n", flash.clicksPerSecond(), FlashRun.WINDOW_SECONDS,
        ceiling.clicksPerSecond(), results.flashCeilingRatio == null ? Double.NaN : results.flashCeilingRatio,
        flash.accepted(), stock, flash.rejected(), flash.soldOut409(), flash.failed());
    System.out.printf("  sold out after %s s; books held all %,d orders %s s after the last click; sink peak lag %,d "
        + "offsets; CPU cores %s; the generator's p99 lag behind its schedule %.1f ms (peak rate offered %,.0f/s)%n",
        flash.lastAcceptedSeconds(), stock, results.flashBooksCompleteS, sampler.peakLag(), cores,
        flash.schedulerLagP99Ms(), flash.peakOfferedRate());
    if (flash.accepted() != stock) {
      results.note("flash: " + flash.accepted() + " accepted, not exactly the stock of " + stock);
    }
    if (flash.failed() > 0) {
      results.note("flash: " + flash.failed() + " clicks got no answer (5xx " + flash.serverErrors() + ", timed out "
          + flash.timedOut() + "): " + flash.sampleFailures());
    }
    if (booksAt == null || sampler.lastHeld() != stock) {
      results.note("flash: the books held " + sampler.lastHeld() + " orders of " + stock + " " + BOOKS_TIMEOUT.toMinutes()
          + " minutes after the flash");
    }
  }

  static FlashClicks.Plan plan(String baseUrl, FlashClicks.Phase... phases) {
    return plan(baseUrl, List.of(phases));
  }

  static FlashClicks.Plan plan(String baseUrl, List<FlashClicks.Phase> phases) {
    return new FlashClicks.Plan(baseUrl, ApiConfig.LOCAL_JWT_SECRET, CLICK_CONNECTIONS, POLL_CONNECTIONS, phases);
  }

  private FlashClicks.Phase ramp(String saleId, String buyerPrefix, int buyers) {
    return new FlashClicks.Phase(saleId, buyerPrefix, buyers, START_RATE, config.flashMaxRate(), true);
  }

  private Latency record(String scenario, Histogram micros) {
    Latency latency = Latency.of(micros);
    histograms.put(scenario, micros);
    results.latency.put(scenario, latency);
    System.out.printf("  %s: %,d; p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n", scenario, latency.count(),
        latency.p50Ms(), latency.p99Ms(), latency.p999Ms(), latency.maxMs());
    return latency;
  }

  /** A live sale of one unit per buyer, once the API answers for it. */
  static String sale(BuyerClient client, String saleId, String sku, int stock) throws InterruptedException {
    client.createLiveSale(saleId, sku, stock, 1);
    return awaitSale(client, saleId, stock);
  }

  /** The sale's id once the API shows it with its whole stock. */
  static String awaitSale(BuyerClient client, String saleId, int stock) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      try {
        if (client.remaining(saleId) == stock) {
          return saleId;
        }
      } catch (RuntimeException e) {
        // not in the API's view yet
      }
      requireBefore(deadline, "The API did not show sale " + saleId);
      Thread.sleep(50);
    }
  }

  /** No purchase of the sale pending at the API, and the sink no further behind than a commit marker a partition. */
  static void awaitQuiet(BuyerClient client, FlashBooks books, String saleId) throws Exception {
    long deadline = System.nanoTime() + QUIET_TIMEOUT.toNanos();
    long lastLag = -1;
    while (true) {
      long lag = books.sinkLag();
      if (client.pending(saleId) == 0 && lag <= 2L * books.partitions() && lag == lastLag) {
        return;
      }
      lastLag = lag;
      requireBefore(deadline, "The stack did not go quiet after " + saleId + ": sink lag " + lag);
      Thread.sleep(500);
    }
  }

  /**
   * The environment of a bench's local stack: any free port for the API and the payment simulator (a running
   * {@code ./flashsale local} holds the defaults), and the per-user rate limit lifted, so that a run measures the path,
   * not the limiter.
   */
  static Map<String, String> stackEnvironment() {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("FLASHSALE_HTTP_PORT", "0");
    env.put("FLASHSALE_SIMULATOR_PORT", "0");
    env.put("FLASHSALE_RATE_LIMIT_PER_SECOND", "1000000");
    return env;
  }

  static void awaitReady(LocalStack stack, BuyerClient client) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (stack.topology().state() != KafkaStreams.State.RUNNING || !client.ready()) {
      requireBefore(deadline, "The local stack did not get ready");
      Thread.sleep(100);
    }
  }

  /** The postmaster of the stack's PostgreSQL, from its pid file, or -1. */
  static long postmaster(Path dataDir) {
    try {
      return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
    } catch (Exception e) {
      return -1;
    }
  }

  private static Double cores(long before, long after, double seconds) {
    return before < 0 || after < 0 ? null : round2((after - before) / 1e9 / seconds);
  }

  private static double round(double value) {
    return Math.round(value);
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static void requireBefore(long deadlineNanos, String message) {
    if (System.nanoTime() > deadlineNanos) {
      throw new IllegalStateException(message);
    }
  }

  /**
   * Reads the books every {@link #SAMPLE_MS} during the flash: the sink's lag (its peak), the sale's outcome rows
   * (the sink's rate over each second, its peak), and when the orders held reached the stock.
   */
  private static final class Sampler implements Runnable {
    private final FlashBooks books;
    private final String saleId;
    private final int stock;
    private volatile boolean running = true;
    private volatile long startNanos;
    private volatile long peakLag;
    private volatile double peakLagAt;
    private volatile long lastHeld;
    private volatile Double completeSeconds;
    private volatile double peakOutcomesPerSecond;

    Sampler(FlashBooks books, String saleId, int stock) {
      this.books = books;
      this.saleId = saleId;
      this.stock = stock;
    }

    void start(long nanos) {
      startNanos = nanos;
    }

    @Override
    public void run() {
      java.util.ArrayDeque<long[]> written = new java.util.ArrayDeque<>(); // {nanos, outcome rows}
      while (running) {
        try {
          long now = System.nanoTime();
          long lag = books.sinkLag();
          if (lag > peakLag) {
            peakLag = lag;
            peakLagAt = seconds(now);
          }
          long rows = books.outcomesWritten(saleId);
          written.addLast(new long[] {now, rows});
          while (now - written.peekFirst()[0] > 1_000_000_000L) {
            written.removeFirst();
          }
          long[] first = written.peekFirst();
          if (now - first[0] >= 800_000_000L) {
            peakOutcomesPerSecond = Math.max(peakOutcomesPerSecond, (rows - first[1]) * 1e9 / (now - first[0]));
          }
          lastHeld = books.ordersHeld(saleId);
          if (completeSeconds == null && lastHeld >= stock) {
            completeSeconds = seconds(System.nanoTime());
          }
          Thread.sleep(SAMPLE_MS);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          System.out.println("  books not readable: " + e);
        }
      }
    }

    private double seconds(long nanos) {
      return Math.round((nanos - startNanos) / 1e6) / 1000.0;
    }

    boolean complete() {
      return completeSeconds != null;
    }

    Double completeSeconds() {
      return completeSeconds;
    }

    long lastHeld() {
      return lastHeld;
    }

    long peakLag() {
      return peakLag;
    }

    double peakLagAtSeconds() {
      return peakLagAt;
    }

    Double peakOutcomesPerSecond() {
      return peakOutcomesPerSecond == 0 ? null : (double) Math.round(peakOutcomesPerSecond);
    }

    void stop() {
      running = false;
    }
  }
}
