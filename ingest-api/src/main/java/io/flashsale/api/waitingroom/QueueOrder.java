package io.flashsale.api.waitingroom;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where a place stands in a waiting room, computed rather than stored, so that ten million waiting buyers cost
 * the API nothing and every instance gives the same answer.
 *
 * <ul>
 *   <li>The pre-queue (places {@code 0..n-1}, joined before the start) is shuffled by a keyed pseudo-random
 *       permutation of {@code 0..n-1} (a four-round Feistel network with AES rounds on the next even power of two, cycle-walked
 *       into range): every place gets a different slot, nobody can predict it without the key, and computing one
 *       slot costs a few AES blocks. Later places keep their number: first come, first served behind the pre-queue.</li>
 *   <li>Admission counts from the start at the admission rate, changed by the admin at the changes' times: at
 *       time t the first {@code admitted(t)} slots are in. It only grows, so a position never does.</li>
 * </ul>
 */
public final class QueueOrder {
  private static final int ROUNDS = 4;

  /** An admission rate in effect from a time on. */
  public record Rate(Instant from, int perSecond) {}

  private QueueOrder() {}

  /**
   * The slot of a place: shuffled among the {@code preQueueSize} first places, itself after them. The round
   * function is AES under the sale's key: a few hundred nanoseconds a slot, so even ten million are seconds.
   */
  static long slot(long place, boolean preQueue, long preQueueSize, Shuffle shuffle) {
    if (!preQueue || preQueueSize <= 1) {
      return place;
    }
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(preQueueSize - 1));
    bits += bits % 2;
    long x = place;
    do {
      x = shuffle.permute(x, bits / 2);
    } while (x >= preQueueSize); // cycle walking: a permutation of the larger domain, restricted
    return x;
  }

  /** The keyed permutation of one sale's pre-queue. */
  public static final class Shuffle {
    private final ThreadLocal<Cipher> cipher;

    public Shuffle(byte[] key) {
      SecretKeySpec aes = new SecretKeySpec(key, 0, 16, "AES");
      cipher = ThreadLocal.withInitial(() -> {
        try {
          Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
          c.init(Cipher.ENCRYPT_MODE, aes);
          return c;
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("Every JVM has AES", e);
        }
      });
    }

    long permute(long x, int halfBits) {
      long mask = (1L << halfBits) - 1;
      long left = x >>> halfBits;
      long right = x & mask;
      for (int round = 0; round < ROUNDS; round++) {
        long next = left ^ (round(round, right) & mask);
        left = right;
        right = next;
      }
      return (left << halfBits) | right;
    }

    private long round(int round, long half) {
      byte[] block = ByteBuffer.allocate(16).putInt(round).putLong(half).array();
      try {
        return ByteBuffer.wrap(cipher.get().doFinal(block)).getLong();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** How many slots are admitted at {@code now}: the rate in effect over each stretch since the start. */
  static long admitted(Instant startsAt, List<Rate> rates, Instant now) {
    // The epsilon absorbs rounding: at the instant admittedAt gives, the count is the next whole number.
    return (long) Math.floor(admittedExactly(startsAt, rates, now) + 1e-6);
  }

  /** The admission count at {@code now} before rounding down: the part of the next slot's wait already passed. */
  private static double admittedExactly(Instant startsAt, List<Rate> rates, Instant now) {
    if (now.isBefore(startsAt)) {
      return 0;
    }
    double admitted = 0;
    Instant from = startsAt;
    int rate = rates.get(0).perSecond();
    for (Rate change : rates.subList(1, rates.size())) {
      if (!change.from().isAfter(from)) {
        rate = change.perSecond();
        continue;
      }
      if (!change.from().isBefore(now)) {
        break;
      }
      admitted += rate * seconds(from, change.from());
      from = change.from();
      rate = change.perSecond();
    }
    return admitted + rate * seconds(from, now);
  }

  /** When {@code slot} is admitted, at the rate in effect now (a later change moves it). */
  static Instant admittedAt(Instant startsAt, List<Rate> rates, Instant now, long slot) {
    Instant from = now.isBefore(startsAt) ? startsAt : now;
    double before = admittedExactly(startsAt, rates, from);
    if (slot < Math.floor(before + 1e-6)) {
      return from;
    }
    int rate = rateAt(rates, from);
    double seconds = (slot + 1 - before) / rate;
    return from.plus(Duration.ofNanos((long) Math.ceil(seconds * 1e9)));
  }

  static int rateAt(List<Rate> rates, Instant at) {
    int rate = rates.get(0).perSecond();
    for (Rate change : rates.subList(1, rates.size())) {
      if (!change.from().isAfter(at)) {
        rate = change.perSecond();
      }
    }
    return rate;
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }
}
