package io.flashsale.api.waitingroom;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Joins per second of each waiting room, from the topology's count of joins ({@code queue-stats}), which every
 * instance reads alike: so all instances see about the same rate and ask for the same difficulty. Sampled when a
 * difficulty is asked for (a challenge or a join), at most every {@link #SAMPLE_EVERY}; the rate is over the last
 * {@link #WINDOW}, and 0 until a second of samples is known.
 */
public final class JoinRate {
  static final Duration WINDOW = Duration.ofSeconds(5);
  static final Duration SAMPLE_EVERY = Duration.ofMillis(250);

  private record Sample(long atMillis, long joined) {}

  private final Map<String, ArrayDeque<Sample>> bySale = new ConcurrentHashMap<>();

  /** The rate of {@code saleId}'s joins, {@code joined} being its count at {@code now}. */
  double perSecond(String saleId, long joined, Instant now) {
    ArrayDeque<Sample> samples = bySale.computeIfAbsent(saleId, id -> new ArrayDeque<>());
    long at = now.toEpochMilli();
    synchronized (samples) {
      Sample last = samples.peekLast();
      if (last == null || at - last.atMillis() >= SAMPLE_EVERY.toMillis()) {
        samples.addLast(new Sample(at, joined));
      }
      // Keeps one sample at or before the window's start, so the window is whole.
      while (samples.size() > 2) {
        var oldestFirst = samples.iterator();
        oldestFirst.next();
        if (at - oldestFirst.next().atMillis() < WINDOW.toMillis()) {
          break;
        }
        samples.pollFirst();
      }
      Sample oldest = samples.peekFirst();
      long elapsed = at - oldest.atMillis();
      return elapsed < 1_000 ? 0 : (joined - oldest.joined()) * 1_000.0 / elapsed;
    }
  }
}
