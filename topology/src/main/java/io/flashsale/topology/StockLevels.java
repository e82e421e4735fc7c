package io.flashsale.topology;

import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What one processor tells the stock-levels topic. With an interval of zero every change is sent as it
 * happens. Otherwise the sales that changed are remembered and their level, as it is in the store then,
 * is sent once per interval: a hot sale costs one record per interval instead of one per decision, and
 * readers of the compacted topic only ever want the latest level anyway.
 *
 * <p>A crash loses the list of changed sales but not the changes (the store is restored from its
 * changelog), so on every start of the task the level of every sale is sent once more: the last record
 * of a sale on the topic always ends up equal to the store.
 */
final class StockLevels {
  private final ProcessorContext<String, ? super StockLevel> context;
  private final KeyValueStore<String, StockLevel> stock;
  private final Set<String> changedSales = new LinkedHashSet<>();
  private final boolean coalesced;

  private StockLevels(ProcessorContext<String, ? super StockLevel> context, Duration interval) {
    this.context = context;
    this.stock = context.getStateStore(SaleTopology.STOCK_STORE);
    this.coalesced = !interval.isZero();
    if (coalesced) {
      context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, wallClockMs -> sendChanged());
    }
  }

  /** Sends every change as it happens. */
  static StockLevels atOnce(ProcessorContext<String, ? super StockLevel> context) {
    return new StockLevels(context, Duration.ZERO);
  }

  /**
   * Sends the latest level of each changed sale once per {@code interval} (zero: every change at once),
   * starting with every sale of the task. One processor per task does this, the one that changes stock most.
   */
  static StockLevels perInterval(Duration interval, ProcessorContext<String, ? super StockLevel> context) {
    StockLevels levels = new StockLevels(context, interval);
    if (levels.coalesced) {
      try (KeyValueIterator<String, StockLevel> all = levels.stock.all()) {
        all.forEachRemaining(sale -> levels.changedSales.add(sale.key));
      }
    }
    return levels;
  }

  /** The sale's stock changed to {@code level} (already in the store). */
  void changed(StockLevel level) {
    if (coalesced) {
      changedSales.add(level.getSaleId());
    } else {
      send(level);
    }
  }

  private void sendChanged() {
    for (String saleId : changedSales) {
      StockLevel level = stock.get(saleId);
      if (level != null) {
        send(level);
      }
    }
    changedSales.clear();
  }

  private void send(StockLevel level) {
    context.forward(new Record<>(level.getSaleId(), level, level.getUpdatedAt().toEpochMilli()),
        SaleTopology.STOCK_LEVELS_METER);
  }
}
