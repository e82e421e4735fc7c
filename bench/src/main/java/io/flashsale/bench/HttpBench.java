package io.flashsale.bench;

import io.flashsale.local.LocalStack;
import io.flashsale.schemas.InputRules;
import io.flashsale.local.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The HTTP path on the whole local stack (broker, registry, topology and API in this JVM, as
 * {@code ./flashsale local} runs them), driven by wrk with many buyers' tokens, beside the HTTP ceiling of the
 * same machine: a bare Javalin app with the same Jetty settings (see {@link HttpCeiling}), measured first while
 * nothing else runs, and again while the stack digests the accepted path's backlog. Every closed-loop run
 * follows a warm-up run of the same kind, unmeasured, so the figures are of JIT-compiled code. The per-user
 * rate limit is lifted so that it measures the path, not the limiter.
 */
final class HttpBench {
  /** Enough stock that the accepted path never turns into the sold-out path during a run. */
  private static final int UNLIMITED_STOCK = 1_000_000_000;
  private static final int UNLIMITED_PER_USER = InputRules.MAX_QUANTITY;
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(5);
  /** wrk's shape: one thread and 64 connections for a buyer per request; 8 threads of 8 for a buyer per connection. */
  private static final int CONNECTIONS = 64;
  private static final double E2E_P99_LIMIT_MS = 100;

  private final BenchConfig config;
  private final BenchResults results;
  /** Full histograms by scenario, for the percentile chart. */
  private final Map<String, Histogram> histograms;

  HttpBench(BenchConfig config, BenchResults results, Map<String, Histogram> histograms) {
    this.config = config;
    this.results = results;
    this.histograms = histograms;
  }

