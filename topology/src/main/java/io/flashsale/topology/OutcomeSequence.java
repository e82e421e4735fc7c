package io.flashsale.topology;

import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.StockLevel;

/**
 * The outcomes of one sale (a sale, or one stock shard) numbered 1, 2, 3... in the order the topology decides them,
 * without gaps, every status counted ({@code PurchaseOutcome.saleSequence}). The counter is the sale's stock level
 * ({@code StockLevel.outcomes}): the store every outcome of the sale already rewrites, so the number commits with
 * the outcome in one transaction under exactly-once and costs no store access of its own. Readers whose books span
 * partitions (purchase-outcomes is keyed by request id) apply a sale's outcomes in this order.
 */
final class OutcomeSequence {
  /** The saleSequence of an outcome that no sale counts: a request or payment naming an unknown sale. */
  static final long NONE = -1;

  private OutcomeSequence() {}

  /** Counts one more outcome of the sale whose level this is, and returns its number. */
  static long next(StockLevel.Builder level) {
    long next = level.getOutcomes() + 1;
    level.setOutcomes(next);
    return next;
  }

  /** The same on a level record: the level after one more outcome (its number is the result's outcomes). */
  static StockLevel next(StockLevel level) {
    StockLevel.Builder counted = StockLevel.newBuilder(level);
    next(counted);
    return counted.build();
  }

  /**
   * A copy of a request's latest outcome, sent again because the request was logged again after it was decided: it
   * keeps its number and changes no state and no counter.
   */
  static PurchaseOutcome repeatOf(PurchaseOutcome latest) {
    return PurchaseOutcome.newBuilder(latest).setRepeat(true).build();
  }
}
