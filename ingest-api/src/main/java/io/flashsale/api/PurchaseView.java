package io.flashsale.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What became of every recent purchase request, read from {@code purchase-requests} and
 * {@code purchase-outcomes}. A request seen without an outcome is PENDING; its place in the queue counts the
 * requests of the same SKU between it and the last one the topology decided (see {@link SkuQueue}). REFUND_DUE is
 * not a state of the purchase but money owed back: the purchase keeps the status it had and is marked refund due.
 */
public final class PurchaseView extends TopicView {
  private static final Logger log = LoggerFactory.getLogger(PurchaseView.class);

  /**
   * A request and, once decided, its latest outcome (never REFUND_DUE: that is {@code refundDue}).
   * {@code queueSeq} is its number among the requests of its SKU as this view read them, -1 until read.
   */
  public record Purchase(String requestId, String saleId, String sku, String userId, int quantity,
                         OutcomeStatus outcome, RejectReason reason, Instant holdExpiresAt, boolean refundDue,
                         long queueSeq) {
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
      return new Purchase(requestId, saleId, sku, userId, quantity, outcome, reason, holdExpiresAt, true, queueSeq);
    }
  }

  private final Topics topics;
  private final Cache<String, Purchase> purchases;
  private volatile Consumer<PurchaseOutcome> outcomeListener = outcome -> { };
  /** Long-polls waiting for a decision, by request id; a waiter gone quiet is forgotten after the longest wait. */
  private final Cache<String, CompletableFuture<Purchase>> decisions;
  private final Map<String, SkuQueue> queues = new ConcurrentHashMap<>();

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
    return purchases.asMap().values().stream().filter(p -> p.pending() && p.saleId().equals(saleId)).count();
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
    purchases.asMap().compute(request.getRequestId(), (id, known) -> known == null
        ? new Purchase(id, request.getSaleId(), request.getSku(), request.getUserId(), request.getQuantity(), null, null,
            null, false, queueSeq)
        // The outcome may have been read first (the topics are read side by side): keep it, add the queue place.
        : new Purchase(id, known.saleId(), known.sku(), known.userId(), known.quantity(), known.outcome(), known.reason(),
            known.holdExpiresAt(), known.refundDue(), queueSeq >= 0 ? queueSeq : known.queueSeq()));
  }

  /** Tells {@code listener} of every outcome read, on the view's thread; set before {@link #start}. */
  void onOutcome(Consumer<PurchaseOutcome> listener) {
    this.outcomeListener = listener;
  }

  private void outcomeSeen(PurchaseOutcome outcome) {
    outcomeListener.accept(outcome);
    SkuQueue queue = queues.get(outcome.getSku());
    if ((outcome.getStatus() == OutcomeStatus.ACCEPTED || outcome.getStatus() == OutcomeStatus.REJECTED)
        && queue != null) {
      queue.decided(outcome.getRequestOffset(), outcome.getRequestIndex());
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
        known != null && known.refundDue(), known != null ? known.queueSeq() : -1);
  }

  /** The lifecycle: ACCEPTED ends once; a payment arriving after the hold ended may still confirm it. */
  static boolean movesForward(OutcomeStatus from, OutcomeStatus to) {
    return switch (from) {
      case ACCEPTED -> to == OutcomeStatus.CONFIRMED || to == OutcomeStatus.EXPIRED || to == OutcomeStatus.CANCELLED;
      case EXPIRED, CANCELLED -> to == OutcomeStatus.CONFIRMED;
      case REJECTED, CONFIRMED, REFUND_DUE -> false;
    };
  }

  /**
   * The requests of one SKU in log order, numbered as this view reads them. A record's first number is kept by
   * its offset until the topology has decided past it, so an outcome's (offset, index) tells how far the
   * topology got; only the records not yet decided are kept.
   */
  static final class SkuQueue {
    private final NavigableMap<Long, Long> firstSeqByOffset = new TreeMap<>();
    private long read;
    private volatile long decidedSeq = -1;

    /** A record of {@code count} requests at {@code offset} was read; returns the number of its first. */
    synchronized long read(long offset, int count) {
      long first = read;
      firstSeqByOffset.put(offset, first);
      read += count;
      return first;
    }

    /** The topology decided the request at {@code index} of the record at {@code offset}. */
    synchronized void decided(long offset, int index) {
      Long first = firstSeqByOffset.get(offset);
      if (first == null) {
        return; // a record read before this view started, or already passed
      }
      decidedSeq = Math.max(decidedSeq, first + index);
      firstSeqByOffset.headMap(offset, false).clear();
    }

    long decidedSeq() {
      return decidedSeq;
    }
  }
}
