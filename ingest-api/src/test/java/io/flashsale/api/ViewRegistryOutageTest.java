package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.flashsale.api.purchase.Purchase;
import io.flashsale.api.purchase.PurchaseView;
import io.flashsale.api.purchase.PurchaseViewStart;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A view whose schema registry answers 503 to its first decodes waits for it and then holds every record, in
 * order; only bytes that are not a value of the topic are skipped, and counted.
 */
class ViewRegistryOutageTest {
  private static final int REQUESTS = 20;
  private static ApiFixture fixture;

  @BeforeAll
  static void start() {
    fixture = ApiFixture.start(); // the topics, and a registry every writer of this JVM shares
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void aViewWhoseRegistryFailsItsFirstDecodesCatchesUpWithEveryRecord() throws Exception {
    String saleId = "sale-" + UUID.randomUUID();
    String sku = "SKU-" + saleId;
    List<String> ids = new ArrayList<>();
    List<PurchaseRequest> batch = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      batch.add(PurchaseRequest.newBuilder().setRequestId(id).setSaleId(saleId).setSku(sku).setUserId("user-" + i)
          .setQuantity(1).setRequestedAt(Instant.now()).build());
    }
    fixture.produce(fixture.topics.purchaseRequests, sku, new PurchaseBatch(sku, batch));
    for (int i = 0; i < REQUESTS; i++) {
      fixture.produce(fixture.topics.purchaseOutcomes, ids.get(i),
          outcome(ids.get(i), saleId, sku, i, i % 2 == 0 ? OutcomeStatus.ACCEPTED : OutcomeStatus.REJECTED));
    }
    // Between the first request's acceptance and its confirmation, on the same partition: bytes that are no outcome.
    try (var raw = rawProducer()) {
      raw.send(new ProducerRecord<>(Topics.PURCHASE_OUTCOMES, ids.get(0).getBytes(StandardCharsets.UTF_8),
          "not an outcome".getBytes(StandardCharsets.UTF_8))).get();
    }
    fixture.produce(fixture.topics.purchaseOutcomes, ids.get(0), outcome(ids.get(0), saleId, sku, 0, OutcomeStatus.CONFIRMED));

    OutageRegistry registry = new OutageRegistry(SchemaRegistry.forUrl(ApiFixture.REGISTRY));
    try (PurchaseView view = new PurchaseView(
        KafkaSettings.of(fixture.kafka.bootstrapServers(), ApiFixture.REGISTRY, "topology-" + UUID.randomUUID()),
        Topics.using(registry), Duration.ofHours(1), 100_000, Duration.ofSeconds(30), everythingFromTheStart(),
        Clock.systemUTC())) {
      view.start();

      await().atMost(Duration.ofSeconds(30)).until(() -> registry.refused.get() >= 4);
      assertThat(view.caughtUp()).as("not caught up while the registry fails").isFalse();
      assertThat(ids).allSatisfy(id -> assertThat(view.purchase(id)).isEmpty());

      registry.down = false;
      await().atMost(Duration.ofSeconds(30)).until(view::caughtUp);

      for (int i = 0; i < REQUESTS; i++) {
        Purchase purchase = view.purchase(ids.get(i)).orElseThrow();
        assertThat(purchase.status()).isEqualTo(i == 0 ? "CONFIRMED" : i % 2 == 0 ? "ACCEPTED" : "REJECTED");
      }
      assertThat(view.skippedRecords()).as("the bytes that are no outcome").isGreaterThanOrEqualTo(1);
    }
  }

