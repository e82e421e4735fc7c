package io.flashsale.topology;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides purchase requests in log order, one partition (one set of SKUs) per task. It only moves
 * data between the stores, {@link PurchaseDecision} and the sinks; every rule lives in the decision.
 * Lottery sales collect entries and are drawn by a wall-clock punctuator once they have ended. An
 * accepted request starts a hold; this processor also schedules {@link HoldExpiry}, which ends the
 * holds that run out.
 */
final class PurchaseProcessor implements Processor<String, PurchaseRequest, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(PurchaseProcessor.class);
  private static final StringSerializer KEY_PREFIX_SERIALIZER = new StringSerializer();

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, StockLevel> stock;
  private KeyValueStore<String, PurchaseOutcome> decidedRequests;
  private KeyValueStore<String, LotteryEntry> lotteryEntries;
  private KeyValueStore<String, Long> lotteryDrawsDue;
  private final Duration stockLevelInterval;
  /**
   * Sales read from the store, by saleId. A sale's definition never changes once stored (the first one
   * wins), so each task reads and decodes it once instead of on every request.
   */
  private final Map<String, Sale> definedSales = new HashMap<>();
  private StockLevels stockLevels;
  private Holds holds;

  PurchaseProcessor(Duration stockLevelInterval) {
    this.stockLevelInterval = stockLevelInterval;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    decidedRequests = context.getStateStore(SaleTopology.DECIDED_REQUESTS_STORE);
    lotteryEntries = context.getStateStore(SaleTopology.LOTTERY_ENTRIES_STORE);
    lotteryDrawsDue = context.getStateStore(SaleTopology.LOTTERY_DRAWS_DUE_STORE);
    // Decisions are by far the most frequent stock changes, so this processor also resends all after a restart.
    stockLevels = StockLevels.perInterval(stockLevelInterval, context);
    holds = new Holds(context, stockLevels);
    context.schedule(SaleTopology.LOTTERY_DRAW_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::drawDueLotteries);
    context.schedule(SaleTopology.HOLD_EXPIRY_INTERVAL, PunctuationType.WALL_CLOCK_TIME, new HoldExpiry(holds));
  }

  @Override
  public void process(Record<String, PurchaseRequest> record) {
    PurchaseRequest request = Validation.requireValidPurchase(record.key(), record.value());
    String saleId = request.getSaleId();
    String entryKey = StoreKeys.saleScoped(saleId, request.getRequestId());
    Sale sale = saleOnSku(saleId, request.getSku());
    // Only a lottery sale has entries, so only there can a retry be waiting for its draw.
    boolean lottery = sale != null && sale.getAllocation() == Allocation.LOTTERY;
    if (decidedRequests.get(request.getRequestId()) != null || (lottery && lotteryEntries.get(entryKey) != null)) {
      log.debug("Request {} is a retry; its first outcome stands", request.getRequestId());
      return;
    }
    StockLevel level = sale == null ? null : stock.get(saleId);
    int userQuantity = holds.userQuantity(saleId, request.getUserId());
    RecordMetadata position = context.recordMetadata().orElseThrow();
    PurchaseDecision decision = PurchaseDecision.decide(sale, level, userQuantity, request);
    if (decision.verdict() == PurchaseDecision.Verdict.ENTER_LOTTERY) {
      if (lotteryDrawsDue.get(saleId) != null) {
        lotteryEntries.put(entryKey, new LotteryEntry(request, position.partition(), position.offset()));
        return;
      }
      // Processed only after the draw (the task lagged behind the sale's end): the draw is over.
      decision = PurchaseDecision.rejected(RejectReason.LOTTERY_LOST);
    }
    Instant now = now();
    StockLevel next = settle(decision, request, sale, level, now, position.partition(), position.offset());
    if (next != null) {
      stockLevels.changed(next);
    }
  }

  /**
   * Writes a decision: stock, the outcome (stored for dedup, and as the state of the hold it starts),
   * and for an accepted request its hold. Returns the sale's new stock level, or null for an unknown sale.
   */
  private StockLevel settle(PurchaseDecision decision, PurchaseRequest request, Sale sale, StockLevel level,
      Instant now, int partition, long offset) {
    StockLevel next = null;
    if (level != null) {
      next = decision.applyTo(level, request.getQuantity(), now);
      stock.put(request.getSaleId(), next);
    }
    PurchaseOutcome outcome = decision.toOutcome(request, sale, now, partition, offset);
    decidedRequests.put(request.getRequestId(), outcome);
    if (decision.accepted()) {
      holds.start(outcome);
    }
    context.forward(new Record<>(request.getRequestId(), outcome, now.toEpochMilli()), SaleTopology.OUTCOMES_SINK);
    return next;
  }

  private void drawDueLotteries(long wallClockMs) {
    long drawBefore = wallClockMs - SaleTopology.LOTTERY_DRAW_GRACE.toMillis();
    List<String> due = new ArrayList<>();
    try (KeyValueIterator<String, Long> drawsDue = lotteryDrawsDue.all()) {
      drawsDue.forEachRemaining(draw -> {
        if (draw.value <= drawBefore) {
          due.add(draw.key);
        }
      });
    }
    due.forEach(this::draw);
  }

  /** Draws one ended lottery: each entry gets exactly one outcome, then the sale is marked drawn. */
  private void draw(String saleId) {
    Sale sale = sales.get(saleId);
    StockLevel level = stock.get(saleId);
    List<String> keys = new ArrayList<>();
    List<LotteryEntry> entries = new ArrayList<>();
    try (KeyValueIterator<String, LotteryEntry> found =
        lotteryEntries.prefixScan(StoreKeys.salePrefix(saleId), KEY_PREFIX_SERIALIZER)) {
      found.forEachRemaining((KeyValue<String, LotteryEntry> entry) -> {
        keys.add(entry.key);
        entries.add(entry.value);
      });
    }
    Instant now = now();
    for (LotteryEntry entry : LotteryDraw.drawOrder(saleId, entries)) {
      PurchaseRequest request = entry.request();
      int userQuantity = holds.userQuantity(saleId, request.getUserId());
      PurchaseDecision decision = PurchaseDecision.draw(sale, level, userQuantity, request);
      level = settle(decision, request, sale, level, now, entry.requestPartition(), entry.requestOffset());
    }
    keys.forEach(lotteryEntries::delete);
    lotteryDrawsDue.delete(saleId);
    stockLevels.changed(level);
    log.info("Drew lottery {}: {} entries, {} units left", saleId, entries.size(), level.getAvailable());
  }

  /** The sale, if it is known and sells this SKU; a request naming another SKU's sale must not touch it. */
  private Sale saleOnSku(String saleId, String sku) {
    Sale sale = definedSales.computeIfAbsent(saleId, sales::get);
    return sale != null && sale.getSku().equals(sku) ? sale : null;
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }
}
