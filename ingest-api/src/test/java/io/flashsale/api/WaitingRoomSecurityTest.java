package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.api.sale.ProofOfWorkBits;
import io.flashsale.api.waitingroom.PassCheck;
import io.flashsale.api.waitingroom.ProofOfWork;
import io.flashsale.api.waitingroom.UsedChallenges;
import io.flashsale.api.waitingroom.WaitingRoomSettings;
import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.api.waitingroom.WaitingRooms;
import io.flashsale.schemas.AdminAuditEvent;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.WaitingRoomChange;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The waiting room against abuse, over HTTP on the in-JVM broker: its passes are signed with its own secret, not the
 * buyers'; admins' changes through two instances merge; the used-challenge cache and the event streams stay under
 * their bounds under a flood and answer 429; the proof of work has a floor and rises by itself under a flood of joins.
 * Floods are bounded loops on loopback, their client addresses named by X-Forwarded-For from a trusted 127.0.0.1.
 */
class WaitingRoomSecurityTest {
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    fixture = ApiFixture.start(Map.of("FLASHSALE_TRUSTED_PROXIES", "127.0.0.1, ::1"));
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  /** The hole: a pass computed with the buyers' JWT secret bought a unit for a buyer who was still waiting. */
  @Test
  void aPassForgedWithTheBuyersSecretIsRefusedAndWritesNothing() {
    assertThat(fixture.config.waitingRoom().secret()).isNotEqualTo(fixture.config.access().jwtSecret());
    String saleId = fixture.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 1)));
    String user = ApiFixture.newUser();
    Instant expires = Instant.now().plusSeconds(60);
    String forged = new WaitingRoomSigner(fixture.config.access().jwtSecret()).pass(saleId, user, expires);
    Map<TopicPartition, Long> before = fixture.endOffsets(Topics.PURCHASE_REQUESTS);

    purchase(saleId, user, forged).assertProblem(403, ErrorCode.PASS_INVALID);
    purchase(saleId, user, new WaitingRoomSigner(fixture.config.access().adminJwt().secret()).pass(saleId, user, expires))
        .assertProblem(403, ErrorCode.PASS_INVALID);
    assertThat(fixture.endOffsets(Topics.PURCHASE_REQUESTS)).as("nothing written").isEqualTo(before);

    String issued = new WaitingRoomSigner(fixture.config.waitingRoom().secret()).pass(saleId, user, expires);
    ApiFixture.Response taken = purchase(saleId, user, issued);
    assertThat(taken.status()).as("a pass of the waiting room's own key: %s", taken.raw().body()).isEqualTo(202);
  }

  /**
   * A PATCH writes only the fields sent, and each instance merges a sale's changes field by field in the log's order:
   * the rate through A and the difficulty through B (sent at once, so B has not read A's) both take effect on both.
   */
  @Test
  void twoWaitingRoomChangesThroughTwoInstancesBothTakeEffect() throws Exception {
    try (ApiFixture other = ApiFixture.start(fixture.kafka, Map.of())) {
      String saleId = fixture.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 10, "proofOfWorkBits", 12)));
      await().atMost(Duration.ofSeconds(20)).until(() -> other.call("GET", "/api/sales/" + saleId).send().status() == 200);

      String path = "/api/admin/sales/" + saleId + "/waiting-room";
      CompletableFuture<ApiFixture.Response> rate = fixture.call("PATCH", path).auth(fixture.admin())
          .json("{\"admitPerSecond\": 250}").sendAsync();
      CompletableFuture<ApiFixture.Response> bits = other.call("PATCH", path).auth(other.admin())
          .json("{\"proofOfWorkBits\": 16}").sendAsync();
      assertThat(rate.get().status()).as(rate.get().raw().body()).isEqualTo(200);
      assertThat(bits.get().status()).as(bits.get().raw().body()).isEqualTo(200);
      assertThat(bits.get().json().path("proofOfWorkBits").asInt()).isEqualTo(16);

      List<WaitingRoomChange> written = fixture.readAll(fixture.topics.waitingRoomChanges).stream()
          .map(ConsumerRecord::value).filter(change -> change.getSaleId().equals(saleId)).toList();
      assertThat(written).as("each change carries only what was sent").containsExactlyInAnyOrder(
          new WaitingRoomChange(saleId, 250, null, null), new WaitingRoomChange(saleId, null, 16, null));
      WaitingRooms.Settings both = new WaitingRooms.Settings(250, 16,
          WaitingRoomSettings.DEFAULT_POW_RISE_JOINS_PER_SECOND);
      for (ApiFixture api : List.of(fixture, other)) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(api.api.waitingRoom()
            .settings(saleId, Instant.now())).isEqualTo(both));
      }
      JsonNode challenge = other.call("GET", "/api/sales/" + saleId + "/challenge")
          .auth(other.buyer(ApiFixture.newUser())).send().json();
      assertThat(challenge.path("bits").asInt()).isEqualTo(16);

      List<Map<String, String>> audited = await().atMost(Duration.ofSeconds(20)).until(() -> fixture
          .readAll(fixture.topics.adminAudit).stream().map(ConsumerRecord::value)
          .filter(event -> saleId.equals(event.getSaleId()) && event.getMethod().equals("PATCH"))
          .map(AdminAuditEvent::getChanges).toList(), found -> found.size() == 2);
      assertThat(audited).as("the audit trail records what was sent")
          .containsExactlyInAnyOrder(Map.of("admitPerSecond", "250"), Map.of("proofOfWorkBits", "16"));
    }
  }

  @Test
  void theProofOfWorkHasAFloorTheAdminCannotGoBelow() {
    String saleId = fixture.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 10)));
    String path = "/api/admin/sales/" + saleId + "/waiting-room";
    Map<TopicPartition, Long> before = fixture.endOffsets(Topics.WAITING_ROOM_CHANGES);

    fixture.call("PATCH", path).auth(fixture.admin()).json("{\"proofOfWorkBits\": 1}").send()
        .assertProblem(400, ErrorCode.VALIDATION);
    fixture.call("PATCH", path).auth(fixture.admin()).json("{\"proofOfWorkBits\": " + (ProofOfWorkBits.MIN - 1) + "}")
        .send().assertProblem(400, ErrorCode.VALIDATION);
    fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(ApiFixture.saleJson("floor-" + UUID.randomUUID(),
        Map.of("waitingRoom", Map.of("admitPerSecond", 10, "proofOfWorkBits", 4)))).send()
        .assertProblem(400, ErrorCode.VALIDATION);
    assertThat(fixture.endOffsets(Topics.WAITING_ROOM_CHANGES)).isEqualTo(before);
    assertThat(fixture.call("PATCH", path).auth(fixture.admin()).json("{\"proofOfWorkBits\": " + ProofOfWorkBits.MIN
        + "}").send().status()).isEqualTo(200);
  }

  /**
   * Joins per second past the admin's threshold raise the difficulty by themselves, and /metrics and the dashboard's
   * metrics show it; the topology's join counts are played here on queue-stats.
   */
  @Test
  void theDifficultyRisesByItselfWhenJoinsPassTheThresholdAndIsShownInTheMetrics() {
    String saleId = fixture.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 10, "proofOfWorkBits", 12)));
    assertThat(fixture.call("PATCH", "/api/admin/sales/" + saleId + "/waiting-room").auth(fixture.admin())
        .json("{\"proofOfWorkRiseAbove\": 100}").send().status()).isEqualTo(200);
    fixture.produce(fixture.topics.queueStats, saleId, new QueueStats(saleId, 0L, 0L, false, null));
    await().atMost(Duration.ofSeconds(20)).until(() -> challengeBits(saleId) == 12);

    // 1,000 joins in three seconds or a little more: 2 to 4 times the threshold, so 1 to 3 bits more (one bit per
    // doubling, rounded up) for any delay between 1.25 s and 10 s; a shorter pause made 16 bits on a quick machine.
    long firstLook = System.nanoTime();
    await().pollDelay(Duration.ofMillis(3_000)).atMost(Duration.ofSeconds(5)).until(() -> true);
    fixture.produce(fixture.topics.queueStats, saleId, new QueueStats(saleId, 1_000L, 0L, false, null));
    int risen = await().atMost(Duration.ofSeconds(20)).until(() -> challengeBits(saleId), bits -> bits > 12);
    double seconds = (System.nanoTime() - firstLook) / 1e9;
    assertThat(risen).as("after %.1f s", seconds).isBetween(13, 15);

    String metrics = fixture.call("GET", "/metrics").send().raw().body();
    assertThat(metrics).containsPattern("flashsale_waiting_room_proof_of_work_bits\\{[^}]*sale=\"" + saleId
        + "\"[^}]*} 1[345]\\.0");
    JsonNode dashboard = fixture.call("GET", "/api/admin/sales/" + saleId + "/metrics").auth(fixture.admin()).send().json();
    assertThat(dashboard.path("proofOfWorkBits").asInt()).isBetween(13, 15);
  }

  /**
   * The used-challenge cache under a flood of joins with valid proofs: one address gets no more than its bound, all
   * addresses together no more than the total, and the refused joins are 429 problem+json with Retry-After.
   */
  @Test
  void theUsedChallengeCacheStaysUnderItsBoundsPerAddressAndInTotal() throws Exception {
    try (ApiFixture bounded = ApiFixture.start(fixture.kafka, Map.of("FLASHSALE_TRUSTED_PROXIES", "127.0.0.1, ::1",
        "FLASHSALE_USED_CHALLENGES_MAX", "30", "FLASHSALE_USED_CHALLENGES_PER_ADDRESS", "20"))) {
      String saleId = bounded.createSale(Map.of("waitingRoom", Map.of("admitPerSecond", 10, "proofOfWorkBits", 12)));
      List<CompletableFuture<ApiFixture.Response>> placedLater = new ArrayList<>();
      String flooder = "198.51.100.7";
      for (int i = 0; i < 20; i++) { // taken: they wait for a place the topology (not running here) never gives
        placedLater.add(join(bounded, saleId, flooder).sendAsync());
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> bounded.api.usedChallenges() == 20);
      for (int i = 0; i < 5; i++) {
        ApiFixture.Response refused = join(bounded, saleId, flooder).send().assertProblem(429, ErrorCode.RATE_LIMITED);
        assertThat(refused.header("Retry-After")).isEqualTo(Long.toString(UsedChallenges.RETRY_AFTER.toSeconds()));
        assertThat(refused.json().path("detail").asText()).contains("client address");
      }
      for (int i = 0; i < 10; i++) {
        placedLater.add(join(bounded, saleId, "198.51.100." + (20 + i)).sendAsync());
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> bounded.api.usedChallenges() == 30);
      join(bounded, saleId, "203.0.113.1").send().assertProblem(429, ErrorCode.RATE_LIMITED);
      assertThat(bounded.api.usedChallenges()).isEqualTo(30);
      for (CompletableFuture<ApiFixture.Response> join : placedLater) {
        assertThat(join.get().status()).as("not refused by the bounds").isNotEqualTo(429);
      }
    }
  }

  /** Event streams under a flood of connections: per address and in total, refused 429 past the bounds. */
  @Test
  void theEventStreamsStayUnderTheirBoundsPerAddressAndInTotal() throws Exception {
    try (ApiFixture bounded = ApiFixture.start(fixture.kafka, Map.of("FLASHSALE_TRUSTED_PROXIES", "127.0.0.1, ::1",
        "FLASHSALE_EVENT_STREAMS_MAX", "6", "FLASHSALE_EVENT_STREAMS_PER_ADDRESS", "4",
        "FLASHSALE_EVENTS_HEARTBEAT_MS", "200"))) {
      String saleId = bounded.createSale(Map.of());
      HttpClient http = HttpClient.newHttpClient();
      List<HttpResponse<InputStream>> open = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          open.add(expectStatus(http, bounded, saleId, "198.51.100.8", 200));
        }
        for (int i = 0; i < 3; i++) {
          HttpResponse<InputStream> refused = expectStatus(http, bounded, saleId, "198.51.100.8", 429);
          assertThat(refused.headers().firstValue("Retry-After")).contains("30");
          assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
              type -> assertThat(type).startsWith(Problem.MEDIA_TYPE));
          refused.body().close();
        }
        open.add(expectStatus(http, bounded, saleId, "198.51.100.9", 200));
        open.add(expectStatus(http, bounded, saleId, "198.51.100.10", 200));
        expectStatus(http, bounded, saleId, "198.51.100.11", 429).body().close();
        assertThat(bounded.api.openEventStreams()).isEqualTo(6);

        open.remove(0).body().close(); // a client leaves: its place comes back once the server notices
        await().atMost(Duration.ofSeconds(20)).until(() -> bounded.api.openEventStreams() == 5);
        open.add(expectStatus(http, bounded, saleId, "198.51.100.11", 200));
        assertThat(bounded.api.openEventStreams()).isEqualTo(6);
      } finally {
        for (HttpResponse<InputStream> stream : open) {
          stream.body().close();
        }
      }
    }
  }

  private static HttpResponse<InputStream> expectStatus(HttpClient http, ApiFixture api, String saleId, String client,
                                                        int status) throws Exception {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + api.api.port() + "/api/sales/" + saleId + "/events"))
        .header("X-Forwarded-For", client).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).as("stream of %s", client).isEqualTo(status);
    return response;
  }

  /** A join with a fresh challenge, solved, of a new buyer from {@code client}. */
  private static ApiFixture.Call join(ApiFixture api, String saleId, String client) {
    String user = ApiFixture.newUser();
    JsonNode challenge = api.call("GET", "/api/sales/" + saleId + "/challenge").auth(api.buyer(user))
        .header("X-Forwarded-For", client).send().json();
    String text = challenge.path("challenge").asText();
    String nonce = ProofOfWork.solve(text, challenge.path("bits").asInt());
    return api.call("POST", "/api/sales/" + saleId + "/queue").auth(api.buyer(user)).header("X-Forwarded-For", client)
        .json("{\"challenge\": \"" + text + "\", \"nonce\": \"" + nonce + "\"}");
  }

  private static int challengeBits(String saleId) {
    return fixture.call("GET", "/api/sales/" + saleId + "/challenge").auth(fixture.buyer(ApiFixture.newUser())).send()
        .json().path("bits").asInt();
  }

  private static ApiFixture.Response purchase(String saleId, String user, String pass) {
    return fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(user))
        .header(PassCheck.HEADER, pass).json("{\"quantity\": 1}").send();
  }
}
