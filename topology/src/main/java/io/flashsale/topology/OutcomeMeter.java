package io.flashsale.topology;

import io.flashsale.schemas.PurchaseOutcome;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Passes outcomes on to purchase-outcomes, counting them by status and reason in {@link TopologyMeters}. */
final class OutcomeMeter implements Processor<String, PurchaseOutcome, String, PurchaseOutcome> {
  private final TopologyMeters meters;
  private ProcessorContext<String, PurchaseOutcome> context;

  OutcomeMeter(TopologyMeters meters) {
    this.meters = meters;
  }

  @Override
  public void init(ProcessorContext<String, PurchaseOutcome> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, PurchaseOutcome> record) {
    meters.outcome(record.value());
    context.forward(record);
  }
}
