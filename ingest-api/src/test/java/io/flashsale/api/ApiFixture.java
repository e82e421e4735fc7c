package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.access.Identity;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.payments.WebhookSignature;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics.Topic;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.Sales;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** An ingest API on the shared in-JVM broker, with an HTTP client and direct access to the topics. */
public final class ApiFixture implements AutoCloseable {
  /** One registry for all tests of this JVM: they share the broker, so they must agree on schema ids. */
  public static final String REGISTRY = "mock://ingest-api-tests";
  static final ObjectMapper JSON = new ObjectMapper();

  public final KafkaBroker kafka;
  public final Topics topics = Topics.using(SchemaRegistry.forUrl(REGISTRY));
  public final ApiConfig config;
  final IngestApi api;
  private final HttpClient http = HttpClient.newHttpClient();

  private ApiFixture(KafkaBroker kafka, Map<String, String> env) {
    this.kafka = kafka;
    Map<String, String> local = new HashMap<>(Map.of(
        "FLASHSALE_LOCAL_MODE", "true",
        "FLASHSALE_HTTP_PORT", "0",
        "FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "FLASHSALE_SCHEMA_REGISTRY_URL", REGISTRY));
    local.putAll(env);
    config = ApiConfig.fromEnv(local);
    api = IngestApi.start(config);
  }

  public static ApiFixture start() {
    return start(Map.of());
  }

  /** An API whose environment has these variables on top of the local defaults. */
  public static ApiFixture start(Map<String, String> env) {
    return start(TestInfrastructure.kafka(), env);
  }

  /** An API on this broker, with these variables on top of the local defaults. */
  public static ApiFixture start(KafkaBroker kafka, Map<String, String> env) {
    return new ApiFixture(kafka, env);
  }

  // --- identities

  public String buyer(String userId) {
    return buyer(userId, "device-of-" + userId);
  }

  public String buyer(String userId, String deviceId) {
    return "Bearer " + JWT.create().withSubject(userId).withClaim(Identity.DEVICE_CLAIM, deviceId)
        .withExpiresAt(Instant.now().plusSeconds(300)).sign(Algorithm.HMAC256(config.access().jwtSecret()));
  }

  public String admin() {
    return "Bearer " + config.access().adminToken();
  }

  public static String newUser() {
    return "user-" + UUID.randomUUID();
  }

  // --- HTTP

  public Call call(String method, String path) {
    return new Call(method, path);
  }

  /** One HTTP request under construction. */
  public final class Call {
    private final HttpRequest.Builder builder;
    private final String method;
    private HttpRequest.BodyPublisher body = BodyPublishers.noBody();

    private Call(String method, String path) {
      this.method = method;
      this.builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path)).timeout(Duration.ofSeconds(60));
    }

    public Call auth(String authorization) {
      builder.header("Authorization", authorization);
      return this;
    }

    public Call header(String name, String value) {
      builder.header(name, value);
      return this;
    }

    public Call json(String json) {
      return body("application/json", json);
    }

    public Call body(String contentType, String content) {
      if (contentType != null) {
        builder.header("Content-Type", contentType);
      }
      body = BodyPublishers.ofString(content);
      return this;
    }

    /**
     * Sends and waits. A request that got no byte of an answer is sent once more, as a browser does: Jetty 12 closes
     * a connection on a refused oversized body, and the JDK client, still writing it or reusing that connection,
     * then reads nothing ("header parser received no bytes", BadInputTest in one run of three). Whatever is asserted
     * is asserted of the answer the request does get.
     */
    public Response send() {
      try {
        return sendAsync().join();
      } catch (java.util.concurrent.CompletionException e) {
        if (e.getCause() instanceof java.io.IOException io && String.valueOf(io.getMessage()).contains("received no bytes")) {
          return sendAsync().join();
        }
        throw e;
      }
    }

    public CompletableFuture<Response> sendAsync() {
      return http.sendAsync(builder.method(method, body).build(), BodyHandlers.ofString()).thenApply(Response::new);
    }
  }

  /** An HTTP answer with its body parsed as JSON. */
  public record Response(HttpResponse<String> raw) {
    public int status() {
      return raw.statusCode();
    }

    public JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new UncheckedIOException("Not JSON: " + raw.body(), e);
      }
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    public String contentType() {
      return header("Content-Type");
    }

