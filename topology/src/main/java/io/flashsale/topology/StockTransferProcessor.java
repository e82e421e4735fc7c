package io.flashsale.topology;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.StockTransfer;
import io.flashsale.schemas.StockTransferKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stock moving between the shards of a sale ({@link ShardStock}): a request is answered from the shard's available
 * units, a grant adds to them. Giving and the grant it sends are one transaction, as are receiving and its
 * offset, so a unit is never lost or counted twice on its way.
 */
final class StockTransferProcessor implements Processor<String, StockTransfer, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(StockTransferProcessor.class);

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, StockLevel> stock;
  private KeyValueStore<String, Long> asks;
  private StockLevels stockLevels;

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    asks = context.getStateStore(SaleTopology.STOCK_ASKS_STORE);
    stockLevels = StockLevels.atOnce(context);
    context.schedule(ShardStock.ASK_CHECK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::askAgainIfUnanswered);
  }

  /**
   * Asks again for every ask left unanswered past {@link ShardStock#ASK_TIMEOUT}, if its shard still runs low; else
   * forgets the ask. So no ask entry stays set for ever, and a shard never stops asking because one answer was lost.
   */
  private void askAgainIfUnanswered(long wallClockMs) {
    Instant now = Instant.ofEpochMilli(wallClockMs);
    List<KeyValue<String, Long>> unanswered = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = asks.all()) { // one entry per shard waiting for stock: few
      all.forEachRemaining(ask -> {
        if (ShardStock.unanswered(ask.value, now)) {
          unanswered.add(ask);
        }
      });
    }
    for (KeyValue<String, Long> ask : unanswered) {
      Sale shard = sales.get(ask.key);
      StockLevel level = stock.get(ask.key);
      if (shard == null || level == null || !ShardStock.runsLow(shard, level)) {
        asks.delete(ask.key);
        continue;
      }
      log.info("Shard {} had no answer to its ask of {}; asking again", ask.key, Instant.ofEpochMilli(ask.value));
      asks.put(ask.key, wallClockMs);
      ShardStock.Send again = ShardStock.ask(shard);
      context.forward(new Record<>(again.sku(), again.transfer(), wallClockMs), SaleTopology.STOCK_TRANSFERS_SINK);
    }
  }

  @Override
  public void process(Record<String, StockTransfer> record) {
    StockTransfer transfer = Validation.requireValidTransfer(record.key(), record.value());
    Sale shard = sales.get(transfer.getSaleId());
    StockLevel level = stock.get(transfer.getSaleId());
    if (shard == null || level == null || shard.getShard() == null) {
      // Shards are defined before the sale is shown to buyers, and CoPartitioning refuses a cluster where a shard's
      // transfers and definition would land in different tasks; still, the units a giver subtracted go back to it.
      ShardStock.Send back = ShardStock.undeliverable(record.key(), transfer);
      if (back == null) {
        log.error("Stock transfer {} to {}, which is no shard known here, has nowhere to go back to; {} units lost",
            transfer.getKind(), transfer.getSaleId(), transfer.getUnits());
        return;
      }
      log.warn("Stock transfer {} to {}, which is no shard known here: {} units go back to {}", transfer.getKind(),
          transfer.getSaleId(), back.transfer().getUnits(), back.transfer().getSaleId());
      context.forward(new Record<>(back.sku(), back.transfer(), record.timestamp()), SaleTopology.STOCK_TRANSFERS_SINK);
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    if (transfer.getKind() == StockTransferKind.GRANT) {
      if (!ShardStock.isReturn(shard, transfer)) {
        asks.delete(shard.getSaleId()); // the answer to this shard's ask: it may ask again
      }
      if (transfer.getUnits() > 0) {
        put(ShardStock.moved(level, transfer.getUnits(), now));
      }
      return;
    }
    ShardStock.Send answer = ShardStock.answer(shard, level, transfer, now);
    if (answer.transfer().getKind() == StockTransferKind.GRANT && answer.transfer().getUnits() > 0) {
      put(ShardStock.moved(level, -answer.transfer().getUnits(), now));
    }
    // The answer keeps the ask's time, so it too is taken in line with the requests of that time.
    context.forward(new Record<>(answer.sku(), answer.transfer(), record.timestamp()), SaleTopology.STOCK_TRANSFERS_SINK);
  }

  private void put(StockLevel level) {
    stock.put(level.getSaleId(), level);
    stockLevels.changed(level);
  }
}
