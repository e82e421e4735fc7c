package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.reconciliation.ReconciliationConfig;
import io.flashsale.reconciliation.SinkConfig;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.TopologyConfig;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfile, tested without Docker: every Flashsale service's environment (with the
 * values of .env.example) is accepted by the config of the process its command starts, names no variable that
 * process does not read, and the image's start command, run on the Dockerfile's classpath layout, brings the
 * topology and the API to readiness.
 */
class ComposeTest {
  private static final Path REPOSITORY = OperationsTest.REPOSITORY;
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([?-])([^}]*))?}");
  /** Each command of the image, with the config it reads its environment into. */
  private static final Map<String, Function<Map<String, String>, Object>> CONFIGS = Map.of(
      "io.flashsale.api.IngestApi", ApiConfig::fromEnv,
      "io.flashsale.topology.TopologyApp", TopologyConfig::fromEnv,
      "io.flashsale.reconciliation.OutcomeSink", SinkConfig::fromEnv,
      "io.flashsale.payments.PaymentSimulator", SimulatorConfig::fromEnv,
      "io.flashsale.reconciliation.ReconcileCommand", env -> List.of(SinkConfig.fromEnv(env), ReconciliationConfig.fromEnv(env)));

  @Test
  void everyServiceEnvironmentIsWhatItsProcessReads() throws IOException {
    Map<String, Map<String, String>> services = flashsaleServices();
    assertThat(services.keySet()).containsExactlyInAnyOrder("topology", "ingest-api", "payment-simulator", "sink",
        "reconcile");
    services.forEach((service, env) -> {
      String main = env.get("main");
      Map<String, String> environment = new HashMap<>(env);
      environment.remove("main");
      ReadRecorder recorder = new ReadRecorder(environment);
      Object config = CONFIGS.get(main).apply(recorder); // throws if a required variable is missing or a local value
      assertThat(config).as(service).isNotNull();
      Set<String> unread = new TreeSet<>(environment.keySet());
      unread.removeAll(recorder.read);
      unread.removeIf(name -> name.startsWith("FLASHSALE_STREAMS_") && main.endsWith("TopologyApp"));
      assertThat(unread).as("variables of %s that %s never reads", service, main).isEmpty();
    });
    // The API refuses to start outside local mode without these: compose passes each from .env.
    assertThat(services.get("ingest-api")).containsKeys(ApiConfig.REQUIRED_OUTSIDE_LOCAL_MODE.toArray(String[]::new));
    assertThat(services.get("ingest-api")).doesNotContainKey("FLASHSALE_LOCAL_MODE");
    // The demo's simulator is the API's provider: same key, same webhook secret, and webhooks to the API.
    Map<String, String> api = services.get("ingest-api");
    Map<String, String> simulator = services.get("payment-simulator");
    assertThat(simulator.get("FLASHSALE_SIMULATOR_API_KEY")).isEqualTo(api.get("FLASHSALE_PAYMENT_PROVIDER_KEY"));
    assertThat(simulator.get("FLASHSALE_SIMULATOR_WEBHOOK_SECRET")).isEqualTo(api.get("FLASHSALE_WEBHOOK_SECRET"));
    assertThat(api.get("FLASHSALE_PAYMENT_PROVIDER_URL")).isEqualTo("http://payment-simulator:8090");
    assertThat(simulator.get("FLASHSALE_SIMULATOR_WEBHOOK_URL")).isEqualTo("http://ingest-api:8080/api/payments/webhook");
  }

  @Test
  void everyFlashsaleServiceHasAHealthcheckAndPrometheusScrapesItsMetricsPort() throws IOException {
    Map<String, Object> compose = compose();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    String scrapes = Files.readString(REPOSITORY.resolve("ops/prometheus/prometheus.yml"));
    Map<String, String> metricsPorts = Map.of("ingest-api", "9400", "topology", "9401", "sink", "9402",
        "payment-simulator", "8090");
    metricsPorts.forEach((service, port) -> {
      assertThat(services.get(service)).as(service).containsKey("healthcheck");
      assertThat(scrapes).contains(service + ":" + port);
    });
    assertThat(flashsaleServices().get("topology")).containsEntry("FLASHSALE_METRICS_PORT", "9401");
    assertThat(flashsaleServices().get("sink")).containsEntry("FLASHSALE_METRICS_PORT", "9402");
    assertThat(TopologyConfig.DEFAULT_METRICS_PORT).isEqualTo(9401);
    assertThat(SinkConfig.DEFAULT_METRICS_PORT).isEqualTo(9402);
  }

  @Test
  void theImageStartCommandOnTheDockerfileLayoutReachesReadiness(@TempDir Path dir) throws Exception {
    List<String> entrypoint = dockerEntrypoint();
    assertThat(String.join(" ", entrypoint)).contains("/app/lib/*");
    Path app = dir.resolve("app");
    assembleLib(app.resolve("lib"));
    Map<String, Map<String, String>> services = flashsaleServices();
    List<Process> processes = new ArrayList<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
         EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(dir.resolve("schemas"), 0)) {
      // One broker here: the topics exist beforehand with one replica (a process creates only missing ones), and
      // the topology's changelogs get one replica too. Everything else is compose's own environment.
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        TopicAdmin.ensureTopics(admin, Topics.using(SchemaRegistry.forUrl(registry.url())), 8, (short) 1);
      }
      Map<String, String> local = Map.of(
          "kafka-1:9092,kafka-2:9092,kafka-3:9092", kafka.bootstrapServers(),
          "http://schema-registry:8081", registry.url());
      int httpPort = freePort();
      Map<String, String> topology = outsideDocker(services.get("topology"), local);
      topology.put("FLASHSALE_STATE_DIR", dir.resolve("state").toString());
      topology.put("FLASHSALE_METRICS_PORT", "0");
      topology.put("FLASHSALE_STREAMS_REPLICATION_FACTOR", "1");
      Map<String, String> api = outsideDocker(services.get("ingest-api"), local);
      api.put("FLASHSALE_HTTP_PORT", Integer.toString(httpPort));
      api.put("FLASHSALE_API_METRICS_PORT", "0");
      processes.add(start(entrypoint, app, services.get("topology").get("main"), topology, dir.resolve("topology.log")));
      processes.add(start(entrypoint, app, services.get("ingest-api").get("main"), api, dir.resolve("api.log")));

      HttpClient http = HttpClient.newHttpClient();
      long started = System.nanoTime();
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptionsInstanceOf(IOException.class).untilAsserted(() -> {
        assertThat(processes).allMatch(Process::isAlive);
        assertThat(status(http, "http://127.0.0.1:" + httpPort + "/health/ready")).isEqualTo(200);
      });
      System.out.printf("ComposeTest: the image's command brought topology and API to readiness in %.1f s%n",
          (System.nanoTime() - started) / 1e9);
      // Compose serves the API's /metrics on a port of its own, so the public port has none.
      assertThat(status(http, "http://127.0.0.1:" + httpPort + "/metrics")).isEqualTo(404);
    } finally {
      for (Process process : processes) {
        process.destroy();
        process.waitFor();
      }
    }
  }

  /** The Flashsale services (those whose command or entrypoint is a main class), environment interpolated. */
  static Map<String, Map<String, String>> flashsaleServices() throws IOException {
    Map<String, String> dotEnv = dotEnvExample();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose().get("services");
    Map<String, Map<String, String>> flashsale = new LinkedHashMap<>();
    services.forEach((name, service) -> {
      String main = mainClass(service);
      if (main == null) {
        return;
      }
      assertThat(CONFIGS).as("the config of %s (%s)", name, main).containsKey(main);
      Map<String, String> env = new LinkedHashMap<>();
      @SuppressWarnings("unchecked")
      Map<String, Object> environment = (Map<String, Object>) service.getOrDefault("environment", Map.of());
      environment.forEach((key, value) -> env.put(key, interpolate(String.valueOf(value), dotEnv)));
      env.put("main", main);
      flashsale.put(name, env);
    });
    return flashsale;
  }

  private static String mainClass(Map<String, Object> service) {
    List<String> words = new ArrayList<>();
    for (String key : List.of("command", "entrypoint")) {
      if (service.get(key) instanceof List<?> list) {
        list.forEach(word -> words.addAll(List.of(String.valueOf(word).split(" "))));
      }
    }
    return words.stream().filter(w -> w.startsWith("io.flashsale.")).findFirst().orElse(null);
  }

  static Map<String, Object> compose() throws IOException {
    return new Yaml().load(Files.readString(REPOSITORY.resolve("docker-compose.yml")));
  }

  private static Map<String, String> dotEnvExample() throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(REPOSITORY.resolve(".env.example"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        // Its placeholders stand for the real secrets of a .env, which the API insists on.
        env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1).replace("change-me", "real"));
      }
    }
    return env;
  }

  /** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}; a required one must be in .env.example. */
  private static String interpolate(String value, Map<String, String> dotEnv) {
    Matcher matcher = VARIABLE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String name = matcher.group(1);
      String known = dotEnv.get(name);
      if (known == null && "?".equals(matcher.group(2))) {
        throw new AssertionError(name + " is required by docker-compose.yml but missing from .env.example");
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(known != null ? known
          : "-".equals(matcher.group(2)) ? matcher.group(3) : ""));
    }
    return matcher.appendTail(out).toString();
  }

  /** The final stage's ENTRYPOINT, as its JSON array. */
  private static List<String> dockerEntrypoint() throws IOException {
    List<String> lines = Files.readAllLines(REPOSITORY.resolve("Dockerfile"));
    String last = lines.stream().filter(l -> l.startsWith("ENTRYPOINT ")).reduce((a, b) -> b).orElseThrow();
    return List.of(new ObjectMapper().readValue(last.substring("ENTRYPOINT ".length()), String[].class));
  }

  /**
   * The Dockerfile's /app/lib: every jar of the local stack's runtime class path, and each module's classes as a
   * jar (as the image holds them). This test's class path stands in for it, test folders left out.
   */
  private static void assembleLib(Path lib) throws IOException {
    Files.createDirectories(lib);
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    int count = 0;
    for (String entry : classPath.split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (entry.isBlank() || path.endsWith("test-classes") || !Files.exists(path)) {
        continue;
      }
      Path target = lib.resolve((count++) + "-" + path.getFileName() + (Files.isDirectory(path) ? ".jar" : ""));
      if (Files.isDirectory(path)) {
        jar(path, target);
      } else {
        Files.copy(path, target);
      }
    }
  }

  private static void jar(Path classes, Path target) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target)); Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
  }

  private static Map<String, String> outsideDocker(Map<String, String> service, Map<String, String> replacements) {
    Map<String, String> env = new HashMap<>(service);
    env.remove("main");
    env.replaceAll((name, value) -> replacements.getOrDefault(value, value));
    env.put("JAVA_OPTS", "-Xmx384m -XX:TieredStopAtLevel=1");
    return env;
  }

  private static Process start(List<String> entrypoint, Path app, String main, Map<String, String> env, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    entrypoint.forEach(word -> command.add(word.replace("/app/", app + "/")));
    command.add(main);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("FLASHSALE_"));
    builder.environment().putAll(env);
    return builder.start();
  }

  private static int status(HttpClient http, String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** An environment that remembers which variables were asked for. */
  private static final class ReadRecorder extends HashMap<String, String> {
    final Set<String> read = new TreeSet<>();

    ReadRecorder(Map<String, String> env) {
      super(env);
    }

    @Override
    public String get(Object key) {
      read.add(String.valueOf(key));
      return super.get(key);
    }

    @Override
    public String getOrDefault(Object key, String defaultValue) {
      read.add(String.valueOf(key));
      return super.getOrDefault(key, defaultValue);
    }

    @Override
    public boolean containsKey(Object key) {
      read.add(String.valueOf(key));
      return super.containsKey(key);
    }
  }
}
