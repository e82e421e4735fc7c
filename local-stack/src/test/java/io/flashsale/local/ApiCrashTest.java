package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.IngestApi;
import io.flashsale.api.http.RequestIds;
import io.flashsale.embedded.ChildJvm;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API in a child JVM is SIGKILLed while purchases with Idempotency-Keys are in flight, some of them already
 * in the log but not answered. A new API starts; every buyer left without an answer retries with the same key
 * and gets the request id of the first try; each key ends with at most one decision, exactly one when it got a
 * 202, and the stock is sold exactly once.
 */
class ApiCrashTest {
  private static final int STOCK = 200;
  private static final int BUYERS = 600;
  private static final int CONCURRENCY = 64;
  private static final int ANSWERED_BEFORE_KILL = 150;
  private static final String API_READY = "Ingest API listening on";
  private static final int MAX_ROUNDS = 3;

  /** A click's buyer and key; its request id is derived from them. */
  private record Click(String userId, String key) {
    String token() {
      return Buyers.tokenFor(userId);
    }
  }

  @TempDir Path stateDir;
  private ChildJvm api;

  @Test
  void buyersLeftWithoutAnAnswerRetryWithTheirKeyAndGetOneDecisionEach() throws Exception {
    String applicationId = "api-crash-" + UUID.randomUUID();
    // A broker of its own: records of other tests' registries on a shared one would only be skipped by the views.
    try (KafkaBroker kafka = TestInfrastructure.newKafka();
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(null, 0)) {
      int port = freePort();
      Map<String, String> env = Map.of(
          "FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
          "FLASHSALE_SCHEMA_REGISTRY_URL", registry.url(),
          "FLASHSALE_APPLICATION_ID", applicationId,
          "FLASHSALE_STATE_DIR", stateDir.toString(),
          "FLASHSALE_HTTP_PORT", String.valueOf(port),
          "FLASHSALE_LOCAL_MODE", "true",
          "FLASHSALE_PARTITIONS", "4");
      KafkaStreams topology = TopologyApp.start(TopologyConfig.fromEnv(env));
      api = startApi(env);
      try {
        Buyers buyers = new Buyers("http://127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(120)).until(buyers::ready);
        // Whether a kill finds stored, unanswered clicks is up to timing (a few to a few dozen here): a round that
        // found none still checks everything, and another round with a new sale follows.
        int storedUnanswered = 0;
        for (int round = 1; round <= MAX_ROUNDS && storedUnanswered == 0; round++) {
          storedUnanswered += crashRound(round, buyers, kafka, registry, env);
        }
        assertThat(storedUnanswered).as("clicks in the log without an answer at a kill").isPositive();
      } finally {
        api.stop();
        TopologyApp.stop(topology);
      }
    }
  }

  /**
   * A rush on a new sale, the API killed in its middle and started again, and the retries of every click left
   * without an answer; returns how many of those the dead API had stored.
   */
  private int crashRound(int round, Buyers buyers, KafkaBroker kafka, EmbeddedSchemaRegistry registry,
      Map<String, String> env) throws Exception {
    String saleId = buyers.createLiveSale("SKU-API-CRASH-" + round, STOCK, 1);
    List<Click> clicks = new ArrayList<>();
    for (int b = 0; b < BUYERS; b++) {
      clicks.add(new Click("buyer-" + saleId + "-" + b, "click-" + b));
    }

    // The rush against the first API; it is killed once enough clicks were answered.
    Map<Click, Buyers.Answer> answers = new ConcurrentHashMap<>();
    Set<Click> inFlightAtKill = ConcurrentHashMap.newKeySet();
    AtomicInteger answered = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> sent = new ArrayList<>();
    AtomicBoolean killing = new AtomicBoolean();
    for (Click click : clicks) {
      sent.add(pool.submit(() -> {
        if (killing.get()) {
          return; // not sent: the buyer clicks once the API is back
        }
        try {
          answers.put(click, buyers.purchase(click.token(), saleId, 1, click.key()));
          answered.incrementAndGet();
        } catch (IllegalStateException e) {
          if (!(e.getCause() instanceof IOException)) {
            throw e;
          }
          if (!(e.getCause() instanceof ConnectException)) {
            inFlightAtKill.add(click); // sent, and the connection died with the API
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10))
        .until(() -> answered.get() >= ANSWERED_BEFORE_KILL);
    killing.set(true);
    api.crash();
    for (Future<?> f : sent) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(answers.values()).allSatisfy(a -> assertThat(a.status()).as("%s", a).isIn(202, 409));

    // What the dead API had written: some of the clicks in flight are in the log without an answer.
    SchemaRegistry schemas = SchemaRegistry.forUrl(registry.url());
    Set<String> loggedAtKill = LoggedRequestIds.in(kafka.bootstrapServers(), Topics.PURCHASE_REQUESTS, schemas);
    Set<Click> unanswered = clicks.stream().filter(c -> !answers.containsKey(c)).collect(Collectors.toSet());
    Set<Click> inLogUnanswered = unanswered.stream()
        .filter(c -> loggedAtKill.contains(requestId(saleId, c))).collect(Collectors.toSet());
    assertThat(inFlightAtKill).isNotEmpty();

    long restarted = System.nanoTime();
    api = startApi(env);
    await().atMost(Duration.ofSeconds(120)).until(buyers::ready);
    double readyAfter = (System.nanoTime() - restarted) / 1e9;
    Map<Click, Buyers.Answer> retries = new ConcurrentHashMap<>();
    ExecutorService retrying = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> retried = new ArrayList<>();
    for (Click click : unanswered) {
      retried.add(retrying.submit(() -> retries.put(click, buyers.purchase(click.token(), saleId, 1, click.key()))));
    }
    for (Future<?> f : retried) {
      f.get(120, TimeUnit.SECONDS);
    }
    retrying.shutdown();
    answers.putAll(retries);
    System.out.printf("round %d: API killed after %d answers with %d requests in flight; %d clicks unanswered (%d never"
            + " sent), %d of them already in the log; new API ready in %.1f s; retries answered %s%n",
        round, answered.get(), inFlightAtKill.size(), unanswered.size(), unanswered.size() - inFlightAtKill.size(),
        inLogUnanswered.size(), readyAfter, retries.values().stream()
            .collect(Collectors.groupingBy(Buyers.Answer::status, Collectors.counting())));

    // Each retry is the same request: the id derived from sale, buyer and key, and a click already in the
    // log gets its 202 back even once the sale has sold out.
    assertThat(answers).hasSize(BUYERS);
    assertThat(answers).allSatisfy((click, answer) -> {
      assertThat(answer.status()).as("%s", answer).isIn(202, 409);
      if (answer.status() == 202) {
        assertThat(answer.body().get("requestId").asText()).isEqualTo(requestId(saleId, click));
      } else {
        assertThat(answer.body().get("code").asText()).isEqualTo("SOLD_OUT");
      }
    });
    assertThat(inLogUnanswered).allSatisfy(c -> assertThat(retries.get(c).status()).isEqualTo(202));

    Set<String> took = answers.entrySet().stream().filter(e -> e.getValue().status() == 202)
        .map(e -> requestId(saleId, e.getKey())).collect(Collectors.toSet());
    DecisionLog log = new DecisionLog(kafka.bootstrapServers(), Topics.using(schemas));
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
        .until(() -> log.decisions(saleId).stream().map(PurchaseOutcome::getRequestId)
            .collect(Collectors.toSet()).containsAll(took));
    List<PurchaseOutcome> decisions = log.decisions(saleId);
    Map<String, Long> decisionsPerRequest = decisions.stream()
        .collect(Collectors.groupingBy(PurchaseOutcome::getRequestId, Collectors.counting()));
    // Exactly one decision per key that got a 202, none for a key told sold out (it never reached the log).
    assertThat(decisionsPerRequest.keySet()).isEqualTo(took);
    assertThat(decisionsPerRequest.values()).containsOnly(1L);
    Set<String> soldOutAtTheEdge = new HashSet<>(clicks.stream().map(c -> requestId(saleId, c)).toList());
    soldOutAtTheEdge.removeAll(took);
    assertThat(LoggedRequestIds.in(kafka.bootstrapServers(), Topics.PURCHASE_REQUESTS, schemas))
        .doesNotContainAnyElementsOf(soldOutAtTheEdge);
    // Demand is three times the stock: all of it sold, none of it twice.
    assertThat(decisions.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .mapToInt(PurchaseOutcome::getQuantity).sum()).isEqualTo(STOCK);
    assertThat(log.latestStockLevel(saleId).getAvailable()).isZero();
    return inLogUnanswered.size();
  }

  private static String requestId(String saleId, Click click) {
    return RequestIds.requestId(saleId, click.userId(), click.key());
  }

  static ChildJvm startApi(Map<String, String> env) throws Exception {
    return ChildJvm.start(IngestApi.class.getName(), "512m", env, API_READY);
  }

  /** The API's port, kept across its restart as a load balancer's target would be. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
