package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.api.http.RequestIds;
import io.flashsale.embedded.EmbeddedKafkaCluster;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.SaleTopology;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * acks=all on three brokers: the broker leading the hot partition of purchase-requests is SIGKILLed in the middle
 * of a rush through HTTP. Every 202 is in the log and gets exactly one decision, nothing is sold twice, the
 * answers meanwhile are 202 or a retryable problem, and the cluster and the rush recover.
 */
class BrokerFailoverTest {
  private static final int STOCK = 200;
  private static final int BUYERS = 800;
  private static final int CLICKS_PER_BUYER = 2;
  private static final int CONCURRENCY = 32;
  private static final int PARTITIONS = 4;
  private static final String SKU = "SKU-FAILOVER";

  @TempDir Path stateDir;

  @Test
  void killingTheHotPartitionsLeaderLosesNoAcknowledgedRequestAndSellsNothingTwice() throws Exception {
    long clusterStarted = System.nanoTime();
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3)) {
      System.out.printf("3-broker cluster ready in %.1f s%n", (System.nanoTime() - clusterStarted) / 1e9);
      String applicationId = "failover-" + UUID.randomUUID();
      String registryUrl = "mock://" + applicationId; // API, topology and test share this JVM
      Map<String, String> env = Map.of(
          "FLASHSALE_BOOTSTRAP_SERVERS", cluster.bootstrapServers(),
          "FLASHSALE_SCHEMA_REGISTRY_URL", registryUrl,
          "FLASHSALE_APPLICATION_ID", applicationId,
          "FLASHSALE_STATE_DIR", stateDir.toString(),
          "FLASHSALE_HTTP_PORT", "0",
          "FLASHSALE_LOCAL_MODE", "true", // the published test secrets; the replication factor is production's
          "FLASHSALE_REPLICATION_FACTOR", "3",
          "FLASHSALE_PARTITIONS", String.valueOf(PARTITIONS));
      KafkaStreams topology = TopologyApp.start(TopologyConfig.fromEnv(env));
      try (IngestApi api = IngestApi.start(ApiConfig.fromEnv(env));
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
        Buyers buyers = new Buyers("http://127.0.0.1:" + api.port());
        await().atMost(Duration.ofSeconds(60)).until(buyers::ready);
        assertThreeReplicasAndMinInsyncTwo(admin, applicationId);

        String saleId = buyers.createLiveSale(SKU, STOCK, 1);
        Rush rush = new Rush(buyers, saleId).tolerating("UNAVAILABLE", "RATE_LIMITED");
        CompletableFuture<Rush> flowing = CompletableFuture.supplyAsync(() -> {
          try {
            return rush.run(BUYERS, CLICKS_PER_BUYER, 1, CONCURRENCY);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> rush.acceptedForProcessing.size() >= 60);
        int hotPartition = fullestPartition(admin, Topics.PURCHASE_REQUESTS);
        int leader = cluster.leaderOf(Topics.PURCHASE_REQUESTS, hotPartition);
        int acceptedBeforeKill = rush.acceptedForProcessing.size();
        int inFlightAtKill = rush.inFlight.get();
        long killed = System.nanoTime();
        cluster.kill(leader);
        // Writes go on with two in-sync replicas once the controller has fenced the dead broker.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
            .until(() -> rush.acceptedForProcessing.size() > acceptedBeforeKill + CONCURRENCY);
        double writesBack = (System.nanoTime() - killed) / 1e9;
        assertThat(cluster.leaderOf(Topics.PURCHASE_REQUESTS, hotPartition)).isNotIn(leader, -1);
        assertThat(cluster.inSyncReplicas(Topics.PURCHASE_REQUESTS, hotPartition)).hasSize(2).doesNotContain(leader);

        AtomicLong rushAnswered = new AtomicLong();
        CompletableFuture<Void> answeredAll = flowing.thenRun(() -> rushAnswered.set(System.nanoTime()));
        cluster.restart(leader);
        double serving = (System.nanoTime() - killed) / 1e9;
        cluster.awaitFullyInSync(Duration.ofSeconds(120));
        double inSyncAgain = (System.nanoTime() - killed) / 1e9;
        answeredAll.get();
        double rushDone = (rushAnswered.get() - killed) / 1e9;
        rush.awaitDecisions(CONCURRENCY, 180_000);
        double decided = (System.nanoTime() - killed) / 1e9;

        Topics topics = Topics.using(SchemaRegistry.forUrl(registryUrl));
        Set<String> logged = LoggedRequestIds.in(cluster.bootstrapServers(), Topics.PURCHASE_REQUESTS,
            SchemaRegistry.forUrl(registryUrl));
        DecisionLog log = new DecisionLog(cluster.bootstrapServers(), topics);
        List<PurchaseOutcome> decisions = log.decisions(saleId);
        Map<String, Long> decisionsPerRequest = decisions.stream()
            .collect(Collectors.groupingBy(PurchaseOutcome::getRequestId, Collectors.counting()));
        Set<String> unavailableIds = rush.userIdByKeyAnsweredUnavailable.entrySet().stream()
            .map(e -> RequestIds.requestId(saleId, e.getValue(), e.getKey()))
            .collect(Collectors.toSet());
        Set<String> storedDespite503 = new HashSet<>(unavailableIds);
        storedDespite503.retainAll(logged);
        storedDespite503.removeAll(rush.acceptedForProcessing.keySet());
        System.out.printf("broker %d (leader of %s-%d) killed with %d requests in flight, %d answered 202 before;"
                + " writes again after %.1f s, restarted broker serving after %.1f s and all replicas in sync after %.1f s,"
                + " rush answered after %.1f s,"
                + " all decided after %.1f s; answers %s; %d answered 503, of which %d were stored all the same%n",
            leader, Topics.PURCHASE_REQUESTS, hotPartition, inFlightAtKill, acceptedBeforeKill, writesBack, serving, inSyncAgain,
            rushDone, decided, rush.answersByStatus, unavailableIds.size(), storedDespite503.size());

        // A 202 is never given for a request that is not in the log.
        assertThat(logged).containsAll(rush.acceptedForProcessing.keySet());
        // Every 202 got exactly one decision, the one its buyer was shown.
        assertThat(decisionsPerRequest.keySet()).containsAll(rush.acceptedForProcessing.keySet());
        assertThat(decisionsPerRequest.values()).containsOnly(1L);
        Map<String, String> statusOnTopic = decisions.stream()
            .collect(Collectors.toMap(PurchaseOutcome::getRequestId, o -> o.getStatus().name()));
        assertThat(rush.finalStatusByRequestId).hasSameSizeAs(rush.acceptedForProcessing);
        assertThat(statusOnTopic).containsAllEntriesOf(rush.finalStatusByRequestId);
        // A decision without a 202 may only be for a click that was answered 503 (stored, the ack lost).
        Set<String> decidedWithout202 = new HashSet<>(decisionsPerRequest.keySet());
        decidedWithout202.removeAll(rush.acceptedForProcessing.keySet());
        assertThat(unavailableIds).containsAll(decidedWithout202);
        // Not one unit sold twice, and all of it sold: demand is 8 times the stock.
        int acceptedOnTopic = decisions.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
            .mapToInt(PurchaseOutcome::getQuantity).sum();
        assertThat(acceptedOnTopic).isEqualTo(STOCK);
        assertThat(rush.acceptedUnits()).isLessThanOrEqualTo(STOCK);
        assertThat(rush.acceptedUnitsByUser().values()).allSatisfy(units -> assertThat(units).isEqualTo(1));
        StockLevel level = log.latestStockLevel(saleId);
        assertThat(level.getReserved()).isEqualTo(STOCK);
        assertThat(level.getAvailable()).isZero();
        assertThat(level.getRequests()).isEqualTo(decisions.size());
      } finally {
        TopologyApp.stop(topology);
      }
    }
  }

  /** The partition holding the sale's requests: the only one written to on this fresh cluster. */
  private static int fullestPartition(Admin admin, String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, PARTITIONS).boxed()
        .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
    return admin.listOffsets(latest).all().get().entrySet().stream()
        .max(Comparator.comparingLong(e -> e.getValue().offset()))
        .orElseThrow().getKey().partition();
  }

  /** Every topic of the catalogue and the topology's changelogs: three replicas, and acks=all waits for two. */
  private static void assertThreeReplicasAndMinInsyncTwo(Admin admin, String applicationId) throws Exception {
    Set<String> names = admin.listTopics().names().get().stream()
        .filter(n -> !n.startsWith("__"))
        .collect(Collectors.toSet());
    assertThat(names).contains(Topics.PURCHASE_REQUESTS, Topics.PURCHASE_OUTCOMES,
        applicationId + "-" + SaleTopology.STOCK_STORE + "-changelog");
    for (TopicDescription topic : admin.describeTopics(names).allTopicNames().get().values()) {
      assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.replicas()).as(topic.name()).hasSize(3));
    }
    Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
    assertThat(configs).allSatisfy((resource, config) -> assertThat(
        config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).as(resource.name()).isEqualTo("2"));
  }
}
