package io.flashsale.topology;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.StockLevel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The holds of one task, over its stores. A hold is live while its request's latest outcome in the
 * decided-requests store is ACCEPTED; the hold-expiries store indexes live holds by expiry. Every way a
 * hold ends (expiry, cancellation, payment) goes through here and first checks that the hold is still
 * live, then stores the new status with the stock it moves in the same commit: so each hold ends once.
 */
final class Holds {
  private final ProcessorContext<String, SpecificRecord> context;
  private final KeyValueStore<String, StockLevel> stock;
  private final KeyValueStore<String, Integer> userQuantities;
  private final KeyValueStore<String, Integer> deviceQuantities;
  private final KeyValueStore<String, PurchaseOutcome> decidedRequests;
  private final KeyValueStore<String, String> holdExpiries;
  private final StockLevels stockLevels;

  Holds(ProcessorContext<String, SpecificRecord> context, StockLevels stockLevels) {
    this.context = context;
    this.stockLevels = stockLevels;
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    userQuantities = context.getStateStore(SaleTopology.USER_QUANTITIES_STORE);
    deviceQuantities = context.getStateStore(SaleTopology.DEVICE_QUANTITIES_STORE);
    decidedRequests = context.getStateStore(SaleTopology.DECIDED_REQUESTS_STORE);
    holdExpiries = context.getStateStore(SaleTopology.HOLD_EXPIRIES_STORE);
  }

  /** The latest outcome of a request, or null if it was never decided in this task. */
  PurchaseOutcome latest(String requestId) {
    return decidedRequests.get(requestId);
  }

  StockLevel stockOf(String saleId) {
    return stock.get(saleId);
  }

  /** Units the user holds or bought in the sale. */
  int userQuantity(String saleId, String userId) {
    Integer quantity = userQuantities.get(StoreKeys.saleScoped(saleId, userId));
    return quantity == null ? 0 : quantity;
  }

  /** Units all users of the device hold or bought in the sale; 0 for a request without a device. */
  int deviceQuantity(String saleId, String deviceId) {
    Integer quantity = deviceId == null ? null : deviceQuantities.get(StoreKeys.saleScoped(saleId, deviceId));
    return quantity == null ? 0 : quantity;
  }

  /** Starts the hold of an accepted purchase: the units count against the user's and the device's limits until it ends. */
  void start(PurchaseOutcome accepted) {
    addUserQuantity(accepted, accepted.getQuantity());
    holdExpiries.put(expiryKey(accepted), accepted.getRequestId());
  }

  /**
   * What one run of expiries did: the holds it ended, where the next run goes on from (every index key below it
   * has been handled), and whether holds due by then were left for the next run.
   */
  record Expiries(int ended, String resumeFrom, boolean more) {}

  /**
   * Ends, as EXPIRED, the live holds whose holdExpiresAt is at or before {@code now}, earliest first, at most
   * {@code max} of them, looking at index keys from {@code from} on. The index is scanned from there up to now only,
   * so the cost follows the holds due, not the holds alive nor those already ended.
   */
  Expiries expireDue(Instant now, String from, int max) {
    List<KeyValue<String, String>> due = new ArrayList<>();
    String next = null;
    try (KeyValueIterator<String, String> found =
        holdExpiries.range(from, StoreKeys.holdExpiriesAfter(now.toEpochMilli()))) {
      while (found.hasNext()) {
        KeyValue<String, String> entry = found.next();
        if (due.size() == max) {
          next = entry.key;
          break;
        }
        due.add(entry);
      }
    }
    int expired = 0;
    for (KeyValue<String, String> entry : due) {
      holdExpiries.delete(entry.key);
      if (release(entry.value, OutcomeStatus.EXPIRED, now)) {
        expired++;
      }
    }
    // All due by now have ended: the next run starts at now's millisecond (a hold indexed at exactly now is found).
    return next == null ? new Expiries(expired, StoreKeys.holdExpiriesFrom(now.toEpochMilli()), false)
        : new Expiries(expired, next, true);
  }

