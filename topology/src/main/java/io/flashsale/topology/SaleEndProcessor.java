package io.flashsale.topology;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.StockLevel;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a sale before its {@code endsAt}: the sale's stock level gets {@code endedAt}, the broker's time of the
 * end record (sale-ends is a LogAppendTime topic, like purchase-requests), and goes to stock-levels at once, where
 * every API instance reads it. From then on the sale takes no request logged at or after that time; holds already
 * taken run on. A lottery is drawn from the end on. A repeated end, or one of an unknown or already ended sale,
 * changes nothing.
 */
final class SaleEndProcessor implements Processor<String, SaleEnd, String, StockLevel> {
  private static final Logger log = LoggerFactory.getLogger(SaleEndProcessor.class);

  private ProcessorContext<String, StockLevel> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, StockLevel> stock;
  private KeyValueStore<String, Long> lotteryDrawsDue;

  @Override
  public void init(ProcessorContext<String, StockLevel> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    lotteryDrawsDue = context.getStateStore(SaleTopology.LOTTERY_DRAWS_DUE_STORE);
  }

  @Override
  public void process(Record<String, SaleEnd> record) {
    SaleEnd end = Validation.requireValidSaleEnd(record.key(), record.value());
    Sale sale = sales.get(end.getSaleId());
    StockLevel level = stock.get(end.getSaleId());
    Instant endedAt = Instant.ofEpochMilli(record.timestamp());
    if (sale == null || level == null || !sale.getSku().equals(end.getSku())) {
      log.info("Ignoring the end of unknown sale {} on {}", end.getSaleId(), end.getSku());
      return;
    }
    if (level.getEndedAt() != null || !endedAt.isBefore(sale.getEndsAt())) {
      log.info("Sale {} has ended already; ignoring its end at {}", sale.getSaleId(), endedAt);
      return;
    }
    StockLevel ended = StockLevel.newBuilder(level).setEndedAt(endedAt)
        .setUpdatedAt(Instant.ofEpochMilli(context.currentSystemTimeMs())).build();
    stock.put(sale.getSaleId(), ended);
    if (sale.getAllocation() == Allocation.LOTTERY && lotteryDrawsDue.get(sale.getSaleId()) != null) {
      lotteryDrawsDue.put(sale.getSaleId(), endedAt.toEpochMilli());
    }
    log.info("Sale {} ended at {} by an admin", sale.getSaleId(), endedAt);
    context.forward(new Record<>(sale.getSaleId(), ended, ended.getUpdatedAt().toEpochMilli()),
        SaleTopology.STOCK_LEVELS_METER);
  }
}
