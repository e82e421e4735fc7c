package io.flashsale.bench;

import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The HTTP path on the whole local stack (broker, registry, topology and API in this JVM, as
 * {@code ./flashsale local} runs them), driven by many buyers with distinct tokens. The per-user rate limit
 * is lifted so that it measures the path, not the limiter.
 */
final class HttpBench {
  /** Enough stock that the accepted path never turns into the sold-out path during a run. */
  private static final int UNLIMITED_STOCK = 1_000_000_000;
  private static final int UNLIMITED_PER_USER = 1_000_000;
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(5);
  private static final int COMPARE_ROUNDS = 2;

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
    Path dataDir = Files.createTempDirectory("flashsale-bench-stack");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("FLASHSALE_HTTP_PORT", "0");
    env.put("FLASHSALE_SIMULATOR_PORT", "0"); // a running ./flashsale local holds the default port; no payments here
    env.put("FLASHSALE_RATE_LIMIT_PER_SECOND", "1000000");
    System.out.printf("%nHTTP: starting the local stack (%,d buyers) ...%n", config.httpBuyers());
    try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env)) {
      BuyerClient client = new BuyerClient(stack.apiUrl());
      awaitReady(stack, client);
      List<String> tokens = BuyerClient.buyerTokens(config.httpBuyers());
      accepted(client, tokens);
      soldOut(client, tokens);
      for (int rate : config.e2eRates()) {
        timeToDecision(client, tokens, rate);
      }
    } finally {
      Utils.delete(dataDir.toFile());
    }
  }

  /** POST purchase until 202: validation, token, edge checks and the durable write to Kafka (acks=all). */
  private void accepted(BuyerClient client, List<String> tokens) throws Exception {
    String saleId = client.createLiveSale("bench-accept", "SKU-ACCEPT", UNLIMITED_STOCK, UNLIMITED_PER_USER);
    LoadGenerator.Run run = comparedClosedLoop("http_accept", "HTTP accepted (202)", client, tokens, saleId, 202);
    results.httpAcceptRps = run.succeededPerSecond();
    Latency latency = record("http_accept", run);
    results.httpAcceptP50Ms = latency.p50Ms();
    results.httpAcceptP99Ms = latency.p99Ms();
    results.httpAcceptP999Ms = latency.p999Ms();
    awaitDecided(client, saleId); // the topology's backlog must not leak into the next runs
  }

  /** POST purchase of a sold-out sale: answered 409 SOLD_OUT at the edge, nothing written. */
  private void soldOut(BuyerClient client, List<String> tokens) throws Exception {
    String saleId = client.createLiveSale("bench-sold-out", "SKU-SOLD-OUT", 1, 1);
    if (client.purchase(tokens.get(0), saleId).join().statusCode() != 202) {
      throw new IllegalStateException("The only unit of the sold-out sale could not be bought");
    }
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    while (client.remaining(saleId) > 0) { // the edge learns of the sell-out from the stock-levels topic
      requireBefore(deadline, "The API did not see sale " + saleId + " sell out");
      Thread.sleep(50);
    }
    LoadGenerator.Run run = comparedClosedLoop("http_soldout", "HTTP sold out (409)", client, tokens, saleId, 409);
    results.httpSoldoutRps = run.succeededPerSecond();
    results.httpSoldoutP99Ms = record("http_soldout", run).p99Ms();
  }

  /** POST, then long-poll until decided, at a fixed offered rate, measured from each intended start. */
  private void timeToDecision(BuyerClient client, List<String> tokens, int rate) throws Exception {
    String saleId = client.createLiveSale("bench-e2e-" + rate, "SKU-E2E-" + rate, UNLIMITED_STOCK, UNLIMITED_PER_USER);
    String label = String.format("time to decision @ %,d/s", rate);
    System.out.printf("%n%s for %d s (open loop, coordinated-omission corrected)%n", label, config.e2eDuration().toSeconds());
    LoadGenerator.Run run;
    try (Progress progress = Progress.start(label, 0)) {
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
  }

  /**
   * The closed loop with the configured client calls; when comparing, also with the old async calls,
   * alternately, and their rates in the details under {@code scenario}_rps_async_runs / _blocking_runs.
   */
  private LoadGenerator.Run comparedClosedLoop(String scenario, String label, BuyerClient client, List<String> tokens,
      String saleId, int expectedStatus) throws Exception {
    if (!config.compareOldSettings()) {
      return closedLoop(label, client, tokens, saleId, expectedStatus, config.httpBlocking());
    }
    List<Double> async = new ArrayList<>();
    List<Double> blocking = new ArrayList<>();
    LoadGenerator.Run last = null;
    for (int round = 0; round < COMPARE_ROUNDS; round++) {
      async.add(closedLoop(label + ", async calls", client, tokens, saleId, expectedStatus, false).succeededPerSecond());
      last = closedLoop(label, client, tokens, saleId, expectedStatus, true);
      blocking.add(last.succeededPerSecond());
    }
    results.details.put(scenario + "_rps_async_runs", async);
    results.details.put(scenario + "_rps_blocking_runs", blocking);
    System.out.printf("  %s: blocking calls %s/s, async calls %s/s%n", scenario, blocking, async);
    return last;
  }

  private LoadGenerator.Run closedLoop(String label, BuyerClient client, List<String> tokens, String saleId,
      int expectedStatus, boolean blocking) throws Exception {
    System.out.printf("%n%s: %d in flight, %d s warm-up + %d s%n", label, config.httpConcurrency(),
        config.httpWarmup().toSeconds(), config.httpDuration().toSeconds());
    LongFunction<CompletableFuture<Boolean>> click = blocking
        ? i -> CompletableFuture.completedFuture(
            client.purchaseNow(tokens.get((int) (i % tokens.size())), saleId).statusCode() == expectedStatus)
        : i -> client.purchase(tokens.get((int) (i % tokens.size())), saleId)
            .thenApply(r -> r.statusCode() == expectedStatus);
    try (Progress warmUp = Progress.start(label + " warm-up", 0)) {
      LoadGenerator.closedLoop(config.httpConcurrency(), config.httpWarmup(), Long.MAX_VALUE, warmUp, click);
    }
    try (Progress progress = Progress.start(label, 0)) {
      return LoadGenerator.closedLoop(config.httpConcurrency(), config.httpDuration(), Long.MAX_VALUE, progress, click);
    }
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
