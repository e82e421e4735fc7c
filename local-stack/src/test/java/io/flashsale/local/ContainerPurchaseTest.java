package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A purchase through the API and the topology on Testcontainers' broker of the compose file's image, where Docker exists. */
class ContainerPurchaseTest {
  @TempDir Path stateDir;

  @BeforeEach
  void needsDocker() {
    assumeTrue(TestInfrastructure.dockerAvailable(), "Docker not available: skipping the purchase against Testcontainers' "
        + TestInfrastructure.KAFKA_IMAGE + " (the other tests run it on the in-JVM broker)");
  }

  @Test
  void aPurchaseIsAcceptedOnceOnTheKafkaContainer() throws Exception {
    try (KafkaBroker kafka = TestInfrastructure.kafkaContainer();
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(null, 0)) {
      String applicationId = "container-" + UUID.randomUUID();
      Map<String, String> env = new HashMap<>();
      env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registry.url());
      env.put("FLASHSALE_APPLICATION_ID", applicationId);
      env.put("FLASHSALE_TOPOLOGY_APPLICATION_ID", applicationId);
      env.put("FLASHSALE_STATE_DIR", stateDir.toString());
      env.put("FLASHSALE_HTTP_PORT", "0");
      env.put("FLASHSALE_LOCAL_MODE", "true");
      env.put("FLASHSALE_PARTITIONS", "2");

      try (IngestApi api = IngestApi.start(ApiConfig.fromEnv(env))) {
        KafkaStreams topology = TopologyApp.start(TopologyConfig.fromEnv(env));
        try {
          Buyers buyers = new Buyers("http://127.0.0.1:" + api.port());
          String saleId = buyers.createLiveSale("SKU-CONTAINER", 5, 1);
          String token = Buyers.tokenFor("container-buyer");
          Buyers.Answer taken = buyers.purchase(token, saleId, 1, "click-1");
          assertThat(taken.status()).as(taken.toString()).isEqualTo(202);
          String requestId = taken.body().path("requestId").asText();

          JsonNode accepted = buyers.awaitStatus(token, requestId, "ACCEPTED", Duration.ofSeconds(120));
          assertThat(accepted.path("holdExpiresAt").asText()).isNotBlank();

          Topics topics = Topics.using(SchemaRegistry.forUrl(registry.url()));
          List<PurchaseOutcome> outcomes = TopicLog.readAll(kafka.bootstrapServers(), topics.purchaseOutcomes).stream()
              .map(ConsumerRecord::value).filter(o -> o.getRequestId().equals(requestId)).toList();
          assertThat(outcomes).extracting(PurchaseOutcome::getStatus).containsExactly(OutcomeStatus.ACCEPTED);
        } finally {
          TopologyApp.stop(topology);
        }
      }
    }
  }
}
