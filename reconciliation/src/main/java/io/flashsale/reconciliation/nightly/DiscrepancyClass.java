package io.flashsale.reconciliation.nightly;

import io.flashsale.schemas.CorrectionKind;

/**
 * The ways the three parties of a day (the Kafka log, the database, the payment provider) can disagree.
 * Each class says whether it is safe to correct without a person, and how.
 */
public enum DiscrepancyClass {
  PAID_NOT_CONFIRMED("The provider settled a charge the shop never decided on (a webhook was lost)",
      CorrectionKind.REPLAY_PAYMENT),
  CONFIRMED_NOT_PAID("A purchase was confirmed with a payment the provider says did not succeed", null),
  CHARGED_TWICE("The buyer was charged again for a purchase another payment had already confirmed",
      CorrectionKind.REFUND),
  AMOUNT_MISMATCH("The provider settled another amount or currency than the confirmed purchase costs", null),
  MISSING_IN_DATABASE("A record of the log, before the sink's position, is not in the database",
      CorrectionKind.REPLAY_RECORD),
  REFUND_OWED("A charge the sale could not honour has not been refunded", CorrectionKind.REFUND),
  STOCK_INVARIANT_BROKEN("A sale's units do not add up: confirmed + reserved + available != stock, its shards' "
      + "stock does not sum to the sale's, or the database's counts differ from its orders or from the log", null),
  OUTCOME_STALLED("Outcomes of a sale (or stock shard) wait in the sink behind one of its sequence the sink never "
      + "read: the sale's counts stop there", null),
  SINK_QUARANTINED("A record the sink set aside (not a value of its topic, or a row the database refused) and "
      + "nobody replayed: once its cause is fixed, `reconcile replay-quarantine` hands it to the sink again", null),
  ORDER_PAID_NOT_CONFIRMED("The provider settled an order's charge (several purchases) of which the shop decided no "
      + "item (its webhook was lost): the provider's redelivery of the webhook, or a person, replays it item by item",
      null);

  private final String meaning;
  private final CorrectionKind correction;

  DiscrepancyClass(String meaning, CorrectionKind correction) {
    this.meaning = meaning;
    this.correction = correction;
  }

  public String meaning() {
    return meaning;
  }

  /** How it is corrected without a person; null if only a person can. */
  public CorrectionKind correction() {
    return correction;
  }
}
