package io.flashsale.api.access;

import io.flashsale.settings.Settings;

/**
 * How much of this instance's memory and descriptors one client address, and all of them together, may hold: the
 * proof-of-work challenges remembered as used (so that none is used twice) and the open event streams. Past a
 * bound the request is answered 429 with Retry-After, and nothing is kept for it.
 *
 * @param usedChallenges FLASHSALE_USED_CHALLENGES_MAX, default {@value #DEFAULT_USED_CHALLENGES}: used challenges
 *     remembered at once, each until its challenge expires (two minutes); about 200 bytes each, so 100 MiB at the
 *     default, and {@value #DEFAULT_USED_CHALLENGES} per two minutes is over 4,000 joins a second on one instance
 * @param usedChallengesPerAddress FLASHSALE_USED_CHALLENGES_PER_ADDRESS, default
 *     {@value #DEFAULT_USED_CHALLENGES_PER_ADDRESS}: of those, from one client address; a carrier's NAT puts
 *     thousands of buyers behind one address, so this is far above one buyer's and far below the total
 * @param eventStreams FLASHSALE_EVENT_STREAMS_MAX, default {@value #DEFAULT_EVENT_STREAMS}: open
 *     {@code /api/sales/{id}/events} streams, each a connection and its buffers
 * @param eventStreamsPerAddress FLASHSALE_EVENT_STREAMS_PER_ADDRESS, default
 *     {@value #DEFAULT_EVENT_STREAMS_PER_ADDRESS}: of those, from one client address
 */
public record AbuseBounds(int usedChallenges, int usedChallengesPerAddress, int eventStreams, int eventStreamsPerAddress) {
  static final int DEFAULT_USED_CHALLENGES = 500_000;
  static final int DEFAULT_USED_CHALLENGES_PER_ADDRESS = 2_000;
  static final int DEFAULT_EVENT_STREAMS = 20_000;
  static final int DEFAULT_EVENT_STREAMS_PER_ADDRESS = 200;

  public AbuseBounds {
    if (usedChallenges < 1 || usedChallengesPerAddress < 1 || eventStreams < 1 || eventStreamsPerAddress < 1) {
      throw new IllegalArgumentException("FLASHSALE_USED_CHALLENGES_MAX, FLASHSALE_USED_CHALLENGES_PER_ADDRESS, "
          + "FLASHSALE_EVENT_STREAMS_MAX and FLASHSALE_EVENT_STREAMS_PER_ADDRESS must be at least 1");
    }
  }

  public static AbuseBounds fromEnv(Settings env) {
    return new AbuseBounds(
        env.integer("FLASHSALE_USED_CHALLENGES_MAX", DEFAULT_USED_CHALLENGES),
        env.integer("FLASHSALE_USED_CHALLENGES_PER_ADDRESS", DEFAULT_USED_CHALLENGES_PER_ADDRESS),
        env.integer("FLASHSALE_EVENT_STREAMS_MAX", DEFAULT_EVENT_STREAMS),
        env.integer("FLASHSALE_EVENT_STREAMS_PER_ADDRESS", DEFAULT_EVENT_STREAMS_PER_ADDRESS));
  }
}
