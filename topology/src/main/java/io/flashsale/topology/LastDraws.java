package io.flashsale.topology;

import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
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
 * The stores of a task's last draws: which sales draw, the units reserved for their winners, and the rounds. The rules
 * are {@link LastDrawRules}'s; the purchase decision asks here whether a click may take available stock and whether
 * a request claims a reserved unit, and its wall-clock punctuation runs {@link #drawDue}.
 */
final class LastDraws {
  private static final Logger log = LoggerFactory.getLogger(LastDraws.class);
  private static final StringSerializer KEY_PREFIX_SERIALIZER = new StringSerializer();
  /** A winner's entry once the unit was claimed or lapsed: kept, so that nobody wins twice. */
  static final long SETTLED = 0L;
  /** The entry of a buyer who held a unit of the sale (bought in the rush): no candidate, it is not waiting. */
  static final long HELD = -1L;

  private final KeyValueStore<String, Sale> sales;
  private final KeyValueStore<String, StockLevel> stock;
  private final KeyValueStore<String, LastDrawState> states;
  private final KeyValueStore<String, Long> winners;
  private final KeyValueStore<String, Long> members;
  private final KeyValueStore<String, QueueStats> queueCounts;
  private final KeyValueStore<String, Integer> userQuantities;
  private final KeyValueStore<String, String> seeds;
  private final StockLevels stockLevels;
  private final Set<String> warnedWithoutSeed = new HashSet<>();

  LastDraws(ProcessorContext<?, ?> context, StockLevels stockLevels) {
    this.stockLevels = stockLevels;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    states = context.getStateStore(SaleTopology.LAST_DRAWS_STORE);
    winners = context.getStateStore(SaleTopology.LAST_DRAW_WINNERS_STORE);
    members = context.getStateStore(SaleTopology.QUEUE_MEMBERS_STORE);
    queueCounts = context.getStateStore(SaleTopology.QUEUE_COUNTS_STORE);
    userQuantities = context.getStateStore(SaleTopology.USER_QUANTITIES_STORE);
    seeds = context.getStateStore(SaleTopology.DRAW_SEEDS_STORE);
  }

  /**
   * True once the sale's last draw has begun: from then on no click takes available stock, every unit that comes
   * back is drawn.
   */
  boolean drawing(Sale sale) {
    if (!sale.getLastDraw()) {
      return false;
    }
    LastDrawState state = states.get(sale.getSaleId());
    return state != null && state.drawing();
  }

  /** The sale sold out: its last draw begins (if it has one and it had not yet). */
  void soldOut(Sale sale) {
    LastDrawState state = states.get(sale.getSaleId());
    if (sale.getLastDraw() && state != null && !state.drawing()) {
      states.put(sale.getSaleId(), state.begun());
      log.info("Sale {} sold out: units that come back go by its last draw", sale.getSaleId());
    }
  }

  /** When the unit reserved for the user runs out (epoch ms), or null if none is reserved for the user now. */
  Long reservedUntil(Sale sale, String userId) {
    if (!sale.getLastDraw()) {
      return null;
    }
    Long until = winners.get(StoreKeys.saleScoped(sale.getSaleId(), userId));
    return until == null || until <= SETTLED ? null : until;
  }

  /** The user was given a unit of the sale: from now on it is no candidate of its last draw. */
  void held(Sale sale, String userId) {
    winners.putIfAbsent(StoreKeys.saleScoped(sale.getSaleId(), userId), HELD);
  }

  /** The user claimed the reserved unit: the entry stays, settled, so that the user never wins again. */
  void claimed(Sale sale, String userId) {
    winners.put(StoreKeys.saleScoped(sale.getSaleId(), userId), SETTLED);
  }

  /**
   * Runs the last draws at {@code now}: reservations that lapsed give their units back, each drawing sale's available
   * units go to a round, and a draw past its close is closed. Returns the records to publish.
   */
  Published drawDue(Instant now) {
    List<LastDrawRound> rounds = new ArrayList<>();
    List<DrawResult> closed = new ArrayList<>();
    List<KeyValue<String, LastDrawState>> open = new ArrayList<>();
    try (KeyValueIterator<String, LastDrawState> all = states.all()) {
      all.forEachRemaining(entry -> {
        if (!entry.value.closed()) {
          open.add(entry);
        }
      });
    }
    for (KeyValue<String, LastDrawState> entry : open) {
      Sale sale = sales.get(entry.key);
      StockLevel level = stock.get(entry.key);
      if (sale == null || level == null) {
        continue;
      }
      run(sale, level, entry.value, now, rounds, closed);
    }
    return new Published(rounds, closed);
  }

  /** What a run of the last draws publishes. */
  record Published(List<LastDrawRound> rounds, List<DrawResult> closed) {}

  private void run(Sale sale, StockLevel before, LastDrawState state, Instant now, List<LastDrawRound> rounds,
      List<DrawResult> closed) {
    String saleId = sale.getSaleId();
    LastDrawState stored = state;
    Instant end = LastDrawRules.end(sale, before.getEndedAt());
    // What is left at the end is drawn once the requests logged before it are decided, as a lottery waits.
    // A sell-out the purchase decision did not see (a late payment took the last unit) begins it too.
    if (!state.drawing() && (before.getAvailable() == 0 || !now.isBefore(end.plus(SaleTopology.LOTTERY_DRAW_GRACE)))) {
      state = state.begun();
    }
    StockLevel level = lapse(sale, before, now);
    int live = liveReservations(saleId);
    Instant closeAt = LastDrawRules.closeAt(sale, before.getEndedAt());
    String seed = state.drawing() ? seedOf(sale) : null;
    if (seed != null && now.isBefore(closeAt) && level.getAvailable() >= LastDrawRules.UNITS_PER_WINNER) {
      LastDrawRound round = round(sale, level, state, seed, now);
      if (round != null) {
        int units = round.getWinners().size() * LastDrawRules.UNITS_PER_WINNER;
        level = StockLevel.newBuilder(level).setAvailable(level.getAvailable() - units)
            .setReserved(level.getReserved() + units).setDrawReserved(level.getDrawReserved() + units)
            .setUpdatedAt(now).build();
        state = state.drew(round.getDigest(), round.getWinners().size());
        live += round.getWinners().size();
        rounds.add(round);
      }
    }
    if (!level.equals(before)) {
      stock.put(saleId, level);
      stockLevels.changed(level);
    }
    if (state.drawing() && !now.isBefore(closeAt) && live == 0) {
      String revealed = seedOf(sale);
      if (revealed != null) {
        state = state.closedNow();
        closed.add(closing(sale, state, revealed, now));
        log.info("Last draw of {} closed: {} rounds, {} winners", saleId, state.round(), state.winners());
      }
    }
    if (!state.equals(stored)) { // most seconds change nothing: no changelog record for them
      states.put(saleId, state);
    }
  }

  /** Gives back the units of winners who did not claim them in time (their claimUntil, and the grace of a lottery). */
  private StockLevel lapse(Sale sale, StockLevel level, Instant now) {
    int lapsed = 0;
    List<String> due = new ArrayList<>();
    try (KeyValueIterator<String, Long> found = prefix(winners, sale.getSaleId())) {
      found.forEachRemaining(entry -> {
        if (entry.value > SETTLED
            && !now.isBefore(Instant.ofEpochMilli(entry.value).plus(SaleTopology.LOTTERY_DRAW_GRACE))) {
          due.add(entry.key);
        }
      });
    }
    for (String key : due) {
      winners.put(key, SETTLED);
      lapsed += LastDrawRules.UNITS_PER_WINNER;
    }
    if (lapsed == 0) {
      return level;
    }
    log.info("{} units reserved by the last draw of {} were not claimed in time; they go to the next round", lapsed,
        sale.getSaleId());
    return StockLevel.newBuilder(level).setAvailable(level.getAvailable() + lapsed)
        .setReserved(level.getReserved() - lapsed).setDrawReserved(level.getDrawReserved() - lapsed)
        .setUpdatedAt(now).build();
  }

  private int liveReservations(String saleId) {
    int live = 0;
    try (KeyValueIterator<String, Long> found = prefix(winners, saleId)) {
      while (found.hasNext()) {
        if (found.next().value > SETTLED) {
          live++;
        }
      }
    }
    return live;
  }

  /**
   * A round over the sale's queue members: one walk of the members store (its cost follows the queue: the draw
   * itself took 0.7 s per million candidates on a loaded 2-core machine, plus two store reads per member), keeping
   * only the best {@code available} in memory. Null without a winner.
   */
  private LastDrawRound round(Sale sale, StockLevel level, LastDrawState state, String seed, Instant now) {
    String saleId = sale.getSaleId();
    int roundNumber = state.round() + 1;
    long[] candidates = {0};
    String previous = state.digest() != null ? state.digest() : LotteryRules.seedHash(seed);
    LastDrawRules.Round drawn;
    try (KeyValueIterator<String, Long> found = prefix(members, saleId)) {
      Iterable<String> eligible = () -> new Iterator<>() {
        private String next = advance();

        private String advance() {
          while (found.hasNext()) {
            String userId = StoreKeys.idOfSaleScoped(found.next().key);
            String key = StoreKeys.saleScoped(saleId, userId);
            // Any entry is a winner or a buyer who held a unit; the held units' check is for state from before it.
            Integer held = userQuantities.get(key);
            if ((held == null || held <= 0) && winners.get(key) == null) {
              candidates[0]++;
              return userId;
            }
          }
          return null;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public String next() {
          String current = next;
          next = advance();
          return current;
        }
      };
      drawn = LastDrawRules.draw(seed, previous, roundNumber, eligible, level.getAvailable());
    }
    if (drawn.winners().isEmpty()) {
      return null;
    }
    Instant claimUntil = LastDrawRules.claimUntil(sale, now);
    drawn.winners().forEach(userId -> winners.put(StoreKeys.saleScoped(saleId, userId), claimUntil.toEpochMilli()));
    QueueStats queue = queueCounts.get(saleId);
    return LastDrawRound.newBuilder()
        .setSaleId(saleId).setSku(sale.getSku()).setRound(roundNumber)
        .setSeedHash(LotteryRules.seedHash(seed)).setUnits(level.getAvailable()).setCandidates(candidates[0])
        .setWinners(drawn.winners()).setPlacesUpTo(queue == null ? 0 : queue.getJoined())
        .setOutcomesUpTo(level.getOutcomes()).setClaimUntil(claimUntil).setDigest(drawn.digest()).setDrawnAt(now)
        .build();
  }

  private DrawResult closing(Sale sale, LastDrawState state, String seed, Instant now) {
    QueueStats queue = queueCounts.get(sale.getSaleId());
    return DrawResult.newBuilder()
        .setSaleId(sale.getSaleId()).setSku(sale.getSku()).setSeed(seed).setSeedHash(LotteryRules.seedHash(seed))
        .setEntries(queue == null ? 0 : queue.getJoined()).setWinners(state.winners())
        .setEntriesDigest(state.digest() != null ? state.digest() : LotteryRules.seedHash(seed))
        .setAlgorithm(LastDrawRules.ALGORITHM).setLastEntryPartition(-1).setLastEntryOffset(-1).setLastEntryIndex(-1)
        .setDrawnAt(now)
        .build();
  }

  /** The seed whose hash the sale published (the saleId for a sale defined without one); null until it is read. */
  private String seedOf(Sale sale) {
    if (sale.getDrawSeedHash() == null) {
      return sale.getSaleId();
    }
    String seed = seeds.get(StoreKeys.saleScoped(sale.getSaleId(), sale.getDrawSeedHash()));
    if (seed == null && warnedWithoutSeed.add(sale.getSaleId())) {
      log.warn("Last draw of {} waits: no seed with its drawSeedHash {} on {}", sale.getSaleId(),
          sale.getDrawSeedHash(), Topics.DRAW_SEEDS);
    }
    return seed;
  }

  private static <V> KeyValueIterator<String, V> prefix(KeyValueStore<String, V> store, String saleId) {
    return store.prefixScan(StoreKeys.salePrefix(saleId), KEY_PREFIX_SERIALIZER);
  }
}
