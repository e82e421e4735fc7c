package io.flashsale.api.sale;

import io.flashsale.schemas.StockLevel;
import java.time.Instant;
import java.util.Map;

/**
 * A sale's decisions per second over the last {@link #SECONDS} seconds, accepted and rejected, from how the
 * topology's counters moved between two stock levels: each move is counted in the second of the later level's
 * {@code updatedAt}. The topology sends a hot sale's level a few times a second, so a second holds what was
 * decided in it. Fixed size per sale, whatever the rate.
 */
public final class DecisionRate {
  public static final int SECONDS = 300;

  /** Per-second counts, oldest first, the last one being the second of {@code endsAt}. */
  public record Series(Instant endsAt, long[] accepted, long[] rejected) {
    static Series empty(Instant now) {
      return new Series(now, new long[SECONDS], new long[SECONDS]);
    }
  }

  private final long[] accepted = new long[SECONDS];
  private final long[] rejected = new long[SECONDS];
  /** The epoch second each slot holds; a slot of another second is stale and reads as zero. */
  private final long[] slotSecond = new long[SECONDS];

  /** The counters moved from {@code previous} (null: the first level seen) to {@code level}. */
  synchronized void moved(StockLevel previous, StockLevel level) {
    long acceptedNow = level.getAccepted();
    long rejectedNow = sum(level.getRejected());
    long acceptedBefore = previous == null ? acceptedNow : previous.getAccepted();
    long rejectedBefore = previous == null ? rejectedNow : sum(previous.getRejected());
    long second = level.getUpdatedAt().getEpochSecond();
    int slot = slot(second);
    if (slotSecond[slot] != second) {
      slotSecond[slot] = second;
      accepted[slot] = 0;
      rejected[slot] = 0;
    }
    // A level sent again after a restart of the topology repeats the counters: no move, nothing counted.
    accepted[slot] += Math.max(0, acceptedNow - acceptedBefore);
    rejected[slot] += Math.max(0, rejectedNow - rejectedBefore);
  }

  synchronized Series series(Instant now) {
    long last = now.getEpochSecond();
    long[] acceptedOut = new long[SECONDS];
    long[] rejectedOut = new long[SECONDS];
    for (int i = 0; i < SECONDS; i++) {
      long second = last - (SECONDS - 1) + i;
      int slot = slot(second);
      if (slotSecond[slot] == second) {
        acceptedOut[i] = accepted[slot];
        rejectedOut[i] = rejected[slot];
      }
    }
    return new Series(now, acceptedOut, rejectedOut);
  }

  private static int slot(long second) {
    return (int) Math.floorMod(second, (long) SECONDS);
  }

  private static long sum(Map<String, Long> counts) {
    long total = 0;
    for (long count : counts.values()) {
      total += count;
    }
    return total;
  }
}
