package io.flashsale.api.purchase;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.RejectReason;
import java.time.Instant;

/**
 * A request and, once decided, its latest outcome (never REFUND_DUE: that is {@code refundDue}).
 * {@code queueSeq} is its number among the requests of its SKU as this view read them, -1 until read; {@code flowId}
 * the buyer's flow (header Flashsale-Flow) the request and its outcomes carry, null for records written without one.
 */
public record Purchase(String requestId, String saleId, String sku, String userId, int quantity,
                       OutcomeStatus outcome, RejectReason reason, Instant holdExpiresAt, boolean refundDue,
                       long queueSeq, String flowId) {
  public boolean pending() {
    return outcome == null;
  }

  public String status() {
    return pending() ? "PENDING" : outcome.name();
  }

  /** Stock is held for the buyer: the purchase may be paid or cancelled. */
  public boolean held() {
    return outcome == OutcomeStatus.ACCEPTED;
  }

  /** The buyer may still act on it: it waits for its decision or holds stock. */
  boolean live() {
    return pending() || held();
  }

  /** A paid purchase is an order, named by its request id. */
  public String orderId() {
    return outcome == OutcomeStatus.CONFIRMED ? requestId : null;
  }

  Purchase withRefundDue() {
    return new Purchase(requestId, saleId, sku, userId, quantity, outcome, reason, holdExpiresAt, true, queueSeq, flowId);
  }

  /** The lifecycle: ACCEPTED ends once; a payment arriving after the hold ended may still confirm it. */
  static boolean movesForward(OutcomeStatus from, OutcomeStatus to) {
    return switch (from) {
      case ACCEPTED -> to == OutcomeStatus.CONFIRMED || to == OutcomeStatus.EXPIRED || to == OutcomeStatus.CANCELLED;
      case EXPIRED, CANCELLED -> to == OutcomeStatus.CONFIRMED;
      case REJECTED, CONFIRMED, REFUND_DUE -> false;
    };
  }
}
