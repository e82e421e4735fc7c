package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.payments.SimulatorConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** The local stack as the end-to-end tests run it: free ports, a few partitions, and the simulator's faults. */
final class TestStack {
  private TestStack() {}

  /** Starts the stack and returns once the API says ready. */
  static LocalStack start(Path dataDir, int partitions) {
    return start(dataDir, partitions, Map.of());
  }

  /** The same with these variables on top of the environment. */
  static LocalStack start(Path dataDir, int partitions, Map<String, String> extra) {
    return start(partitions, extra, env -> LocalStack.start(new LocalStackConfig(dataDir, 0), env));
  }

  /** The same on a broker and registry of the caller's, which {@code extra} says how to reach. */
  static LocalStack start(Path dataDir, int partitions, Map<String, String> extra, EmbeddedKafka kafka,
      EmbeddedSchemaRegistry registry) {
    return start(partitions, extra, env -> LocalStack.start(new LocalStackConfig(dataDir, 0), env, kafka, registry));
  }

  private static LocalStack start(int partitions, Map<String, String> extra, Function<Map<String, String>, LocalStack> starter) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(extra);
    env.put("FLASHSALE_HTTP_PORT", "0");
    env.put("FLASHSALE_SIMULATOR_PORT", "0");
    env.put("FLASHSALE_PARTITIONS", String.valueOf(partitions));
    LocalStack stack = starter.apply(env);
    Buyers buyers = new Buyers(stack.apiUrl());
    await().atMost(Duration.ofSeconds(60)).until(buyers::ready);
    return stack;
  }

  /** Sets what goes wrong at the payment provider next, for instance {@code {"dropWebhooks": 1}}. */
  static void simulatorFaults(LocalStack stack, String json) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(stack.paymentProviderUrl() + "/v1/simulator/faults"))
            .header("Authorization", "Bearer " + SimulatorConfig.LOCAL_API_KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }
}