  void run() throws Exception {
    List<String> tokens = BuyerClient.buyerTokens(config.httpBuyers());
    Wrk wrk = Wrk.prepare(tokens);
    Map<Wrk.Identity, Wrk.Run> ceiling = new EnumMap<>(Wrk.Identity.class);
    try (HttpCeiling bare = HttpCeiling.start()) {
      for (Wrk.Identity identity : Wrk.Identity.values()) {
        ceiling.put(identity, measure(wrk, "ceiling", "HTTP ceiling (bare Javalin, fixed 409)", bare.purchaseUrl(),
            identity, 409));
      }
      results.httpCeilingRps = ceiling.get(Wrk.Identity.PER_REQUEST).requestsPerSecond();

      Path dataDir = Files.createTempDirectory("flashsale-bench-stack");
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("FLASHSALE_HTTP_PORT", "0");
      env.put("FLASHSALE_SIMULATOR_PORT", "0"); // a running ./flashsale local holds the default port; no payments here
      env.put("FLASHSALE_RATE_LIMIT_PER_SECOND", "1000000");
      System.out.printf("%nHTTP: starting the local stack (%,d buyers) ...%n", config.httpBuyers());
      try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env)) {
        BuyerClient client = new BuyerClient(stack.apiUrl());
        awaitReady(stack, client);
        soldOut(wrk, client, tokens, ceiling);
        String acceptSale = accepted(wrk, client, ceiling);
        // The same bare server while the stack digests the accepted backlog: the ceiling of a busy machine.
        Wrk.Run busy = measure(wrk, "ceiling_busy", "HTTP ceiling while the stack is busy", bare.purchaseUrl(),
            Wrk.Identity.PER_REQUEST, 409);
        results.details.put("http_ceiling_busy_rps", Math.round(busy.requestsPerSecond()));
        awaitDecided(client, acceptSale); // the topology's backlog must not leak into the next runs
        Integer best = null;
        for (int rate : config.e2eRates()) {
          if (timeToDecision(client, tokens, rate) < E2E_P99_LIMIT_MS) {
            best = rate;
          }
        }
        results.e2eMaxRateP99Under100ms = best == null ? null : best.doubleValue();
      } finally {
        Utils.delete(dataDir.toFile());
      }
    }
  }

  /** POST purchase of a sold-out sale: answered 409 SOLD_OUT at the edge, nothing written. */
  private void soldOut(Wrk wrk, BuyerClient client, List<String> tokens, Map<Wrk.Identity, Wrk.Run> ceiling)
      throws Exception {
    String saleId = client.createLiveSale("bench-sold-out", "SKU-SOLD-OUT", 1, 1);
    if (client.purchase(tokens.get(0), saleId).join().statusCode() != 202) {
      throw new IllegalStateException("The only unit of the sold-out sale could not be bought");
    }
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    while (client.remaining(saleId) > 0) { // the edge learns of the sell-out from the stock-levels topic
      requireBefore(deadline, "The API did not see sale " + saleId + " sell out");
      Thread.sleep(50);
    }
    for (Wrk.Identity identity : Wrk.Identity.values()) {
      Wrk.Run run = measure(wrk, "soldout", "HTTP sold out (409)", client.purchaseUrl(saleId), identity, 409);
      double ratio = ratio("soldout", identity, run, ceiling.get(identity));
      if (identity == Wrk.Identity.PER_REQUEST) {
        results.httpSoldoutRps = run.requestsPerSecond();
        results.httpSoldoutP99Ms = run.p99Ms();
        results.httpSoldoutRatio = ratio;
      }
    }
  }

  /** POST purchase until 202: the edge's checks, the token, the body, and the durable write to Kafka (acks=all). */
  private String accepted(Wrk wrk, BuyerClient client, Map<Wrk.Identity, Wrk.Run> ceiling) throws Exception {
    String saleId = client.createLiveSale("bench-accept", "SKU-ACCEPT", UNLIMITED_STOCK, UNLIMITED_PER_USER);
    for (Wrk.Identity identity : Wrk.Identity.values()) {
      Wrk.Run run = measure(wrk, "accept", "HTTP accepted (202)", client.purchaseUrl(saleId), identity, 202);
      double ratio = ratio("accept", identity, run, ceiling.get(identity));
      if (identity == Wrk.Identity.PER_REQUEST) {
        results.httpAcceptRps = run.requestsPerSecond();
        results.httpAcceptP50Ms = run.p50Ms();
        results.httpAcceptP99Ms = run.p99Ms();
        results.httpAcceptP999Ms = run.p999Ms();
        results.httpAcceptRatio = ratio;
      }
    }
    return saleId;
  }

  /** A warm-up run, then the measured one; records rate, latency and the CPU of load generator and server. */
  private Wrk.Run measure(Wrk wrk, String scenario, String label, String url, Wrk.Identity identity, int expected)
      throws Exception {
    int threads = identity == Wrk.Identity.PER_REQUEST ? 1 : 8;
    String name = scenario + "_" + identity.name().toLowerCase(Locale.ROOT);
    System.out.printf("%n%s, %s: wrk -t%d -c%d, %d s warm-up + %d s%n", label, identity, threads, CONNECTIONS,
        config.httpWarmup().toSeconds(), config.httpDuration().toSeconds());
    Wrk.Run warm = wrk.run(url, CONNECTIONS, threads, config.httpWarmup(), identity, expected);
    System.out.printf("  warm-up: %,.0f/s; measuring ...%n", warm.requestsPerSecond());
    long cpuBefore = processCpuNanos();
    Wrk.Run run = wrk.run(url, CONNECTIONS, threads, config.httpDuration(), identity, expected);
    double serverCpu = (processCpuNanos() - cpuBefore) / 1e9;
    results.details.put("http_" + name + "_rps", Math.round(run.requestsPerSecond()));
    results.details.put("http_" + name + "_p50_ms", run.p50Ms());
    results.details.put("http_" + name + "_p99_ms", run.p99Ms());
    results.details.put("http_" + name + "_unexpected", run.unexpected());
    results.details.put("http_" + name + "_cpu_cores_server", round2(serverCpu / run.seconds()));
    results.details.put("http_" + name + "_cpu_cores_wrk", round2(run.loadGeneratorCpuSeconds() / run.seconds()));
    System.out.printf("  %s: %,.0f/s, p50 %.2f ms, p99 %.2f ms, %,d unexpected answers; CPU cores: server %.2f, wrk %.2f%n",
        name, run.requestsPerSecond(), run.p50Ms(), run.p99Ms(), run.unexpected(), serverCpu / run.seconds(),
        run.loadGeneratorCpuSeconds() / run.seconds());
    if (run.unexpected() > 0) {
      results.note(name + ": " + run.unexpected() + " of " + run.requests() + " requests did not get " + expected);
    }
    return run;
  }

  /** The run's rate as a share of the ceiling's, kept in the details (rounded) and returned. */
  private double ratio(String scenario, Wrk.Identity identity, Wrk.Run run, Wrk.Run ceiling) {
    double ratio = run.requestsPerSecond() / ceiling.requestsPerSecond();
    results.details.put("http_" + scenario + "_" + identity.name().toLowerCase(Locale.ROOT) + "_ratio", round2(ratio));
    return ratio;
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }

  /** CPU time of this JVM: the whole stack (or the bare server) that answers the load. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /**
   * POST, then long-poll until decided, at a fixed offered rate, measured from each intended start; returns the
   * p99 in milliseconds.
   */
  private double timeToDecision(BuyerClient client, List<String> tokens, int rate) throws Exception {
    String saleId = client.createLiveSale("bench-e2e-" + rate, "SKU-E2E-" + rate, UNLIMITED_STOCK, UNLIMITED_PER_USER);
    String label = String.format("time to decision @ %,d/s", rate);
    System.out.printf("%n%s for %d s (open loop, coordinated-omission corrected)%n", label, config.e2eDuration().toSeconds());
    LoadGenerator.Run run;
    try (ScenarioTicker progress = ScenarioTicker.start(label, 0)) {
      run = LoadGenerator.atFixedRate(rate, config.e2eDuration(), config.maxInFlight(), progress, i -> {
        String token = tokens.get((int) (i % tokens.size()));
        return client.purchase(token, saleId).thenCompose(response -> response.statusCode() != 202
            ? CompletableFuture.completedFuture(false)
            : client.decision(token, BuyerClient.field(response.body(), "requestId"))
                .thenApply(status -> status.equals("ACCEPTED") || status.equals("REJECTED")));
      });
    }
    Latency latency = record("e2e_at_" + rate, run);
    results.details.put("e2e_achieved_rps_at_" + rate, Math.round(run.succeededPerSecond()));
    if (rate == 1_000) {
      results.e2eP50MsAt1k = latency.p50Ms();
      results.e2eP99MsAt1k = latency.p99Ms();
    } else if (rate == 5_000) {
      results.e2eP50MsAt5k = latency.p50Ms();
      results.e2eP99MsAt5k = latency.p99Ms();
    }
    return latency.p99Ms();
  }

  private Latency record(String scenario, LoadGenerator.Run run) {
    Latency latency = Latency.of(run.latencyMicros());
    histograms.put(scenario, run.latencyMicros());
    results.latency.put(scenario, latency);
    results.details.put(scenario + "_failed", run.failed());
    System.out.printf("  %s: %,.0f/s ok, %,d other answers; p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
        scenario, run.succeededPerSecond(), run.failed(), latency.p50Ms(), latency.p99Ms(), latency.p999Ms(), latency.maxMs());
    if (run.failed() > 0) {
      results.note(scenario + ": " + run.failed() + " requests did not get the expected answer (counted in latency, not in rate)");
    }
    return latency;
  }

  private static void awaitReady(LocalStack stack, BuyerClient client) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (stack.topology().state() != KafkaStreams.State.RUNNING || !client.ready()) {
      requireBefore(deadline, "The local stack did not get ready");
      Thread.sleep(100);
    }
  }

  private static void awaitDecided(BuyerClient client, String saleId) throws InterruptedException {
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    long pending;
    while ((pending = client.pending(saleId)) > 0) {
      requireBefore(deadline, "The topology did not catch up: " + pending + " requests still pending");
      System.out.printf("  waiting for the topology to decide %,d pending requests%n", pending);
      Thread.sleep(1000);
    }
  }

  private static void requireBefore(long deadlineNanos, String message) {
    if (System.nanoTime() > deadlineNanos) {
      throw new IllegalStateException(message);
    }
  }
}