    /** Asserts a problem+json answer with this status and code. */
    public Response assertProblem(int status, ErrorCode code) {
      assertThat(status()).as("status of %s", raw.body()).isEqualTo(status);
      assertThat(contentType()).startsWith("application/problem+json");
      JsonNode problem = json();
      assertThat(problem.path("code").asText()).isEqualTo(code.name());
      assertThat(problem.path("status").asInt()).isEqualTo(status);
      assertThat(problem.path("type").asText()).isNotBlank();
      assertThat(problem.path("title").asText()).isNotBlank();
      assertThat(problem.path("detail").asText()).isNotBlank();
      return this;
    }
  }

  /** A sale definition as JSON, live from a minute ago for an hour, with the given fields replaced. */
  public static String saleJson(String saleId, Map<String, Object> overrides) {
    Map<String, Object> sale = Sales.liveDefinition(saleId, "SKU-" + saleId, 5, 2, Instant.now());
    sale.putAll(overrides);
    try {
      return JSON.writeValueAsString(sale);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates a sale through the API and returns its id. */
  public String createSale(Map<String, Object> overrides) {
    String saleId = "sale-" + UUID.randomUUID();
    Response created = call("POST", "/api/admin/sales").auth(admin()).json(saleJson(saleId, overrides)).send();
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    return saleId;
  }

  /** A purchase by the buyer through the API; returns its request id. */
  public String purchase(String saleId, String userId, int quantity) {
    Response submitted = call("POST", "/api/sales/" + saleId + "/purchases").auth(buyer(userId))
        .json("{\"quantity\": " + quantity + "}").send();
    assertThat(submitted.status()).as(submitted.raw().body()).isEqualTo(202);
    return submitted.json().path("requestId").asText();
  }

  /** Plays the topology: an outcome for a purchase made by {@link #purchase} in a sale made by {@link #createSale}. */
  public void decide(String saleId, String requestId, String userId, int quantity, OutcomeStatus status) {
    produce(topics.purchaseOutcomes, requestId, PurchaseOutcome.newBuilder()
        .setRequestId(requestId).setSaleId(saleId).setSku("SKU-" + saleId).setUserId(userId).setQuantity(quantity)
        .setStatus(status).setReason(status == OutcomeStatus.REJECTED ? RejectReason.SOLD_OUT : null)
        .setHoldExpiresAt(status == OutcomeStatus.ACCEPTED ? Instant.now().plusSeconds(300) : null)
        .setDecidedAt(Instant.now()).build());
  }

  /** The purchase as its buyer sees it, long-polling up to {@code waitMs} for a decision. */
  public JsonNode poll(String requestId, String userId, long waitMs) {
    Response response = call("GET", "/api/purchases/" + requestId + "?waitMs=" + waitMs).auth(buyer(userId)).send();
    assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
    return response.json();
  }

  // --- payment webhooks

  /** A webhook POST signed now with the API's secret. */
  public Call webhook(String body) {
    return webhook(body, WebhookSignature.header(config.payments().webhookSecret(), Instant.now().getEpochSecond(), body));
  }

  /** A webhook POST with this signature header (null: none). */
  public Call webhook(String body, String signature) {
    Call call = call("POST", "/api/payments/webhook");
    if (signature != null) {
      call.header(WebhookSignature.HEADER, signature);
    }
    return call.json(body);
  }

  /** A provider event as the provider sends it. */
  public static String webhookJson(String eventId, String type, String paymentId, String requestId, String saleId, String sku,
                            long amountCents, String currency) {
    try {
      return JSON.writeValueAsString(Map.of("id", eventId, "type", type, "created", Instant.now().getEpochSecond(),
          "data", Map.of("paymentId", paymentId, "requestId", requestId, "saleId", saleId, "sku", sku,
              "amountCents", amountCents, "currency", currency,
              "status", type.substring(type.indexOf('.') + 1).toUpperCase(Locale.ROOT))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- Kafka

  public <K, V> void produce(Topic<K, V> topic, K key, V value) {
    produce(topic, key, value, null);
  }

  /** A record stamped with this time (null: now). */
  public <K, V> void produce(Topic<K, V> topic, K key, V value, Instant timestamp) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), null, timestamp == null ? null : timestamp.toEpochMilli(), key,
          value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every record now on the topic, committed or not. */
  public <K, V> List<ConsumerRecord<K, V>> readAll(Topic<K, V> topic) {
    try (var consumer = consumer()) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<K, V>> records = new ArrayList<>();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          records.add(new ConsumerRecord<>(record.topic(), record.partition(), record.offset(),
              topic.keySerde().deserializer().deserialize(record.topic(), record.key()),
              topic.valueSerde().deserializer().deserialize(record.topic(), record.value())));
        }
      }
      return records;
    }
  }

  /** End offsets of the topics' partitions, uncommitted records included: any write moves them. */
  public Map<TopicPartition, Long> endOffsets(String... topicNames) {
    try (var consumer = consumer()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String name : topicNames) {
        consumer.partitionsFor(name).forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
      }
      return consumer.endOffsets(partitions);
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    api.close();
  }
}
