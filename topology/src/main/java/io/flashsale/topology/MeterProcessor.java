package io.flashsale.topology;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Passes records on unchanged, showing each value in {@link TopologyMeters} on its way to a topic: the last node
 * before the sinks of purchase-outcomes and stock-levels, so that what is metered is exactly what is written.
 */
final class MeterProcessor<V> implements Processor<String, V, String, V> {
  /** What a meter does with each value, and when the task's processor closes (by identity: its task's gauges). */
  interface Reading<V> {
    void read(V value, Object task);

    default void closed(Object task) {}
  }

  private final Reading<V> reading;
  private ProcessorContext<String, V> context;

  MeterProcessor(Reading<V> reading) {
    this.reading = reading;
  }

  @Override
  public void init(ProcessorContext<String, V> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, V> record) {
    reading.read(record.value(), this);
    context.forward(record);
  }

  @Override
  public void close() {
    reading.closed(this);
  }
}
