package io.flashsale.reconciliation.sink;

import io.flashsale.reconciliation.sink.BatchStatements.OrderRow;
import io.flashsale.reconciliation.sink.BatchStatements.Position;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger of a whole poll written at once: outcomes are collected in the order they are applied, and at
 * {@link #flush()} the orders they touch are read in one query, their states moved in memory exactly as
 * {@link Ledger} moves them in the database, and the rows written with one statement per table ({@code
 * order_events}, new orders, changed orders, refunds owed) instead of two or three round trips per outcome; the
 * stock moves follow, as in {@link Ledger}. A row the database refuses fails the poll, which is then written
 * record by record by {@link Ledger} to find it: the two write the same rows ({@code SinkBatchPropertyTest}).
 */
final class BatchedLedger extends Ledger {
  private static final Logger log = LoggerFactory.getLogger(BatchedLedger.class);

  private record Pending(PurchaseOutcome outcome, int partition, long offset) {}

  /** An order as the poll leaves it. */
  private static final class Order {
    final String requestId;
    final String saleId;
    final int quantity;
    String status;
    Long endedAt;
    Long lastOffset;
    String paymentId;
    Long amountCents;
    String currency;
    /** Opened by this poll: inserted whole; otherwise updated. */
    final PurchaseOutcome opening;

    Order(OrderRow row) {
      this.requestId = row.requestId();
      this.saleId = row.saleId();
      this.quantity = row.quantity();
      this.status = row.status();
      this.paymentId = row.paymentId();
      this.amountCents = row.amountCents();
      this.currency = row.currency();
      this.opening = null;
    }

    Order(PurchaseOutcome opening, long offset) {
      this.requestId = opening.getRequestId();
      this.saleId = opening.getSaleId();
      this.quantity = opening.getQuantity();
      this.status = opening.getStatus().name();
      this.lastOffset = offset;
      this.opening = opening;
    }

    /** As {@code LedgerStatements.endOrder} sets it. */
    void end(PurchaseOutcome outcome, long offset) {
      status = outcome.getStatus().name();
      endedAt = outcome.getDecidedAt().toEpochMilli();
      lastOffset = offset;
      paymentId = outcome.getPaymentId() != null ? outcome.getPaymentId() : paymentId;
      amountCents = outcome.getAmountCents() != null ? outcome.getAmountCents() : amountCents;
      currency = outcome.getCurrency() != null ? outcome.getCurrency() : currency;
    }
  }

  private final BatchStatements sql;
  private final List<Pending> pending = new ArrayList<>();

  BatchedLedger(Handle handle, Set<String> knownSales) {
    super(handle, knownSales);
    this.sql = handle.attach(BatchStatements.class);
  }

  @Override
  Recorded applyOutcome(PurchaseOutcome outcome, int partition, long offset) {
    pending.add(new Pending(outcome, partition, offset));
    return Recorded.APPLIED;
  }

  /** A refund made settles the refund owed, which an outcome of this poll may still have to write first. */
  @Override
  void recordPayment(PaymentEvent event) {
    if (event.getType() == PaymentEventType.REFUNDED) {
      writePending();
    }
    super.recordPayment(event);
  }

  @Override
  void flush() {
    try {
      writePending();
    } finally {
      pending.clear();
    }
    super.flush();
  }

  @Override
  void discard() {
    pending.clear();
    super.discard();
  }

  private void writePending() {
    if (pending.isEmpty()) {
      return;
    }
    List<Pending> outcomes = List.copyOf(pending);
    pending.clear();
    // The history rows first: the insert answers which positions are new, and only those have effects (a record
    // read again, a replay of one in the books, was applied with its row).
    Set<Position> fresh = new HashSet<>(writeEvents(outcomes));
    Map<String, Order> orders = new HashMap<>();
    sql.orders(outcomes.stream().map(p -> p.outcome().getRequestId()).distinct().toArray(String[]::new))
        .forEach(row -> orders.put(row.requestId(), new Order(row)));

    Map<String, Order> touched = new LinkedHashMap<>();
    List<PurchaseOutcome> refunds = new ArrayList<>();
    for (Pending p : outcomes) {
      if (!fresh.remove(new Position(p.partition(), p.offset()))) {
        continue; // recorded before, or twice in this poll: its effects were applied with it
      }
      PurchaseOutcome outcome = p.outcome();
      Order order = orders.get(outcome.getRequestId());
      switch (outcome.getStatus()) {
        case ACCEPTED, REJECTED -> {
          if (order == null) {
            order = new Order(outcome, p.offset());
            orders.put(order.requestId, order);
            touched.put(order.requestId, order);
            if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
              moveStock(outcome.getSaleId(), outcome.getQuantity(), 0);
            }
          }
        }
        case CONFIRMED -> {
          if (order != null && (order.status.equals("ACCEPTED") || order.status.equals("EXPIRED")
              || order.status.equals("CANCELLED"))) {
            boolean held = order.status.equals("ACCEPTED");
            order.end(outcome, p.offset());
            touched.put(order.requestId, order);
            moveStock(order.saleId, held ? -order.quantity : 0, order.quantity);
          } else {
            log.warn("CONFIRMED for request {} that is not held or ended: no change", outcome.getRequestId());
          }
        }
        case EXPIRED, CANCELLED -> {
          if (order != null && order.status.equals("ACCEPTED")) {
            order.end(outcome, p.offset());
            touched.put(order.requestId, order);
            moveStock(order.saleId, -order.quantity, 0);
          } else {
            log.warn("{} for request {} that holds nothing: no change", outcome.getStatus(), outcome.getRequestId());
          }
        }
        case REFUND_DUE -> refunds.add(outcome);
      }
    }
    writeOrders(touched.values());
    if (!refunds.isEmpty()) {
      sql.insertRefundsDue(map(refunds, String[]::new, PurchaseOutcome::getPaymentId),
          map(refunds, String[]::new, PurchaseOutcome::getRequestId), map(refunds, String[]::new, PurchaseOutcome::getSaleId),
          map(refunds, Long[]::new, PurchaseOutcome::getAmountCents), map(refunds, String[]::new, PurchaseOutcome::getCurrency),
          map(refunds, Long[]::new, o -> millis(o.getDecidedAt())));
    }
  }

  private List<Position> writeEvents(List<Pending> events) {
    List<PurchaseOutcome> o = events.stream().map(Pending::outcome).toList();
    return sql.insertEvents(map(events, Integer[]::new, Pending::partition), map(events, Long[]::new, Pending::offset),
        map(o, String[]::new, PurchaseOutcome::getRequestId), map(o, String[]::new, PurchaseOutcome::getSaleId),
        map(o, String[]::new, PurchaseOutcome::getUserId), map(o, Integer[]::new, PurchaseOutcome::getQuantity),
        map(o, String[]::new, x -> x.getStatus().name()),
        map(o, String[]::new, x -> x.getReason() == null ? null : x.getReason().name()),
        map(o, Long[]::new, x -> millis(x.getDecidedAt())), map(o, Long[]::new, x -> millis(x.getHoldExpiresAt())),
        map(o, String[]::new, PurchaseOutcome::getPaymentId), map(o, Long[]::new, PurchaseOutcome::getAmountCents),
        map(o, String[]::new, PurchaseOutcome::getCurrency), map(o, String[]::new, PurchaseOutcome::getFlowId));
  }

  private void writeOrders(java.util.Collection<Order> touched) {
    List<Order> opened = touched.stream().filter(order -> order.opening != null).toList();
    List<Order> moved = touched.stream().filter(order -> order.opening == null).toList();
    if (!opened.isEmpty()) {
      List<PurchaseOutcome> o = opened.stream().map(order -> order.opening).toList();
      sql.insertOrders(map(opened, String[]::new, order -> order.requestId),
          map(opened, String[]::new, order -> order.saleId), map(o, String[]::new, PurchaseOutcome::getSku),
          map(o, String[]::new, PurchaseOutcome::getUserId), map(opened, Integer[]::new, order -> order.quantity),
          map(opened, String[]::new, order -> order.status),
          map(o, String[]::new, x -> x.getReason() == null ? null : x.getReason().name()),
          map(o, Long[]::new, x -> millis(x.getDecidedAt())), map(o, Long[]::new, x -> millis(x.getHoldExpiresAt())),
          map(opened, Long[]::new, order -> order.endedAt), map(opened, String[]::new, order -> order.paymentId),
          map(opened, Long[]::new, order -> order.amountCents), map(opened, String[]::new, order -> order.currency),
          map(o, Integer[]::new, PurchaseOutcome::getRequestPartition), map(o, Long[]::new, PurchaseOutcome::getRequestOffset),
          map(opened, Long[]::new, order -> order.lastOffset), map(o, String[]::new, PurchaseOutcome::getFlowId));
    }
    if (!moved.isEmpty()) {
      sql.updateOrders(map(moved, String[]::new, order -> order.requestId),
          map(moved, String[]::new, order -> order.status), map(moved, Long[]::new, order -> order.endedAt),
          map(moved, Long[]::new, order -> order.lastOffset), map(moved, String[]::new, order -> order.paymentId),
          map(moved, Long[]::new, order -> order.amountCents), map(moved, String[]::new, order -> order.currency));
    }
  }

  private static Long millis(Instant time) {
    return time == null ? null : time.toEpochMilli();
  }

  private static <T, R> R[] map(List<T> items, java.util.function.IntFunction<R[]> array, Function<T, R> field) {
    R[] values = array.apply(items.size());
    for (int i = 0; i < values.length; i++) {
      values[i] = field.apply(items.get(i));
    }
    return values;
  }
}
