package io.flashsale.topology;

import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting-room joins: one place per user and sale (see {@link QueuePlaces}), sent to {@code queue-places} for
 * every join, so that a repeated join learns the same place; the sale's counts go to {@code queue-stats} once per
 * {@link SaleTopology#QUEUE_STATS_INTERVAL} while they change, at once when the start closes the pre-queue.
 * A wall-clock punctuation also closes the pre-queue of a sale whose start passed without a join.
 */
final class QueueProcessor implements Processor<String, QueueJoin, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(QueueProcessor.class);

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, Long> members;
  private KeyValueStore<String, QueueStats> counts;
  /** Sales whose counts changed since they were last sent: lost on a restart, sent again at the next join. */
  private final Set<String> changed = new HashSet<>();

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    members = context.getStateStore(SaleTopology.QUEUE_MEMBERS_STORE);
    counts = context.getStateStore(SaleTopology.QUEUE_COUNTS_STORE);
    context.schedule(SaleTopology.QUEUE_STATS_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, QueueJoin> record) {
    QueueJoin join = Validation.requireValidQueueJoin(record.key(), record.value());
    Sale sale = sales.get(join.getSaleId());
    if (sale == null || sale.getWaitingRoom() == null) {
      // The API answers 404 for such a sale; what reaches us anyway has no queue to join.
      log.info("Ignoring a join of {} to {}: no waiting room", join.getUserId(), join.getSaleId());
      return;
    }
    String key = StoreKeys.saleScoped(join.getSaleId(), join.getUserId());
    Long known = members.get(key);
    if (known != null && join.getReplacesPlace() != null && join.getReplacesPlace() == decodePlace(known)) {
      known = null; // its place was lost to idleness: a new one at the back, and a repeat of this join gets that one
    }
    QueueStats before = counts.get(join.getSaleId());
    QueueStats stats = before != null ? before : QueuePlaces.empty(join.getSaleId());
    // A known member's place is stored signed: negative for the pre-queue (see encode).
    QueuePlaces placed = QueuePlaces.join(stats, known == null ? null : decodePlace(known), known != null && known < 0,
        Instant.ofEpochMilli(record.timestamp()), sale.getStartsAt());
    if (known == null) {
      members.put(key, encode(placed.place(), placed.preQueue()));
    }
    if (!placed.stats().equals(stats)) {
      counts.put(join.getSaleId(), placed.stats());
      if (placed.stats().getPreQueueClosed() != stats.getPreQueueClosed()) {
        sendStats(placed.stats());
      } else {
        changed.add(join.getSaleId());
      }
    }
    context.forward(new Record<>(record.key(), (SpecificRecord) new QueuePlace(join.getSaleId(), join.getUserId(),
        placed.place(), placed.preQueue()), record.timestamp()), SaleTopology.QUEUE_PLACES_SINK);
  }

  private void punctuate(long nowMs) {
    for (String saleId : changed) {
      Sale sale = sales.get(saleId);
      QueueStats stats = counts.get(saleId);
      if (sale != null && stats != null) {
        sendStats(stats);
      }
    }
    changed.clear();
    Instant now = Instant.ofEpochMilli(nowMs);
    try (KeyValueIterator<String, QueueStats> all = counts.all()) {
      all.forEachRemaining(entry -> {
        Sale sale = sales.get(entry.key);
        // No join at or after the start closed the pre-queue: close it a grace after the start by this clock.
        // A join appended before the start but still unread past the grace then queues behind the pre-queue.
        if (sale != null && !entry.value.getPreQueueClosed()
            && !now.isBefore(sale.getStartsAt().plus(SaleTopology.PRE_QUEUE_CLOSE_GRACE))) {
          QueueStats closed = QueuePlaces.closed(entry.value, now);
          counts.put(entry.key, closed);
          sendStats(closed);
        }
      });
    }
  }

  private void sendStats(QueueStats stats) {
    context.forward(new Record<>(stats.getSaleId(), (SpecificRecord) stats, context.currentSystemTimeMs()),
        SaleTopology.QUEUE_STATS_SINK);
  }

  /** A place and whether it is in the pre-queue, in one long: -(place + 1) for the pre-queue. */
  static long encode(long place, boolean preQueue) {
    return preQueue ? -(place + 1) : place;
  }

  static long decodePlace(long stored) {
    return stored < 0 ? -stored - 1 : stored;
  }
}
