package io.flashsale.topology;

import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Buyers giving a held purchase back: the hold ends as CANCELLED and its units return to the sale. */
final class CancellationProcessor implements Processor<String, HoldCancellation, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(CancellationProcessor.class);

  private ProcessorContext<String, SpecificRecord> context;
  private Holds holds;
  private final EagerCommit eagerCommit;

  CancellationProcessor(EagerCommit eagerCommit) {
    this.eagerCommit = eagerCommit;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    holds = new Holds(context, StockLevels.atOnce(context)); // rare changes: sent at once
  }

  @Override
  public void process(Record<String, HoldCancellation> record) {
    HoldCancellation cancellation = Validation.requireValidCancellation(record.key(), record.value());
    PurchaseOutcome hold = holds.latest(cancellation.getRequestId());
    if (!cancels(cancellation, hold)) {
      // The API answers 409 from its own view; what reaches us anyway (a race, a repeat) changes nothing.
      log.info("Ignoring cancellation of {} by {}: {}", cancellation.getRequestId(), cancellation.getUserId(),
          hold == null ? "no such purchase" : hold.getStatus() + " purchase of " + hold.getUserId());
      return;
    }
    holds.release(hold.getRequestId(), OutcomeStatus.CANCELLED, Instant.ofEpochMilli(context.currentSystemTimeMs()));
    eagerCommit.decided(context, record.timestamp());
  }

  /** Only the buyer may cancel, and only a live hold of the named sale. */
  static boolean cancels(HoldCancellation cancellation, PurchaseOutcome hold) {
    return hold != null && hold.getStatus() == OutcomeStatus.ACCEPTED
        && hold.getUserId().equals(cancellation.getUserId())
        && hold.getSaleId().equals(cancellation.getSaleId())
        && hold.getSku().equals(cancellation.getSku());
  }
}
