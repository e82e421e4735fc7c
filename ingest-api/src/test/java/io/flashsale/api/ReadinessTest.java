package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Readiness;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Readiness asks the broker about the topology's group; a consumer in that group, committing its positions as the
 * topology's transactions do (or not, as a topology whose tasks restore or fail), stands in for the topology.
 */
class ReadinessTest {
  private static final Duration GRACE = Duration.ofSeconds(4);

  @Test
  void liveWhileTheProcessIsUp() {
    try (ApiFixture fixture = ApiFixture.start()) {
      Response live = fixture.call("GET", "/health/live").send();

      assertThat(live.status()).isEqualTo(200);
      assertThat(live.json().path("status").asText()).isEqualTo("UP");
    }
  }

  @Test
  void readyOnlyOnceTheTopologyRunsAndNotOnceItsGroupHasBeenEmptyForTheGrace() {
    String topology = "topology-" + UUID.randomUUID();
    try (ApiFixture fixture = ApiFixture.start(env(topology))) {
      Response notReady = fixture.call("GET", "/health/ready").send().assertProblem(503, ErrorCode.UNAVAILABLE);
      JsonNode checks = notReady.json().path("checks");
      assertThat(checks.path("broker").asBoolean()).isTrue();
      assertThat(checks.path("topology").asBoolean()).isFalse();
      assertThat(notReady.json().path("detail").asText()).contains("topology");

      try (KafkaConsumer<byte[], byte[]> member = join(fixture, topology)) {
        commitEnds(member); // an idle topology: nothing waits for it
        await().atMost(Duration.ofSeconds(20)).until(() -> ready(fixture, member));
        JsonNode ready = fixture.call("GET", "/health/ready").send().json();
        assertThat(ready.path("status").asText()).isEqualTo("READY");
        assertThat(ready.path("checks").path("salesView").asBoolean()).isTrue();
        assertThat(ready.path("checks").path("purchaseView").asBoolean()).isTrue();
      }
      Instant left = Instant.now();
      // A rebalance or an instance leaving is not yet a topology gone: within the grace it stays ready.
      Response meanwhile = fixture.call("GET", "/health/ready").send();
      if (Duration.between(left, Instant.now()).compareTo(GRACE.minusSeconds(1)) < 0) {
        assertThat(meanwhile.status()).as(meanwhile.raw().body()).isEqualTo(200);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> fixture.call("GET", "/health/ready").send().status() == 503);
      assertThat(Duration.between(left, Instant.now())).isGreaterThanOrEqualTo(GRACE.minusMillis(500));
      assertThat(fixture.call("GET", "/health/ready").send().json().path("checks").path("topology").asBoolean()).isFalse();
    }
  }

  /**
   * A topology whose tasks restore, or fail and restart again and again, keeps a stable group with members and
   * decides nothing: while requests wait and its position does not move, it is not running.
   */
  @Test
  void aStableGroupWhosePositionDoesNotMoveWhileRequestsWaitIsNotRunning() {
    String topology = "topology-" + UUID.randomUUID();
    try (ApiFixture fixture = ApiFixture.start(env(topology));
         KafkaConsumer<byte[], byte[]> member = join(fixture, topology)) {
      request(fixture);

      // Never seen deciding: not ready, however long the group is stable.
      Instant until = Instant.now().plus(GRACE.multipliedBy(2));
      while (Instant.now().isBefore(until)) {
        member.poll(Duration.ofMillis(100));
        Response answer = fixture.call("GET", "/health/ready").send();
        assertThat(answer.status()).as(answer.raw().body()).isEqualTo(503);
        assertThat(answer.json().path("checks").path("topology").asBoolean()).isFalse();
      }

      commitEnds(member); // it decides what waited
      await().atMost(Duration.ofSeconds(20)).until(() -> ready(fixture, member));

      request(fixture); // more requests, and the position stays where it was
      Instant waiting = Instant.now();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        member.poll(Duration.ofMillis(100));
        return fixture.call("GET", "/health/ready").send().status() == 503;
      });
      assertThat(Duration.between(waiting, Instant.now())).as("not before the grace")
          .isGreaterThanOrEqualTo(GRACE.minusMillis(500));

      commitEnds(member);
      await().atMost(Duration.ofSeconds(20)).until(() -> ready(fixture, member));
    }
  }

  private static Map<String, String> env(String topology) {
    return Map.of("FLASHSALE_APPLICATION_ID", topology, "FLASHSALE_READY_GRACE_SECONDS", Long.toString(GRACE.toSeconds()));
  }

  private static boolean ready(ApiFixture fixture, KafkaConsumer<byte[], byte[]> member) {
    member.poll(Duration.ofMillis(100)); // keeps the member alive
    return fixture.call("GET", "/health/ready").send().status() == 200;
  }

  /** A purchase request for nobody: a record that waits for the topology. */
  private static void request(ApiFixture fixture) {
    String sku = "SKU-" + UUID.randomUUID();
    fixture.produce(fixture.topics.purchaseRequests, sku, new PurchaseBatch(sku, List.of(PurchaseRequest.newBuilder()
        .setRequestId(UUID.randomUUID().toString()).setSaleId("sale-readiness").setSku(sku).setUserId("nobody")
        .setQuantity(1).setRequestedAt(Instant.now()).build())));
  }

  /** A member of the topology's group, holding every partition of the topics it decides from. */
  private static KafkaConsumer<byte[], byte[]> join(ApiFixture fixture, String groupId) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(Readiness.DECIDED_TOPICS);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      consumer.poll(Duration.ofMillis(100));
      return !consumer.assignment().isEmpty();
    });
    return consumer;
  }

  /** What the topology's transaction commits once it has decided everything: its positions at the ends. */
  private static void commitEnds(KafkaConsumer<byte[], byte[]> member) {
    Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
    member.endOffsets(member.assignment()).forEach((partition, end) -> ends.put(partition, new OffsetAndMetadata(end)));
    member.commitSync(ends);
  }
}
