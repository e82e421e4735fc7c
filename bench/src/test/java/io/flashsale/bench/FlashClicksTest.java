package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flash's click generator against a stub of the API that sells a fixed stock first come first served: a 202 whose
 * decision shows on the long-poll a little later, and a 409 once the stub's edge has learnt of the sell-out. The
 * generator must count exactly what the stub decided and answer for every click.
 */
class FlashClicksTest {
  private static final String SECRET = "flash-clicks-test-secret-of-32-bytes!";
  private static final int BUYERS = 2_000;
  private static final int STOCK = 50;

  @TempDir Path dir;
  private StubApi api;

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void everyClickIsAnsweredAndExactlyTheStockIsAccepted() throws Exception {
    api = new StubApi(STOCK, 0);
    FlashClicks.Plan plan = plan(new FlashClicks.Phase("flash", "buyer-", BUYERS, 500, 20_000, true));
    HttpClientPair clients = new HttpClientPair(plan);
    FlashRun run = FlashClicks.prepare(plan, plan.phases().get(0), clients.clients).run(() -> { });
    clients.stop();

    assertThat(run.clicks()).isEqualTo(BUYERS);
    assertThat(run.accepted()).isEqualTo(STOCK).isEqualTo(api.accepted.get());
    assertThat(run.decided()).isEqualTo(BUYERS);
    assertThat(run.failed()).isZero();
    assertThat(run.accepted202() + run.soldOut409()).isEqualTo(BUYERS);
    assertThat(run.accepted202()).isEqualTo(api.took.get());
    assertThat(run.rejected()).isEqualTo(run.accepted202() - STOCK);
    assertThat(run.soldOut409()).isPositive(); // the edge learnt of the sell-out during the run
    // Each buyer clicked once with a token of its own.
    assertThat(api.buyers).hasSize(BUYERS);
    assertThat(FlashClicks.decode(run.decisionLatency()).getTotalCount()).isEqualTo(BUYERS);
    assertThat(FlashClicks.decode(run.decisionLatencyAfter202()).getTotalCount()).isEqualTo(run.accepted202());
    // A decision after a 202 waited for the stub's decision delay, measured from the click's intended start.
    // (The histogram keeps values to its precision: the minimum reads as its bucket's lowest value, 19,888 for 20 ms.)
    var afterAccepted = FlashClicks.decode(run.decisionLatencyAfter202());
    assertThat(afterAccepted.getMinValue()).isGreaterThanOrEqualTo(
        afterAccepted.lowestEquivalentValue(TimeUnit.MILLISECONDS.toMicros(StubApi.DECISION_DELAY_MS)));
    FlashTimeline.Seconds timeline = run.timeline();
    assertThat(timeline.offered().stream().mapToLong(Long::longValue).sum()).isEqualTo(BUYERS);
    long decisions = 0;
    for (int s = 0; s < timeline.length(); s++) {
      decisions += timeline.decisions(s);
    }
    assertThat(decisions).isEqualTo(BUYERS);
    assertThat(run.lastAcceptedSeconds()).isNotNull().isLessThanOrEqualTo(run.lastAnswerSeconds());
    assertThat(run.clicksPerSecond()).isPositive();
  }

  @Test
  void serverErrorsAreClicksWithoutAnAnswerNotDecisions() throws Exception {
    api = new StubApi(STOCK, 10); // every tenth click: 503
    FlashClicks.Plan plan = plan(new FlashClicks.Phase("flash", "buyer-", 500, 1_000, 1_000, false));
    HttpClientPair clients = new HttpClientPair(plan);
    FlashRun run = FlashClicks.prepare(plan, plan.phases().get(0), clients.clients).run(() -> { });
    clients.stop();

    assertThat(run.serverErrors()).isEqualTo(50);
    assertThat(run.failed()).isEqualTo(50);
    assertThat(run.decided()).isEqualTo(450);
    assertThat(run.statuses()).containsEntry("503", 50L);
    assertThat(run.sampleFailures()).isNotEmpty().allMatch(f -> f.startsWith("HTTP 503"));
    assertThat(run.accepted()).isEqualTo(STOCK);
  }

  @Test
  void aLongPollWhoseConnectionClosesUnderItIsAskedAgain() throws Exception {
    api = new StubApi(STOCK, 0);
    api.dropFirstPoll = true; // the server closes the connection of each purchase's first long-poll, unanswered
    FlashClicks.Plan plan = plan(new FlashClicks.Phase("flash", "buyer-", 300, 1_000, 1_000, false));
    HttpClientPair clients = new HttpClientPair(plan);
    FlashRun run = FlashClicks.prepare(plan, plan.phases().get(0), clients.clients).run(() -> { });
    clients.stop();

    assertThat(run.failed()).isZero();
    assertThat(run.decided()).isEqualTo(300);
    assertThat(run.accepted()).isEqualTo(STOCK);
    assertThat(run.pollRetries()).isEqualTo(run.accepted202());
  }

