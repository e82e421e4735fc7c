package io.flashsale.reconciliation.sink;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes sales, outcomes and payment events into the books within the caller's transaction, each at most
 * once, and keeps the sales' reserved and confirmed counts as the outcomes move stock. One ledger serves
 * one transaction; the caller calls {@link #flush()} before committing.
 *
 * <p>Round trips are what a sink spends its time on, so stock moves are summed per sale and written once
 * per transaction (passing through the highest point of the way, see {@link #flush()}), and sales known to exist are
 * remembered across transactions.
 */
class Ledger {
  private static final Logger log = LoggerFactory.getLogger(Ledger.class);
  private static final String ACCEPTED = OutcomeStatus.ACCEPTED.name();
  private static final String EXPIRED = OutcomeStatus.EXPIRED.name();
  private static final String CANCELLED = OutcomeStatus.CANCELLED.name();

  /** What became of an outcome. */
  enum Recorded { APPLIED, ALREADY_RECORDED, SALE_UNKNOWN }

  private final LedgerStatements sql;
  /** Sales committed before this transaction; shared with the next ledgers, so only added to once committed. */
  private final Set<String> knownSales;
  private final Set<String> salesAdded = new HashSet<>();
  /**
   * Per sale: units newly held and newly sold (either may be negative) in this transaction, and the highest
   * their sum reached on the way ({@link #PEAK}).
   */
  private final Map<String, int[]> stockMoves = new HashMap<>();
  private static final int HELD = 0;
  private static final int SOLD = 1;
  private static final int PEAK = 2;

  Ledger(Handle handle, Set<String> knownSales) {
    this.sql = handle.attach(LedgerStatements.class);
    this.knownSales = knownSales;
  }

  /**
   * Writes the summed stock moves; the transaction may then commit. Where a sale's units in use rose higher on
   * the way than where they end (a unit held, then another freed), the sale first passes through that peak, so
   * that the no-oversell guard judges every state the outcomes went through in their order, not only the last.
   */
  void flush() {
    try {
      List<String> peaked = new ArrayList<>();
      List<Integer> peaks = new ArrayList<>();
      stockMoves.forEach((saleId, move) -> {
        if (move[PEAK] > move[HELD] + move[SOLD]) {
          peaked.add(saleId);
          peaks.add(move[PEAK]);
        }
      });
      if (!peaked.isEmpty()) {
        Integer[] none = new Integer[peaks.size()];
        java.util.Arrays.fill(none, 0);
        sql.moveStocks(peaked.toArray(String[]::new), peaks.toArray(Integer[]::new), none); // through the peak first
      }
      if (!stockMoves.isEmpty()) {
        String[] sales = stockMoves.keySet().toArray(String[]::new);
        Integer[] held = new Integer[sales.length];
        Integer[] sold = new Integer[sales.length];
        for (int i = 0; i < sales.length; i++) {
          int[] move = stockMoves.get(sales[i]);
          held[i] = move[HELD] - (move[PEAK] > move[HELD] + move[SOLD] ? move[PEAK] : 0);
          sold[i] = move[SOLD];
        }
        sql.moveStocks(sales, held, sold);
      }
    } finally {
      stockMoves.clear();
    }
  }

  /** Forgets the stock moves not written yet: the caller rolled back the records that made them. */
  void discard() {
    stockMoves.clear();
  }

  /** Sales recorded in this transaction, to be known once it committed. */
  Set<String> salesAdded() {
    return salesAdded;
  }

  /** Records a sale's definition; the first one wins. */
  void recordSale(Sale sale) {
    sql.insertSale(sale);
    salesAdded.add(sale.getSaleId());
  }

  /** A payment event; a refund the provider made also settles the refund owed for its payment. */
  void recordPayment(PaymentEvent event) {
    if (sql.insertPayment(event) == 1 && event.getType() == PaymentEventType.REFUNDED) {
      sql.markRefunded(event.getPaymentId(), event.getOrderId(), event.getRequestId(), event.getOccurredAt());
    }
  }

  /**
   * Applies an outcome read at {@code offset} of {@code partition} of purchase-outcomes. A first decision
   * about a sale not (yet) in the books is not written: the caller reads the sales first, or records it as
   * {@link #recordOrphan an orphan} once it knows the sale will not come.
   */
  Recorded recordOutcome(PurchaseOutcome outcome, int partition, long offset) {
    boolean opensOrder = outcome.getStatus() == OutcomeStatus.ACCEPTED || outcome.getStatus() == OutcomeStatus.REJECTED;
    if (opensOrder && !saleExists(outcome.getSaleId())) {
      return Recorded.SALE_UNKNOWN;
    }
    return applyOutcome(outcome, partition, offset);
  }

  /** Writes an outcome whose sale is known (or need not be), and moves its sale's stock. */
  Recorded applyOutcome(PurchaseOutcome outcome, int partition, long offset) {
    if (sql.insertOrderEvent(Topics.PURCHASE_OUTCOMES, partition, offset, outcome) == 0) {
      return Recorded.ALREADY_RECORDED; // its effects were applied with it
    }
    switch (outcome.getStatus()) {
      case ACCEPTED -> {
        if (sql.openOrder(outcome, offset) == 1) {
          moveStock(outcome.getSaleId(), outcome.getQuantity(), 0);
        }
      }
      case REJECTED -> sql.openOrder(outcome, offset);
      case CONFIRMED -> confirm(outcome, offset);
      case EXPIRED, CANCELLED -> endHold(outcome, offset);
      case REFUND_DUE -> sql.insertRefundDue(outcome);
    }
    return Recorded.APPLIED;
  }

  /** A decision about a sale the log never defined: kept in the history, without an order. */
  void recordOrphan(PurchaseOutcome outcome, int partition, long offset) {
    log.warn("Outcome {} of request {} names sale {}, which was never defined; kept in order_events only",
        outcome.getStatus(), outcome.getRequestId(), outcome.getSaleId());
    sql.insertOrderEvent(Topics.PURCHASE_OUTCOMES, partition, offset, outcome);
  }

  /** From a live hold: held units become sold. After the hold ended (a late payment): sold from available. */
  private void confirm(PurchaseOutcome outcome, long offset) {
    sql.endOrder(outcome, offset, List.of(ACCEPTED, EXPIRED, CANCELLED)).ifPresentOrElse(
        before -> moveStock(before.saleId(), before.status().equals(ACCEPTED) ? -before.quantity() : 0, before.quantity()),
        () -> log.warn("CONFIRMED for request {} that is not held or ended: no change", outcome.getRequestId()));
  }

  /** Expiry or cancellation ends a live hold and gives its units back; any other state stays as it is. */
  private void endHold(PurchaseOutcome outcome, long offset) {
    sql.endOrder(outcome, offset, List.of(ACCEPTED)).ifPresentOrElse(
        before -> moveStock(before.saleId(), -before.quantity(), 0),
        () -> log.warn("{} for request {} that holds nothing: no change", outcome.getStatus(), outcome.getRequestId()));
  }

  private boolean saleExists(String saleId) {
    if (knownSales.contains(saleId) || salesAdded.contains(saleId)) {
      return true;
    }
    if (sql.saleExists(saleId)) {
      knownSales.add(saleId); // committed before this transaction began
      return true;
    }
    return false;
  }

  /** Adds to a sale's stock moves of this transaction, in the order the outcomes are applied. */
  final void moveStock(String saleId, int reserved, int confirmed) {
    int[] move = stockMoves.computeIfAbsent(saleId, id -> new int[3]);
    move[HELD] += reserved;
    move[SOLD] += confirmed;
    move[PEAK] = Math.max(move[PEAK], move[HELD] + move[SOLD]);
  }
}
