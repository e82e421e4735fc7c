package io.flashsale.api.waitingroom;

import io.flashsale.api.log.TopicView;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.WaitingRoomChange;
import java.time.Instant;
import java.util.ArrayList;
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

/**
 * What the API needs of the waiting rooms: their counts ({@code queue-stats}) and the admin's changes
 * ({@code waiting-room-changes}), read whole (one small record per sale and change), and the places the topology
 * gives joins ({@code queue-places}), tailed from the end only to answer the joins this instance is waiting for.
 * Nothing here grows with the number of buyers waiting.
 */
public final class WaitingRoomView extends TopicView {
  /**
   * A change of a waiting room, in effect from the broker's append time of its record; null fields are unchanged, so
   * the changes merge field by field in the log's order.
   */
  record Change(Instant at, Integer admitPerSecond, Integer proofOfWorkBits, Integer proofOfWorkRiseAbove) {}

  private final Topics topics;
  private final Map<String, QueueStats> stats = new ConcurrentHashMap<>();
  private final Map<String, List<Change>> changes = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<QueuePlace>> waiting = new ConcurrentHashMap<>();
  private volatile Consumer<String> newRoom = saleId -> { };

  public WaitingRoomView(KafkaSettings kafka, Topics topics) {
    super("waiting-rooms", kafka, List.of(Topics.QUEUE_STATS, Topics.WAITING_ROOM_CHANGES, Topics.QUEUE_PLACES));
    this.topics = topics;
  }

  @Override
  protected void seekStart(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions) {
    List<TopicPartition> places = partitions.stream().filter(p -> p.topic().equals(Topics.QUEUE_PLACES)).toList();
    List<TopicPartition> whole = partitions.stream().filter(p -> !places.contains(p)).toList();
    kafka.seekToBeginning(whole);
    kafka.seekToEnd(places);
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    switch (record.topic()) {
      case Topics.QUEUE_STATS -> {
        QueueStats latest = topics.queueStats.valueSerde().deserializer().deserialize(record.topic(), record.value());
        if (stats.put(latest.getSaleId(), latest) == null) {
          newRoom.accept(latest.getSaleId());
        }
      }
      case Topics.WAITING_ROOM_CHANGES -> {
        WaitingRoomChange change = topics.waitingRoomChanges.valueSerde().deserializer()
            .deserialize(record.topic(), record.value());
        changes.computeIfAbsent(change.getSaleId(), id -> new CopyOnWriteArrayList<>()).add(
            new Change(Instant.ofEpochMilli(record.timestamp()), change.getAdmitPerSecond(), change.getProofOfWorkBits(),
                change.getProofOfWorkRiseAbove()));
      }
      default -> {
        QueuePlace place = topics.queuePlaces.valueSerde().deserializer().deserialize(record.topic(), record.value());
        CompletableFuture<QueuePlace> waiter = waiting.remove(key(place.getSaleId(), place.getUserId()));
        if (waiter != null) {
          waiter.complete(place);
        }
      }
    }
  }

  /** Tells {@code listener} of the first counts of each waiting room, on the view's thread; set before start. */
  public void onNewRoom(Consumer<String> listener) {
    this.newRoom = listener;
  }

  /** Completes with the place the topology gives the user's join; register before writing the join. */
  CompletableFuture<QueuePlace> awaitPlace(String saleId, String userId) {
    return waiting.computeIfAbsent(key(saleId, userId), k -> new CompletableFuture<>());
  }

  void stopAwaiting(String saleId, String userId) {
    waiting.remove(key(saleId, userId));
  }

  Optional<QueueStats> stats(String saleId) {
    return Optional.ofNullable(stats.get(saleId));
  }

  /** The admission rates of the sale's waiting room over time: as created, then each change. */
  List<QueueOrder.Rate> rates(Sale sale) {
    List<QueueOrder.Rate> rates = new ArrayList<>();
    rates.add(new QueueOrder.Rate(Instant.EPOCH, sale.getWaitingRoom().getAdmitPerSecond()));
    changes.getOrDefault(sale.getSaleId(), List.of()).stream().filter(c -> c.admitPerSecond() != null)
        .forEach(c -> rates.add(new QueueOrder.Rate(c.at(), c.admitPerSecond())));
    return rates;
  }

  /** The proof-of-work difficulty the admin set: as created, or the latest change that set it. */
  int proofOfWorkBits(Sale sale) {
    return latest(sale, Change::proofOfWorkBits, sale.getWaitingRoom().getProofOfWorkBits());
  }

  /** The joins per second above which the difficulty rises by itself: the latest change that set it, else none. */
  Integer proofOfWorkRiseAbove(Sale sale) {
    return latest(sale, Change::proofOfWorkRiseAbove, null);
  }

  private <T> T latest(Sale sale, java.util.function.Function<Change, T> field, T created) {
    List<Change> known = changes.getOrDefault(sale.getSaleId(), List.of());
    for (int i = known.size() - 1; i >= 0; i--) {
      T value = field.apply(known.get(i));
      if (value != null) {
        return value;
      }
    }
    return created;
  }

  private static String key(String saleId, String userId) {
    return saleId + '\n' + userId;
  }
}
