package io.flashsale.api.waitingroom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proof-of-work challenges used for a join on this instance, each remembered until it expires, so that none
 * is used twice. Bounded in total and per client address: a full bound refuses the join (429 with Retry-After)
 * rather than forgetting a challenge early, which would let it be used again. Only the challenge's signature is
 * kept (43 characters, unique per challenge), about 200 bytes an entry with the address and the cache's own.
 */
public final class UsedChallenges {
  /**
   * Retry-After of a refusal: entries leave as their challenges expire (at most two minutes after their issue),
   * so some room comes back within seconds under a steady flood; a client asked to wait this long retries slowly.
   */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(10);

  private final int max;
  private final int maxPerAddress;
  private final Clock clock;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
  private final Cache<String, String> used; // signature → client address

  UsedChallenges(int max, int maxPerAddress, Clock clock) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
    this.clock = clock;
    this.used = Caffeine.newBuilder()
        .expireAfter(Expiry.<String, String>creating((signature, address) -> WaitingRoomRoutes.CHALLENGE_TTL))
        .executor(Runnable::run) // the counts are given back in the same thread that drops the entry
        .removalListener((String signature, String address, com.github.benmanes.caffeine.cache.RemovalCause cause) ->
            release(address))
        .build();
  }

  /**
   * Marks the challenge used by a join from {@code address}: PROOF_REQUIRED if it was used before, RATE_LIMITED if
   * this address or this instance holds as many as it may. {@code expiresAt} is the challenge's own expiry.
   */
  void use(String challenge, Instant expiresAt, String address) {
    if (!clock.instant().isBefore(expiresAt)) {
      throw new Problem(ErrorCode.PROOF_REQUIRED, "The challenge has expired");
    }
    String signature = challenge.substring(challenge.lastIndexOf('.') + 1);
    if (used.getIfPresent(signature) != null) {
      throw new Problem(ErrorCode.PROOF_REQUIRED, "The challenge was used for a join already");
    }
    if (total.incrementAndGet() > max) {
      total.decrementAndGet();
      used.cleanUp(); // expired entries give their room back now
      throw full("this instance holds " + max + " used challenges");
    }
    boolean[] taken = {false};
    perAddress.compute(address, (a, count) -> {
      int now = count == null ? 0 : count;
      taken[0] = now < maxPerAddress;
      return taken[0] ? now + 1 : count;
    });
    if (!taken[0]) {
      total.decrementAndGet();
      used.cleanUp(); // so that this address's expired ones are given back for its next join
      throw full("this client address used " + maxPerAddress + " challenges in the last "
          + WaitingRoomRoutes.CHALLENGE_TTL.toMinutes() + " minutes");
    }
    if (used.asMap().putIfAbsent(signature, address) != null) {
      release(address);
      throw new Problem(ErrorCode.PROOF_REQUIRED, "The challenge was used for a join already");
    }
  }

  /** Used challenges remembered now, for tests and measurements. */
  public int size() {
    return total.get();
  }

  /** Of those, from this address. */
  public int size(String address) {
    return perAddress.getOrDefault(address, 0);
  }

  private void release(String address) {
    total.decrementAndGet();
    perAddress.computeIfPresent(address, (a, count) -> count <= 1 ? null : count - 1);
  }

  private static Problem full(String why) {
    return new Problem(ErrorCode.RATE_LIMITED, "Too many joins with a proof of work: " + why + "; retry later",
        Map.of("Retry-After", Long.toString(RETRY_AFTER.toSeconds())), Map.of());
  }
}
