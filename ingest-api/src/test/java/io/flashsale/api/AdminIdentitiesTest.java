package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.AdminAction;
import io.flashsale.schemas.AdminAuditEvent;
import io.flashsale.schemas.AdminRole;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Admin identities and the audit trail over HTTP on the in-JVM broker: a viewer reads but may not act, an operator
 * and the shared token act, and every action and refusal is on {@code admin-audit} with who, what and from where
 * (the client behind a trusted proxy), and on {@code GET /api/admin/audit}.
 */
class AdminIdentitiesTest {
  private static final String CLIENT = "203.0.113.9";
  private static final String USER_AGENT = "AdminIdentitiesTest/1";
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    // The test's own connections come from 127.0.0.1: the proxy whose X-Forwarded-For is believed.
    fixture = ApiFixture.start(Map.of("FLASHSALE_TRUSTED_PROXIES", "127.0.0.1, ::1"));
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void aViewerReadsAnOperatorActsAndEveryActionIsAudited() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String operatorName = "alice-" + run;
    String viewerName = "bob-" + run;
    String operator = adminJwt(operatorName, List.of("operator"));
    String viewer = adminJwt(viewerName, List.of("viewer"));

    // The operator creates a sale; the shared token creates one with a waiting room.
    String saleId = "sale-" + run;
    String createBody = ApiFixture.saleJson(saleId, Map.of());
    ApiFixture.Response created = admin("POST", "/api/admin/sales", operator).json(createBody).send();
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    String roomSaleId = "room-" + run;
    ApiFixture.Response roomCreated = admin("POST", "/api/admin/sales", fixture.admin()).json(ApiFixture.saleJson(
        roomSaleId, Map.of("waitingRoom", Map.of("admitPerSecond", 10, "passSeconds", 60, "preQueueSeconds", 60,
            "proofOfWorkBits", 0)))).send();
    assertThat(roomCreated.status()).as(roomCreated.raw().body()).isEqualTo(201);

    // The viewer reads everything an admin reads.
    assertThat(admin("GET", "/api/admin/sales", viewer).send().json().findValuesAsText("saleId")).contains(saleId);
    assertThat(admin("GET", "/api/admin/sales/" + saleId + "/metrics", viewer).send().status()).isEqualTo(200);
    assertThat(admin("GET", "/api/admin/reports", viewer).send().status()).isEqualTo(200);
    assertThat(admin("GET", "/api/admin/audit", viewer).send().status()).isEqualTo(200);

