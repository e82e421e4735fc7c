package io.flashsale.topology;

import io.flashsale.schemas.OutcomeStatus;
import java.time.Instant;
import org.apache.kafka.streams.processor.Punctuator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends holds that ran out, on the wall clock every {@link SaleTopology#HOLD_EXPIRY_INTERVAL}: a buyer
 * who does not pay in time loses the hold even when no record arrives on the partition.
 */
final class HoldExpiry implements Punctuator {
  private static final Logger log = LoggerFactory.getLogger(HoldExpiry.class);
  private final Holds holds;

  HoldExpiry(Holds holds) {
    this.holds = holds;
  }

  @Override
  public void punctuate(long wallClockMs) {
    int expired = holds.expireDue(Instant.ofEpochMilli(wallClockMs));
    if (expired > 0) {
      log.debug("{} holds {} at {}", expired, OutcomeStatus.EXPIRED, Instant.ofEpochMilli(wallClockMs));
    }
  }
}
