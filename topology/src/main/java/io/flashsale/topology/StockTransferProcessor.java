package io.flashsale.topology;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.StockTransfer;
import io.flashsale.schemas.StockTransferKind;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
  }

  @Override
  public void process(Record<String, StockTransfer> record) {
    StockTransfer transfer = Validation.requireValidTransfer(record.key(), record.value());
    Sale shard = sales.get(transfer.getSaleId());
    StockLevel level = stock.get(transfer.getSaleId());
    if (shard == null || level == null || shard.getShard() == null) {
      // Shards are defined before the sale is shown to buyers, so only a purged sale gets here.
      log.warn("Stock transfer to {}, which is no shard known here; dropped", transfer.getSaleId());
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    if (transfer.getKind() == StockTransferKind.GRANT) {
      asks.delete(shard.getSaleId());
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
