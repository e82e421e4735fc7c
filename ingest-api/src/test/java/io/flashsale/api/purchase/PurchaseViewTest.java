package io.flashsale.api.purchase;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.purchase.Purchase;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The view's bookkeeping, fed records directly; {@link PurchaseFlowTest} feeds it through the broker. */
class PurchaseViewTest {
  private static final int PARTITION = 3;
  private final Topics topics = Topics.using(SchemaRegistry.forUrl("mock://purchase-view-test"));
  private final PurchaseView view = new PurchaseView(KafkaSettings.of("unused:9092", "mock://unused", "unused"), topics, Duration.ofHours(1), 1000, Duration.ofSeconds(30), null, Clock.systemUTC());

  @Test
  void requestIsPendingWithItsPlaceInTheQueue() {
    request("r1", "sale-a", 10);
    request("r2", "sale-a", 11);
    request("r3", "sale-b", 12);
    outcome("r1", OutcomeStatus.ACCEPTED, 10);

    Purchase r2 = view.purchase("r2").orElseThrow();
    assertThat(r2.status()).isEqualTo("PENDING");
    assertThat(view.queuePosition(r2)).isZero();
    assertThat(view.queuePosition(view.purchase("r3").orElseThrow())).isEqualTo(1);
    assertThat(view.queuePosition(view.purchase("r1").orElseThrow())).isNull();
    assertThat(view.pendingCount("sale-a")).isEqualTo(1);
    assertThat(view.pendingCount("sale-b")).isEqualTo(1);
  }

  @Test
  void thePlaceInTheQueueCountsTheRequestsOfTheSameSkuAheadAcrossAndWithinBatches() {
    batch("SKU", 20, request("a0", "sale-a", "SKU"), request("a1", "sale-a", "SKU"), request("a2", "sale-a", "SKU"));
    batch("OTHER", 21, request("o0", "sale-o", "OTHER"), request("o1", "sale-o", "OTHER"));
    batch("SKU", 22, request("b0", "sale-a", "SKU"));
    apply(Topics.PURCHASE_OUTCOMES, 0, 0, topics.purchaseOutcomes.valueSerde().serializer().serialize(
        Topics.PURCHASE_OUTCOMES, outcomeRecord("a0", OutcomeStatus.ACCEPTED, 20).setRequestIndex(0).build()));

    assertThat(view.queuePosition(view.purchase("a1").orElseThrow())).isZero();
    assertThat(view.queuePosition(view.purchase("a2").orElseThrow())).isEqualTo(1);
    assertThat(view.queuePosition(view.purchase("b0").orElseThrow())).as("OTHER's requests are not ahead").isEqualTo(2);
    assertThat(view.queuePosition(view.purchase("o1").orElseThrow())).as("nothing of OTHER decided yet").isEqualTo(1);
  }

  @Test
  void anOutcomeReadBeforeItsRequestIsNotUndone() {
    outcome("r1", OutcomeStatus.REJECTED, 5);
    request("r1", "sale-a", 5);

    Purchase r1 = view.purchase("r1").orElseThrow();
    assertThat(r1.status()).isEqualTo("REJECTED");
    assertThat(r1.reason()).isEqualTo(RejectReason.SOLD_OUT);
    assertThat(view.pendingCount("sale-a")).isZero();
  }

  @Test
  void theEndOfAHoldKeepsTheExpiryTheAcceptanceGave() {
    request("r1", "sale-a", 0);
    Instant expiry = Instant.parse("2026-11-27T00:05:00Z");
    apply(Topics.PURCHASE_OUTCOMES, 0, 0, topics.purchaseOutcomes.valueSerde().serializer().serialize(Topics.PURCHASE_OUTCOMES,
        outcomeRecord("r1", OutcomeStatus.ACCEPTED, 0).setHoldExpiresAt(expiry).build()));
    outcome("r1", OutcomeStatus.EXPIRED, 0);

    assertThat(view.purchase("r1").orElseThrow().status()).isEqualTo("EXPIRED");
    assertThat(view.purchase("r1").orElseThrow().holdExpiresAt()).isEqualTo(expiry);
  }

  @Test
  void waitersGetTheDecisionOrTheStateWhenTheWaitEnds() {
    request("r1", "sale-a", 0);
    request("r2", "sale-a", 1);
    CompletableFuture<Purchase> decided = view.awaitDecision("r1", Duration.ofSeconds(30));
    CompletableFuture<Purchase> timedOut = view.awaitDecision("r2", Duration.ofMillis(50));

    assertThat(decided).isNotDone();
    outcome("r1", OutcomeStatus.ACCEPTED, 0);

    assertThat(decided).succeedsWithin(Duration.ofSeconds(1)).extracting(Purchase::status).isEqualTo("ACCEPTED");
    assertThat(timedOut).succeedsWithin(Duration.ofSeconds(1)).extracting(Purchase::status).isEqualTo("PENDING");
    assertThat(view.awaitDecision("r1", Duration.ofSeconds(30))).isCompleted();
  }

