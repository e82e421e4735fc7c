package io.flashsale.api.http;

/**
 * The one reading of a long poll's wait, shared by every route that holds an answer back until something changes
 * (a purchase's outcome, a waiting room's admission), so that both take and refuse the same {@code waitMs}.
 */
public final class LongPoll {
  private LongPoll() {}

  /** The {@code waitMs} query parameter of a long poll: 0 when absent, VALIDATION unless 0..maxWaitMs. */
  public static long waitMs(String value, long maxWaitMs) {
    if (value == null) {
      return 0;
    }
    try {
      long waitMs = Long.parseLong(value);
      if (waitMs >= 0 && waitMs <= maxWaitMs) {
        return waitMs;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new Problem(ErrorCode.VALIDATION, "waitMs must be an integer 0.." + maxWaitMs);
  }
}
