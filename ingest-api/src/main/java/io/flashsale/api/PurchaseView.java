package io.flashsale.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What became of every recent purchase request, read from {@code purchase-requests} and
 * {@code purchase-outcomes}. A request seen without an outcome is PENDING; its place in the queue is
 * its offset against the highest offset the topology has decided in the same partition. REFUND_DUE is not a
 * state of the purchase but money owed back: the purchase keeps the status it had and is marked refund due.
 */
public final class PurchaseView extends TopicView {
  private static final Logger log = LoggerFactory.getLogger(PurchaseView.class);

  /** A request and, once decided, its latest outcome (never REFUND_DUE: that is {@code refundDue}). */
  public record Purchase(String requestId, String saleId, String sku, String userId, int quantity,
                         OutcomeStatus outcome, RejectReason reason, Instant holdExpiresAt, boolean refundDue,
                         int requestPartition, long requestOffset) {
    public boolean pending() {
      return outcome == null;
    }

    public String status() {
      return pending() ? "PENDING" : outcome.name();
    }

    /** Stock is held for the buyer: the purchase may be paid or cancelled. */
    public boolean held() {
      return outcome == OutcomeStatus.ACCEPTED;
    }

    /** A paid purchase is an order, named by its request id. */
    public String orderId() {
      return outcome == OutcomeStatus.CONFIRMED ? requestId : null;
    }

    Purchase withRefundDue() {
      return new Purchase(requestId, saleId, sku, userId, quantity, outcome, reason, holdExpiresAt, true,
          requestPartition, requestOffset);
    }
  }

  private final Topics topics;
  private final Cache<String, Purchase> purchases;
  /** Long-polls waiting for a decision, by request id; a waiter gone quiet is forgotten after the longest wait. */
  private final Cache<String, CompletableFuture<Purchase>> decisions;
  private final Map<Integer, Long> highestDecidedOffset = new ConcurrentHashMap<>();

  PurchaseView(String bootstrapServers, Topics topics, Duration retention, long maxRequests, Duration maxWait) {
    super("purchases", bootstrapServers, List.of(Topics.PURCHASE_REQUESTS, Topics.PURCHASE_OUTCOMES));
    this.topics = topics;
    this.purchases = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxRequests).build();
    this.decisions = Caffeine.newBuilder().expireAfterAccess(maxWait.plusMinutes(1)).build();
  }

  public Optional<Purchase> purchase(String requestId) {
    return Optional.ofNullable(purchases.getIfPresent(requestId));
  }

  /** Completes with the purchase once it is decided, or with its state as it is when the wait ends. */
  public CompletableFuture<Purchase> awaitDecision(String requestId, Duration wait) {
    CompletableFuture<Purchase> decided = decisions.get(requestId, id -> new CompletableFuture<>());
    // Looked up after registering: a decision applied in between is seen here, a later one completes the future.
    Purchase current = purchases.getIfPresent(requestId);
    if (current != null && !current.pending()) {
      return CompletableFuture.completedFuture(current);
    }
    return decided.copy().completeOnTimeout(current, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How many requests in the same partition are still ahead of this one; null once decided. */
  public Long queuePosition(Purchase purchase) {
    if (!purchase.pending() || purchase.requestOffset() < 0) {
      return null;
    }
    long decided = highestDecidedOffset.getOrDefault(purchase.requestPartition(), -1L);
    return Math.max(0, purchase.requestOffset() - decided - 1);
  }

  /** Requests of the sale seen without an outcome. */
  public long pendingCount(String saleId) {
    return purchases.asMap().values().stream().filter(p -> p.pending() && p.saleId().equals(saleId)).count();
  }

  /** Records a request this instance just wrote, so that an immediate poll here finds it PENDING. */
  void submitted(PurchaseRequest request, int partition, long offset) {
    requestSeen(request, partition, offset);
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    if (record.topic().equals(Topics.PURCHASE_REQUESTS)) {
      PurchaseRequest request = topics.purchaseRequests.valueSerde().deserializer().deserialize(record.topic(), record.value());
      requestSeen(request, record.partition(), record.offset());
    } else {
      outcomeSeen(topics.purchaseOutcomes.valueSerde().deserializer().deserialize(record.topic(), record.value()));
    }
  }

  private void requestSeen(PurchaseRequest request, int partition, long offset) {
    purchases.asMap().compute(request.getRequestId(), (id, known) -> known == null
        ? new Purchase(id, request.getSaleId(), request.getSku(), request.getUserId(), request.getQuantity(), null, null,
            null, false, partition, offset)
        // The outcome may have been read first (the topics are read side by side): keep it, add the queue place.
        : new Purchase(id, known.saleId(), known.sku(), known.userId(), known.quantity(), known.outcome(), known.reason(),
            known.holdExpiresAt(), known.refundDue(), partition, offset));
  }

  private void outcomeSeen(PurchaseOutcome outcome) {
    if ((outcome.getStatus() == OutcomeStatus.ACCEPTED || outcome.getStatus() == OutcomeStatus.REJECTED)
        && outcome.getRequestPartition() >= 0) {
      highestDecidedOffset.merge(outcome.getRequestPartition(), outcome.getRequestOffset(), Math::max);
    }
    Purchase decided = purchases.asMap().compute(outcome.getRequestId(), (id, known) -> withOutcome(known, outcome));
    if (decided == null || decided.pending()) {
      return;
    }
    CompletableFuture<Purchase> waiting = decisions.asMap().remove(outcome.getRequestId());
    if (waiting != null) {
      waiting.complete(decided);
    }
  }

  /** The purchase after the outcome; null for a refund of a request this view does not know. */
  private static Purchase withOutcome(Purchase known, PurchaseOutcome outcome) {
    OutcomeStatus status = outcome.getStatus();
    if (status == OutcomeStatus.REFUND_DUE) {
      return known == null ? null : known.withRefundDue();
    }
    // Outcomes of one request arrive in order, but an outcome that would move a purchase back is not believed.
    if (known != null && !known.pending() && !movesForward(known.outcome(), status)) {
      if (known.outcome() != status) {
        log.warn("Purchase {} is {}, ignored a later {}", known.requestId(), known.outcome(), status);
      }
      return known;
    }
    return new Purchase(outcome.getRequestId(), outcome.getSaleId(), outcome.getSku(), outcome.getUserId(),
        outcome.getQuantity(), status, outcome.getReason(),
        // How a hold ended says nothing new about its expiry: keep the one the acceptance gave.
        outcome.getHoldExpiresAt() != null ? outcome.getHoldExpiresAt() : known != null ? known.holdExpiresAt() : null,
        known != null && known.refundDue(),
        known != null ? known.requestPartition() : outcome.getRequestPartition(),
        known != null ? known.requestOffset() : outcome.getRequestOffset());
  }

  /** The lifecycle: ACCEPTED ends once; a payment arriving after the hold ended may still confirm it. */
  static boolean movesForward(OutcomeStatus from, OutcomeStatus to) {
    return switch (from) {
      case ACCEPTED -> to == OutcomeStatus.CONFIRMED || to == OutcomeStatus.EXPIRED || to == OutcomeStatus.CANCELLED;
      case EXPIRED, CANCELLED -> to == OutcomeStatus.CONFIRMED;
      case REJECTED, CONFIRMED, REFUND_DUE -> false;
    };
  }
}
