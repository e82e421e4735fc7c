package io.flashsale.api.purchase;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.api.log.TopicView;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What became of every recent purchase request, read from {@code purchase-requests} and
 * {@code purchase-outcomes}. A request seen without an outcome is PENDING; its place in the queue counts the
 * requests of the same SKU between it and the last one the topology decided (see {@link SkuQueue}). REFUND_DUE is
 * not a state of the purchase but money owed back: the purchase keeps the status it had and is marked refund due.
 *
 * <p>Memory is bounded by what is live, not by the history. A live purchase (pending, or holding stock) is kept
 * until it ends, whatever the traffic: it is what a buyer still acts on. A finished one is remembered for the
 * retention, at most {@code maxFinished} of them, the oldest forgotten first. Start-up is bounded the same way
 * (see {@link StartSeek}): the requests the topology has not yet decided, and the outcomes of the retention or
 * of the longest hold, whichever is longer; never the topics' whole retention.
 *
 * <p>A retry of a purchase this view no longer remembers is written again (same request id: sale, user and
 * Idempotency-Key), is PENDING here, and the topology answers it with a copy of the request's latest outcome marked
 * {@code repeat}, which this view takes like any outcome: the purchase is back in its final state, and finished
 * again under the same bounds, so replayed keys never grow the view.
 */
public final class PurchaseView extends TopicView {
  private static final Logger log = LoggerFactory.getLogger(PurchaseView.class);

  private final Topics topics;
  private final Duration retention;
  private final PurchaseViewStart start;
  private final Clock clock;
  /** Pending or held purchases: never evicted, as they are what buyers still act on. */
  private final Map<String, Purchase> live = new ConcurrentHashMap<>();
  private final Cache<String, Purchase> finished;
  /** Sale ids and SKUs, one string each, so that a million remembered purchases do not each carry copies. */
  private final Map<String, String> names = new ConcurrentHashMap<>();
  private final List<Consumer<PurchaseOutcome>> outcomeListeners = new CopyOnWriteArrayList<>();
  private final DecisionWaiters decisions;
  private final Map<String, SkuQueue> queues = new ConcurrentHashMap<>();
  private final BuyerHolds holds = new BuyerHolds();

