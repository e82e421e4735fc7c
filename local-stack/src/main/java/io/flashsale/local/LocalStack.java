package io.flashsale.local;

import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole stack in one JVM on embedded defaults: a real KRaft broker, a schema registry, the
 * topology and the ingest API. Each part is started exactly as it would be on its own; only the
 * addresses that tie them together are filled in here.
 */
public final class LocalStack implements AutoCloseable {
  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private final KafkaStreams topology;
  private final IngestApi api;
  private final ApiConfig apiConfig;

  private LocalStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, KafkaStreams topology,
      IngestApi api, ApiConfig apiConfig) {
    this.kafka = kafka;
    this.registry = registry;
    this.topology = topology;
    this.api = api;
    this.apiConfig = apiConfig;
  }

  public static LocalStack start(LocalStackConfig config, Map<String, String> environment) {
    EmbeddedKafka kafka = EmbeddedKafka.start(config.dataDir().resolve("kafka"));
    EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(config.dataDir().resolve("schemas"), config.schemaRegistryPort());
    Map<String, String> env = new HashMap<>(environment);
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registry.url());
    env.put("FLASHSALE_LOCAL_MODE", "true");
    env.putIfAbsent("FLASHSALE_STATE_DIR", config.dataDir().resolve("state").toString());
    // After a hard kill the old member holds the partitions until its session times out: keep that short here.
    env.putIfAbsent("FLASHSALE_STREAMS_SESSION_TIMEOUT_MS", "10000");
    KafkaStreams topology = TopologyApp.start(TopologyConfig.fromEnv(env));
    ApiConfig apiConfig = ApiConfig.fromEnv(env);
    IngestApi api = IngestApi.start(apiConfig);
    return new LocalStack(kafka, registry, topology, api, apiConfig);
  }

  public String apiUrl() {
    return "http://" + apiConfig.httpHost() + ":" + api.port();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String schemaRegistryUrl() {
    return registry.url();
  }

  public KafkaStreams topology() {
    return topology;
  }

  @Override
  public void close() {
    // Reverse order of the data flow: stop taking requests before stopping what decides them.
    api.close();
    TopologyApp.stop(topology);
    registry.close();
    kafka.close();
  }
}
