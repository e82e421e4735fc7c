package io.flashsale.topology;

import io.flashsale.schemas.QueueStats;
import java.time.Instant;

/**
 * The place of a join in a waiting room: pure, so that the rules read at a glance. A user's first join takes
 * the next place; a later join of the same user keeps it. The pre-queue is every distinct joiner before the
 * sale's start by the broker's clock; the first join at or after the start closes it, and its size is final.
 */
record QueuePlaces(long place, boolean preQueue, QueueStats stats) {

  /** The join of a user who holds {@code known} (null: none yet), appended at {@code joinedAt}. */
  static QueuePlaces join(QueueStats before, Long known, boolean knownPreQueue, Instant joinedAt, Instant startsAt) {
    QueueStats stats = joinedAt.isBefore(startsAt) ? before : closed(before, joinedAt);
    if (known != null) {
      return new QueuePlaces(known, knownPreQueue, stats);
    }
    boolean preQueue = !stats.getPreQueueClosed();
    QueueStats after = QueueStats.newBuilder(stats)
        .setJoined(stats.getJoined() + 1)
        .setPreQueueSize(preQueue ? stats.getPreQueueSize() + 1 : stats.getPreQueueSize())
        .build();
    return new QueuePlaces(stats.getJoined(), preQueue, after);
  }

  /** The stats with the pre-queue closed at its current size, at {@code at}. */
  static QueueStats closed(QueueStats stats, Instant at) {
    return stats.getPreQueueClosed() ? stats
        : QueueStats.newBuilder(stats).setPreQueueClosed(true).setClosedAt(at).build();
  }

  static QueueStats empty(String saleId) {
    return new QueueStats(saleId, 0L, 0L, false, null);
  }
}
