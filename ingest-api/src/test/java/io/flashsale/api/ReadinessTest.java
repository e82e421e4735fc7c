package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiFixture.Response;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Readiness asks the broker about the topology's group; joining that group for real stands in for the topology. */
class ReadinessTest {
  private static final String TOPOLOGY_ID = "topology-" + UUID.randomUUID();
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    fixture = ApiFixture.start(Map.of("FLASHSALE_APPLICATION_ID", TOPOLOGY_ID));
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void liveWhileTheProcessIsUp() {
    Response live = fixture.call("GET", "/health/live").send();

    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().path("status").asText()).isEqualTo("UP");
  }

  @Test
  void readyOnlyWhileTheTopologyRuns() {
    Response notReady = fixture.call("GET", "/health/ready").send().assertProblem(503, ErrorCode.UNAVAILABLE);
    JsonNode checks = notReady.json().path("checks");
    assertThat(checks.path("broker").asBoolean()).isTrue();
    assertThat(checks.path("topology").asBoolean()).isFalse();
    assertThat(notReady.json().path("detail").asText()).contains("topology");

    try (KafkaConsumer<byte[], byte[]> topology = joinGroup(TOPOLOGY_ID)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        topology.poll(Duration.ofMillis(100)); // keeps the member alive and completes the join
        return fixture.call("GET", "/health/ready").send().status() == 200;
      });
      JsonNode ready = fixture.call("GET", "/health/ready").send().json();
      assertThat(ready.path("status").asText()).isEqualTo("READY");
      assertThat(ready.path("checks").path("salesView").asBoolean()).isTrue();
      assertThat(ready.path("checks").path("purchaseView").asBoolean()).isTrue();
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> fixture.call("GET", "/health/ready").send().status() == 503);
  }

  private static KafkaConsumer<byte[], byte[]> joinGroup(String groupId) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.PURCHASE_REQUESTS));
    return consumer;
  }
}
