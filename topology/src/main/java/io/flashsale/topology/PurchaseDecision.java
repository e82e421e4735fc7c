package io.flashsale.topology;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Instant;
import java.util.HashMap;

/**
 * What happens to one purchase request, decided from the sale, its stock and what the user already
 * holds. Pure functions only: the processor reads the inputs from its stores and writes the results
 * back, so the rules can be tested and measured without Kafka.
 */
public record PurchaseDecision(Verdict verdict, RejectReason reason) {

  public enum Verdict {
    /** Stock is reserved for the buyer. */
    ACCEPT,
    /** The request gets nothing, for {@link PurchaseDecision#reason()}. */
    REJECT,
    /** A lottery sale: the request waits for the draw at the end of the sale. */
    ENTER_LOTTERY
  }

  static final PurchaseDecision ACCEPTED = new PurchaseDecision(Verdict.ACCEPT, null);
  static final PurchaseDecision ENTERED_LOTTERY = new PurchaseDecision(Verdict.ENTER_LOTTERY, null);

  public static PurchaseDecision rejected(RejectReason reason) {
    return new PurchaseDecision(Verdict.REJECT, reason);
  }

  /**
   * Decides a request as it arrives. Checks in this order: the sale is known on this SKU and the
   * request was logged inside [startsAt, endsAt); the user stays within the per-user limit; the device within the
   * per-device limit; then either the request enters the lottery, or (first come first served) the stock still covers
   * it.
   *
   * @param sale the sale, or null if none is known
   * @param stock the sale's stock, or null if the sale is unknown
   * @param userQuantity units the user already holds in this sale
   * @param loggedAt when the request's record was appended to the log (the broker's clock, one for all API
   *     instances): the window is judged by it, not by the request's requestedAt
   */
  public static PurchaseDecision decide(Sale sale, StockLevel stock, int userQuantity, PurchaseRequest request,
      Instant loggedAt) {
    return decideFromAvailable(sale, stock == null ? null : stock.getAvailable(),
        stock == null ? null : stock.getEndedAt(), userQuantity, 0, request, loggedAt);
  }

  /**
   * The same, from the units still available (null if the sale is unknown) and the units the request's device
   * already holds in the sale (all its users together; ignored for a request without a device).
   */
  public static PurchaseDecision decideFromAvailable(Sale sale, Integer available, int userQuantity,
      int deviceQuantity, PurchaseRequest request, Instant loggedAt) {
    return decideFromAvailable(sale, available, null, userQuantity, deviceQuantity, request, loggedAt);
  }

  /** The same for a sale an admin may have ended at {@code endedAt} (null: not ended), before its endsAt. */
  public static PurchaseDecision decideFromAvailable(Sale sale, Integer available, Instant endedAt, int userQuantity,
      int deviceQuantity, PurchaseRequest request, Instant loggedAt) {
    if (sale == null || available == null || !sale.getSku().equals(request.getSku())
        || !isInWindow(sale, loggedAt) || (endedAt != null && !loggedAt.isBefore(endedAt))) {
      return rejected(RejectReason.SALE_NOT_LIVE);
    }
    if (exceedsLimit(sale, userQuantity, request.getQuantity())) {
      return rejected(RejectReason.LIMIT_EXCEEDED);
    }
    if (exceedsDeviceLimit(sale, request, deviceQuantity, request.getQuantity())) {
      return rejected(RejectReason.DEVICE_LIMIT_EXCEEDED);
    }
    if (sale.getAllocation() == Allocation.LOTTERY) {
      return ENTERED_LOTTERY;
    }
    if (available < request.getQuantity()) {
      return rejected(RejectReason.SOLD_OUT);
    }
    return ACCEPTED;
  }

  /**
   * Decides a lottery ticket when its turn in the draw comes: it wins if the units the draw still gives away cover it
   * and its device stays within the per-device limit with what the device already won in this draw.
   *
   * @param remaining units the draw has not given away yet
   * @param deviceWon units the ticket's device already won in this draw (ignored without a device)
   */
  public static PurchaseDecision draw(Sale sale, int remaining, int deviceWon, PurchaseRequest ticket) {
    if (remaining < ticket.getQuantity()) {
      return rejected(RejectReason.LOTTERY_LOST);
    }
    if (exceedsDeviceLimit(sale, ticket, deviceWon, ticket.getQuantity())) {
      return rejected(RejectReason.DEVICE_LIMIT_EXCEEDED);
    }
    return ACCEPTED;
  }

  public boolean accepted() {
    return verdict == Verdict.ACCEPT;
  }

