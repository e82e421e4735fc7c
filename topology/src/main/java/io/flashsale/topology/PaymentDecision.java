package io.flashsale.topology;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Instant;

/**
 * What a payment event does to the purchase it pays for, decided from the purchase's latest outcome,
 * the sale, its stock and what the buyer already holds or bought. Pure functions only, like
 * {@link PurchaseDecision}: the processor reads the inputs from its stores and writes the results back.
 */
public record PaymentDecision(Verdict verdict, String why) {

  public enum Verdict {
    /** No state changes: a failed or refunded payment, or a success already counted for this payment. */
    NOTHING,
    /** A live hold is paid: its reserved units become confirmed. */
    CONFIRM,
    /** The hold had ended but the units are still there: they are confirmed from available stock. */
    CONFIRM_LATE,
    /** The money buys nothing: it is owed back to the buyer. */
    REFUND_DUE
  }

  static PaymentDecision nothing(String why) {
    return new PaymentDecision(Verdict.NOTHING, why);
  }

  static PaymentDecision refundDue(String why) {
    return new PaymentDecision(Verdict.REFUND_DUE, why);
  }

  /**
   * Decides a payment event. Only a success can change anything. It must pay for a purchase that was
   * accepted in the event's sale, with the sale's price times the quantity in the sale's currency; then it
   * confirms a live hold, confirms an ended hold late if the stock and the buyer's and device's limits still allow,
   * and is ignored if this very payment already confirmed the purchase. Every other success is a refund due.
   *
   * @param purchase the latest outcome of the event's requestId, or null if none is known
   * @param sale the event's sale, or null if none is known on the event's SKU
   * @param stock that sale's stock, or null if the sale is unknown
   * @param userQuantity units the purchase's buyer holds or bought in the sale
   */
  public static PaymentDecision decide(PaymentEvent event, PurchaseOutcome purchase, Sale sale, StockLevel stock,
      int userQuantity) {
    return decide(event, null, purchase, sale, stock, userQuantity, 0);
  }

  /**
   * The same, knowing the payment's own past: one payment has one fate. The provider tells of one payment in several
   * events with different ids (Stripe: {@code checkout.session.completed} and {@code payment_intent.succeeded}), and
   * a webhook may come again after the nightly job replayed it; once a payment confirmed its purchase or was found
   * owed back, any later event of it changes nothing, whatever happened to the stock since. Else a payment refunded
   * for want of stock could confirm the purchase once a unit came back, and be both refunded and kept.
   *
   * @param fate the outcome an earlier event of this payment had (CONFIRMED or REFUND_DUE), or null if none
   * @param deviceQuantity units the purchase's device holds or bought in the sale (all its users together)
   */
  public static PaymentDecision decide(PaymentEvent event, PurchaseOutcome fate, PurchaseOutcome purchase, Sale sale,
      StockLevel stock, int userQuantity, int deviceQuantity) {
    if (event.getType() != PaymentEventType.SUCCEEDED) {
      return nothing(event.getType() + " changes no stock");
    }
    if (fate != null) {
      return nothing("payment " + event.getPaymentId() + " already had its fate: " + fate.getStatus() + " of "
          + fate.getRequestId());
    }
    if (!pays(event, purchase)) {
      return refundDue("no purchase " + event.getRequestId() + " in sale " + event.getSaleId());
    }
    if (purchase.getStatus() == OutcomeStatus.REJECTED) {
      return refundDue("the purchase was rejected");
    }
    if (sale == null || stock == null) {
      return refundDue("sale " + event.getSaleId() + " is unknown");
    }
    if (!sale.getCurrency().equals(event.getCurrency())
        || event.getAmountCents() != sale.getPriceCents() * purchase.getQuantity()) {
      return refundDue("paid " + event.getAmountCents() + " " + event.getCurrency() + ", the price is "
          + sale.getPriceCents() * purchase.getQuantity() + " " + sale.getCurrency());
    }
    return switch (purchase.getStatus()) {
      case ACCEPTED -> new PaymentDecision(Verdict.CONFIRM, "the hold is live");
      case CONFIRMED -> event.getPaymentId().equals(purchase.getPaymentId())
          ? nothing("payment " + event.getPaymentId() + " already confirmed the purchase")
          : refundDue("already paid by payment " + purchase.getPaymentId());
      case EXPIRED, CANCELLED -> confirmLate(sale, stock, userQuantity, deviceQuantity, purchase);
      default -> refundDue("the purchase is " + purchase.getStatus());
    };
  }

