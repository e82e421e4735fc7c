package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.waitingroom.WaitingRoomSettings;
import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.local.Buyers.Answer;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.RankCorrelation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The waiting room through HTTP against the whole local stack: API, broker and topology. */
class WaitingRoomTest {
  private static final int PRE_QUEUE = 100;
  private static final int ADMIT_PER_SECOND = 25;

  @TempDir static Path dataDir;
  private static LocalStack stack;
  private static Buyers http;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    http = new Buyers(stack.apiUrl());
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  @Test
  void aPreQueueIsShuffledAtTheStartAndAdmittedAtTheRate() throws Exception {
    Instant startsAt = Instant.now().plusSeconds(10);
    String saleId = http.createSale(sale("PREQUEUE", startsAt, Map.of("admitPerSecond", ADMIT_PER_SECOND)));
    ExecutorService pool = Executors.newFixedThreadPool(PRE_QUEUE);
    try {
      List<Future<Answer>> joins = new ArrayList<>();
      for (int i = 0; i < PRE_QUEUE; i++) {
        String token = Buyers.tokenFor("early-" + i + "-" + saleId);
        joins.add(pool.submit(() -> http.call("POST", "/api/sales/" + saleId + "/queue", token, Map.of(), Map.of())));
      }
      Map<String, Long> placeOf = new HashMap<>();
      for (int i = 0; i < PRE_QUEUE; i++) {
        Answer joined = joins.get(i).get();
        assertThat(joined.status()).as("%s", joined.body()).isEqualTo(202);
        assertThat(joined.body().path("status").asText()).isEqualTo("WAITING");
        assertThat(joined.body().has("position")).as("no position before the shuffle").isFalse();
        placeOf.put("early-" + i + "-" + saleId, place(joined.body().path("queueToken").asText()));
      }
      assertThat(placeOf.values()).as("one place each").containsExactlyInAnyOrderElementsOf(
          java.util.stream.LongStream.range(0, PRE_QUEUE).boxed().toList());
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(http.metrics(saleId).body().path("queueLength").asLong()).isEqualTo(PRE_QUEUE));

      // Each buyer long-polls until admitted; the answer's time is the admission's.
      Map<String, Instant> admittedAt = new ConcurrentHashMap<>();
      Map<String, List<Long>> positions = new ConcurrentHashMap<>();
      Map<String, Instant> toldStart = new ConcurrentHashMap<>();
      List<Future<?>> polls = new ArrayList<>();
      for (String user : placeOf.keySet()) {
        polls.add(pool.submit(() -> {
          String token = Buyers.tokenFor(user);
          String queueToken = joinedToken(token, saleId);
          while (true) {
            Answer answer = http.call("GET", "/api/queue/" + queueToken + "?waitMs=20000", token, null, Map.of());
            JsonNode body = answer.body();
            if (body.path("status").asText().equals("ADMITTED")) {
              admittedAt.put(user, Instant.now());
              assertThat(body.path("purchasePass").asText()).isNotBlank();
              return null;
            }
            if (body.has("estimatedStartTime")) {
              toldStart.put(user, Instant.parse(body.path("estimatedStartTime").asText()));
            }
            if (body.has("position")) {
              positions.computeIfAbsent(user, u -> new ArrayList<>()).add(body.path("position").asLong());
            }
          }
        }));
      }
      for (Future<?> poll : polls) {
        poll.get();
      }
      JsonNode metrics = http.metrics(saleId).body();
      assertThat(metrics.path("admitted").asLong()).isEqualTo(PRE_QUEUE);
      assertThat(metrics.path("queueLength").asLong()).isZero();
      List<String> admissionOrder = admittedAt.entrySet().stream().sorted(Map.Entry.comparingByValue())
          .map(Map.Entry::getKey).toList();
      long[] placesInAdmissionOrder = admissionOrder.stream().mapToLong(placeOf::get).toArray();
      // Kendall's tau of a random order has a standard deviation of 0.068 at n = 100; the join order would be 1.
      assertThat(Math.abs(RankCorrelation.kendallTau(placesInAdmissionOrder))).as("admission order against join order").isLessThan(0.35);
      Instant first = admittedAt.get(admissionOrder.get(0));
      Instant last = admittedAt.get(admissionOrder.get(PRE_QUEUE - 1));
      assertThat(first).as("nobody before the start").isAfterOrEqualTo(startsAt);
      double seconds = Duration.between(first, last).toMillis() / 1000.0;
      assertThat(seconds).as("%d buyers at %d/s", PRE_QUEUE, ADMIT_PER_SECOND)
          .isBetween(0.6 * (PRE_QUEUE - 1) / ADMIT_PER_SECOND, 1.6 * (PRE_QUEUE - 1) / ADMIT_PER_SECOND);
      // The start told while waiting is the admission's: the rate did not change.
      // Those first polled after their turn (a loaded machine) are told ADMITTED at once, never a start: most are told.
      assertThat(toldStart.size()).as("buyers told an estimatedStartTime").isGreaterThanOrEqualTo(PRE_QUEUE / 2);
      toldStart.forEach((user, told) -> assertThat(Duration.between(told, admittedAt.get(user)).abs().toMillis())
          .as("admission of %s against its estimatedStartTime", user).isLessThan(1_000));
      positions.forEach((user, seen) -> assertThat(seen).as("positions of %s never grow", user).isSortedAccordingTo(
          (a, b) -> Long.compare(b, a)));
      System.out.printf("%d pre-queued buyers admitted over %.2f s (%.1f/s, configured %d/s), tau %.3f%n", PRE_QUEUE,
          seconds, (PRE_QUEUE - 1) / seconds, ADMIT_PER_SECOND, RankCorrelation.kendallTau(placesInAdmissionOrder));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Idle kick over HTTP: a buyer last heard from two hours ago (its token signed then, with the local stack's published
   * waiting-room secret) is told EXPIRED and has no pass; a buyer who polls keeps its place; the idle one joins again
   * with its lost token and queues behind everyone, once, and the API counts it.
   */
  @Test
  void anIdleBuyerLosesItsPlaceAndJoinsAgainAtTheBackWhileAPollingOneKeepsIt() throws Exception {
    String saleId = http.createSale(sale("IDLE", Instant.now().minusSeconds(1),
        Map.of("admitPerSecond", 1, "idleSeconds", 60)));
    for (int i = 0; i < 20; i++) { // twenty ahead: nobody below is admitted for twenty seconds and more
      assertThat(http.call("POST", "/api/sales/" + saleId + "/queue", Buyers.tokenFor("ahead-" + i + "-" + saleId),
          Map.of(), Map.of()).status()).isEqualTo(202);
    }
    String idle = Buyers.tokenFor("idle-" + saleId);
    String polling = Buyers.tokenFor("polling-" + saleId);
    String idleToken = joinedToken(idle, saleId);
    String pollingToken = joinedToken(polling, saleId);
    WaitingRoomSigner signer = new WaitingRoomSigner(WaitingRoomSettings.LOCAL_SECRET);
    WaitingRoomSigner.QueueToken place = signer.token(idleToken).orElseThrow();
    assertThat(place.seenAt()).as("a join's token says when the buyer was heard from").isNotNull();
    String away = signer.token(place.seen(Instant.now().minus(Duration.ofHours(2))));

    Answer lost = http.call("GET", "/api/queue/" + away, idle, null, Map.of());
    assertThat(lost.body().path("status").asText()).as("%s", lost.body()).isEqualTo("EXPIRED");
    assertThat(lost.body().has("purchasePass")).isFalse();
    Answer kept = http.call("GET", "/api/queue/" + pollingToken, polling, null, Map.of());
    assertThat(kept.body().path("status").asText()).isEqualTo("WAITING");
    long keptPlace = place(kept.body().path("queueToken").asText());
    assertThat(signer.token(kept.body().path("queueToken").asText()).orElseThrow().seenAt())
        .as("the poll renewed the token").isAfter(signer.token(pollingToken).orElseThrow().seenAt());

    Answer back = http.call("POST", "/api/sales/" + saleId + "/queue", idle, Map.of("queueToken", away), Map.of());
    assertThat(back.status()).isEqualTo(202);
    assertThat(place(back.body().path("queueToken").asText())).as("behind everyone").isEqualTo(22L);
    // Places, not positions: a position counts from the admissions so far, which move between two answers.
    assertThat(place(back.body().path("queueToken").asText())).isGreaterThan(keptPlace);
    Answer again = http.call("POST", "/api/sales/" + saleId + "/queue", idle, Map.of("queueToken", away), Map.of());
    assertThat(place(again.body().path("queueToken").asText())).as("once: a retry keeps the new place").isEqualTo(22L);
    // Counted per join answered with a new place for a lost one: the retry too.
    assertThat(OperationsTest.scrape(stack.metricsUrls().get(LocalStack.API_METRICS)))
        .contains("flashsale_waiting_room_idle_rejoins_total{process=\"api\",sale=\"" + saleId + "\"} 2.0");
  }

  @Test
  void passesAndProofsOfWorkAreCheckedAndNothingIsWrittenWithoutThem() throws Exception {
    Map<String, Object> room = Map.of("admitPerSecond", 1000, "passSeconds", 10, "proofOfWorkBits", 12);
    String saleId = http.createSale(sale("PASSES", Instant.now().minusSeconds(5), room));
    String other = http.createSale(sale("OTHER", Instant.now().minusSeconds(5), Map.of("admitPerSecond", 1000)));
    String plain = http.createSale(sale("PLAIN", Instant.now().minusSeconds(5), null));
    String ann = Buyers.tokenFor("ann-" + saleId);
    String bob = Buyers.tokenFor("bob-" + saleId);

    assertThat(http.call("POST", "/api/sales/" + plain + "/queue", ann, Map.of(), Map.of()).status())
        .as("no waiting room").isEqualTo(404);
    assertProblem(http.call("POST", "/api/sales/" + saleId + "/queue", ann, Map.of(), Map.of()), 403, "PROOF_REQUIRED");
    String challenge = http.call("GET", "/api/sales/" + saleId + "/challenge", ann, null, Map.of()).body()
        .path("challenge").asText();
    assertProblem(join(ann, saleId, challenge, wrongNonce(challenge, 12)), 403, "PROOF_REQUIRED");
    String nonce = solve(challenge, 12);
    Answer joined = join(ann, saleId, challenge, nonce);
    assertThat(joined.status()).as("%s", joined.body()).isEqualTo(202);
    assertProblem(join(ann, saleId, challenge, nonce), 403, "PROOF_REQUIRED"); // good for one join
    String bobsChallenge = http.call("GET", "/api/sales/" + saleId + "/challenge", bob, null, Map.of()).body()
        .path("challenge").asText();
    assertProblem(join(bob, saleId, challenge, nonce), 403, "PROOF_REQUIRED"); // another buyer's

    // The admin raises the difficulty: a challenge of the old one no longer lets anyone in.
    Answer raised = http.call("PATCH", "/api/admin/sales/" + saleId + "/waiting-room", Buyers.ADMIN_TOKEN,
        Map.of("proofOfWorkBits", 14), Map.of());
    assertThat(raised.status()).as("%s", raised.body()).isEqualTo(200);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        http.call("GET", "/api/sales/" + saleId + "/challenge", bob, null, Map.of()).body().path("bits").asInt() == 14);
    assertProblem(join(bob, saleId, bobsChallenge, solve(bobsChallenge, 12)), 403, "PROOF_REQUIRED");
    String fresh = http.call("GET", "/api/sales/" + saleId + "/challenge", bob, null, Map.of()).body().path("challenge").asText();
    assertThat(join(bob, saleId, fresh, solve(fresh, 14)).status()).isEqualTo(202);

    String annPass = admittedPass(ann, joined.body().path("queueToken").asText());
    String otherPass = admittedPass(ann, http.call("POST", "/api/sales/" + other + "/queue", ann, Map.of(), Map.of())
        .body().path("queueToken").asText());
    assertProblem(purchase(ann, saleId, null), 403, "PASS_REQUIRED");
    assertProblem(purchase(ann, saleId, annPass.substring(0, annPass.length() - 3) + "AAA"), 403, "PASS_INVALID");
    assertProblem(purchase(bob, saleId, annPass), 403, "PASS_INVALID");
    assertProblem(purchase(ann, saleId, otherPass), 403, "PASS_INVALID");
    assertThat(requestsOf(saleId)).as("nothing written without a valid pass").isZero();
    assertThat(purchase(ann, saleId, annPass).status()).isEqualTo(202);
    Thread.sleep(10_500); // the pass was valid for passSeconds = 10
    assertProblem(purchase(ann, saleId, annPass), 403, "PASS_INVALID");
    assertThat(requestsOf(saleId)).as("only the purchase with a valid pass").isOne();
  }

