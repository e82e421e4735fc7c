package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.SaleTopology;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two API instances on one broker, with the topology, racing to create the same sale ids with different SKUs and
 * prices (so that the definitions land in different partitions of {@code sales}): exactly one creation of each id
 * is answered 201, and both instances, the {@code sales} topic and the topology's store hold that one's definition.
 */
class ConcurrentSaleCreationTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String REGISTRY_URL = "mock://sale-race-" + UUID.randomUUID();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SALE_IDS = 40;
  /** Creations of every id: two on each instance. */
  private static final int CONTENDERS = 4;
  private static final int PARTITIONS = 4;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<IngestApi> apis = new ArrayList<>();
  private KafkaStreams streams;
  private int salesPartitions;

  @BeforeEach
  void startTwoApisAndTheTopology() throws Exception {
    String bootstrap = TestInfrastructure.kafka().bootstrapServers();
    Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), "race-");
    streams = TopologyApp.start(new TopologyConfig(KafkaSettings.of(bootstrap, REGISTRY_URL, "sale-race-" + run), stateDir, 100, 1, PARTITIONS,
        (short) 1, Duration.ofMillis(TopologyConfig.DEFAULT_STOCK_LEVEL_INTERVAL_MS),
        Duration.ofHours(TopologyConfig.DEFAULT_DEDUP_GRACE_HOURS),
        Duration.ofHours(TopologyConfig.DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS)));
    for (int i = 0; i < 2; i++) {
      apis.add(IngestApi.start(ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_HTTP_PORT", "0",
          "FLASHSALE_BOOTSTRAP_SERVERS", bootstrap, "FLASHSALE_SCHEMA_REGISTRY_URL", REGISTRY_URL,
          "FLASHSALE_PARTITIONS", String.valueOf(PARTITIONS)))));
    }
    await().atMost(PATIENCE).until(() -> streams.state() == KafkaStreams.State.RUNNING);
    try (var consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      salesPartitions = consumer.partitionsFor(Topics.SALES).size(); // whoever created the topic chose it
    }
  }

  @AfterEach
  void stop() {
    apis.forEach(IngestApi::close);
    streams.close(Duration.ofSeconds(30));
  }

  @Test
  void exactlyOneCreationOfAnIdWinsEverywhere() throws Exception {
    // Every contender of every id at once, alternating between the two instances.
    Map<String, List<CompletableFuture<HttpResponse<String>>>> races = new HashMap<>();
    for (int s = 0; s < SALE_IDS; s++) {
      String saleId = "race-" + run + "-" + s;
      List<CompletableFuture<HttpResponse<String>>> contenders = new ArrayList<>();
      for (int c = 0; c < CONTENDERS; c++) {
        contenders.add(create(apis.get(c % 2), saleId, "SKU-" + saleId + "-" + c, 1000 + c));
      }
      races.put(saleId, contenders);
    }

    // The trap: contenders of one id whose SKUs sit in different partitions of sales, read by different tasks.
    long acrossPartitions = races.keySet().stream().filter(saleId -> java.util.stream.IntStream.range(0, CONTENDERS)
        .map(c -> partitionOf("SKU-" + saleId + "-" + c)).distinct().count() > 1).count();
    assertThat(acrossPartitions).isGreaterThan(SALE_IDS / 2);

    Map<String, JsonNode> winners = new HashMap<>();
    for (var race : races.entrySet()) {
      List<HttpResponse<String>> answers = race.getValue().stream().map(CompletableFuture::join).toList();
      assertThat(answers).extracting(HttpResponse::statusCode).as("answers to the creations of %s", race.getKey())
          .containsOnly(201, 409).filteredOn(status -> status == 201).hasSize(1);
      answers.stream().filter(a -> a.statusCode() == 409)
          .forEach(a -> assertThat(read(a.body()).path("code").asText()).isEqualTo("SALE_EXISTS"));
      winners.put(race.getKey(), read(answers.stream().filter(a -> a.statusCode() == 201).findFirst().orElseThrow().body()));
    }

    // Every instance shows the winner's definition, the loser's instance included.
    for (IngestApi api : apis) {
      for (var winner : winners.entrySet()) {
        await().atMost(PATIENCE).untilAsserted(() -> {
          HttpResponse<String> shown = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + api.port() + "/api/sales/" + winner.getKey())).build(), BodyHandlers.ofString());
          assertThat(shown.statusCode()).isEqualTo(200);
          assertThat(read(shown.body()).path("sku").asText()).isEqualTo(winner.getValue().path("sku").asText());
          assertThat(read(shown.body()).path("priceCents").asLong()).isEqualTo(winner.getValue().path("priceCents").asLong());
        });
      }
    }

    // The sales topic holds the winners only; their definitions sit in different partitions than the losers' would.
    Map<String, Set<String>> skusInSales = salesTopic().stream().filter(sale -> winners.containsKey(sale.getSaleId()))
        .collect(Collectors.groupingBy(Sale::getSaleId, Collectors.mapping(Sale::getSku, Collectors.toSet())));
    assertThat(skusInSales).hasSize(SALE_IDS);
    skusInSales.forEach((saleId, skus) -> assertThat(skus).containsExactly(winners.get(saleId).path("sku").asText()));

    // The topology registered each id once, with the winner's SKU and price, in whichever task owns that SKU.
    await().atMost(PATIENCE).untilAsserted(() -> {
      Map<String, List<Sale>> registered = registeredSales();
      for (var winner : winners.entrySet()) {
        assertThat(registered.get(winner.getKey())).as("definitions of %s in the topology", winner.getKey())
            .singleElement().satisfies(sale -> {
              assertThat(sale.getSku()).isEqualTo(winner.getValue().path("sku").asText());
              assertThat(sale.getPriceCents()).isEqualTo(winner.getValue().path("priceCents").asLong());
            });
      }
    });
  }

  private CompletableFuture<HttpResponse<String>> create(IngestApi api, String saleId, String sku, long priceCents) {
    String body = "{\"saleId\":\"" + saleId + "\",\"sku\":\"" + sku + "\",\"name\":\"Race\",\"stock\":5,"
        + "\"priceCents\":" + priceCents + ",\"currency\":\"EUR\",\"startsAt\":\"" + Instant.now().minusSeconds(60)
        + "\",\"endsAt\":\"" + Instant.now().plusSeconds(3600) + "\"}";
    return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/api/admin/sales"))
        .header("Authorization", "Bearer " + ApiConfig.LOCAL_ADMIN_TOKEN).header("Content-Type", "application/json")
        .timeout(PATIENCE).POST(BodyPublishers.ofString(body)).build(), BodyHandlers.ofString());
  }

  private int partitionOf(String sku) {
    byte[] key = sku.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % salesPartitions;
  }

  /** Every definition in the topology's sale store, by sale id, over all of this instance's tasks. */
  private Map<String, List<Sale>> registeredSales() {
    ReadOnlyKeyValueStore<String, Sale> store = streams.store(
        StoreQueryParameters.fromNameAndType(SaleTopology.SALES_STORE, QueryableStoreTypes.keyValueStore()));
    Map<String, List<Sale>> bySaleId = new HashMap<>();
    try (KeyValueIterator<String, Sale> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, Sale> entry = all.next();
        bySaleId.computeIfAbsent(entry.key, id -> new ArrayList<>()).add(entry.value);
      }
    }
    return bySaleId;
  }

  private List<Sale> salesTopic() {
    Topics topics = Topics.using(SchemaRegistry.forUrl(REGISTRY_URL));
    try (var consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.SALES).stream()
          .map(p -> new TopicPartition(Topics.SALES, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<Sale> sales = new ArrayList<>();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        consumer.poll(Duration.ofMillis(200)).forEach(r ->
            sales.add(topics.sales.valueSerde().deserializer().deserialize(r.topic(), r.value())));
      }
      return sales;
    }
  }

  private static Properties consumerProps() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      throw new IllegalStateException("Not JSON: " + body, e);
    }
  }
}