  /**
   * The same with the project's REST client against a registry server behind a proxy that answers 503, then 401
   * (credentials refused, as while they are being rotated), then passes requests on.
   */
  @Test
  void aViewWaitsOutARegistryAnswering503And401ThroughTheRestClient() throws Exception {
    try (KafkaBroker kafka = TestInfrastructure.newKafka(); // of its own: only this registry's schema ids on it
         EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(null, 0);
         FailingProxy proxy = new FailingProxy(registry.url());
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Topics writing = Topics.using(SchemaRegistry.forUrl(registry.url()));
      TopicAdmin.ensureTopics(admin, writing, 2, (short) 1);
      String saleId = "sale-" + UUID.randomUUID();
      String sku = "SKU-" + saleId;
      List<String> ids = new ArrayList<>();
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      try (var outcomes = new KafkaProducer<>(props, writing.purchaseOutcomes.keySerde().serializer(),
          writing.purchaseOutcomes.valueSerde().serializer())) {
        for (int i = 0; i < REQUESTS; i++) {
          ids.add(UUID.randomUUID().toString());
          outcomes.send(new ProducerRecord<>(Topics.PURCHASE_OUTCOMES, ids.get(i),
              outcome(ids.get(i), saleId, sku, i, OutcomeStatus.REJECTED))).get();
        }
      }
      proxy.failures.add(503);
      proxy.failures.add(503);
      proxy.failures.add(401);
      proxy.failures.add(401);
      proxy.failing = true;

      try (PurchaseView view = new PurchaseView(KafkaSettings.of(kafka.bootstrapServers(), proxy.url(), "topology"),
          Topics.using(SchemaRegistry.forUrl(proxy.url())), Duration.ofHours(1), 100_000, Duration.ofSeconds(30),
          everythingFromTheStart(), Clock.systemUTC())) {
        view.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> proxy.failures.isEmpty());
        assertThat(proxy.answered).containsExactly(503, 503, 401, 401);
        await().atMost(Duration.ofSeconds(30)).until(view::caughtUp);

        assertThat(ids).allSatisfy(id -> assertThat(view.purchase(id).map(Purchase::status)).contains("REJECTED"));
        assertThat(view.skippedRecords()).isZero();
      }
    }
  }

  /** In front of a registry: answers the next statuses of {@code failures} to schema reads, then passes them on. */
  private static final class FailingProxy implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    final Queue<Integer> failures = new ConcurrentLinkedQueue<>();
    final List<Integer> answered = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    FailingProxy(String target) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        try (exchange) {
          Integer failure = failing && exchange.getRequestURI().getPath().startsWith("/schemas/ids/") ? failures.peek() : null;
          if (failure != null) {
            answered.add(failure);
            byte[] body = ("{\"error_code\":" + failure + "01,\"message\":\"failing\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(failure, body.length);
            exchange.getResponseBody().write(body);
            failures.poll();
            return;
          }
          try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(exchange.getRequestBody().readAllBytes()))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json").build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(response.statusCode(), response.body().length);
            exchange.getResponseBody().write(response.body());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(502, -1);
          }
        }
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private static PurchaseViewStart everythingFromTheStart() {
    return new PurchaseViewStart() {
      @Override
      public Map<TopicPartition, Long> decidedUpTo() {
        return Map.of();
      }

      @Override
      public Optional<Duration> longestHold() {
        return Optional.of(Duration.ofHours(1));
      }
    };
  }

  private static PurchaseOutcome outcome(String id, String saleId, String sku, int user, OutcomeStatus status) {
    return PurchaseOutcome.newBuilder().setRequestId(id).setSaleId(saleId).setSku(sku).setUserId("user-" + user)
        .setQuantity(1).setStatus(status).setReason(status == OutcomeStatus.REJECTED ? RejectReason.SOLD_OUT : null)
        .setHoldExpiresAt(status == OutcomeStatus.ACCEPTED ? Instant.now().plusSeconds(300) : null)
        .setDecidedAt(Instant.now()).build();
  }

  private static KafkaProducer<byte[], byte[]> rawProducer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** A registry answering as a real one does during an outage (503: {@link SchemaRegistry.UnavailableException}). */
  private static final class OutageRegistry implements SchemaRegistry {
    private final SchemaRegistry registry;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean down = true;

    OutageRegistry(SchemaRegistry registry) {
      this.registry = registry;
    }

    @Override
    public int register(String subject, Schema schema) {
      return registry.register(subject, schema);
    }

    @Override
    public Registered latest(String subject) {
      return registry.latest(subject);
    }

    @Override
    public Schema schemaById(int id) {
      if (down) {
        refused.incrementAndGet();
        throw new UnavailableException("Schema registry answered 503: {\"error_code\":50301}", null);
      }
      return registry.schemaById(id);
    }
  }
}