  private static Map<String, Object> sale(String sku, Instant startsAt, Map<String, Object> room) {
    Map<String, Object> sale = new HashMap<>(Map.of("sku", sku + "-" + startsAt.toEpochMilli(), "name", "Room " + sku,
        "stock", 1000, "perUserLimit", 1, "priceCents", 999, "currency", "USD",
        "startsAt", startsAt.toString(), "endsAt", startsAt.plus(Duration.ofHours(1)).toString()));
    if (room != null) {
      sale.put("waitingRoom", room);
    }
    return sale;
  }

  private static String joinedToken(String token, String saleId) {
    return http.call("POST", "/api/sales/" + saleId + "/queue", token, Map.of(), Map.of()).body()
        .path("queueToken").asText();
  }

  private static Answer join(String token, String saleId, String challenge, String nonce) {
    return http.call("POST", "/api/sales/" + saleId + "/queue", token, Map.of("challenge", challenge, "nonce", nonce),
        Map.of());
  }

  private static String admittedPass(String token, String queueToken) {
    JsonNode body = http.call("GET", "/api/queue/" + queueToken + "?waitMs=10000", token, null, Map.of()).body();
    assertThat(body.path("status").asText()).as("%s", body).isEqualTo("ADMITTED");
    return body.path("purchasePass").asText();
  }

