package io.flashsale.topology;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Purges the purchase state of a task that no request can reach any more, so that the stores follow the sales
 * and holds in play instead of every request ever decided.
 *
 * <p>A request's entry in decided-requests may go at its sale's purge time ({@link #purgeAt}): the sale has
 * ended, its longest hold has run and the grace (the API's longest idempotent retry window) is over. A retry
 * that still comes later is judged by its record's time, past the sale's end, so it is rejected SALE_NOT_LIVE
 * and changes no stock: losing its dedup entry changes nothing that counts. An entry still ACCEPTED there is a
 * live hold (of a request decided after its sale's end, by a lagging task) and stays until the hold has ended.
 * A sale's user-quantities, device-quantities and lottery state (entries, tickets, device wins, seeds) go at the
 * same time.
 *
 * <p>Each entry is indexed by its purge time when first stored, each sale when registered; a run range-scans
 * the indexes up to now, so its cost follows what is due, not what is stored. One run deletes at most
 * {@link #MAX_DELETES_PER_RUN} entries, so that one transaction stays small; the rest go in the next run.
 *
 * <p>The stores are changelogged: each delete writes a tombstone to the store's changelog, so once the log
 * cleaner has compacted it the changelog, and a restore from it, shrinks with the store.
 */
final class StatePurge {
  /** The most entries one run deletes. */
  static final int MAX_DELETES_PER_RUN = 10_000;
  private static final StringSerializer KEY_PREFIX_SERIALIZER = new StringSerializer();

  private final Duration grace;
  private final KeyValueStore<String, PurchaseOutcome> decidedRequests;
  private final KeyValueStore<String, String> requestPurges;
  private final KeyValueStore<String, String> salePurges;
  private final KeyValueStore<String, Integer> userQuantities;
  private final KeyValueStore<String, Integer> deviceQuantities;
  private final KeyValueStore<String, LotteryEntry> lotteryEntries;
  private final KeyValueStore<String, Long> queueMembers;
  private final KeyValueStore<String, String> lotteryTickets;
  private final KeyValueStore<String, Integer> lotteryDeviceWins;
  private final KeyValueStore<String, String> drawSeeds;
  private final KeyValueStore<String, Long> lotteryDrawsDue;
  private final KeyValueStore<String, Long> lastDrawWinners;
  private final KeyValueStore<String, LastDrawState> lastDraws;

  StatePurge(ProcessorContext<?, ?> context, Duration grace) {
    this.grace = grace;
    decidedRequests = context.getStateStore(SaleTopology.DECIDED_REQUESTS_STORE);
    requestPurges = context.getStateStore(SaleTopology.DECIDED_REQUEST_PURGES_STORE);
    salePurges = context.getStateStore(SaleTopology.SALE_PURGES_STORE);
    userQuantities = context.getStateStore(SaleTopology.USER_QUANTITIES_STORE);
    deviceQuantities = context.getStateStore(SaleTopology.DEVICE_QUANTITIES_STORE);
    lotteryEntries = context.getStateStore(SaleTopology.LOTTERY_ENTRIES_STORE);
    queueMembers = context.getStateStore(SaleTopology.QUEUE_MEMBERS_STORE);
    lotteryTickets = context.getStateStore(SaleTopology.LOTTERY_TICKETS_STORE);
    lotteryDeviceWins = context.getStateStore(SaleTopology.LOTTERY_DEVICE_WINS_STORE);
    drawSeeds = context.getStateStore(SaleTopology.DRAW_SEEDS_STORE);
    lotteryDrawsDue = context.getStateStore(SaleTopology.LOTTERY_DRAWS_DUE_STORE);
    lastDrawWinners = context.getStateStore(SaleTopology.LAST_DRAW_WINNERS_STORE);
    lastDraws = context.getStateStore(SaleTopology.LAST_DRAWS_STORE);
  }

  /** When no retry can reach a request of the sale any more: its end, plus its hold, plus the grace. */
  static Instant purgeAt(Sale sale, Duration grace) {
    return sale.getEndsAt().plusSeconds(sale.getHoldSeconds()).plus(grace);
  }

  /**
   * Indexes a request's entry, just stored for the first time, by its purge time. A request of no known sale
   * (rejected SALE_NOT_LIVE) has no sale's end to wait for: it goes once the grace after its decision is over.
   */
  void indexRequest(PurchaseOutcome first, Sale sale) {
    Instant due = sale == null ? first.getDecidedAt().plus(grace) : purgeAt(sale, grace);
    requestPurges.put(StoreKeys.timed(due, first.getRequestId()), first.getRequestId());
  }

  /** Runs one purge of everything due at {@code now}; returns the entries deleted. */
  int purgeDue(Instant now) {
    int budget = MAX_DELETES_PER_RUN;
    for (KeyValue<String, String> due : due(requestPurges, now, budget)) {
      requestPurges.delete(due.key);
      PurchaseOutcome entry = decidedRequests.get(due.value);
      if (entry != null && entry.getStatus() == OutcomeStatus.ACCEPTED) {
        // A live hold: look again once it has ended (hold expiry ends it at its holdExpiresAt).
        Instant after = later(entry.getHoldExpiresAt(), now).plus(SaleTopology.PURGE_INTERVAL);
        requestPurges.put(StoreKeys.timed(after, due.value), due.value);
      } else if (entry != null) {
        decidedRequests.delete(due.value);
        budget--;
      }
    }
    for (KeyValue<String, String> due : due(salePurges, now, Math.max(budget, 0))) {
      if (lotteryDrawsDue.get(due.value) != null) {
        continue; // entries waiting for their draw are requests not decided yet: never dropped
      }
      budget -= deleteSale(userQuantities, due.value, budget);
      budget -= deleteSale(deviceQuantities, due.value, budget);
      budget -= deleteSale(lotteryEntries, due.value, budget);
      budget -= deleteSale(queueMembers, due.value, budget);
      budget -= deleteSale(lotteryTickets, due.value, budget);
      budget -= deleteSale(lotteryDeviceWins, due.value, budget);
      budget -= deleteSale(drawSeeds, due.value, budget);
      budget -= deleteSale(lastDrawWinners, due.value, budget);
      if (budget <= 0) {
        break; // the sale may have more: its index entry stays for the next run
      }
      lastDraws.delete(due.value);
      salePurges.delete(due.key);
    }
    return MAX_DELETES_PER_RUN - budget;
  }

  /** Up to {@code max} entries of a time index due at or before {@code now}, earliest first. */
  static List<KeyValue<String, String>> due(KeyValueStore<String, String> index, Instant now, int max) {
    List<KeyValue<String, String>> due = new ArrayList<>();
    if (max <= 0) {
      return due;
    }
    try (KeyValueIterator<String, String> found =
        index.range(StoreKeys.FIRST_HOLD_EXPIRY, StoreKeys.timedAfter(now.toEpochMilli()))) {
      while (found.hasNext() && due.size() < max) {
        due.add(found.next());
      }
    }
    return due;
  }

  private static <V> int deleteSale(KeyValueStore<String, V> store, String saleId, int max) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, V> found = store.prefixScan(StoreKeys.salePrefix(saleId), KEY_PREFIX_SERIALIZER)) {
      while (found.hasNext() && keys.size() < max) {
        keys.add(found.next().key);
      }
    }
    keys.forEach(store::delete);
    return keys.size();
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
