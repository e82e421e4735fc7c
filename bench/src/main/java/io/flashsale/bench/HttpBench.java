package io.flashsale.bench;

import io.flashsale.local.LocalStack;
import io.flashsale.schemas.InputRules;
import io.flashsale.local.LocalStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;

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
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(5);
  /** wrk's shape: one thread and 64 connections for a buyer per request; 8 threads of 8 for a buyer per connection. */
  private static final int CONNECTIONS = 64;

  private final BenchConfig config;
  private final BenchResults results;

  HttpBench(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
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
      Map<String, String> env = FlashBench.stackEnvironment();
      System.out.printf("%nHTTP: starting the local stack (%,d buyers) ...%n", config.httpBuyers());
      try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env)) {
        BuyerClient client = new BuyerClient(stack.apiUrl());
        FlashBench.awaitReady(stack, client);
        soldOut(wrk, client, tokens, ceiling);
        accepted(wrk, client, ceiling);
        // The same bare server while the stack digests the accepted backlog: the ceiling of a busy machine.
        Wrk.Run busy = measure(wrk, "ceiling_busy", "HTTP ceiling while the stack is busy", bare.purchaseUrl(),
            Wrk.Identity.PER_REQUEST, 409);
        results.details.put("http_ceiling_busy_rps", Math.round(busy.requestsPerSecond()));
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
  private void accepted(Wrk wrk, BuyerClient client, Map<Wrk.Identity, Wrk.Run> ceiling) throws Exception {
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

  private static void requireBefore(long deadlineNanos, String message) {
    if (System.nanoTime() > deadlineNanos) {
      throw new IllegalStateException(message);
    }
  }
}
