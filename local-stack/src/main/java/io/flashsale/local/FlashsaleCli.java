package io.flashsale.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.reconciliation.nightly.ReconcileCommand;
import io.flashsale.topology.TopologyApp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code ./flashsale} command line. */
@Command(name = "flashsale", mixinStandardHelpOptions = true, versionProvider = FlashsaleCli.Version.class,
    description = "Flash-sale inventory engine on Kafka Streams.",
    subcommands = {FlashsaleCli.Local.class, FlashsaleCli.Token.class, FlashsaleCli.Bench.class})
public final class FlashsaleCli {
  static final String LOCAL_ADMIN_TOKEN = ApiConfig.LOCAL_ADMIN_TOKEN;
  static final String LOCAL_JWT_SECRET = ApiConfig.LOCAL_JWT_SECRET;

  public static void main(String[] args) {
    TopologyApp.useFastFormatLocale(); // the local stack runs the topology in this JVM
    System.exit(commandLine(System.getenv()).execute(args));
  }

  /** Every command of ./flashsale but bench's options (the launcher runs bench from its own module). */
  static CommandLine commandLine(Map<String, String> environment) {
    return new CommandLine(new FlashsaleCli())
        .addSubcommand("reconcile", new ReconcileCommand(reconciliationEnv(environment)))
        .addSubcommand("verify-draw", new VerifyDrawCommand(reconciliationEnv(environment), System.out));
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

  /** The project's version, which Maven writes into version.properties at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      return new String[] {"Flashsale " + version()};
    }

    static String version() throws IOException {
      Properties properties = new Properties();
      try (InputStream in = FlashsaleCli.class.getResourceAsStream("version.properties")) {
        if (in == null) {
          throw new IllegalStateException("version.properties is missing from the classpath");
        }
        properties.load(in);
      }
      return properties.getProperty("version");
    }
  }

  /**
   * The benchmarks live in their own module (bench depends on local-stack, not the other way round): the launcher
   * runs them. Listed here so that --help names them.
   */
  @Command(name = "bench", description = "Run the benchmarks (./flashsale bench --help lists their options; "
      + "./flashsale bench --quick for a short run).")
  static final class Bench implements Callable<Integer> {
    @Override
    public Integer call() {
      System.err.println("The benchmarks run through the launcher: ./flashsale bench --help");
      return 2;
    }
  }

  @Command(name = "local", description = "Run broker, schema registry, PostgreSQL, payment simulator, topology, API and sink until Ctrl-C.")
  static final class Local implements Callable<Integer> {
    @Option(names = "--ready-timeout", defaultValue = "300",
        description = "Seconds to wait for readiness before stopping and naming the part not ready, default ${DEFAULT-VALUE}.")
    long readyTimeoutSeconds;

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
      StackReadiness readiness = awaitReady(stack, Duration.ofSeconds(readyTimeoutSeconds));
      if (!readiness.ready()) {
        System.err.println(readiness.timedOut(readyTimeoutSeconds));
        return 1; // the shutdown hook stops the stack
      }
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

    /**
     * Waits until the API says ready and the topology has finished restoring its state, or the time-out; says every
     * 10 s what it still waits for.
     */
    private static StackReadiness awaitReady(LocalStack stack, Duration timeout) throws InterruptedException {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest ready = HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/health/ready")).timeout(Duration.ofSeconds(2)).build();
      ObjectMapper json = new ObjectMapper();
      long started = System.nanoTime();
      long lastSaid = started;
      System.out.print("Waiting for /health/ready ");
      while (true) {
        int status = 0;
        Map<String, Boolean> checks = new LinkedHashMap<>();
        try {
          HttpResponse<String> answer = http.send(ready, HttpResponse.BodyHandlers.ofString());
          status = answer.statusCode();
          JsonNode body = json.readTree(answer.body());
          body.path("checks").properties().forEach(check -> checks.put(check.getKey(), check.getValue().asBoolean()));
        } catch (IOException notYet) {
          // the API is still binding its port, or answered no JSON
        }
        StackReadiness readiness = StackReadiness.of(stack.topology().state().name(), status, checks);
        long now = System.nanoTime();
        if (readiness.ready()) {
          System.out.println(" ok");
          return readiness;
        }
        if (now - started > timeout.toNanos()) {
          System.out.println();
          return readiness;
        }
        if (now - lastSaid > Duration.ofSeconds(10).toNanos()) {
          System.out.printf("%n  %.0f s, %s ", (now - started) / 1e9, readiness.waitingFor());
          lastSaid = now;
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