  // The buyer's and the device's limits count too: after the hold ended, the buyer, or another user of the same
  // device, may have taken the units again.
  private static PaymentDecision confirmLate(Sale sale, StockLevel stock, int userQuantity, int deviceQuantity,
      PurchaseOutcome purchase) {
    if (stock.getAvailable() < purchase.getQuantity()) {
      return refundDue("the hold ended and the stock is gone");
    }
    if ((long) userQuantity + purchase.getQuantity() > sale.getPerUserLimit()) {
      return refundDue("the hold ended and the buyer has taken their limit since");
    }
    Integer deviceLimit = sale.getPerDeviceLimit();
    if (deviceLimit != null && purchase.getDeviceId() != null
        && (long) deviceQuantity + purchase.getQuantity() > deviceLimit) {
      return refundDue("the hold ended and the buyer's device has taken its limit since");
    }
    return new PaymentDecision(Verdict.CONFIRM_LATE, "the hold ended but the stock is still there");
  }

  /** Whether the event pays for this purchase: the same request in the same sale and SKU. */
  private static boolean pays(PaymentEvent event, PurchaseOutcome purchase) {
    return purchase != null && purchase.getSaleId().equals(event.getSaleId())
        && purchase.getSku().equals(event.getSku());
  }

  /**
   * What has one fate: a payment of one purchase, or one item of an order's payment. An order's payment arrives as one
   * event per item (each with its orderId, its own requestId and amount), and each item is confirmed, confirmed late
   * or owed back on its own; keyed by the payment alone, the first item decided would make the others "already
   * had its fate" wherever two items share a task.
   */
  static String fateKey(PaymentEvent event) {
    return event.getOrderId() == null ? event.getPaymentId() : event.getPaymentId() + "|" + event.getRequestId();
  }

  public boolean confirms() {
    return verdict == Verdict.CONFIRM || verdict == Verdict.CONFIRM_LATE;
  }

  /** The sale's stock and counters after this decision about a purchase of {@code quantity} units. */
  public StockLevel applyTo(StockLevel stock, int quantity, Instant decidedAt) {
    StockLevel.Builder next = StockLevel.newBuilder(stock).setUpdatedAt(decidedAt);
    switch (verdict) {
      case NOTHING -> {
        return stock;
      }
      case CONFIRM -> next.setReserved(stock.getReserved() - quantity)
          .setConfirmed(stock.getConfirmed() + quantity).setOrders(stock.getOrders() + 1);
      case CONFIRM_LATE -> next.setAvailable(stock.getAvailable() - quantity)
          .setConfirmed(stock.getConfirmed() + quantity).setOrders(stock.getOrders() + 1);
      case REFUND_DUE -> next.setRefundsDue(stock.getRefundsDue() + 1);
    }
    return next.build();
  }

  /**
   * The outcome this decision emits: CONFIRMED or REFUND_DUE, carrying the payment. It keeps the
   * purchase's own fields (and its holdExpiresAt); a payment for no known purchase names only what the
   * event says, with no user (empty) and quantity 0.
   */
  public PurchaseOutcome toOutcome(PaymentEvent event, PurchaseOutcome purchase, Instant decidedAt) {
    if (verdict == Verdict.NOTHING) {
      throw new IllegalStateException("Nothing happened, so there is no outcome");
    }
    PurchaseOutcome.Builder outcome = pays(event, purchase)
        ? PurchaseOutcome.newBuilder(purchase)
        : PurchaseOutcome.newBuilder()
            .setRequestId(event.getRequestId())
            .setSaleId(event.getSaleId())
            .setSku(event.getSku())
            .setUserId("")
            .setQuantity(0)
            .setHoldExpiresAt(null);
    return outcome
        .setStatus(confirms() ? OutcomeStatus.CONFIRMED : OutcomeStatus.REFUND_DUE)
        .setReason(null)
        .setDecidedAt(decidedAt)
        .setPaymentId(event.getPaymentId())
        .setAmountCents(event.getAmountCents())
        .setCurrency(event.getCurrency())
        // The purchase's flow; a payment for none known names the flow its own metadata carried.
        .setFlowId(purchase != null && purchase.getFlowId() != null ? purchase.getFlowId() : event.getFlowId())
        .build();
  }
}