  /** {@code start} may be null for a view that is fed records directly and never started. */
  public PurchaseView(KafkaSettings kafka, Topics topics, Duration retention, long maxFinished, Duration maxWait,
               PurchaseViewStart start, Clock clock) {
    super("purchases", kafka, List.of(Topics.PURCHASE_REQUESTS, Topics.PURCHASE_OUTCOMES));
    this.topics = topics;
    this.retention = retention;
    this.start = start;
    this.clock = clock;
    // Evicts on the writing thread, so that a flood of finished purchases cannot outrun the bound.
    this.finished = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxFinished)
        .executor(Runnable::run).build();
    this.decisions = new DecisionWaiters(maxWait);
  }

  public Optional<Purchase> purchase(String requestId) {
    Purchase purchase = live.get(requestId);
    return Optional.ofNullable(purchase != null ? purchase : finished.getIfPresent(requestId));
  }

  /**
   * The purchases {@code userId} holds stock for now (ACCEPTED), over every sale: the buyer's cart. A hold this view
   * has not yet read the end of is still in it; the topology judges it when it is paid.
   */
  public List<Purchase> heldBy(String userId) {
    return holds.of(userId, live::get);
  }

  /** Completes with the purchase once it is decided, or with its state as it is when the wait ends. */
  public CompletableFuture<Purchase> awaitDecision(String requestId, Duration wait) {
    return decisions.await(requestId, wait, this::purchase);
  }


  /** How many requests of the same SKU are still ahead of this one; null once decided or not yet read here. */
  public Long queuePosition(Purchase purchase) {
    SkuQueue queue = queues.get(purchase.sku());
    if (!purchase.pending() || purchase.queueSeq() < 0 || queue == null) {
      return null;
    }
    return Math.max(0, purchase.queueSeq() - queue.decidedSeq() - 1);
  }

  /** Requests of the sale seen without an outcome. */
  public long pendingCount(String saleId) {
    return live.values().stream().filter(p -> p.pending() && p.saleId().equals(saleId)).count();
  }

  /** Purchases kept live, and finished ones remembered (an estimate). */
  long liveCount() {
    return live.size();
  }

  long finishedCount() {
    finished.cleanUp();
    return finished.estimatedSize();
  }

  /** Request records held for the places in the queue, over every SKU. */
  long queuedRecords() {
    return queues.values().stream().mapToLong(SkuQueue::heldRecords).sum();
  }

  /** Records a request this instance just wrote, so that an immediate poll here finds it PENDING. */
  void submitted(PurchaseRequest request) {
    requestSeen(request, -1);
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    if (record.topic().equals(Topics.PURCHASE_REQUESTS)) {
      PurchaseBatch batch = topics.purchaseRequests.valueSerde().deserializer().deserialize(record.topic(), record.value());
      long firstSeq = queues.computeIfAbsent(batch.getSku(), sku -> new SkuQueue())
          .read(record.offset(), batch.getRequests().size());
      for (int i = 0; i < batch.getRequests().size(); i++) {
        requestSeen(batch.getRequests().get(i), firstSeq + i);
      }
    } else {
      outcomeSeen(topics.purchaseOutcomes.valueSerde().deserializer().deserialize(record.topic(), record.value()));
    }
  }

  private void requestSeen(PurchaseRequest request, long queueSeq) {
    live.compute(request.getRequestId(), (id, known) -> {
      if (known != null) {
        // The outcome may have been read first (the topics are read side by side): keep it, add the queue place.
        return queueSeq < 0 ? known : new Purchase(id, known.saleId(), known.sku(), known.userId(), known.quantity(),
            known.outcome(), known.reason(), known.holdExpiresAt(), known.refundDue(), queueSeq,
            known.flowId() != null ? known.flowId() : request.getFlowId());
      }
      if (finished.getIfPresent(id) != null) {
        return null; // decided and finished before its request was read here
      }
      return new Purchase(id, name(request.getSaleId()), name(request.getSku()), request.getUserId(),
          request.getQuantity(), null, null, null, false, queueSeq, request.getFlowId());
    });
  }

  /**
   * Tells {@code listener} of every outcome read from now on, on the view's thread. Repeats ({@code repeat}: the
   * copy the topology sends when a request it had decided is logged again) are told too.
   */
  public void onOutcome(Consumer<PurchaseOutcome> listener) {
    outcomeListeners.add(listener);
  }

  private void outcomeSeen(PurchaseOutcome outcome) {
    for (Consumer<PurchaseOutcome> listener : outcomeListeners) {
      listener.accept(outcome);
    }
    SkuQueue queue = queues.get(outcome.getSku());
    // A repeat names the place of the request's first record, long passed: it says nothing of the queue now.
    if ((outcome.getStatus() == OutcomeStatus.ACCEPTED || outcome.getStatus() == OutcomeStatus.REJECTED)
        && !outcome.getRepeat() && queue != null) {
      queue.decided(outcome.getRequestOffset(), outcome.getRequestIndex());
    }
    Purchase[] decided = new Purchase[1];
    // One atomic step per request, so that a click this instance is answering meanwhile cannot undo it.
    live.compute(outcome.getRequestId(), (id, known) -> {
      Purchase after = withOutcome(known != null ? known : finished.getIfPresent(id), outcome);
      decided[0] = after;
      if (after == null || after.live()) {
        return after != null ? after : known;
      }
      finished.put(id, after);
      return null;
    });
    if (decided[0] == null || decided[0].pending()) {
      return;
    }
    holds.track(decided[0]);
    decisions.decided(decided[0]);
  }

  @Override
  protected void seekStart(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions) {
    StartSeek.seek(kafka, partitions, start, retention, clock, this::running);
  }

  private String name(String text) {
    return names.computeIfAbsent(text, t -> t);
  }

  /** The purchase after the outcome; null for a refund of a request this view does not know. */
  private Purchase withOutcome(Purchase known, PurchaseOutcome outcome) {
    OutcomeStatus status = outcome.getStatus();
    if (status == OutcomeStatus.REFUND_DUE) {
      if (outcome.getRepeat() && known != null && known.pending()) {
        log.warn("Purchase {} was logged again and its repeated outcome is a REFUND_DUE, which does not say how it "
            + "ended: it stays PENDING here", known.requestId());
      }
      return known == null ? null : known.withRefundDue();
    }
    // Outcomes of one request arrive in order, but an outcome that would move a purchase back is not believed.
    if (known != null && !known.pending() && !Purchase.movesForward(known.outcome(), status)) {
      if (known.outcome() != status) {
        log.warn("Purchase {} is {}, ignored a later {}", known.requestId(), known.outcome(), status);
      }
      return known;
    }
    return new Purchase(outcome.getRequestId(), name(outcome.getSaleId()), name(outcome.getSku()), outcome.getUserId(),
        outcome.getQuantity(), status, outcome.getReason(),
        // How a hold ended says nothing new about its expiry: keep the one the acceptance gave.
        outcome.getHoldExpiresAt() != null ? outcome.getHoldExpiresAt() : known != null ? known.holdExpiresAt() : null,
        known != null && known.refundDue(), known != null ? known.queueSeq() : -1,
        outcome.getFlowId() != null ? outcome.getFlowId() : known != null ? known.flowId() : null);
  }


}
