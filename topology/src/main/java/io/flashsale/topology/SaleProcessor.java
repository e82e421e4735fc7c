package io.flashsale.topology;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers sales: the first definition of a saleId wins and opens the sale's stock. "First" across SKUs is not
 * this task's to judge (definitions of one id with different SKUs sit in different partitions): the API writes to
 * {@code sales} only the definition whose claim came first in {@code sale-claims}, so every definition read here
 * is its id's winner, and a repeat of it is ignored.
 */
final class SaleProcessor implements Processor<String, Sale, String, StockLevel> {
  private static final Logger log = LoggerFactory.getLogger(SaleProcessor.class);

  private ProcessorContext<String, StockLevel> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, StockLevel> stock;
  private KeyValueStore<String, Long> lotteryDrawsDue;
  private KeyValueStore<String, String> salePurges;
  private KeyValueStore<String, LastDrawState> lastDraws;
  private final Duration dedupGrace;

  SaleProcessor(Duration dedupGrace) {
    this.dedupGrace = dedupGrace;
  }

  @Override
  public void init(ProcessorContext<String, StockLevel> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    lotteryDrawsDue = context.getStateStore(SaleTopology.LOTTERY_DRAWS_DUE_STORE);
    salePurges = context.getStateStore(SaleTopology.SALE_PURGES_STORE);
    lastDraws = context.getStateStore(SaleTopology.LAST_DRAWS_STORE);
  }

  @Override
  public void process(Record<String, Sale> record) {
    Sale sale = Validation.requireValidSale(record.key(), record.value());
    String saleId = sale.getSaleId();
    if (Shards.isSharded(sale)) {
      log.debug("Sale {} is decided by its {} shards", saleId, sale.getShards()); // its own record is catalogue only
      return;
    }
    if (sales.get(saleId) != null) {
      // Redefining a live sale would reset its stock under the buyers' feet.
      log.warn("Sale {} is already defined; ignoring the later definition", saleId);
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    StockLevel opening = PurchaseDecision.openingStock(sale, now);
    sales.put(saleId, sale);
    stock.put(saleId, opening);
    salePurges.put(StoreKeys.timed(StatePurge.purgeAt(sale, dedupGrace), saleId), saleId);
    if (sale.getAllocation() == Allocation.LOTTERY) {
      lotteryDrawsDue.put(saleId, sale.getEndsAt().toEpochMilli());
    }
    if (sale.getLastDraw()) {
      lastDraws.put(saleId, LastDrawState.opened());
    }
    context.forward(new Record<>(saleId, opening, now.toEpochMilli()), SaleTopology.STOCK_LEVELS_METER);
  }
}