    // ...and may do nothing: 403, nothing written but the refusal's audit record.
    Map<TopicPartition, Long> before = endOffsetsBesidesAudit();
    String refusedSaleId = "refused-" + run;
    admin("POST", "/api/admin/sales", viewer).json(ApiFixture.saleJson(refusedSaleId, Map.of())).send()
        .assertProblem(403, ErrorCode.FORBIDDEN);
    admin("POST", "/api/admin/sales/" + saleId + "/end", viewer).send().assertProblem(403, ErrorCode.FORBIDDEN);
    admin("PATCH", "/api/admin/sales/" + roomSaleId + "/waiting-room", viewer).json("{\"admitPerSecond\": 500}").send()
        .assertProblem(403, ErrorCode.FORBIDDEN);
    assertThat(endOffsetsBesidesAudit()).as("a viewer's refused actions write nothing").isEqualTo(before);
    fixture.call("GET", "/api/sales/" + refusedSaleId).send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);

    // Without a token, or with a wrong one, it is 401 and not audited; a token without an admin role is 403.
    admin("POST", "/api/admin/sales/" + saleId + "/end", null).send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    admin("POST", "/api/admin/sales/" + saleId + "/end", "Bearer " + JWT.create().withSubject("mallory")
        .withClaim("role", "operator").withExpiresAt(Instant.now().plusSeconds(60))
        .sign(Algorithm.HMAC256("a-guessed-secret-of-at-least-32-bytes"))).send()
        .assertProblem(401, ErrorCode.UNAUTHENTICATED);
    admin("GET", "/api/admin/sales", adminJwt("nobody-" + run, List.of("billing"))).send()
        .assertProblem(403, ErrorCode.FORBIDDEN);
    admin("POST", "/api/admin/sales/" + saleId + "/end", fixture.buyer("buyer-" + run)).send()
        .assertProblem(401, ErrorCode.UNAUTHENTICATED);

    // The operator changes the waiting room and ends the sale (the topology played by hand).
    String patchBody = "{\"admitPerSecond\": 500, \"proofOfWorkBits\": 14}";
    ApiFixture.Response changed = admin("PATCH", "/api/admin/sales/" + roomSaleId + "/waiting-room", operator)
        .json(patchBody).send();
    assertThat(changed.status()).as(changed.raw().body()).isEqualTo(200);
    open(saleId, null);
    var ending = admin("POST", "/api/admin/sales/" + saleId + "/end", operator).sendAsync();
    var end = await().atMost(Duration.ofSeconds(20)).until(() -> fixture.readAll(fixture.topics.saleEnds).stream()
        .filter(record -> record.value().getSaleId().equals(saleId)).toList(), found -> !found.isEmpty()).get(0);
    open(saleId, Instant.ofEpochMilli(end.timestamp()));
    assertThat(ending.get().status()).as(ending.get().raw().body()).isEqualTo(200);

    // Every action and refusal is on admin-audit, with who, what, from where and the answer.
    List<ConsumerRecord<String, AdminAuditEvent>> audited = await().atMost(Duration.ofSeconds(20))
        .until(() -> auditedBy(run), found -> found.size() == 7);
    assertThat(audited).allSatisfy(record -> {
      assertThat(record.key()).isEqualTo(record.value().getActor());
      assertThat(record.value().getClientAddress()).as("the client behind the trusted proxy").isEqualTo(CLIENT);
      assertThat(record.value().getUserAgent()).isEqualTo(USER_AGENT);
    });
    assertThat(audited.stream().map(r -> r.value().getActor() + " " + r.value().getRole() + " "
        + r.value().getAction() + " " + r.value().getSaleId() + " " + r.value().getStatus()))
        .containsExactlyInAnyOrder(
            operatorName + " OPERATOR CREATE_SALE " + saleId + " 201",
            "local-token OPERATOR CREATE_SALE " + roomSaleId + " 201",
            viewerName + " VIEWER CREATE_SALE null 403",
            viewerName + " VIEWER END_SALE " + saleId + " 403",
            viewerName + " VIEWER CHANGE_WAITING_ROOM " + roomSaleId + " 403",
            operatorName + " OPERATOR CHANGE_WAITING_ROOM " + roomSaleId + " 200",
            operatorName + " OPERATOR END_SALE " + saleId + " 200");
    AdminAuditEvent creation = only(audited, operatorName, AdminAction.CREATE_SALE);
    assertThat(creation.getBodySha256()).isEqualTo(sha256(createBody));
    assertThat(creation.getMethod() + " " + creation.getPath()).isEqualTo("POST /api/admin/sales");
    assertThat(creation.getChanges()).containsEntry("sku", "SKU-" + saleId).containsEntry("stock", "5");
    AdminAuditEvent change = only(audited, operatorName, AdminAction.CHANGE_WAITING_ROOM);
    assertThat(change.getBodySha256()).isEqualTo(sha256(patchBody));
    assertThat(change.getChanges()).isEqualTo(Map.of("admitPerSecond", "500", "proofOfWorkBits", "14"));
    AdminAuditEvent refusedEnd = only(audited, viewerName, AdminAction.END_SALE);
    assertThat(refusedEnd.getBodySha256()).isNull();
    assertThat(refusedEnd.getChanges()).isEmpty();
    assertThat(only(audited, operatorName, AdminAction.END_SALE).getRole()).isEqualTo(AdminRole.OPERATOR);

    // The dashboard's route lists them, newest first, to a viewer.
    JsonNode listed = await().atMost(Duration.ofSeconds(20)).until(
        () -> admin("GET", "/api/admin/audit?limit=1000", viewer).send().json().path("entries"),
        entries -> entries.findValuesAsText("actor").stream().filter(a -> a.endsWith(run)).count() == 6);
    List<String> actions = new java.util.ArrayList<>();
    listed.forEach(entry -> {
      if (entry.path("actor").asText().endsWith(run) || entry.path("saleId").asText().equals(roomSaleId)) {
        actions.add(entry.path("actor").asText() + " " + entry.path("role").asText() + " "
            + entry.path("action").asText() + " " + entry.path("status").asInt() + " "
            + entry.path("clientAddress").asText());
      }
    });
    assertThat(actions).hasSize(7).first().isEqualTo(operatorName + " operator END_SALE 200 " + CLIENT);
    assertThat(actions).contains(viewerName + " viewer CREATE_SALE 403 " + CLIENT,
        "local-token operator CREATE_SALE 201 " + CLIENT);
    List<Instant> times = new java.util.ArrayList<>();
    listed.forEach(entry -> times.add(Instant.parse(entry.path("at").asText())));
    assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(admin("GET", "/api/admin/audit?limit=2", viewer).send().json().path("entries").size()).isEqualTo(2);
    admin("GET", "/api/admin/audit?limit=0", viewer).send().assertProblem(400, ErrorCode.VALIDATION);
    admin("GET", "/api/admin/audit?limit=x", viewer).send().assertProblem(400, ErrorCode.VALIDATION);
    admin("GET", "/api/admin/audit", null).send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
  }

  @Test
  void theAuditTopicIsKeptAYearAndStampedByTheBroker() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers()))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ADMIN_AUDIT);
      Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);

      assertThat(config.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).value()).isEqualTo("LogAppendTime");
      assertThat(Duration.ofMillis(Long.parseLong(config.get(TopicConfig.RETENTION_MS_CONFIG).value())))
          .isEqualTo(Duration.ofDays(365));
    }
  }

  @Test
  void badInputFromAnOperatorIsRefusedAndNotAudited() {
    String operator = adminJwt("carol-" + UUID.randomUUID(), List.of("operator"));
    Map<TopicPartition, Long> before = fixture.endOffsets(
        fixture.topics.all().stream().map(Topics.Topic::name).toArray(String[]::new));

    admin("POST", "/api/admin/sales", operator).json(ApiFixture.saleJson("bad-" + UUID.randomUUID(),
        Map.of("stock", 0))).send().assertProblem(400, ErrorCode.VALIDATION);
    admin("POST", "/api/admin/sales/no-such-sale/end", operator).send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);

    assertThat(fixture.endOffsets(fixture.topics.all().stream().map(Topics.Topic::name).toArray(String[]::new)))
        .as("bad input writes nothing, not even an audit record").isEqualTo(before);
  }

  private static ApiFixture.Call admin(String method, String path, String authorization) {
    ApiFixture.Call call = fixture.call(method, path).header("X-Forwarded-For", CLIENT + ", 127.0.0.1")
        .header("User-Agent", USER_AGENT);
    return authorization == null ? call : call.auth(authorization);
  }

  private static String adminJwt(String name, List<String> roles) {
    return "Bearer " + JWT.create().withSubject(name).withClaim("roles", roles)
        .withExpiresAt(Instant.now().plusSeconds(300)).sign(Algorithm.HMAC256(fixture.config.access().adminJwt().secret()));
  }

  private static List<ConsumerRecord<String, AdminAuditEvent>> auditedBy(String run) {
    return fixture.readAll(fixture.topics.adminAudit).stream()
        .filter(record -> record.value().getActor().endsWith(run)
            || String.valueOf(record.value().getSaleId()).endsWith(run))
        .toList();
  }

  private static AdminAuditEvent only(List<ConsumerRecord<String, AdminAuditEvent>> audited, String actor,
                                      AdminAction action) {
    List<AdminAuditEvent> found = audited.stream().map(ConsumerRecord::value)
        .filter(event -> event.getActor().equals(actor) && event.getAction() == action).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static Map<TopicPartition, Long> endOffsetsBesidesAudit() {
    return fixture.endOffsets(fixture.topics.all().stream().map(Topics.Topic::name)
        .filter(name -> !name.equals(Topics.ADMIN_AUDIT)).toArray(String[]::new));
  }

  private static String sha256(String body) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** Plays the topology: the sale's stock level, opened (endedAt null) or ended, and waits until the API has it. */
  private static void open(String saleId, Instant endedAt) {
    fixture.produce(fixture.topics.stockLevels, saleId, StockLevel.newBuilder()
        .setSaleId(saleId).setSku("SKU-" + saleId).setStock(5).setAvailable(5).setReserved(0).setConfirmed(0)
        .setOrders(0).setAccepted(0).setRequests(0).setRejected(Map.of()).setExpired(0).setCancelled(0)
        .setUpdatedAt(Instant.now()).setEndedAt(endedAt).build());
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      JsonNode sale = fixture.call("GET", "/api/sales/" + saleId).send().json();
      return endedAt == null ? fixture.call("GET", "/api/admin/sales/" + saleId + "/metrics").auth(fixture.admin())
          .send().json().path("stock").asInt() == 5 : sale.path("status").asText().equals("ENDED");
    });
  }
}