  /**
   * The path the bench takes: a JVM of its own, phase after phase, with the CPU window marked; a phase passed over
   * (a warm-up round not needed) sends nothing.
   */
  @Test
  void aGeneratorInItsOwnProcessRunsEachPhaseWhenTold() throws Exception {
    api = new StubApi(STOCK, 0);
    FlashClicks.Plan plan = plan(new FlashClicks.Phase("warm-up", "warm-", 200, 500, 5_000, true),
        new FlashClicks.Phase("warm-up", "skipped-", 300, 500, 500, false),
        new FlashClicks.Phase("flash", "buyer-", BUYERS, 500, 20_000, true));
    AtomicLong started = new AtomicLong();
    AtomicLong finished = new AtomicLong();
    FlashRun warm;
    FlashRun flash;
    try (FlashClicks.Session session = FlashClicks.Session.start(plan, dir)) {
      warm = session.next();
      session.skip();
      flash = session.next(started::set, finished::set);
    }
    assertThat(warm.clicks()).isEqualTo(200);
    assertThat(warm.failed()).isZero();
    assertThat(flash.accepted()).isEqualTo(STOCK); // the warm-up sold nothing of the flash's stock
    assertThat(flash.decided()).isEqualTo(BUYERS);
    assertThat(flash.failed()).isZero();
    assertThat(started.get()).isPositive().isEqualTo(finished.get()).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(flash.cpuSeconds()).isPositive();
    assertThat(api.buyers).hasSize(200 + BUYERS).noneMatch(buyer -> buyer.startsWith("skipped-"));
  }

  @Test
  void theRampRisesWhileTheEdgeKeepsUpAndFallsBackToWhatItAnswered() {
    FlashRamp ramp = FlashRamp.rising(1_000, 50_000);
    assertThat(ramp.adjust(10, 200, FlashRamp.STEP_NANOS)).isEqualTo(1_120, org.assertj.core.data.Offset.offset(0.1));
    for (int i = 0; i < 100; i++) {
      ramp.adjust(0, 0, FlashRamp.STEP_NANOS);
    }
    assertThat(ramp.rate()).isEqualTo(50_000); // never above the most
    // 10,000 POSTs open at 50k/s is more than 0.1 s of arrivals: back to 90 % of the 6,000 answered in 0.2 s.
    assertThat(ramp.adjust(10_000, 6_000, FlashRamp.STEP_NANOS)).isEqualTo(27_000, org.assertj.core.data.Offset.offset(0.1));
    assertThat(ramp.peak()).isEqualTo(50_000);
    // Nothing answered at all (a pause): half as fast, and never below where it started.
    assertThat(ramp.adjust(10_000, 0, FlashRamp.STEP_NANOS)).isEqualTo(13_500, org.assertj.core.data.Offset.offset(0.1));
    for (int i = 0; i < 10; i++) {
      ramp.adjust(10_000, 0, FlashRamp.STEP_NANOS);
    }
    assertThat(ramp.rate()).isEqualTo(1_000);
    FlashRamp fixed = FlashRamp.fixed(20);
    assertThat(fixed.adjust(0, 0, FlashRamp.STEP_NANOS)).isEqualTo(20);
    assertThat(fixed.adjust(1_000_000, 0, FlashRamp.STEP_NANOS)).isEqualTo(20);
  }

  @Test
  void theRampFallsBackWhenTheGeneratorIsBehindItsSchedule() {
    long step = FlashRamp.STEP_NANOS;
    FlashRamp late = FlashRamp.rising(1_000, 200_000);
    for (int i = 0; i < 30; i++) {
      late.adjust(new FlashRamp.Step(0, 0, step, FlashRamp.GENERATOR_LAG_NANOS, 0));
    }
    double before = late.rate(); // 1,000 x 1.12^30, about 30,000/s
    assertThat(before).isGreaterThan(29_000);
    // 30 ms behind at the step's end: the generator sent 5,000 in 0.2 s (25,000/s), so 90 % of that, though the
    // edge kept up (nothing open).
    assertThat(late.adjust(new FlashRamp.Step(0, 5_000, step, 30_000_000, 5_000))).isEqualTo(22_500,
        org.assertj.core.data.Offset.offset(0.1));
    // Within the bound it rises as before.
    assertThat(late.adjust(new FlashRamp.Step(0, 4_500, step, FlashRamp.GENERATOR_LAG_NANOS, 4_500)))
        .isEqualTo(22_500 * FlashRamp.GROWTH, org.assertj.core.data.Offset.offset(0.1));
  }

