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

/**
 * What became of every recent purchase request, read from {@code purchase-requests} and
 * {@code purchase-outcomes}. A request seen without an outcome is PENDING; its place in the queue is
 * its offset against the highest offset the topology has decided in the same partition.
 */
public final class PurchaseView extends TopicView {

  /** A request and, once decided, its latest outcome. */
  public record Purchase(String requestId, String saleId, String userId, int quantity,
                         OutcomeStatus outcome, RejectReason reason, Instant holdExpiresAt,
                         int requestPartition, long requestOffset) {
    public boolean pending() {
      return outcome == null;
    }

    public String status() {
      return pending() ? "PENDING" : outcome.name();
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
        ? new Purchase(id, request.getSaleId(), request.getUserId(), request.getQuantity(), null, null, null, partition, offset)
        // The outcome may have been read first (the topics are read side by side): keep it, add the queue place.
        : new Purchase(id, known.saleId(), known.userId(), known.quantity(), known.outcome(), known.reason(),
            known.holdExpiresAt(), partition, offset));
  }

  private void outcomeSeen(PurchaseOutcome outcome) {
    if ((outcome.getStatus() == OutcomeStatus.ACCEPTED || outcome.getStatus() == OutcomeStatus.REJECTED)
        && outcome.getRequestPartition() >= 0) {
      highestDecidedOffset.merge(outcome.getRequestPartition(), outcome.getRequestOffset(), Math::max);
    }
    Purchase decided = purchases.asMap().compute(outcome.getRequestId(), (id, known) -> new Purchase(id,
        outcome.getSaleId(), outcome.getUserId(), outcome.getQuantity(), outcome.getStatus(), outcome.getReason(),
        // How a hold ended says nothing new about its expiry: keep the one the acceptance gave.
        outcome.getHoldExpiresAt() != null ? outcome.getHoldExpiresAt() : known != null ? known.holdExpiresAt() : null,
        known != null ? known.requestPartition() : outcome.getRequestPartition(),
        known != null ? known.requestOffset() : outcome.getRequestOffset()));
    CompletableFuture<Purchase> waiting = decisions.asMap().remove(outcome.getRequestId());
    if (waiting != null) {
      waiting.complete(decided);
    }
  }
}
