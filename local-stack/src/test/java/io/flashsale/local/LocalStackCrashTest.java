package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.http.RequestIds;
import io.flashsale.embedded.ChildJvm;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./flashsale local} as a user runs it, in a process group of its own, killed with SIGKILL (the whole group)
 * in the middle of a rush and started again on the same data directory, three times in a row. Every start is ready
 * within {@link #READY_BOUND}; each buyer left without an answer retries with the same Idempotency-Key and gets the
 * request id of the first try; every 202 is decided exactly once; each sale sells exactly its stock; and the books
 * (PostgreSQL, through the sink) hold every decision, with nothing set aside.
 */
class LocalStackCrashTest {
  private static final int KILLS = 3;
  private static final int STOCK = 100;
  private static final int BUYERS = 300; // demand three times the stock: every sale sells out
  private static final int CONCURRENCY = 32;
  private static final int ANSWERED_BEFORE_KILL = 45;
  private static final String READY_LINE = "Flashsale is ready in";
  /** A restart after a kill was ready in 28-29 s when it came back at all; one that hung never was in 4 minutes. */
  private static final Duration READY_BOUND = Duration.ofSeconds(120);
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  /** A click's buyer and key; its request id is derived from them. */
  private record Click(String userId, String key) {
    String token() {
      return Buyers.tokenFor(userId);
    }
  }

  @TempDir Path dataDir;

  @Test
  void killedMidRushAndRestartedOnItsDataTheStackComesBackEveryTimeWithEveryDecisionInItsBooks() throws Exception {
    int apiPort = ApiCrashTest.freePort(); // kept across restarts, as a buyer's bookmark would be
    Map<String, String> env = new HashMap<>();
    env.put("FLASHSALE_DATA_DIR", dataDir.toString());
    env.put("FLASHSALE_HTTP_PORT", String.valueOf(apiPort));
    env.put("FLASHSALE_SCHEMA_REGISTRY_PORT", "0");
    env.put("FLASHSALE_SIMULATOR_PORT", "0");
    env.put("FLASHSALE_PARTITIONS", "4");
    env.put("FLASHSALE_RECONCILE_AT", "off");
    List<Double> readyAfter = new ArrayList<>();
    ChildJvm stack = start(env, readyAfter);
    Map<String, Set<String>> tookBySale = new HashMap<>();
    try {
      Buyers buyers = new Buyers("http://127.0.0.1:" + apiPort);
      for (int kill = 1; kill <= KILLS; kill++) {
        String saleId = buyers.createLiveSale("SKU-KILLED-" + kill, STOCK, 1);
        List<Click> clicks = new ArrayList<>();
        for (int b = 0; b < BUYERS; b++) {
          clicks.add(new Click("buyer-" + saleId + "-" + b, "click-" + b));
        }
        Map<Click, Buyers.Answer> answers = rushUntilKilled(buyers, saleId, clicks, stack);
        System.out.printf("kill %d: the stack's process group killed after %d answers%n", kill, answers.size());

        stack = start(env, readyAfter);
        answers.putAll(retryUnanswered(buyers, saleId, clicks, answers));
        tookBySale.put(saleId, checkRound(buyers, env, saleId, clicks, answers));
      }

      // The books: one order row per decision of every sale, the database's counts agreeing, nothing set aside.
      Jdbi db = Jdbi.create(LocalStack.endpoints(LocalStackConfig.fromEnv(env)).get("FLASHSALE_DATABASE_URL"),
          "postgres", "postgres");
      for (Map.Entry<String, Set<String>> sale : tookBySale.entrySet()) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          Set<String> orders = db.withHandle(h -> h.createQuery("SELECT request_id FROM orders WHERE sale_id = :sale")
              .bind("sale", sale.getKey()).mapTo(String.class).set());
          assertThat(orders).isEqualTo(sale.getValue());
        });
        int sold = db.withHandle(h -> h.createQuery("SELECT sum(quantity) FROM orders WHERE sale_id = :sale"
            + " AND status = 'ACCEPTED'").bind("sale", sale.getKey()).mapTo(Integer.class).one());
        int counted = db.withHandle(h -> h.createQuery("SELECT reserved + confirmed FROM sales WHERE sale_id = :sale")
            .bind("sale", sale.getKey()).mapTo(Integer.class).one());
        assertThat(sold).as("units in ACCEPTED orders").isEqualTo(STOCK);
        assertThat(counted).as("the sales row's reserved + confirmed").isEqualTo(STOCK);
      }
      int quarantined = db.withHandle(h -> h.createQuery("SELECT count(*) FROM sink_quarantine")
          .mapTo(Integer.class).one());
      assertThat(quarantined).as("rows set aside by the sink").isZero();
      System.out.printf("ready after each start (s): %s%n", readyAfter);
    } finally {
      stack.stop(); // SIGTERM: the stack closes cleanly, PostgreSQL with it
      stopLeftPostmaster(dataDir.resolve("postgres"));
    }
  }

  /** A stack that failed to come back leaves the killed run's PostgreSQL (pg_ctl detaches it from the group). */
  private static void stopLeftPostmaster(Path postgresDir) throws IOException {
    Path pidFile = postgresDir.resolve("postmaster.pid");
    if (java.nio.file.Files.exists(pidFile)) {
      ProcessHandle.of(Long.parseLong(java.nio.file.Files.readAllLines(pidFile).get(0).trim()))
          .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
          .ifPresent(ProcessHandle::destroy);
    }
  }

  /** Starts {@code ./flashsale local} in a process group of its own and waits for its ready line, within the bound. */
  private static ChildJvm start(Map<String, String> env, List<Double> readyAfter) throws Exception {
    long started = System.nanoTime();
    ChildJvm stack = ChildJvm.launchAsGroup(FlashsaleCli.class.getName(), List.of("-Xmx1g", "-XX:+UseParallelGC"),
        env, READY_LINE, "local");
    stack.awaitReady(READY_BOUND);
    readyAfter.add(Math.round((System.nanoTime() - started) / 1e8) / 10.0);
    return stack;
  }

  /** Every buyer clicks once; once enough were answered, the whole process group of the stack is killed. */
  private static Map<Click, Buyers.Answer> rushUntilKilled(Buyers buyers, String saleId, List<Click> clicks,
      ChildJvm stack) throws Exception {
    Map<Click, Buyers.Answer> answers = new ConcurrentHashMap<>();
    AtomicInteger answered = new AtomicInteger();
    AtomicBoolean killing = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> sent = new ArrayList<>();
    for (Click click : clicks) {
      sent.add(pool.submit(() -> {
        if (killing.get()) {
          return; // not sent: the buyer clicks once the stack is back
        }
        try {
          answers.put(click, buyers.purchase(click.token(), saleId, 1, click.key()));
          answered.incrementAndGet();
        } catch (IllegalStateException e) {
          if (!(e.getCause() instanceof IOException) && !(e.getCause() instanceof ConnectException)) {
            throw e; // sent, and the connection died with the stack, or not sent at all: retried later
          }
        }
      }));
    }
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> answered.get() >= ANSWERED_BEFORE_KILL);
    killing.set(true);
    stack.crashGroup();
    for (Future<?> f : sent) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(answers.values()).allSatisfy(a -> assertThat(a.status()).as("%s", a).isIn(202, 409));
    return answers;
  }

  /** The clicks left without an answer, clicked again with their key on the restarted stack. */
  private static Map<Click, Buyers.Answer> retryUnanswered(Buyers buyers, String saleId, List<Click> clicks,
      Map<Click, Buyers.Answer> answers) throws Exception {
    Map<Click, Buyers.Answer> retries = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> sent = new ArrayList<>();
    for (Click click : clicks) {
      if (!answers.containsKey(click)) {
        sent.add(pool.submit(() -> retries.put(click, buyers.purchase(click.token(), saleId, 1, click.key()))));
      }
    }
    for (Future<?> f : sent) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return retries;
  }

  /**
   * Each click answered 202 with the id derived from its key (the first try's), or told sold out; each 202 decided
   * exactly once on purchase-outcomes, nothing else decided; exactly the stock sold. Returns the ids answered 202.
   */
  private static Set<String> checkRound(Buyers buyers, Map<String, String> env, String saleId, List<Click> clicks,
      Map<Click, Buyers.Answer> answers) {
    assertThat(answers).hasSize(clicks.size());
    assertThat(answers).allSatisfy((click, answer) -> {
      assertThat(answer.status()).as("%s", answer).isIn(202, 409);
      if (answer.status() == 202) {
        assertThat(answer.body().get("requestId").asText())
            .isEqualTo(RequestIds.requestId(saleId, click.userId(), click.key()));
      } else {
        assertThat(answer.body().get("code").asText()).isEqualTo("SOLD_OUT");
      }
    });
    Set<String> took = answers.entrySet().stream().filter(e -> e.getValue().status() == 202)
        .map(e -> RequestIds.requestId(saleId, e.getKey().userId(), e.getKey().key())).collect(Collectors.toSet());
    Map<String, String> endpoints = LocalStack.endpoints(LocalStackConfig.fromEnv(env));
    DecisionLog log = new DecisionLog(endpoints.get("FLASHSALE_BOOTSTRAP_SERVERS"),
        Topics.using(SchemaRegistry.forUrl(endpoints.get("FLASHSALE_SCHEMA_REGISTRY_URL"))));
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500))
        .until(() -> log.decisions(saleId).stream().map(PurchaseOutcome::getRequestId)
            .collect(Collectors.toSet()).containsAll(took));
    List<PurchaseOutcome> decisions = log.decisions(saleId);
    Map<String, Long> decisionsPerRequest = decisions.stream()
        .collect(Collectors.groupingBy(PurchaseOutcome::getRequestId, Collectors.counting()));
    assertThat(decisionsPerRequest.keySet()).isEqualTo(new HashSet<>(took));
    assertThat(decisionsPerRequest.values()).as("decisions per request").containsOnly(1L);
    assertThat(decisions.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .mapToInt(PurchaseOutcome::getQuantity).sum()).as("units sold").isEqualTo(STOCK);
    assertThat(buyers.metrics(saleId).body().path("available").asInt()).isZero();
    return took;
  }
}
