package io.flashsale.api.purchase;

import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a starting {@link PurchaseView} seeks on each partition, asked of the topology and the sales. */
final class StartSeek {
  private static final Logger log = LoggerFactory.getLogger(PurchaseView.class);
  private static final Duration START_RETRY = Duration.ofSeconds(1);

  private StartSeek() {}

  /**
   * Starts where what is still live can be found, and no further back. On {@code purchase-requests}: the
   * topology's committed position, as everything before it is decided (exactly-once commits it with the
   * outcomes), or the beginning where it has committed nothing. On {@code purchase-outcomes}: the retention or
   * the longest hold of any sale, whichever is longer, back from now, so that every hold still running and
   * every purchase finished within the retention is read again.
   */
  static void seek(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions, PurchaseViewStart start,
                   Duration retention, Clock clock, BooleanSupplier running) {
    Map<TopicPartition, Long> decided = null;
    Optional<Duration> longestHold = Optional.empty();
    while (running.getAsBoolean() && (decided == null || longestHold.isEmpty())) {
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
}
