package io.flashsale.local;

import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedPostgres;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.metrics.MetricsEndpoint;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.metrics.ProcessMeters;
import io.flashsale.payments.PaymentSimulator;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.reconciliation.sink.OutcomeSink;
import io.flashsale.reconciliation.sink.SinkConfig;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole stack in one JVM on embedded defaults: a real KRaft broker, a schema registry, a real
 * PostgreSQL, the payment-provider simulator, the topology, the ingest API and the sink. Each part is started exactly as it would be on its own; only the
 * addresses that tie them together are filled in here.
 */
public final class LocalStack implements AutoCloseable {
  private static final List<String> ENDPOINTS = List.of("FLASHSALE_BOOTSTRAP_SERVERS", "FLASHSALE_SCHEMA_REGISTRY_URL",
      "FLASHSALE_PAYMENT_PROVIDER_URL", "FLASHSALE_DATABASE_URL", "FLASHSALE_DATABASE_USER", "FLASHSALE_DATABASE_PASSWORD");
  /** Keys of the endpoints file: where each part serves GET /metrics. */
  public static final String API_METRICS = "api.metrics";
  public static final String TOPOLOGY_METRICS = "topology.metrics";
  public static final String SINK_METRICS = "sink.metrics";
  public static final String SIMULATOR_METRICS = "payment-simulator.metrics";
  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private final EmbeddedPostgres database;
  private final PaymentSimulator paymentProvider;
  private final KafkaStreams topology;
  private final IngestApi api;
  private final ApiConfig apiConfig;
  private final OutcomeSink sink;
  private final NightlyReconciliation nightly;
  private final MetricsServer topologyMetrics;
  private final MetricsServer sinkMetrics;

