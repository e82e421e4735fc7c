package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.embedded.ChildJvm;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.SaleTopology;
import io.flashsale.topology.TopologyApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology is SIGKILLed while a rush is flowing and started again: nothing lost, nothing sold twice. */
class TopologyCrashTest {
  private static final int STOCK = 300;
  private static final int PER_USER_LIMIT = 2;

  @TempDir Path stateDir;

  @Test
  void crashMidRushSellsEveryUnitOnceAndDecidesEveryRequestOnce() throws Exception {
    KafkaBroker kafka = TestInfrastructure.kafka();
    String applicationId = "crash-" + UUID.randomUUID();
    try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(null, 0)) {
      Map<String, String> env = new HashMap<>();
      env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registry.url());
      env.put("FLASHSALE_APPLICATION_ID", applicationId);
      env.put("FLASHSALE_STATE_DIR", stateDir.toString());
      env.put("FLASHSALE_HTTP_PORT", "0");
      env.put("FLASHSALE_LOCAL_MODE", "true");
      env.put("FLASHSALE_PARTITIONS", "4");
      // A dead member holds its partitions until its session times out; keep that short for the test.
      env.put("FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "6000");
      env.put("FLASHSALE_STREAMS_HEARTBEAT_INTERVAL_MS", "1000");

      ChildJvm topology = startTopology(env);
      try (IngestApi api = IngestApi.start(ApiConfig.fromEnv(env))) {
        Buyers buyers = new Buyers("http://127.0.0.1:" + api.port());
        String saleId = buyers.createLiveSale("SKU-CRASH", STOCK, PER_USER_LIMIT);
        Rush rush = new Rush(buyers, saleId);
        CompletableFuture<Rush> flowing = CompletableFuture.supplyAsync(() -> {
          try {
            return rush.run(1_500, 2, PER_USER_LIMIT, 16);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });

        await().atMost(Duration.ofSeconds(60))
            .until(() -> buyers.metrics(saleId).body().path("accepted").asInt() >= 40);
        topology.crash();
        System.out.println("topology killed after "
            + buyers.metrics(saleId).body().path("requests").asInt() + " decisions");
        topology = startTopology(env);

        flowing.get();
        rush.awaitDecisions(32, 180_000);

        assertThat(rush.acceptedUnits()).isEqualTo(STOCK);
        assertThat(rush.acceptedUnitsByUser().values()).allSatisfy(units -> assertThat(units).isLessThanOrEqualTo(PER_USER_LIMIT));
        Topics topics = Topics.using(SchemaRegistry.forUrl(registry.url()));
        DecisionLog log = new DecisionLog(kafka.bootstrapServers(), topics);
        log.assertAgreesWith(saleId, rush);
        assertThat(storedStockLevel(kafka, topics, applicationId, saleId)).isEqualTo(log.latestStockLevel(saleId));
        // The API gathered the concurrent clicks into batches, so batches were in flight when the topology died.
        assertThat(requestsPerRecord(kafka, topics, saleId)).as("requests per record").anyMatch(size -> size > 1);
      } finally {
        topology.stop();
      }
    }
  }

  static ChildJvm startTopology(Map<String, String> env) throws Exception {
    return ChildJvm.start(TopologyApp.class.getName(), "512m", env, TopologyApp.RUNNING_LINE);
  }

  private static List<Long> requestsPerRecord(KafkaBroker kafka, Topics topics, String saleId) {
    return TopicLog.readAll(kafka.bootstrapServers(), Topics.PURCHASE_REQUESTS, Serdes.String().deserializer(),
            topics.purchaseRequests.valueSerde().deserializer()).stream()
        .map(r -> r.value().getRequests().stream().filter(request -> request.getSaleId().equals(saleId)).count())
        .filter(count -> count > 0)
        .toList();
  }

  /** The topology's stock store as it is durably kept: the last value in its changelog. */
  private static StockLevel storedStockLevel(KafkaBroker kafka, Topics topics, String applicationId, String saleId) {
    String changelog = applicationId + "-" + SaleTopology.STOCK_STORE + "-changelog";
    return TopicLog.readAll(kafka.bootstrapServers(), changelog, Serdes.String().deserializer(),
            topics.stockLevels.valueSerde().deserializer()).stream()
        .filter(r -> r.key().equals(saleId))
        .map(ConsumerRecord::value)
        .reduce((first, second) -> second)
        .orElseThrow();
  }
}
