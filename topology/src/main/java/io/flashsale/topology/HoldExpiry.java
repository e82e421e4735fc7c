package io.flashsale.topology;

import io.flashsale.schemas.OutcomeStatus;
import java.time.Instant;
import org.apache.kafka.streams.processor.Punctuator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends holds that ran out, on the wall clock every {@link SaleTopology#HOLD_EXPIRY_INTERVAL}: a buyer
 * who does not pay in time loses the hold even when no record arrives on the partition.
 *
 * <p>One punctuation ends at most {@code maxPerPunctuation} holds, earliest expiry first, so that a wave of holds
 * running out together (a rush's holds, five minutes later) does not hold up the task's decisions; the rest end in
 * the next punctuations. Each punctuation goes on from where the last one stopped ({@link Holds.Expiries#resumeFrom}):
 * everything before it has ended, and its entries, deleted, would only be skipped again (RocksDB keeps a deleted key
 * as a tombstone until compaction). A new hold always expires after now, so after the cursor; only a wall clock set
 * back could place one before it, and then the scan starts from the first key again, as it does when the task starts.
 */
final class HoldExpiry implements Punctuator {
  private static final Logger log = LoggerFactory.getLogger(HoldExpiry.class);
  private final Holds holds;
  private final int maxPerPunctuation;
  private String cursor = StoreKeys.FIRST_HOLD_EXPIRY;
  private long lastRunMs = Long.MIN_VALUE;

  HoldExpiry(Holds holds, int maxPerPunctuation) {
    this.holds = holds;
    this.maxPerPunctuation = maxPerPunctuation;
  }

  @Override
  public void punctuate(long wallClockMs) {
    if (wallClockMs < lastRunMs) {
      cursor = StoreKeys.FIRST_HOLD_EXPIRY; // the clock went back: holds may have been indexed before the cursor
    }
    lastRunMs = wallClockMs;
    Holds.Expiries run = holds.expireDue(Instant.ofEpochMilli(wallClockMs), cursor, maxPerPunctuation);
    cursor = run.resumeFrom();
    if (run.ended() > 0) {
      log.debug("{} holds {} at {}{}", run.ended(), OutcomeStatus.EXPIRED, Instant.ofEpochMilli(wallClockMs),
          run.more() ? "; more are due" : "");
    }
  }
}
