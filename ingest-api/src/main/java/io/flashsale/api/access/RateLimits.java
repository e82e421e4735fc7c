package io.flashsale.api.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A token bucket per key (a user, a client address, a sale): a steady rate with a burst on top; rate 0 is off. */
public final class RateLimits {
  private final String per;
  private final int perSecond;
  private final int burst;
  // A bucket idle for longer than it takes to refill holds no information: forget it.
  private final Cache<String, Bucket> buckets;

  /** {@code per} names the key in the problem's detail: "user", "client address", "sale". */
  public RateLimits(String per, int perSecond, int burst) {
    this.per = per;
    this.perSecond = perSecond;
    this.burst = burst;
    long refillSeconds = perSecond == 0 ? 1 : Math.max(1, (burst + perSecond - 1) / perSecond);
    this.buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofSeconds(refillSeconds + 1)).build();
  }

  /** Takes one request of this key, or RATE_LIMITED with Retry-After in whole seconds. */
  public void take(String key) {
    if (perSecond == 0) {
      return;
    }
    Bucket bucket = buckets.get(key, id -> Bucket.builder()
        .addLimit(limit -> limit.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
      throw new Problem(ErrorCode.RATE_LIMITED, "More than " + perSecond + " requests per second per " + per,
          Map.of("Retry-After", Long.toString(retryAfter)), Map.of());
    }
  }
}
