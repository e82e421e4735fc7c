package io.flashsale.topology;

import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores of a task's lotteries: one ticket per user while a sale takes entries, and the draw once it has ended,
 * in chunks of at most {@link SaleTopology#LOTTERY_DRAW_CHUNK} entries per punctuation, so that neither a
 * transaction nor the memory grows with the entries. The rules are {@link LotteryRules}'s and
 * {@link PurchaseDecision}'s; the caller settles each decided ticket.
 */
final class Lotteries {
  private static final Logger log = LoggerFactory.getLogger(Lotteries.class);
  private static final StringSerializer KEY_PREFIX_SERIALIZER = new StringSerializer();

  /** Stores the outcome of a decided ticket, as any other decision. */
  interface Settlement {
    void settle(PurchaseDecision decision, PurchaseRequest request, Sale sale, Instant now,
        PurchaseProcessor.Place place, long saleSequence);
  }

  private final KeyValueStore<String, Sale> sales;
  private final KeyValueStore<String, StockLevel> stock;
  private final KeyValueStore<String, LotteryEntry> entries;
  private final KeyValueStore<String, String> tickets;
  private final KeyValueStore<String, DrawProgress> progress;
  private final KeyValueStore<String, Long> drawsDue;
  private final KeyValueStore<String, String> seeds;
  private final KeyValueStore<String, Integer> deviceWins;
  private final StockLevels stockLevels;
  /** Sales whose seed is missing, warned about once per task. */
  private final Set<String> warnedWithoutSeed = new HashSet<>();

  Lotteries(ProcessorContext<?, ?> context, StockLevels stockLevels) {
    this.stockLevels = stockLevels;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    entries = context.getStateStore(SaleTopology.LOTTERY_ENTRIES_STORE);
    tickets = context.getStateStore(SaleTopology.LOTTERY_TICKETS_STORE);
    progress = context.getStateStore(SaleTopology.LOTTERY_PROGRESS_STORE);
    drawsDue = context.getStateStore(SaleTopology.LOTTERY_DRAWS_DUE_STORE);
    seeds = context.getStateStore(SaleTopology.DRAW_SEEDS_STORE);
    deviceWins = context.getStateStore(SaleTopology.LOTTERY_DEVICE_WINS_STORE);
  }

  /** True while the sale takes entries: it is a lottery not drawn yet, and its draw has not begun. */
  boolean takesEntries(String saleId) {
    return drawsDue.get(saleId) != null && progress.get(saleId) == null;
  }

  /** The user's ticket in the sale, or null. */
  LotteryEntry ticketOf(String saleId, String userId) {
    return entries.get(StoreKeys.saleScoped(saleId, userId));
  }

  void enter(LotteryEntry entry) {
    PurchaseRequest request = entry.request();
    entries.put(StoreKeys.saleScoped(request.getSaleId(), request.getUserId()), entry);
  }

  /**
   * Runs the next chunks of the lotteries due at {@code wallClockMs} (ended at least the grace before); returns the
   * draws finished, each to be published.
   */
  List<DrawResult> drawDue(long wallClockMs, Instant now, Settlement settlement) {
    long drawBefore = wallClockMs - SaleTopology.LOTTERY_DRAW_GRACE.toMillis();
    List<String> due = new ArrayList<>();
    try (KeyValueIterator<String, Long> found = drawsDue.all()) {
      found.forEachRemaining(draw -> {
        if (draw.value <= drawBefore) {
          due.add(draw.key);
        }
      });
    }
    List<DrawResult> finished = new ArrayList<>();
    int budget = SaleTopology.LOTTERY_DRAW_CHUNK;
    for (String saleId : due) {
      if (budget <= 0) {
        break;
      }
      Sale sale = sales.get(saleId);
      DrawProgress current = progress.get(saleId);
      if (current == null) {
        String seed = seedOf(sale);
        if (seed == null) {
          continue;
        }
        current = DrawProgress.start(seed, stock.get(saleId).getAvailable());
      }
      // A small lottery is scored and drawn in one go; a large one goes on in the next punctuation.
      while (budget > 0) {
        Chunk chunk = current.phase() == DrawProgress.Phase.SCORING
            ? score(saleId, current, budget)
            : decide(sale, current, budget, now, settlement);
        budget -= chunk.done();
        current = chunk.progress();
        if (chunk.finished()) {
          finished.add(finish(sale, current, now));
          break;
        }
        progress.put(saleId, current);
      }
    }
    return finished;
  }

  /** What one chunk did: entries handled, the progress after it, and whether that was the draw's last chunk. */
  private record Chunk(int done, DrawProgress progress, boolean finished) {}

  /** Scores up to {@code budget} entries into the ticket store; once all are scored the draw begins. */
  private Chunk score(String saleId, DrawProgress current, int budget) {
    DrawProgress next = current;
    int done = 0;
    try (KeyValueIterator<String, LotteryEntry> found = from(entries, saleId, current.cursor())) {
      while (found.hasNext() && done < budget) {
        KeyValue<String, LotteryEntry> entry = found.next();
        if (entry.key.equals(current.cursor())) {
          continue;
        }
        String userId = entry.value.request().getUserId();
        tickets.put(StoreKeys.ticket(saleId, LotteryRules.score(current.seed(), userId), userId), userId);
        next = next.scored(entry.key, entry.value);
        done++;
      }
      if (!found.hasNext()) {
        next = next.drawing();
      }
    }
    return new Chunk(done, next, false);
  }

  /** Decides up to {@code budget} tickets in score order; null progress once the last one is decided. */
  private Chunk decide(Sale sale, DrawProgress current, int budget, Instant now, Settlement settlement) {
    String saleId = sale.getSaleId();
    DrawProgress next = current;
    int done = 0;
    StockLevel.Builder level = StockLevel.newBuilder(stock.get(saleId));
    level.setRejected(new HashMap<>(level.getRejected()));
    boolean more;
    try (KeyValueIterator<String, String> found = from(tickets, saleId, current.cursor())) {
      while (found.hasNext() && done < budget) {
        KeyValue<String, String> ticketKey = found.next();
        if (ticketKey.key.equals(current.cursor())) {
          continue;
        }
        String entryKey = StoreKeys.saleScoped(saleId, ticketKey.value);
        LotteryEntry ticket = entries.get(entryKey);
        PurchaseRequest request = ticket.request();
        String deviceKey = request.getDeviceId() == null ? null : StoreKeys.saleScoped(saleId, request.getDeviceId());
        Integer won = deviceKey == null ? null : deviceWins.get(deviceKey);
        PurchaseDecision decision = PurchaseDecision.draw(sale, next.remaining(), won == null ? 0 : won, request);
        if (decision.accepted() && deviceKey != null) {
          deviceWins.put(deviceKey, (won == null ? 0 : won) + request.getQuantity());
        }
        next = next.decided(ticketKey.key, ticket, decision);
        decision.addTo(level, request.getQuantity(), now);
        settlement.settle(decision, request, sale, now,
            new PurchaseProcessor.Place(ticket.requestPartition(), ticket.requestOffset(), ticket.requestIndex()),
            OutcomeSequence.next(level));
        tickets.delete(ticketKey.key);
        entries.delete(entryKey);
        done++;
      }
      more = found.hasNext();
    }
    StockLevel changed = level.build();
    stock.put(saleId, changed);
    stockLevels.changed(changed);
    return new Chunk(done, next, !more);
  }

  private DrawResult finish(Sale sale, DrawProgress done, Instant now) {
    String saleId = sale.getSaleId();
    progress.delete(saleId);
    drawsDue.delete(saleId);
    log.info("Drew lottery {}: {} tickets, {} won", saleId, done.entries(), done.winners());
    return DrawResult.newBuilder()
        .setSaleId(saleId).setSku(sale.getSku()).setSeed(done.seed()).setSeedHash(LotteryRules.seedHash(done.seed()))
        .setEntries(done.entries()).setWinners(done.winners()).setEntriesDigest(done.digest())
        .setAlgorithm(LotteryRules.ALGORITHM).setLastEntryPartition(done.lastPartition())
        .setLastEntryOffset(done.lastOffset()).setLastEntryIndex(done.lastIndex()).setDrawnAt(now)
        .build();
  }

  /**
   * The seed whose hash the sale published, once the topology has read it; null (and the draw waits) until then. A
   * sale defined without a seed hash (not through the API) is drawn with its saleId as the seed: as verifiable, but
   * predictable.
   */
  private String seedOf(Sale sale) {
    if (sale.getDrawSeedHash() == null) {
      return sale.getSaleId();
    }
    String seed = seeds.get(StoreKeys.saleScoped(sale.getSaleId(), sale.getDrawSeedHash()));
    if (seed == null && warnedWithoutSeed.add(sale.getSaleId())) {
      log.warn("Lottery {} cannot be drawn: no seed with its drawSeedHash {} on {}; the draw waits for it",
          sale.getSaleId(), sale.getDrawSeedHash(), Topics.DRAW_SEEDS);
    }
    return seed;
  }

  /** The store's entries of one sale from {@code cursor} on (the cursor itself included, if it is still there). */
  private static <V> KeyValueIterator<String, V> from(KeyValueStore<String, V> store, String saleId, String cursor) {
    return cursor == null
        ? store.prefixScan(StoreKeys.salePrefix(saleId), KEY_PREFIX_SERIALIZER)
        : store.range(cursor, StoreKeys.saleEnd(saleId));
  }
}
