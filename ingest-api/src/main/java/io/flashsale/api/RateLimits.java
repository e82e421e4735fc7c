package io.flashsale.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A token bucket per user id: a steady rate with a burst on top. */
public final class RateLimits {
  private final int perSecond;
  private final int burst;
  // A bucket idle for longer than it takes to refill holds no information: forget it.
  private final Cache<String, Bucket> buckets;

  public RateLimits(int perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
    long refillSeconds = Math.max(1, (burst + perSecond - 1) / perSecond);
    this.buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofSeconds(refillSeconds + 1)).build();
  }

  /** Takes one request of this user, or RATE_LIMITED with Retry-After in whole seconds. */
  public void take(String userId) {
    Bucket bucket = buckets.get(userId, id -> Bucket.builder()
        .addLimit(limit -> limit.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
      throw new Problem(ErrorCode.RATE_LIMITED, "More than " + perSecond + " requests per second",
          Map.of("Retry-After", Long.toString(retryAfter)), Map.of());
    }
  }
}
