package io.flashsale.api.purchase;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.api.log.TopicView;
import io.flashsale.api.sale.SaleView;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
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
 * (see {@link #seekStart}): the requests the topology has not yet decided, and the outcomes of the retention or
 * of the longest hold, whichever is longer; never the topics' whole retention.
 *
 * <p>A retry of a purchase this view no longer remembers is written again (same request id: sale, user and
 * Idempotency-Key), is PENDING here, and the topology answers it with a copy of the request's latest outcome marked
 * {@code repeat}, which this view takes like any outcome: the purchase is back in its final state, and finished
 * again under the same bounds, so replayed keys never grow the view.
 */
public final class PurchaseView extends TopicView {
  private static final Logger log = LoggerFactory.getLogger(PurchaseView.class);
  private static final Duration START_RETRY = Duration.ofSeconds(1);

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

    /** The buyer may still act on it: it waits for its decision or holds stock. */
    boolean live() {
      return pending() || held();
    }

    /** A paid purchase is an order, named by its request id. */
    public String orderId() {
      return outcome == OutcomeStatus.CONFIRMED ? requestId : null;
    }

    Purchase withRefundDue() {
      return new Purchase(requestId, saleId, sku, userId, quantity, outcome, reason, holdExpiresAt, true, queueSeq);
    }
  }

  /** Where a starting view begins reading; see {@link #seekStart}. */
  public interface Start {
    /** The topology's committed position on each partition of the request topic; absent where it has none. */
    Map<TopicPartition, Long> decidedUpTo() throws Exception;

    /** The longest hold of any sale; empty until the sales are known. */
    Optional<Duration> longestHold();

    /** The topology's committed positions, asked of the broker, and the sales as the sale view knows them. */
    static Start of(Admin admin, String topologyApplicationId, SaleView sales) {
      return new Start() {
        @Override
        public Map<TopicPartition, Long> decidedUpTo() throws Exception {
          // requireStable: offsets still inside an open transaction are waited for, not read stale.
          return admin.listConsumerGroupOffsets(topologyApplicationId,
                  new ListConsumerGroupOffsetsOptions().requireStable(true))
              .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).entrySet().stream()
              .filter(e -> e.getKey().topic().equals(Topics.PURCHASE_REQUESTS) && e.getValue() != null)
              .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }

        @Override
        public Optional<Duration> longestHold() {
          return sales.caughtUp() ? Optional.of(sales.longestHold()) : Optional.empty();
        }
      };
    }
  }

  private final Topics topics;
  private final Duration retention;
  private final Start start;
  private final Clock clock;
  /** Pending or held purchases: never evicted, as they are what buyers still act on. */
  private final Map<String, Purchase> live = new ConcurrentHashMap<>();
  private final Cache<String, Purchase> finished;
  /** Sale ids and SKUs, one string each, so that a million remembered purchases do not each carry copies. */
  private final Map<String, String> names = new ConcurrentHashMap<>();
  private final List<Consumer<PurchaseOutcome>> outcomeListeners = new CopyOnWriteArrayList<>();
  /** Long-polls waiting for a decision, by request id; a waiter gone quiet is forgotten after the longest wait. */
  private final Cache<String, CompletableFuture<Purchase>> decisions;
  private final Map<String, SkuQueue> queues = new ConcurrentHashMap<>();

  /** {@code start} may be null for a view that is fed records directly and never started. */
  public PurchaseView(KafkaSettings kafka, Topics topics, Duration retention, long maxFinished, Duration maxWait,
               Start start, Clock clock) {
    super("purchases", kafka, List.of(Topics.PURCHASE_REQUESTS, Topics.PURCHASE_OUTCOMES));
    this.topics = topics;
    this.retention = retention;
    this.start = start;
    this.clock = clock;
    // Evicts on the writing thread, so that a flood of finished purchases cannot outrun the bound.
    this.finished = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxFinished)
        .executor(Runnable::run).build();
    this.decisions = Caffeine.newBuilder().expireAfterAccess(maxWait.plusMinutes(1)).build();
  }

  public Optional<Purchase> purchase(String requestId) {
    Purchase purchase = live.get(requestId);
    return Optional.ofNullable(purchase != null ? purchase : finished.getIfPresent(requestId));
  }

  /** Completes with the purchase once it is decided, or with its state as it is when the wait ends. */
  public CompletableFuture<Purchase> awaitDecision(String requestId, Duration wait) {
    CompletableFuture<Purchase> decided = decisions.get(requestId, id -> new CompletableFuture<>());
    // Looked up after registering: a decision applied in between is seen here, a later one completes the future.
    Purchase current = purchase(requestId).orElse(null);
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
            known.outcome(), known.reason(), known.holdExpiresAt(), known.refundDue(), queueSeq);
      }
      if (finished.getIfPresent(id) != null) {
        return null; // decided and finished before its request was read here
      }
      return new Purchase(id, name(request.getSaleId()), name(request.getSku()), request.getUserId(),
          request.getQuantity(), null, null, null, false, queueSeq);
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
    CompletableFuture<Purchase> waiting = decisions.asMap().remove(outcome.getRequestId());
    if (waiting != null) {
      waiting.complete(decided[0]);
    }
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
    if (known != null && !known.pending() && !movesForward(known.outcome(), status)) {
      if (known.outcome() != status) {
        log.warn("Purchase {} is {}, ignored a later {}", known.requestId(), known.outcome(), status);
      }
      return known;
    }
    return new Purchase(outcome.getRequestId(), name(outcome.getSaleId()), name(outcome.getSku()), outcome.getUserId(),
        outcome.getQuantity(), status, outcome.getReason(),
        // How a hold ended says nothing new about its expiry: keep the one the acceptance gave.
        outcome.getHoldExpiresAt() != null ? outcome.getHoldExpiresAt() : known != null ? known.holdExpiresAt() : null,
        known != null && known.refundDue(), known != null ? known.queueSeq() : -1);
  }

  /**
   * Starts where what is still live can be found, and no further back. On {@code purchase-requests}: the
   * topology's committed position, as everything before it is decided (exactly-once commits it with the
   * outcomes), or the beginning where it has committed nothing. On {@code purchase-outcomes}: the retention or
   * the longest hold of any sale, whichever is longer, back from now, so that every hold still running and
   * every purchase finished within the retention is read again.
   */
  @Override
  protected void seekStart(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> decided = null;
    Optional<Duration> longestHold = Optional.empty();
    while (running() && (decided == null || longestHold.isEmpty())) {
      try {
        decided = decided != null ? decided : start.decidedUpTo();
        longestHold = start.longestHold();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        log.warn("Purchase view cannot learn the topology's position yet, retrying: {}", e.toString());
      }
      if (decided == null || longestHold.isEmpty()) {
        sleep(decided == null ? START_RETRY : Duration.ofMillis(20));
      }
    }
    if (decided == null) {
      return; // closed while starting
    }
    Duration window = longestHold.get().compareTo(retention) > 0 ? longestHold.get() : retention;
    Map<TopicPartition, Long> since = new HashMap<>();
    for (TopicPartition p : partitions) {
      if (p.topic().equals(Topics.PURCHASE_OUTCOMES)) {
        since.put(p, clock.instant().minus(window).toEpochMilli());
      }
    }
    Map<TopicPartition, OffsetAndTimestamp> byTime = kafka.offsetsForTimes(since);
    Map<TopicPartition, Long> ends = kafka.endOffsets(since.keySet());
    for (TopicPartition p : partitions) {
      if (since.containsKey(p)) {
        OffsetAndTimestamp first = byTime.get(p);
        kafka.seek(p, first != null ? first.offset() : ends.get(p));
      } else if (decided.containsKey(p)) {
        kafka.seek(p, decided.get(p)); // below the log's start, the consumer resets to the earliest
      } else {
        kafka.seekToBeginning(List.of(p));
      }
    }
    log.info("Purchase view starts at the topology's position on {} request partitions and {} of outcomes",
        decided.size(), window);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
    /**
     * Most records of one SKU kept while waiting for the topology to decide past them. A retry answered by a
     * repeat names no new place, so its record is passed only by a later decision of the SKU, and a sale over
     * takes none: without a cap every replay of an ended sale would stay. 10,000 records are at least 10,000
     * requests ahead, well beyond any position worth showing; one held costs about 80 bytes.
     */
    static final int MAX_HELD_RECORDS = 10_000;
    private final NavigableMap<Long, Long> firstSeqByOffset = new TreeMap<>();
    private long read;
    private volatile long decidedSeq = -1;

    /** A record of {@code count} requests at {@code offset} was read; returns the number of its first. */
    synchronized long read(long offset, int count) {
      long first = read;
      firstSeqByOffset.put(offset, first);
      if (firstSeqByOffset.size() > MAX_HELD_RECORDS) {
        firstSeqByOffset.pollFirstEntry();
      }
      read += count;
      return first;
    }

    synchronized int heldRecords() {
      return firstSeqByOffset.size();
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