  private static Answer purchase(String token, String saleId, String pass) {
    return http.call("POST", "/api/sales/" + saleId + "/purchases", token, Map.of("quantity", 1),
        pass == null ? Map.of() : Map.of("Flashsale-Pass", pass));
  }

  private static long requestsOf(String saleId) {
    Topics topics = Topics.using(SchemaRegistry.forUrl(stack.schemaRegistryUrl()));
    return TopicLog.readAll(stack.bootstrapServers(), topics.purchaseRequests).stream()
        .map(r -> r.value()).flatMap((PurchaseBatch b) -> b.getRequests().stream())
        .filter(r -> r.getSaleId().equals(saleId)).count();
  }

  private static void assertProblem(Answer answer, int status, String code) {
    assertThat(answer.status()).as("%s", answer.body()).isEqualTo(status);
    assertThat(answer.contentType()).startsWith("application/problem+json");
    assertThat(answer.body().path("code").asText()).isEqualTo(code);
  }

  /** The place a queue token carries: its payload is readable, only its signature is secret. */
  private static long place(String queueToken) {
    String payload = new String(Base64.getUrlDecoder().decode(queueToken.substring(0, queueToken.indexOf('.'))),
        StandardCharsets.UTF_8);
    return Long.parseLong(payload.split("\n")[2]);
  }

  private static String solve(String challenge, int bits) throws Exception {
    for (long n = 0; ; n++) {
      if (zeroBits(challenge, Long.toString(n)) >= bits) {
        return Long.toString(n);
      }
    }
  }

  private static String wrongNonce(String challenge, int bits) throws Exception {
    for (long n = 0; ; n++) {
      if (zeroBits(challenge, "x" + n) < bits) {
        return "x" + n;
      }
    }
  }

  private static int zeroBits(String challenge, String nonce) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest((challenge + ":" + nonce).getBytes(StandardCharsets.UTF_8));
    int zeros = 0;
    for (byte b : hash) {
      if (b != 0) {
        return zeros + Integer.numberOfLeadingZeros(b & 0xFF) - 24;
      }
      zeros += 8;
    }
    return zeros;
  }

}