  private LocalStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, EmbeddedPostgres database,
      PaymentSimulator paymentProvider, KafkaStreams topology, IngestApi api, ApiConfig apiConfig, OutcomeSink sink,
      NightlyReconciliation nightly, MetricsServer topologyMetrics, MetricsServer sinkMetrics) {
    this.topologyMetrics = topologyMetrics;
    this.sinkMetrics = sinkMetrics;
    this.kafka = kafka;
    this.registry = registry;
    this.database = database;
    this.paymentProvider = paymentProvider;
    this.sink = sink;
    this.topology = topology;
    this.api = api;
    this.apiConfig = apiConfig;
    this.nightly = nightly;
  }

  public static LocalStack start(LocalStackConfig config, Map<String, String> environment) {
    EmbeddedKafka kafka = EmbeddedKafka.start(config.dataDir().resolve("kafka"));
    EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(config.dataDir().resolve("schemas"), config.schemaRegistryPort());
    return start(config, environment, kafka, registry);
  }

  /**
   * The stack on a broker and registry started by the caller (a secured pair, say), which it closes with the rest;
   * {@code environment} says how to reach them ({@code FLASHSALE_KAFKA_*}, {@code FLASHSALE_SCHEMA_REGISTRY_*}).
   */
  static LocalStack start(LocalStackConfig config, Map<String, String> environment, EmbeddedKafka kafka,
      EmbeddedSchemaRegistry registry) {
    EmbeddedPostgres database = EmbeddedPostgres.start(config.dataDir().resolve("postgres"));
    Map<String, String> env = new HashMap<>(environment);
    PaymentSimulator paymentProvider = PaymentSimulator.start(SimulatorConfig.fromEnv(env));
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registry.url());
    env.put("FLASHSALE_PAYMENT_PROVIDER_URL", paymentProvider.baseUrl());
    env.put("FLASHSALE_DATABASE_URL", database.jdbcUrl());
    env.put("FLASHSALE_DATABASE_USER", database.user());
    env.put("FLASHSALE_DATABASE_PASSWORD", database.password());
    env.put("FLASHSALE_LOCAL_MODE", "true");
    env.putIfAbsent("FLASHSALE_STATE_DIR", config.dataDir().resolve("state").toString());
    // After a hard kill the old member holds the partitions until its session times out: keep that short here.
    env.putIfAbsent("FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "10000");
    // Each part has its own meters and /metrics, as on its own; free ports unless the environment names one.
    env.putIfAbsent(MetricsEndpoint.PORT_VARIABLE, "0");
    TopologyConfig topologyConfig = TopologyConfig.fromEnv(env);
    PrometheusMeterRegistry topologyMeters = ProcessMeters.create("topology");
    KafkaStreams topology = TopologyApp.start(topologyConfig, topologyMeters);
    MetricsServer topologyMetrics = MetricsServer.start(topologyConfig.metrics(), topologyMeters);
    ApiConfig apiConfig = ApiConfig.fromEnv(env);
    IngestApi api = IngestApi.start(apiConfig);
    // The API's port may have been chosen at start, so the provider learns where to call back only now.
    paymentProvider.setWebhookUrl("http://" + apiConfig.http().host() + ":" + api.port() + "/api/payments/webhook");
    SinkConfig sinkConfig = SinkConfig.fromEnv(env);
    PrometheusMeterRegistry sinkMeters = ProcessMeters.create("sink");
    OutcomeSink sink = OutcomeSink.start(sinkConfig, sinkMeters);
    MetricsServer sinkMetrics = MetricsServer.start(sinkConfig.metrics(), sinkMeters);
    Map<String, String> metricsUrls = Map.of(
        API_METRICS, "http://" + apiConfig.http().host() + ":" + api.port() + MetricsServer.PATH,
        TOPOLOGY_METRICS, "http://" + topologyConfig.metrics().host() + ":" + topologyMetrics.port() + MetricsServer.PATH,
        SINK_METRICS, "http://" + sinkConfig.metrics().host() + ":" + sinkMetrics.port() + MetricsServer.PATH,
        SIMULATOR_METRICS, paymentProvider.baseUrl() + MetricsServer.PATH);
    writeEndpoints(config.endpointsFile(), env, metricsUrls);
    NightlyReconciliation nightly = config.reconcileAt() == null ? null
        : NightlyReconciliation.schedule(config.reconcileAt(), env, Clock.systemUTC());
    return new LocalStack(kafka, registry, database, paymentProvider, topology, api, apiConfig, sink, nightly,
        topologyMetrics, sinkMetrics);
  }

  /** The addresses of the parts, so that a command run beside the stack ({@code ./flashsale reconcile}) finds them. */
  private static void writeEndpoints(Path file, Map<String, String> env, Map<String, String> metricsUrls) {
    Properties endpoints = new Properties();
    for (String name : ENDPOINTS) {
      endpoints.setProperty(name, env.get(name));
    }
    metricsUrls.forEach(endpoints::setProperty);
    try (Writer out = Files.newBufferedWriter(file)) {
      endpoints.store(out, "Where the running local stack listens; rewritten at every start");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The settings of a running stack from its endpoints file, or none if no stack ever ran in {@code dataDir}. */
  public static Map<String, String> endpoints(LocalStackConfig config) {
    Properties endpoints = new Properties();
    if (Files.exists(config.endpointsFile())) {
      try (Reader in = Files.newBufferedReader(config.endpointsFile())) {
        endpoints.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Map<String, String> env = new HashMap<>();
    endpoints.forEach((name, value) -> env.put((String) name, (String) value));
    return env;
  }

  public String apiUrl() {
    return "http://" + apiConfig.http().host() + ":" + api.port();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String schemaRegistryUrl() {
    return registry.url();
  }

  public String paymentProviderUrl() {
    return paymentProvider.baseUrl();
  }

  /** The JDBC URL of the sink's database (user and password: {@link EmbeddedPostgres#user()}, both "postgres"). */
  public String databaseUrl() {
    return database.jdbcUrl();
  }

  /** The /metrics URL of each part (api, topology, sink, payment simulator), as the endpoints file has them. */
  public Map<String, String> metricsUrls() {
    return Map.of(
        API_METRICS, apiUrl() + MetricsServer.PATH,
        TOPOLOGY_METRICS, "http://127.0.0.1:" + topologyMetrics.port() + MetricsServer.PATH,
        SINK_METRICS, "http://127.0.0.1:" + sinkMetrics.port() + MetricsServer.PATH,
        SIMULATOR_METRICS, paymentProvider.baseUrl() + MetricsServer.PATH);
  }

  public KafkaStreams topology() {
    return topology;
  }

  @Override
  public void close() {
    if (nightly != null) {
      nightly.close();
    }
    // The order of the data flow: stop taking requests before stopping what decides and records them.
    api.close();
    TopologyApp.stop(topology);
    topologyMetrics.close();
    sink.close();
    sinkMetrics.close();
    paymentProvider.close();
    database.close();
    registry.close();
    kafka.close();
  }
}