  @Test
  void aConfirmedPurchaseIsAnOrderAndARefundDueKeepsItsStatus() {
    request("r1", "sale-a", 0);
    outcome("r1", OutcomeStatus.ACCEPTED, 0);
    assertThat(view.purchase("r1").orElseThrow().held()).isTrue();
    outcome("r1", OutcomeStatus.CONFIRMED, 0);

    Purchase confirmed = view.purchase("r1").orElseThrow();
    assertThat(confirmed.status()).isEqualTo("CONFIRMED");
    assertThat(confirmed.held()).isFalse();
    assertThat(confirmed.orderId()).isEqualTo("r1");
    assertThat(confirmed.refundDue()).isFalse();

    outcome("r1", OutcomeStatus.REFUND_DUE, 0); // paid twice
    Purchase paidTwice = view.purchase("r1").orElseThrow();
    assertThat(paidTwice.status()).isEqualTo("CONFIRMED");
    assertThat(paidTwice.orderId()).isEqualTo("r1");
    assertThat(paidTwice.refundDue()).isTrue();
  }

  @Test
  void aPaymentAfterTheHoldEndedIsConfirmedOrRefundDue() {
    request("refunded", "sale-a", 0);
    request("confirmed", "sale-a", 1);
    for (String id : new String[] {"refunded", "confirmed"}) {
      outcome(id, OutcomeStatus.ACCEPTED, 0);
    }
    outcome("refunded", OutcomeStatus.EXPIRED, 0);
    outcome("refunded", OutcomeStatus.REFUND_DUE, 0);
    outcome("confirmed", OutcomeStatus.CANCELLED, 1);
    outcome("confirmed", OutcomeStatus.CONFIRMED, 1);

    Purchase refunded = view.purchase("refunded").orElseThrow();
    assertThat(refunded.status()).isEqualTo("EXPIRED");
    assertThat(refunded.refundDue()).isTrue();
    assertThat(refunded.orderId()).isNull();
    Purchase confirmed = view.purchase("confirmed").orElseThrow();
    assertThat(confirmed.status()).isEqualTo("CONFIRMED");
    assertThat(confirmed.orderId()).isEqualTo("confirmed");
    assertThat(confirmed.refundDue()).isFalse();
  }

  @Test
  void anOutcomeThatWouldMoveAPurchaseBackIsIgnored() {
    request("confirmed", "sale-a", 0);
    request("rejected", "sale-a", 1);
    request("expired", "sale-a", 2);
    outcome("confirmed", OutcomeStatus.ACCEPTED, 0);
    outcome("confirmed", OutcomeStatus.CONFIRMED, 0);
    outcome("confirmed", OutcomeStatus.EXPIRED, 0);
    outcome("confirmed", OutcomeStatus.ACCEPTED, 0);
    outcome("rejected", OutcomeStatus.REJECTED, 1);
    outcome("rejected", OutcomeStatus.ACCEPTED, 1);
    outcome("rejected", OutcomeStatus.CONFIRMED, 1);
    outcome("expired", OutcomeStatus.ACCEPTED, 2);
    outcome("expired", OutcomeStatus.EXPIRED, 2);
    outcome("expired", OutcomeStatus.CANCELLED, 2);

    assertThat(view.purchase("confirmed").orElseThrow().status()).isEqualTo("CONFIRMED");
    assertThat(view.purchase("rejected").orElseThrow().status()).isEqualTo("REJECTED");
    assertThat(view.purchase("expired").orElseThrow().status()).isEqualTo("EXPIRED");
  }

  @Test
  void aRefundForARequestNeverSeenShowsNothing() {
    outcome("stranger", OutcomeStatus.REFUND_DUE, 0);

    assertThat(view.purchase("stranger")).isEmpty();
  }

  @Test
  void livePurchasesOutlastAnyNumberOfFinishedOnes() {
    request("held", "sale-a", 0);
    request("pending", "sale-a", 1);
    outcome("held", OutcomeStatus.ACCEPTED, 0);
    for (int i = 0; i < 5_000; i++) { // five times what the view remembers of finished purchases
      request("r" + i, "sale-a", 2 + i);
      outcome("r" + i, OutcomeStatus.REJECTED, 2 + i);
    }

    assertThat(view.purchase("held").orElseThrow().status()).isEqualTo("ACCEPTED");
    assertThat(view.purchase("pending").orElseThrow().status()).isEqualTo("PENDING");
    assertThat(view.purchase("r4999").orElseThrow().status()).isEqualTo("REJECTED");
    assertThat(view.purchase("r0")).as("the oldest finished one is forgotten").isEmpty();
    assertThat(view.liveCount()).isEqualTo(2);
    assertThat(view.finishedCount()).isLessThanOrEqualTo(1000);

    outcome("held", OutcomeStatus.CONFIRMED, 0);
    assertThat(view.liveCount()).as("a confirmed purchase is no longer live").isEqualTo(1);
    assertThat(view.purchase("held").orElseThrow().orderId()).isEqualTo("held");
  }