  /**
   * Ends a live hold without payment (EXPIRED or CANCELLED): its units go back to the sale, and the
   * user may buy them again. Returns false, changing nothing, if the request holds nothing (any more).
   */
  boolean release(String requestId, OutcomeStatus ending, Instant now) {
    PurchaseOutcome hold = decidedRequests.get(requestId);
    if (hold == null || hold.getStatus() != OutcomeStatus.ACCEPTED) {
      return false;
    }
    StockLevel level = OutcomeSequence.next(released(stock.get(hold.getSaleId()), hold.getQuantity(), ending, now));
    PurchaseOutcome ended = PurchaseOutcome.newBuilder(hold).setStatus(ending).setDecidedAt(now)
        .setSaleSequence(level.getOutcomes()).build();
    decidedRequests.put(requestId, ended);
    holdExpiries.delete(expiryKey(hold));
    addUserQuantity(hold, -hold.getQuantity());
    emit(ended);
    changeStock(level);
    return true;
  }

  /**
   * Writes what a payment did. A confirmation ends the hold (or, late, takes the units from available
   * stock); a refund due changes no purchase, only counts on the sale if the sale is known.
   *
   * @param purchase the latest outcome of the paid request, as the decision saw it
   * @param level the sale's stock as the decision saw it, or null if the sale is unknown
   * @return the outcome emitted, or null if nothing happened
   */
  PurchaseOutcome recordPayment(PaymentDecision decision, PaymentEvent event, PurchaseOutcome purchase,
      StockLevel level, Instant now) {
    if (decision.verdict() == PaymentDecision.Verdict.NOTHING) {
      return null;
    }
    // A payment for an unknown sale changes no sale's counts, so no sale numbers its outcome.
    PurchaseOutcome outcome = decision.toOutcome(event, purchase, now);
    StockLevel next = level == null ? null : OutcomeSequence.next(decision.applyTo(level, outcome.getQuantity(), now));
    outcome.setSaleSequence(next == null ? OutcomeSequence.NONE : next.getOutcomes());
    if (decision.verdict() == PaymentDecision.Verdict.CONFIRM) {
      holdExpiries.delete(expiryKey(purchase));
    } else if (decision.verdict() == PaymentDecision.Verdict.CONFIRM_LATE) {
      addUserQuantity(purchase, purchase.getQuantity());
    }
    if (decision.confirms()) {
      decidedRequests.put(outcome.getRequestId(), outcome);
    }
    emit(outcome);
    if (next != null) {
      changeStock(next);
    }
    return outcome;
  }

  /** The sale's stock after a hold of {@code quantity} units ended without payment. */
  static StockLevel released(StockLevel stock, int quantity, OutcomeStatus ending, Instant at) {
    StockLevel.Builder next = StockLevel.newBuilder(stock)
        .setReserved(stock.getReserved() - quantity)
        .setAvailable(stock.getAvailable() + quantity)
        .setUpdatedAt(at);
    switch (ending) {
      case EXPIRED -> next.setExpired(stock.getExpired() + 1);
      case CANCELLED -> next.setCancelled(stock.getCancelled() + 1);
      default -> throw new IllegalArgumentException(ending + " is not how a hold ends unpaid");
    }
    return next.build();
  }

  /** Counts units for the purchase's user and, if it came from a device, for its device. */
  private void addUserQuantity(PurchaseOutcome purchase, int delta) {
    add(userQuantities, StoreKeys.saleScoped(purchase.getSaleId(), purchase.getUserId()),
        userQuantity(purchase.getSaleId(), purchase.getUserId()) + delta);
    if (purchase.getDeviceId() != null) {
      add(deviceQuantities, StoreKeys.saleScoped(purchase.getSaleId(), purchase.getDeviceId()),
          deviceQuantity(purchase.getSaleId(), purchase.getDeviceId()) + delta);
    }
  }

  private static void add(KeyValueStore<String, Integer> quantities, String key, int next) {
    // Holding nothing needs no entry; and a hold ending after its sale's state was purged leaves none.
    if (next <= 0) {
      quantities.delete(key);
    } else {
      quantities.put(key, next);
    }
  }

  private void changeStock(StockLevel next) {
    stock.put(next.getSaleId(), next);
    stockLevels.changed(next);
  }

  private void emit(PurchaseOutcome outcome) {
    context.forward(new Record<>(outcome.getRequestId(), outcome, outcome.getDecidedAt().toEpochMilli()),
        SaleTopology.OUTCOMES_METER);
  }

  private static String expiryKey(PurchaseOutcome hold) {
    return StoreKeys.holdExpiry(hold.getHoldExpiresAt(), hold.getRequestId());
  }
}