  @Test
  void theEdgesRateIsTheBestWindowOfAnsweredSeconds() {
    assertThat(FlashRun.bestWindowRate(List.of(1L, 10L, 10L, 10L, 10L, 10L, 2L), 5)).isEqualTo(10);
    assertThat(FlashRun.bestWindowRate(List.of(4L, 8L), 5)).isEqualTo(6); // shorter than a window: all of it
    assertThat(FlashRun.bestWindowRate(List.of(), 5)).isZero();
  }

  private FlashClicks.Plan plan(FlashClicks.Phase... phases) {
    return new FlashClicks.Plan(api.baseUrl(), SECRET, 64, 256, List.of(phases));
  }

  /** The clients of a plan, for a run in this JVM. */
  private static final class HttpClientPair {
    final org.eclipse.jetty.client.HttpClient[] clients;

    HttpClientPair(FlashClicks.Plan plan) throws Exception {
      clients = FlashClicks.clients(plan);
    }

    void stop() throws Exception {
      for (var client : clients) {
        client.stop();
      }
    }
  }

  /**
   * Sells {@code stock} units per sale first come first served; a decision shows {@link #DECISION_DELAY_MS} after
   * the 202, and the sell-out reaches the edge as long after the last unit went (then: 409). Every
   * {@code failEvery}-th click (0: none) gets a 503.
   */
  private static final class StubApi implements AutoCloseable {
    static final long DECISION_DELAY_MS = 20;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger took = new AtomicInteger();
    final Set<String> buyers = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> sold = new ConcurrentHashMap<>();
    private final Map<String, Long> soldOutAt = new ConcurrentHashMap<>();
    private final Map<String, String[]> decisions = new ConcurrentHashMap<>(); // id -> {status, revealAtNanos}
    private final Set<String> polled = ConcurrentHashMap.newKeySet();
    volatile boolean dropFirstPoll;
    private final AtomicInteger clicks = new AtomicInteger();
    private final Javalin app;

    StubApi(int stock, int failEvery) {
      app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        routes(cfg.routes, stock, failEvery);
      });
      app.start("127.0.0.1", 0);
    }

    private void routes(RoutesConfig routes, int stock, int failEvery) {
      routes.post("/api/sales/{saleId}/purchases", ctx -> {
        String sale = ctx.pathParam("saleId");
        String buyer = JWT.decode(ctx.header("Authorization").substring("Bearer ".length())).getSubject();
        buyers.add(buyer);
        if (failEvery > 0 && clicks.incrementAndGet() % failEvery == 0) {
          ctx.status(503).result("{\"code\":\"UNAVAILABLE\"}");
          return;
        }
        Long out = soldOutAt.get(sale);
        if (out != null && System.nanoTime() - out >= 0) {
          ctx.status(409).contentType("application/problem+json").result("{\"code\":\"SOLD_OUT\"}");
          return;
        }
        String id = UUID.randomUUID().toString();
        int unit = sold.computeIfAbsent(sale, s -> new AtomicInteger()).incrementAndGet();
        boolean won = unit <= stock;
        // nanoTime, not the millisecond clock, whose ticks could show a decision 19.1 ms after its 202.
        long reveal = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DECISION_DELAY_MS);
        if (unit == stock) {
          soldOutAt.put(sale, reveal);
        }
        if (won && sale.equals("flash")) {
          accepted.incrementAndGet();
        }
        if (sale.equals("flash")) {
          took.incrementAndGet();
        }
        decisions.put(id, new String[] {won ? "ACCEPTED" : "REJECTED", String.valueOf(reveal)});
        ctx.status(202).contentType("application/json")
            .result("{\"requestId\":\"" + id + "\",\"status\":\"PENDING\",\"pollUrl\":\"/api/purchases/" + id + "\"}");
      });
      routes.get("/api/purchases/{id}", ctx -> {
        if (dropFirstPoll && polled.add(ctx.pathParam("id"))) {
          ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
              .getEndPoint().close();
          return;
        }
        String[] decision = decisions.get(ctx.pathParam("id"));
        long wait = Long.parseLong(decision[1]) - System.nanoTime();
        String answer = "{\"requestId\":\"" + ctx.pathParam("id") + "\",\"status\":\"" + decision[0] + "\"}";
        if (wait <= 0) {
          ctx.contentType("application/json").result(answer);
          return;
        }
        ctx.future(() -> CompletableFuture.supplyAsync(() -> answer,
                CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS))
            .thenAccept(body -> ctx.contentType("application/json").result(body)));
      });
    }

    String baseUrl() {
      return "http://127.0.0.1:" + app.port();
    }

    @Override
    public void close() {
      app.stop();
    }
  }
}
