package io.flashsale.api.purchase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.ApiFixture;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A starting API's purchase view reads what is live and recent, not the topics' history: a hold still running
 * is found however old its acceptance (within the longest hold), a request after the topology's committed
 * position is pending, and a purchase finished days ago is not read at all.
 */
class PurchaseViewStartTest {
  private static final int OLD = 5_000;

  @Test
  void aStartingViewFindsEveryLivePurchaseWithoutReadingTheHistory() throws Exception {
    // A broker of its own: the outcomes topic's times must grow with its offsets, as the topology writes them,
    // which other tests' records written before these back-dated ones would break.
    try (KafkaBroker kafka = TestInfrastructure.newKafka()) {
      startOn(kafka);
    }
  }

  private void startOn(KafkaBroker kafka) throws Exception {
    String topology = "topology-" + UUID.randomUUID();
    Map<String, String> env = Map.of("FLASHSALE_APPLICATION_ID", topology);
    Instant now = Instant.now();
    String saleId;
    String user = ApiFixture.newUser();
    List<String> old = new ArrayList<>();
    String heldSinceYesterday = UUID.randomUUID().toString();
    String finishedRecently = UUID.randomUUID().toString();
    String undecided = UUID.randomUUID().toString();
    try (ApiFixture first = ApiFixture.start(kafka, env)) {
      saleId = first.createSale(Map.of("holdSeconds", 86_400));
      String sku = "SKU-" + saleId;
      // The running view must have found its start before the back-dated records are written: started later, it
      // would rightly skip them (they are older than any hold), and the check below could not see them.
      await().atMost(Duration.ofMinutes(1)).until(() ->
          first.call("GET", "/health/ready").send().json().path("checks").path("purchaseView").asBoolean());
      try (var requests = producer(first, first.topics.purchaseRequests);
           var outcomes = producer(first, first.topics.purchaseOutcomes)) {
        List<PurchaseRequest> batch = new ArrayList<>();
        for (int i = 0; i < OLD; i++) {
          String id = UUID.randomUUID().toString();
          old.add(id);
          batch.add(request(id, saleId, sku, user));
          outcomes.send(new ProducerRecord<>(Topics.PURCHASE_OUTCOMES, null, now.minus(Duration.ofDays(3)).toEpochMilli(),
              id, outcome(id, saleId, sku, user, OutcomeStatus.REJECTED, null)));
        }
        batch.add(request(heldSinceYesterday, saleId, sku, user));
        batch.add(request(finishedRecently, saleId, sku, user));
        requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku, new PurchaseBatch(sku, batch))).get();
        // Accepted 20 hours ago with a day's hold: still live, far outside the view's two-hour retention.
        outcomes.send(new ProducerRecord<>(Topics.PURCHASE_OUTCOMES, null, now.minus(Duration.ofHours(20)).toEpochMilli(),
            heldSinceYesterday, outcome(heldSinceYesterday, saleId, sku, user, OutcomeStatus.ACCEPTED, now.plus(Duration.ofHours(4)))));
        outcomes.send(new ProducerRecord<>(Topics.PURCHASE_OUTCOMES, null, now.minus(Duration.ofMinutes(10)).toEpochMilli(),
            finishedRecently, outcome(finishedRecently, saleId, sku, user, OutcomeStatus.REJECTED, null))).get();
        // The topology has decided everything written so far...
        commitEndOffsets(first, topology);
        // ...but not this one, written after.
        requests.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, sku,
            new PurchaseBatch(sku, List.of(request(undecided, saleId, sku, user))))).get();
      }
      // The running view has seen everything: the old ones too, as they were read when written.
      await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
          assertThat(first.poll(old.get(0), user, 0).path("status").asText()).isEqualTo("REJECTED"));
    }

    try (ApiFixture restarted = ApiFixture.start(kafka, env)) {
      await().atMost(Duration.ofMinutes(1)).until(() ->
          restarted.call("GET", "/health/ready").send().json().path("checks").path("purchaseView").asBoolean());

      assertThat(restarted.poll(heldSinceYesterday, user, 0).path("status").asText()).isEqualTo("ACCEPTED");
      assertThat(restarted.poll(undecided, user, 0).path("status").asText()).isEqualTo("PENDING");
      assertThat(restarted.poll(finishedRecently, user, 0).path("status").asText()).isEqualTo("REJECTED");
      // Finished three days ago: outside the window, never read by the starting view.
      for (String id : List.of(old.get(0), old.get(OLD / 2), old.get(OLD - 1))) {
        restarted.call("GET", "/api/purchases/" + id).auth(restarted.buyer(user)).send()
            .assertProblem(404, ErrorCode.PURCHASE_NOT_FOUND);
      }
    }
  }

  private static <V> KafkaProducer<String, V> producer(ApiFixture fixture, Topics.Topic<String, V> topic) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  /** What the topology's exactly-once commit does: its group's position on the request topic is its end. */
  private static void commitEndOffsets(ApiFixture fixture, String group) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.kafka.bootstrapServers()))) {
      Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> ends = fixture.endOffsets(Topics.PURCHASE_REQUESTS)
          .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())));
      admin.alterConsumerGroupOffsets(group, ends).all().get();
    }
  }

  private static PurchaseRequest request(String requestId, String saleId, String sku, String user) {
    return PurchaseRequest.newBuilder().setRequestId(requestId).setSaleId(saleId).setSku(sku).setUserId(user)
        .setQuantity(1).setRequestedAt(Instant.now()).build();
  }

  private static PurchaseOutcome outcome(String requestId, String saleId, String sku, String user, OutcomeStatus status,
                                         Instant holdExpiresAt) {
    return PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId(saleId).setSku(sku).setUserId(user)
        .setQuantity(1).setStatus(status).setReason(status == OutcomeStatus.REJECTED ? RejectReason.SOLD_OUT : null)
        .setHoldExpiresAt(holdExpiresAt).setDecidedAt(Instant.now()).build();
  }
}
