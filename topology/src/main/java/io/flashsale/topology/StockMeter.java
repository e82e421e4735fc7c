package io.flashsale.topology;

import io.flashsale.schemas.StockLevel;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Passes stock levels on to stock-levels, showing each sale's latest in {@link TopologyMeters}. */
final class StockMeter implements Processor<String, StockLevel, String, StockLevel> {
  private final TopologyMeters meters;
  private ProcessorContext<String, StockLevel> context;

  StockMeter(TopologyMeters meters) {
    this.meters = meters;
  }

  @Override
  public void init(ProcessorContext<String, StockLevel> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, StockLevel> record) {
    meters.stockLevel(record.value(), this);
    context.forward(record);
  }

  @Override
  public void close() {
    meters.forget(this);
  }
}