  /**
   * Whether this decision took stock or was refused for want of it: demand for the sale's units. A rejection for a
   * limit, a device or the window is not: such clicks may go on for ever and must not make a stock shard keep its
   * reserve from other shards' buyers.
   */
  public boolean wantsStock() {
    return accepted() || reason == RejectReason.SOLD_OUT;
  }

  /** The sale's stock and counters after this decision about a request for {@code quantity} units. */
  public StockLevel applyTo(StockLevel stock, int quantity, Instant decidedAt) {
    StockLevel.Builder next = StockLevel.newBuilder(stock);
    next.setRejected(new HashMap<>(stock.getRejected()));
    return addTo(next, quantity, decidedAt).build();
  }

  /**
   * Counts this decision into {@code tally}, a sale's stock being changed by several decisions in a row (a
   * batch): built into a record once at the end instead of once per decision. Its rejected map must be mutable.
   */
  public StockLevel.Builder addTo(StockLevel.Builder tally, int quantity, Instant decidedAt) {
    if (verdict == Verdict.ENTER_LOTTERY) {
      throw new IllegalStateException("A lottery entry is not decided yet");
    }
    tally.setRequests(tally.getRequests() + 1).setUpdatedAt(decidedAt);
    if (wantsStock()) {
      tally.setDemandAt(decidedAt);
    }
    if (accepted()) {
      tally.setAvailable(tally.getAvailable() - quantity)
          .setReserved(tally.getReserved() + quantity)
          .setAccepted(tally.getAccepted() + 1);
    } else {
      tally.getRejected().merge(reason.name(), 1L, Long::sum);
    }
    return tally;
  }

  /** The outcome record of this decision. An accepted buyer holds the stock for the sale's hold time. */
  public PurchaseOutcome toOutcome(PurchaseRequest request, Sale sale, Instant decidedAt, int requestPartition,
      long requestOffset, int requestIndex) {
    if (verdict == Verdict.ENTER_LOTTERY) {
      throw new IllegalStateException("A lottery entry has no outcome yet");
    }
    return PurchaseOutcome.newBuilder()
        .setRequestId(request.getRequestId())
        .setSaleId(request.getSaleId())
        .setSku(request.getSku())
        .setUserId(request.getUserId())
        .setQuantity(request.getQuantity())
        .setStatus(accepted() ? OutcomeStatus.ACCEPTED : OutcomeStatus.REJECTED)
        .setReason(reason)
        .setHoldExpiresAt(accepted() ? decidedAt.plusSeconds(sale.getHoldSeconds()) : null)
        .setDecidedAt(decidedAt)
        .setRequestPartition(requestPartition)
        .setRequestOffset(requestOffset)
        .setRequestIndex(requestIndex)
        .setDeviceId(request.getDeviceId())
        .setFlowId(request.getFlowId())
        // The rest set too, to their defaults: the builder deep-copies the schema's default of every field left
        // unset, per outcome (JFR of the hot SKU: 4 % of its processing).
        .setPaymentId(null)
        .setAmountCents(null)
        .setCurrency(null)
        .setSaleSequence(OutcomeSequence.NONE)
        .setRepeat(false)
        .build();
  }

  /** The stock a sale opens with: everything available, nothing decided yet. */
  public static StockLevel openingStock(Sale sale, Instant at) {
    return StockLevel.newBuilder()
        .setSaleId(sale.getSaleId())
        .setSku(sale.getSku())
        .setStock(sale.getStock())
        .setAvailable(sale.getStock())
        .setReserved(0)
        .setConfirmed(0)
        .setRequests(0)
        .setAccepted(0)
        .setRejected(new HashMap<>())
        .setExpired(0)
        .setCancelled(0)
        .setUpdatedAt(at)
        .build();
  }

  private static boolean isInWindow(Sale sale, Instant loggedAt) {
    return !loggedAt.isBefore(sale.getStartsAt()) && loggedAt.isBefore(sale.getEndsAt());
  }

  /** A request without a device, or a sale without a device limit, is not device-limited. */
  private static boolean exceedsDeviceLimit(Sale sale, PurchaseRequest request, int deviceQuantity, int quantity) {
    Integer limit = sale.getPerDeviceLimit();
    return limit != null && request.getDeviceId() != null && (long) deviceQuantity + quantity > limit;
  }

  private static boolean exceedsLimit(Sale sale, int userQuantity, int quantity) {
    return quantity > sale.getPerUserLimit() || (long) userQuantity + quantity > sale.getPerUserLimit();
  }
}
