package io.flashsale.api.purchase;

import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A purchase view fed {@code args[0]} requests in the wire format, almost all rejected as sold out, after a few
 * held and pending ones; meant for a small heap. Exits 0 when every live purchase is still answered and the
 * finished ones stayed within their bound, 1 otherwise, 2 on a crash (an OutOfMemoryError included).
 */
public final class PurchaseViewFlood {
  static final int LIVE = 100;
  static final int MAX_FINISHED = 100_000;
  private static final int BATCH = 1000;

  public static void main(String[] args) {
    try {
      System.exit(run(Long.parseLong(args[0])) ? 0 : 1);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(2);
    }
  }

  private static boolean run(long requests) {
    Topics topics = Topics.using(SchemaRegistry.forUrl("mock://purchase-view-flood"));
    PurchaseView view = new PurchaseView(KafkaSettings.of("unused:9092", "mock://unused", "unused"), topics, Duration.ofHours(2), MAX_FINISHED,
        Duration.ofSeconds(30), null, Clock.systemUTC());
    Serializer<PurchaseBatch> batches = topics.purchaseRequests.valueSerde().serializer();
    Serializer<PurchaseOutcome> outcomes = topics.purchaseOutcomes.valueSerde().serializer();
    System.out.println("READY");
    long started = System.nanoTime();
    long offset = 0;
    long outcomeOffset = 0;
    // The live ones come first, so that everything after them would push them out of a view bounded by count.
    List<PurchaseRequest> first = new ArrayList<>();
    for (int i = 0; i < 2 * LIVE; i++) {
      first.add(request("live-" + i, i));
    }
    apply(view, Topics.PURCHASE_REQUESTS, offset++, batches.serialize(Topics.PURCHASE_REQUESTS, new PurchaseBatch("SKU", first)));
    for (int i = 0; i < LIVE; i++) { // the first half hold stock, the second half wait for their decision
      apply(view, Topics.PURCHASE_OUTCOMES, outcomeOffset++, outcomes.serialize(Topics.PURCHASE_OUTCOMES,
          outcome("live-" + i, OutcomeStatus.ACCEPTED, 0, i)));
    }
    long peakUsed = 0;
    for (long done = 0; done < requests; done += BATCH) {
      List<PurchaseRequest> batch = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        batch.add(request("r-" + (done + i), done + i));
      }
      long requestOffset = offset++;
      apply(view, Topics.PURCHASE_REQUESTS, requestOffset, batches.serialize(Topics.PURCHASE_REQUESTS, new PurchaseBatch("SKU", batch)));
      for (int i = 0; i < BATCH; i++) {
        apply(view, Topics.PURCHASE_OUTCOMES, outcomeOffset++, outcomes.serialize(Topics.PURCHASE_OUTCOMES,
            outcome("r-" + (done + i), OutcomeStatus.REJECTED, requestOffset, i)));
      }
      if ((done / BATCH) % 1000 == 999) {
        long used = usedHeap();
        peakUsed = Math.max(peakUsed, used);
        System.out.printf("%,d requests read, %,d live, %,d finished, heap used %,d MiB%n",
            done + BATCH, view.liveCount(), view.finishedCount(), used >> 20);
      }
    }
    boolean ok = true;
    for (int i = 0; i < 2 * LIVE; i++) {
      String status = view.purchase("live-" + i).map(Purchase::status).orElse("UNKNOWN");
      String expected = i < LIVE ? "ACCEPTED" : "PENDING";
      if (!status.equals(expected)) {
        System.out.println("live-" + i + " is " + status + ", expected " + expected);
        ok = false;
      }
    }
    String last = "r-" + (requests - 1);
    if (view.purchase(last).map(p -> p.status().equals("REJECTED")).orElse(false) != Boolean.TRUE) {
      System.out.println("the latest finished purchase " + last + " is not remembered");
      ok = false;
    }
    if (view.finishedCount() > MAX_FINISHED) {
      System.out.println("finished purchases " + view.finishedCount() + " over " + MAX_FINISHED);
      ok = false;
    }
    System.out.printf("RESULT %,d requests in %,d s, live %,d, finished %,d, peak heap used %,d MiB, max heap %,d MiB%n",
        requests, Duration.ofNanos(System.nanoTime() - started).toSeconds(), view.liveCount(), view.finishedCount(),
        peakUsed >> 20, Runtime.getRuntime().maxMemory() >> 20);
    return ok;
  }

  private static PurchaseRequest request(String requestId, long n) {
    return PurchaseRequest.newBuilder().setRequestId(requestId).setSaleId("sale").setSku("SKU")
        .setUserId("user-" + (n % 1_000_000)).setQuantity(1).setRequestedAt(Instant.EPOCH.plusMillis(n)).build();
  }

  private static PurchaseOutcome outcome(String requestId, OutcomeStatus status, long requestOffset, int index) {
    return PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId("sale").setSku("SKU").setUserId("user")
        .setQuantity(1).setStatus(status).setReason(status == OutcomeStatus.REJECTED ? RejectReason.SOLD_OUT : null)
        .setHoldExpiresAt(status == OutcomeStatus.ACCEPTED ? Instant.now().plusSeconds(600) : null)
        .setDecidedAt(Instant.EPOCH).setRequestPartition(0).setRequestOffset(requestOffset).setRequestIndex(index)
        .build();
  }

  private static void apply(PurchaseView view, String topic, long offset, byte[] value) {
    view.apply(new ConsumerRecord<>(topic, 0, offset, new byte[0], value));
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
