package io.flashsale.bench;

import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.utils.Utils;

/**
 * Where an idle click's time goes ({@code ./flashsale bench --only stages}), on the whole local stack with the
 * environment's settings: after {@link #WARM_UP} unmeasured clicks, {@link #CLICKS} clicks one at a time, 100–300 ms
 * apart at random (so that no click keeps the same phase against the topology's commit interval or poll), each
 * POSTed and long-polled to its decision. For each click {@link IdleStages} notes when the 202 came, when its request
 * reached the log, when its outcome was appended, when it became visible to read_committed readers (one fetching
 * every 5 ms, one with the consumer's default 500 ms fetch wait, as the API's view has), and when the long-poll
 * answered: each in ms from the POST being sent. results.json gets the percentiles of each stage
 * ({@code idle_stages_ms}).
 */
final class IdleStagesBench {
  static final int WARM_UP = 200;
  static final int CLICKS = 100;

  private final BenchResults results;

  IdleStagesBench(BenchResults results) {
    this.results = results;
  }

  void run() throws Exception {
    Path dataDir = Files.createTempDirectory("flashsale-bench-stages-stack");
    Map<String, String> env = FlashBench.stackEnvironment();
    System.out.printf("%nIdle stages: %d clicks one at a time after %d unmeasured%n", CLICKS, WARM_UP);
    try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env)) {
      BuyerClient client = new BuyerClient(stack.apiUrl());
      FlashBench.awaitReady(stack, client);
      String sale = FlashBench.sale(client, "idle-stages", "SKU-IDLE-STAGES", 1_000_000_000);
      List<String> tokens = BuyerClient.buyerTokens(WARM_UP + CLICKS);
      List<IdleStages.Click> seen = new ArrayList<>();
      try (IdleStages stages = new IdleStages(stack.bootstrapServers(), stack.schemaRegistryUrl());
          ScenarioTicker progress = ScenarioTicker.start("idle clicks", WARM_UP + CLICKS)) {
        for (int i = 0; i < WARM_UP + CLICKS; i++) {
          long sent = System.currentTimeMillis();
          HttpResponse<String> posted = client.purchase(tokens.get(i), sale).get();
          long answered = System.currentTimeMillis();
          String requestId = BuyerClient.field(posted.body(), "requestId");
          client.decision(tokens.get(i), requestId).get();
          long decided = System.currentTimeMillis();
          IdleStages.Click click = stages.click(requestId, sent, answered, decided);
          if (i >= WARM_UP) {
            seen.add(click);
          }
          progress.add(1);
          Thread.sleep(ThreadLocalRandom.current().nextLong(100, 300));
        }
      }
      Map<String, Map<String, Double>> table = new LinkedHashMap<>();
      table.put("answered_202", percentiles(seen, IdleStages.Click::answered202));
      table.put("request_logged", percentiles(seen, IdleStages.Click::requestLogged));
      table.put("outcome_appended", percentiles(seen, IdleStages.Click::outcomeAppended));
      table.put("outcome_committed_5ms_fetch", percentiles(seen, IdleStages.Click::outcomeCommitted));
      table.put("outcome_committed_500ms_fetch", percentiles(seen, IdleStages.Click::outcomeCommittedDefaultFetch));
      table.put("decided_long_poll", percentiles(seen, IdleStages.Click::decided));
      results.details.put("idle_stages_ms", table);
      table.forEach((stage, p) -> System.out.printf("  %-30s p50 %6.1f  p90 %6.1f  p99 %6.1f  max %6.1f ms%n", stage,
          p.get("p50"), p.get("p90"), p.get("p99"), p.get("max")));
    } finally {
      Utils.delete(dataDir.toFile());
    }
  }

  /** p50, p90, p99 and max of a stage over the clicks where it was seen. */
  static Map<String, Double> percentiles(List<IdleStages.Click> clicks, ToDoubleFunction<IdleStages.Click> stage) {
    double[] values = clicks.stream().mapToDouble(stage).filter(v -> v >= 0).sorted().toArray();
    Map<String, Double> p = new LinkedHashMap<>();
    if (values.length == 0) {
      return p;
    }
    p.put("p50", at(values, 0.5));
    p.put("p90", at(values, 0.9));
    p.put("p99", at(values, 0.99));
    p.put("max", values[values.length - 1]);
    p.put("clicks", (double) values.length);
    return p;
  }

  /** The nearest-rank percentile. */
  private static double at(double[] sorted, double quantile) {
    return sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
  }
}
