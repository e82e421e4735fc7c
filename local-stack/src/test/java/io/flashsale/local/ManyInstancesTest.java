package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.ChildJvm;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out: two topology instances (one application id, a state directory each) and two API instances, all in
 * child JVMs on one broker. A rush on one sale per partition goes through both APIs; one topology instance is
 * SIGKILLed mid-rush and started again. Nothing is oversold, every 202 from either API has exactly one decision,
 * and each request is polled through the API that did not take it.
 */
class ManyInstancesTest {
  private static final int PARTITIONS = 4;
  private static final int STOCK = 120;
  private static final int PER_USER_LIMIT = 2;
  private static final int BUYERS_PER_SALE = 400;
  private static final int CLICKS_PER_BUYER = 2;
  private static final int CONCURRENCY_PER_SALE = 6;
  /** Requests accepted over all sales before the kill: a fraction of the stock, most of the rush still to come. */
  private static final int ACCEPTED_BEFORE_KILL = PARTITIONS * STOCK / 8;

  @TempDir Path stateDirA;
  @TempDir Path stateDirB;

  @Test
  void aTopologyInstanceKilledMidRushLosesNothingAndEitherApiAnswersForAnyRequest() throws Exception {
    String applicationId = "many-" + UUID.randomUUID();
    // A broker of its own, so the topics have this test's partition count.
    try (KafkaBroker kafka = TestInfrastructure.newKafka();
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(null, 0);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Map<String, String> env = new HashMap<>();
      env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registry.url());
      env.put("FLASHSALE_APPLICATION_ID", applicationId);
      env.put("FLASHSALE_LOCAL_MODE", "true");
      env.put("FLASHSALE_PARTITIONS", String.valueOf(PARTITIONS));
      // A dead member holds its partitions until its session times out; keep that short for the test.
      env.put("FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "6000");
      env.put("FLASHSALE_STREAMS_HEARTBEAT_INTERVAL_MS", "1000");
      Map<String, String> envA = with(env, "FLASHSALE_STATE_DIR", stateDirA.toString());
      Map<String, String> envB = with(env, "FLASHSALE_STATE_DIR", stateDirB.toString());
      int portA = ApiCrashTest.freePort();
      int portB = ApiCrashTest.freePort();

      List<ChildJvm> children = new ArrayList<>();
      ChildJvm topologyB = null;
      // The common pool may have a single thread on a small machine; the rushes and the sampler run at once.
      ExecutorService background = Executors.newCachedThreadPool();
      try {
        ChildJvm topologyA = TopologyCrashTest.startTopology(envA);
        children.add(topologyA);
        children.add(topologyB = TopologyCrashTest.startTopology(envB));
        children.add(ApiCrashTest.startApi(with(env, "FLASHSALE_HTTP_PORT", String.valueOf(portA))));
        children.add(ApiCrashTest.startApi(with(env, "FLASHSALE_HTTP_PORT", String.valueOf(portB))));
        List<Buyers> apis = List.of(new Buyers("http://127.0.0.1:" + portA), new Buyers("http://127.0.0.1:" + portB));
        for (Buyers api : apis) {
          await().atMost(Duration.ofSeconds(120)).until(api::ready);
        }
        awaitBothInstancesHoldPartitions(admin, applicationId);

        // One sale per partition of purchase-requests (keyed by SKU), so each topology instance decides some.
        Map<String, Rush> rushes = new LinkedHashMap<>();
        Map<String, String> skuBySale = new HashMap<>();
        for (String sku : onePerPartition()) {
          String saleId = apis.get(0).createLiveSale(sku, STOCK, PER_USER_LIMIT);
          await().atMost(Duration.ofSeconds(60)).until(() -> apis.get(1).metrics(saleId).status() == 200);
          rushes.put(saleId, new Rush(apis, saleId));
          skuBySale.put(saleId, sku);
        }
        DecisionTimes decisionTimes = new DecisionTimes(apis.get(0), rushes.keySet());
        background.execute(decisionTimes);
        List<CompletableFuture<Rush>> flowing = rushes.values().stream()
            .map(rush -> CompletableFuture.supplyAsync(() -> {
              try {
                return rush.run(BUYERS_PER_SALE, CLICKS_PER_BUYER, PER_USER_LIMIT, CONCURRENCY_PER_SALE);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }, background))
            .toList();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
            .until(() -> total(apis.get(0), rushes.keySet(), "accepted") >= ACCEPTED_BEFORE_KILL);
        topologyB.crash();
        long killedAt = System.nanoTime();
        int takenAtKill = rushes.values().stream().mapToInt(r -> r.acceptedForProcessing.size()).sum();
        int inFlightAtKill = rushes.values().stream().mapToInt(r -> r.inFlight.get()).sum();
        Set<String> openAtKill = rushes.keySet().stream()
            .filter(saleId -> apis.get(0).metrics(saleId).body().path("available").asInt() > 0)
            .collect(Collectors.toSet());
        // Every sale still selling, so the instance killed was deciding some of them.
        assertThat(openAtKill).as("sales with stock left at the kill").isEqualTo(rushes.keySet());
        children.add(topologyB = TopologyCrashTest.startTopology(envB));
        double restartedAfter = (System.nanoTime() - killedAt) / 1e9;

        for (CompletableFuture<Rush> rush : flowing) {
          rush.get();
        }
        for (Rush rush : rushes.values()) {
          rush.awaitDecisions(16, 180_000);
        }
        decisionTimes.stop();
        // The killed instance's sales stood still until its partitions were taken over: that stall, and when the
        // last stalled sale was deciding again.
        Map<String, Double> stallBySku = new TreeMap<>();
        rushes.forEach((saleId, rush) -> stallBySku.put(skuBySale.get(saleId),
            Math.round(decisionTimes.longestStallAfter(saleId, killedAt)[0] / 1e8) / 10.0));
        double stalledFor = stallBySku.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double resumedAfter = rushes.keySet().stream().mapToDouble(s -> decisionTimes.longestStallAfter(s, killedAt)[1])
            .max().orElseThrow() / 1e9;
        assertThat(stalledFor).as("longest stall of a sale's decisions after the kill, s").isGreaterThan(1.0);

        Topics topics = Topics.using(SchemaRegistry.forUrl(registry.url()));
        DecisionLog log = new DecisionLog(kafka.bootstrapServers(), topics);
        int requests = 0;
        int taken = 0;
        int decisions = 0;
        Map<Integer, Integer> takenByApi = new HashMap<>();
        for (Map.Entry<String, Rush> sale : rushes.entrySet()) {
          Rush rush = sale.getValue();
          // Demand is several times the stock: all of it sold, none of it twice, no buyer over the limit.
          assertThat(rush.acceptedUnits()).as("units accepted in %s", sale.getKey()).isEqualTo(STOCK);
          assertThat(rush.acceptedUnitsByUser().values())
              .allSatisfy(units -> assertThat(units).isLessThanOrEqualTo(PER_USER_LIMIT));
          // Each 202 of either API has exactly one ACCEPTED or REJECTED, read_committed, the one its poll saw.
          log.assertAgreesWith(sale.getKey(), rush);
          assertThat(log.latestStockLevel(sale.getKey()).getAvailable()).isZero();
          requests += rush.answersByStatus.values().stream().mapToInt(n -> n.get()).sum();
          taken += rush.acceptedForProcessing.size();
          decisions += log.decisions(sale.getKey()).size();
          rush.acceptedForProcessing.values().forEach(s -> takenByApi.merge(s.api(), 1, Integer::sum));
        }
        // Both APIs took requests, and the other one answered the polls for them.
        assertThat(takenByApi.keySet()).containsExactlyInAnyOrder(0, 1);
        awaitBothInstancesHoldPartitions(admin, applicationId);

        System.out.printf("many instances: %d requests over %d sales, %d answered 202 (%s by API), %d decisions on"
                + " purchase-outcomes; topology instance killed with %d taken and %d requests in flight; decisions"
                + " stalled for up to %.1f s (s by SKU %s) and resumed on every sale %.1f s after the kill; the instance was running"
                + " again after %.1f s%n",
            requests, rushes.size(), taken, takenByApi, decisions, takenAtKill, inFlightAtKill, stalledFor,
            stallBySku, resumedAfter, restartedAfter);
      } finally {
        background.shutdownNow();
        for (ChildJvm child : children) {
          child.stop();
        }
      }
    }
  }

  /** SKUs whose records land on each partition of purchase-requests once, by the producer's default partitioner. */
  private static List<String> onePerPartition() {
    Map<Integer, String> byPartition = new HashMap<>();
    for (int i = 0; byPartition.size() < PARTITIONS; i++) {
      String sku = "SKU-MANY-" + i;
      byPartition.putIfAbsent(Utils.toPositive(Utils.murmur2(sku.getBytes(StandardCharsets.UTF_8))) % PARTITIONS, sku);
    }
    return List.copyOf(byPartition.values());
  }

  /** The topology's group is stable with two members, each assigned partitions of purchase-requests. */
  private static void awaitBothInstancesHoldPartitions(Admin admin, String applicationId) {
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
      ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
          .describedGroups().get(applicationId).get();
      List<MemberDescription> members = List.copyOf(group.members());
      return group.groupState() == GroupState.STABLE && members.size() == 2
          && members.stream().allMatch(m -> m.assignment().topicPartitions().stream()
              .anyMatch(p -> p.topic().equals(Topics.PURCHASE_REQUESTS)));
    });
  }

  /**
   * Samples each sale's decision count, as an API's view has it, and keeps the times it moved. Stalls are found
   * after the fact: the view lags the log, so a count read at the kill does not tell which decisions came before it.
   */
  private static final class DecisionTimes implements Runnable {
    private static final long SAMPLE_NANOS = Duration.ofMillis(100).toNanos();
    private final Buyers api;
    private final Set<String> saleIds;
    private final Map<String, List<Long>> movedAt = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    DecisionTimes(Buyers api, Set<String> saleIds) {
      this.api = api;
      this.saleIds = Set.copyOf(saleIds);
    }

    @Override
    public void run() {
      Map<String, Long> last = new HashMap<>();
      while (running) {
        long now = System.nanoTime();
        for (String saleId : saleIds) {
          long decided = api.metrics(saleId).body().path("requests").asLong();
          if (!Long.valueOf(decided).equals(last.put(saleId, decided))) {
            movedAt.computeIfAbsent(saleId, s -> new CopyOnWriteArrayList<>()).add(now);
          }
        }
        LockSupport.parkNanos(SAMPLE_NANOS); // the sampling rate, not a wait for anything
      }
    }

    void stop() {
      running = false;
    }

    /** The longest quiet spell of the sale that a decision after {@code from} ended: its length and its end, from it. */
    long[] longestStallAfter(String saleId, long from) {
      List<Long> times = movedAt.getOrDefault(saleId, List.of());
      long[] longest = {0, 0};
      for (int i = 1; i < times.size(); i++) {
        long gap = times.get(i) - times.get(i - 1);
        if (times.get(i) > from && gap > longest[0]) {
          longest = new long[] {gap, times.get(i) - from};
        }
      }
      return longest;
    }
  }

  private static Map<String, Integer> figure(Buyers api, Set<String> saleIds, String name) {
    return saleIds.stream().collect(Collectors.toMap(s -> s, s -> api.metrics(s).body().path(name).asInt()));
  }

  private static int total(Buyers api, Set<String> saleIds, String name) {
    return figure(api, saleIds, name).values().stream().mapToInt(Integer::intValue).sum();
  }

  private static Map<String, String> with(Map<String, String> env, String name, String value) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put(name, value);
    return copy;
  }
}
