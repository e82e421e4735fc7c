package io.flashsale.local;

import io.flashsale.api.ApiConfig;
import io.flashsale.reconciliation.ReconcileCommand;
import io.flashsale.topology.TopologyApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code ./flashsale} command line. */
@Command(name = "flashsale", mixinStandardHelpOptions = true,
    description = "Flash-sale inventory engine on Kafka Streams.",
    subcommands = {FlashsaleCli.Local.class, FlashsaleCli.Token.class})
public final class FlashsaleCli {
  static final String LOCAL_ADMIN_TOKEN = ApiConfig.LOCAL_ADMIN_TOKEN;
  static final String LOCAL_JWT_SECRET = ApiConfig.LOCAL_JWT_SECRET;

  public static void main(String[] args) {
    TopologyApp.useFastFormatLocale(); // the local stack runs the topology in this JVM
    System.exit(new CommandLine(new FlashsaleCli())
        .addSubcommand("reconcile", new ReconcileCommand(reconciliationEnv(System.getenv())))
        .addSubcommand("verify-draw", new VerifyDrawCommand(reconciliationEnv(System.getenv()), System.out))
        .execute(args));
  }

  /**
   * {@code ./flashsale reconcile} and {@code ./flashsale verify-draw} run beside the local stack: the addresses come
   * from the running stack's endpoints file, and any FLASHSALE_* variable set in the environment wins over them.
   */
  static Map<String, String> reconciliationEnv(Map<String, String> environment) {
    Map<String, String> env = new HashMap<>(LocalStack.endpoints(LocalStackConfig.fromEnv(environment)));
    env.putAll(environment);
    return env;
  }

  @Command(name = "local", description = "Run broker, schema registry, PostgreSQL, payment simulator, topology, API and sink until Ctrl-C.")
  static final class Local implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      long started = System.nanoTime();
      LocalStackConfig config = LocalStackConfig.fromEnv(System.getenv());
      System.out.println("Starting the local stack, data in " + config.dataDir() + " ...");
      LocalStack stack = LocalStack.start(config, System.getenv());
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        System.out.println("Stopping ...");
        stack.close();
        stopped.countDown();
      }, "flashsale-shutdown"));
      awaitReady(stack);
      System.out.printf("""

          Flashsale is ready in %.1f s at %s
            Kafka bootstrap:  %s
            Schema registry:  %s
            PostgreSQL:       %s (user postgres, password postgres)
            Payment provider: %s (simulator)
            Metrics:          %s (api), %s (topology), %s (sink), %s (simulator)
            Admin dashboard:  %s/admin
            Buyer page:       %s/sales/<saleId>#token=<buyer token>
          WARNING: local mode uses fixed, public secrets. Never expose this port.
            Admin token:      %s
            JWT secret:       %s (HS256)
            Buyer token:      ./flashsale token alice
          Try:
            curl -s -X POST %s/api/admin/sales -H 'Authorization: Bearer %s' \\
              -H 'Content-Type: application/json' -d '{"sku":"SKU-1","name":"Headphones","stock":100,
              "priceCents":4999,"currency":"USD","startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z"}'
          %n""", (System.nanoTime() - started) / 1e9, stack.apiUrl(), stack.bootstrapServers(),
          stack.schemaRegistryUrl(), stack.databaseUrl(), stack.paymentProviderUrl(),
          stack.metricsUrls().get(LocalStack.API_METRICS), stack.metricsUrls().get(LocalStack.TOPOLOGY_METRICS),
          stack.metricsUrls().get(LocalStack.SINK_METRICS), stack.metricsUrls().get(LocalStack.SIMULATOR_METRICS),
          stack.apiUrl(), stack.apiUrl(),
          LOCAL_ADMIN_TOKEN, LOCAL_JWT_SECRET, stack.apiUrl(), LOCAL_ADMIN_TOKEN);
      stopped.await();
      return 0;
    }

    /** Waits until the API says ready and the topology has finished restoring its state. */
    private static void awaitReady(LocalStack stack) throws InterruptedException {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest ready = HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/health/ready")).timeout(Duration.ofSeconds(2)).build();
      System.out.print("Waiting for /health/ready ");
      while (true) {
        try {
          if (stack.topology().state() == KafkaStreams.State.RUNNING
              && http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            System.out.println(" ok");
            return;
          }
        } catch (java.io.IOException notYet) {
          // the API is still binding its port
        }
        System.out.print(".");
        Thread.sleep(250);
      }
    }
  }

  @Command(name = "token", description = "Print a buyer token (HS256 JWT) signed with the local JWT secret.")
  static final class Token implements Callable<Integer> {
    @Parameters(index = "0", description = "User id (the token's sub).")
    String userId;

    @Option(names = "--device", description = "Device id (the token's did).")
    String deviceId;

    @Option(names = "--valid-for", defaultValue = "PT12H", description = "ISO-8601 duration, default ${DEFAULT-VALUE}.")
    Duration validFor;

    @Option(names = "--secret", defaultValue = "${env:FLASHSALE_JWT_SECRET:-" + LOCAL_JWT_SECRET + "}",
        description = "HS256 secret, default FLASHSALE_JWT_SECRET or the local one.")
    String secret;

    @Override
    public Integer call() {
      System.out.println(BuyerTokens.mint(secret, userId, deviceId, validFor));
      return 0;
    }
  }
}
