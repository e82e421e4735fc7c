package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tight sales resold again and again on the whole stack while the sink runs behind: eight sales of 2 units with
 * 2-second holds, bought by new buyers as fast as holds expire (an expiry and the purchase that took the freed unit
 * land on different partitions of purchase-outcomes, which is keyed by request id), beside a ninth sale kept busy so
 * that the sink lags. At the end the books hold every decision as the log has it: nothing in sink_quarantine, one
 * order row per 202, and each sale's reserved and confirmed counts equal to the units of its orders in that state.
 */
class ResaleUnderLoadTest {
  private static final int TIGHT_SALES = 8;
  private static final int TIGHT_STOCK = 2;
  private static final int HOLD_SECONDS = 2;
  private static final Duration LOAD = Duration.ofSeconds(30);
  private static final int BUSY_CLICKERS = 12;
  /** Between two clicks on one tight sale: a freed unit is bought within this, while the edge answers sold-out. */
  private static final long TIGHT_PAUSE_MS = 20;
  private static final Pattern SINK_LAG = Pattern.compile("(?m)^flashsale_sink_lag_records(?:\\{[^}]*})? (\\S+)$");

  @TempDir static Path dataDir;
  static LocalStack stack;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 4);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void tightSalesResoldUnderABusySaleEndWithBooksThatHoldEveryDecision() throws Exception {
    Buyers buyers = new Buyers(stack.apiUrl());
    List<String> tight = new ArrayList<>();
    for (int i = 0; i < TIGHT_SALES; i++) {
      tight.add(buyers.createLiveSale("SKU-TIGHT-" + i, TIGHT_STOCK, 1, HOLD_SECONDS));
    }
    String busy = buyers.createLiveSale("SKU-BUSY", 1_000_000, 1, 300);

    Map<String, Set<String>> tookBySale = new ConcurrentHashMap<>();
    AtomicInteger clicks = new AtomicInteger();
    AtomicInteger buyerIds = new AtomicInteger();
    AtomicLong peakLag = new AtomicLong();
    long until = System.nanoTime() + LOAD.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(TIGHT_SALES + BUSY_CLICKERS + 1);
    List<Future<?>> running = new ArrayList<>();
    for (String saleId : tight) {
      running.add(pool.submit(() -> clickUntil(buyers, saleId, until, TIGHT_PAUSE_MS, clicks, buyerIds, tookBySale)));
    }
    for (int i = 0; i < BUSY_CLICKERS; i++) {
      running.add(pool.submit(() -> clickUntil(buyers, busy, until, 0, clicks, buyerIds, tookBySale)));
    }
    HttpClient http = HttpClient.newHttpClient();
    String sinkMetrics = stack.metricsUrls().get(LocalStack.SINK_METRICS);
    // The sink's lag is sampled until it has drained what the load left behind: the peak is the figure.
    Future<?> sampling = pool.submit(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        long lag = sinkLag(http, sinkMetrics);
        peakLag.accumulateAndGet(lag, Math::max);
        try {
          Thread.sleep(250);
        } catch (InterruptedException stop) {
          return;
        }
      }
    });
    for (Future<?> clicking : running) {
      clicking.get(LOAD.toSeconds() + 60, TimeUnit.SECONDS);
    }

    // Every hold of the tight sales ends within the hold and the expiry scan; then the sink drains. A timeout is
    // reported with the figures below, by the assertions that follow.
    Jdbi db = Jdbi.create(stack.databaseUrl(), "postgres", "postgres");
    try {
      await().pollDelay(Duration.ofSeconds(HOLD_SECONDS + 3)).atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> sinkLag(http, sinkMetrics) == 0
              && db.withHandle(h -> h.createQuery("SELECT count(*) FROM orders WHERE status = 'ACCEPTED'"
                  + " AND sale_id <> :busy").bind("busy", busy).mapTo(Integer.class).one()) == 0);
    } catch (ConditionTimeoutException stillBusy) {
      System.out.println("The books did not settle within 60 s of the load's end: " + stillBusy.getMessage());
    }
    sampling.cancel(true);
    pool.shutdownNow();

    int requests = tookBySale.values().stream().mapToInt(Set::size).sum();
    int resold = tight.stream().mapToInt(s -> tookBySale.getOrDefault(s, Set.of()).size()).sum();
    System.out.printf("Resale under load: %d clicks, %d answered 202 (%d on the tight sales, %d on the busy one);"
            + " %d order rows; %d rows in sink_quarantine %s; the sink's lag peaked at %d records%n",
        clicks.get(), requests, resold, requests - resold, orders(db), quarantined(db), quarantineCauses(db),
        peakLag.get());

    assertThat(quarantined(db)).as("valid decisions set aside in sink_quarantine: %s", quarantineCauses(db)).isZero();
    for (String saleId : tookBySale.keySet()) {
      Set<String> orderIds = db.withHandle(h -> h.createQuery("SELECT request_id FROM orders WHERE sale_id = :sale")
          .bind("sale", saleId).mapTo(String.class).set());
      assertThat(orderIds).as("one order row per 202 of %s", saleId).isEqualTo(tookBySale.get(saleId));
      Map<String, Object> counts = db.withHandle(h -> h.createQuery("""
              SELECT s.stock, s.reserved, s.confirmed,
                     coalesce(sum(o.quantity) FILTER (WHERE o.status = 'ACCEPTED'), 0) AS held,
                     coalesce(sum(o.quantity) FILTER (WHERE o.status = 'CONFIRMED'), 0) AS sold,
                     count(*) FILTER (WHERE o.status IN ('ACCEPTED', 'CONFIRMED', 'EXPIRED', 'CANCELLED')) AS won
              FROM sales s LEFT JOIN orders o ON o.sale_id = s.sale_id WHERE s.sale_id = :sale
              GROUP BY s.stock, s.reserved, s.confirmed""").bind("sale", saleId).mapToMap().one());
      assertThat(((Number) counts.get("reserved")).longValue()).as("%s: reserved vs its orders %s", saleId, counts)
          .isEqualTo(((Number) counts.get("held")).longValue());
      assertThat(((Number) counts.get("confirmed")).longValue()).as("%s: confirmed vs its orders %s", saleId, counts)
          .isEqualTo(((Number) counts.get("sold")).longValue());
      if (tight.contains(saleId)) {
        assertThat(((Number) counts.get("won")).longValue()).as("%s resold: more holds than units %s", saleId, counts)
            .isGreaterThan(TIGHT_STOCK);
      }
    }
    assertThat(tookBySale.keySet()).as("every sale was bought").hasSize(TIGHT_SALES + 1);
  }

  /** New buyers click on the sale until the deadline; each 202's request id is kept. */
  private static void clickUntil(Buyers buyers, String saleId, long until, long pauseMs, AtomicInteger clicks,
      AtomicInteger buyerIds, Map<String, Set<String>> tookBySale) {
    while (System.nanoTime() < until) {
      String user = "buyer-" + buyerIds.incrementAndGet();
      Buyers.Answer answer = buyers.purchase(Buyers.tokenFor(user), saleId, 1, null);
      clicks.incrementAndGet();
      if (answer.status() == 202) {
        tookBySale.computeIfAbsent(saleId, s -> ConcurrentHashMap.newKeySet())
            .add(answer.body().get("requestId").asText());
      } else {
        assertThat(answer.status()).as("%s", answer).isEqualTo(409);
        assertThat(answer.body().get("code").asText()).as("%s", answer).isEqualTo("SOLD_OUT");
      }
      if (pauseMs > 0) {
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The sink's lag meter (records of its topics not in the books yet), 0 before its first poll. */
  private static long sinkLag(HttpClient http, String metricsUrl) {
    try {
      String text = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher lag = SINK_LAG.matcher(text);
      return lag.find() && !lag.group(1).equals("NaN") ? (long) Double.parseDouble(lag.group(1)) : 0;
    } catch (Exception e) {
      throw new IllegalStateException("Could not read the sink's metrics at " + metricsUrl, e);
    }
  }

  private static int orders(Jdbi db) {
    return db.withHandle(h -> h.createQuery("SELECT count(*) FROM orders").mapTo(Integer.class).one());
  }

  private static int quarantined(Jdbi db) {
    return db.withHandle(h -> h.createQuery("SELECT count(*) FROM sink_quarantine").mapTo(Integer.class).one());
  }

  /** What set the quarantined rows aside: SQLSTATE and constraint, counted. */
  private static Map<String, Integer> quarantineCauses(Jdbi db) {
    Map<String, Integer> causes = new HashMap<>();
    db.useHandle(h -> h.createQuery("SELECT coalesce(sql_state, error_class) AS cause, count(*) AS n FROM sink_quarantine"
            + " GROUP BY 1").mapToMap()
        .forEach(row -> causes.put((String) row.get("cause"), ((Number) row.get("n")).intValue())));
    return causes;
  }
}