  @Test
  void aRequestReadAfterItsFinalOutcomeIsNotPendingAgain() {
    outcome("r1", OutcomeStatus.REJECTED, 0);
    request("r1", "sale-a", 0);
    view.submitted(request("r1", "sale-a", "SKU")); // a retry answered here meanwhile

    assertThat(view.purchase("r1").orElseThrow().status()).isEqualTo("REJECTED");
    assertThat(view.liveCount()).isZero();
    assertThat(view.pendingCount("sale-a")).isZero();
  }

  @Test
  void aRetryTheViewForgotTakesItsFinalStateFromTheTopologysRepeat() {
    request("a0", "sale-a", 0);
    request("a1", "sale-a", 1);
    outcome("a0", OutcomeStatus.REJECTED, 0);
    view.submitted(request("forgotten", "sale-a", "SKU")); // a retry answered 202 here, logged again
    request("forgotten", "sale-a", 2);
    assertThat(view.purchase("forgotten").orElseThrow().status()).isEqualTo("PENDING");

    apply(Topics.PURCHASE_OUTCOMES, 0, 0, topics.purchaseOutcomes.valueSerde().serializer().serialize(
        Topics.PURCHASE_OUTCOMES, outcomeRecord("forgotten", OutcomeStatus.CONFIRMED, 0).setRepeat(true).build()));

    Purchase restored = view.purchase("forgotten").orElseThrow();
    assertThat(restored.status()).isEqualTo("CONFIRMED");
    assertThat(restored.orderId()).isEqualTo("forgotten");
    assertThat(view.liveCount()).as("a1 only").isEqualTo(1);
    assertThat(view.queuePosition(view.purchase("a1").orElseThrow()))
        .as("the repeat names the first record's place, which says nothing of the queue now").isZero();
  }

  @Test
  void replayedKeysNeverGrowTheViewBeyondItsBounds() {
    // 20,000 retries of purchases the view had forgotten, logged after the SKU's last decision (a sale over), each
    // answered by the topology's repeat of its final outcome, which names the place of the first record.
    for (int i = 0; i < 20_000; i++) {
      String id = "replayed-" + i;
      view.submitted(request(id, "sale-a", "SKU"));
      request(id, "sale-a", 100 + i);
      apply(Topics.PURCHASE_OUTCOMES, 0, 0, topics.purchaseOutcomes.valueSerde().serializer().serialize(
          Topics.PURCHASE_OUTCOMES, outcomeRecord(id, i % 2 == 0 ? OutcomeStatus.CONFIRMED : OutcomeStatus.REJECTED, 3)
              .setRepeat(true).build()));
      assertThat(view.purchase(id).map(Purchase::status)).as("finished, or already forgotten: never pending")
          .isIn(Optional.empty(), Optional.of(i % 2 == 0 ? "CONFIRMED" : "REJECTED"));
    }

    assertThat(view.liveCount()).isZero();
    assertThat(view.finishedCount()).isLessThanOrEqualTo(1000);
    assertThat(view.queuedRecords()).isLessThanOrEqualTo(SkuQueue.MAX_HELD_RECORDS);
  }

  @Test
  void aPurchaseKnowsItsSku() {
    request("r1", "sale-a", 0);

    assertThat(view.purchase("r1").orElseThrow().sku()).isEqualTo("SKU");
  }

  private void request(String requestId, String saleId, long offset) {
    batch("SKU", offset, request(requestId, saleId, "SKU"));
  }

  private static PurchaseRequest request(String requestId, String saleId, String sku) {
    return PurchaseRequest.newBuilder().setRequestId(requestId).setSaleId(saleId).setSku(sku)
        .setUserId("user").setQuantity(1).setRequestedAt(Instant.now()).build();
  }

  private void batch(String sku, long offset, PurchaseRequest... requests) {
    apply(Topics.PURCHASE_REQUESTS, PARTITION, offset, topics.purchaseRequests.valueSerde().serializer()
        .serialize(Topics.PURCHASE_REQUESTS, new PurchaseBatch(sku, List.of(requests))));
  }

  private void outcome(String requestId, OutcomeStatus status, long requestOffset) {
    apply(Topics.PURCHASE_OUTCOMES, 0, 0, topics.purchaseOutcomes.valueSerde().serializer().serialize(Topics.PURCHASE_OUTCOMES,
        outcomeRecord(requestId, status, requestOffset).build()));
  }

  private static PurchaseOutcome.Builder outcomeRecord(String requestId, OutcomeStatus status, long requestOffset) {
    return PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId("sale-a").setSku("SKU").setUserId("user")
        .setQuantity(1).setStatus(status).setReason(status == OutcomeStatus.REJECTED ? RejectReason.SOLD_OUT : null)
        .setDecidedAt(Instant.now()).setRequestPartition(PARTITION).setRequestOffset(requestOffset);
  }

  private void apply(String topic, int partition, long offset, byte[] value) {
    view.apply(new ConsumerRecord<>(topic, partition, offset, new byte[0], value));
  }
}
