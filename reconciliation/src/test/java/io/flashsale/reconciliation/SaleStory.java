package io.flashsale.reconciliation;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.testing.Sales;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Records of one sale as the topology and the API would write them: the sale, decisions about its
 * requests and the provider's payment events. Ids carry the sale's id, so stories never collide.
 */
public final class SaleStory {
  /**
   * Yesterday at 10:00 UTC: recent enough that the broker's retention keeps records stamped then, and a whole
   * day before now, which the reconciliation can read as a day gone by.
   */
  public static final Instant OPENING = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS).plus(10, ChronoUnit.HOURS);
  public static final long PRICE_CENTS = 1_990;
  public static final String CURRENCY = "EUR";
  public static final int HOLD_SECONDS = 600;

  public final String saleId;
  public final String sku;
  private final int stock;
  private long sequence;

  public SaleStory(String saleId, int stock) {
    this.saleId = saleId;
    this.sku = "sku-" + saleId;
    this.stock = stock;
  }

  public Sale sale() {
    return Sales.opening(saleId, sku, stock, 5, OPENING).setName("Half-price kettle " + saleId)
        .setPriceCents(PRICE_CENTS).setCurrency(CURRENCY).setHoldSeconds(HOLD_SECONDS)
        .setCreatedAt(OPENING.minusSeconds(86_400)).build();
  }

  /** The next of the sale's outcomes as the topology numbers them (saleSequence 1, 2, 3...). */
  public PurchaseOutcome next(PurchaseOutcome outcome) {
    outcome.setSaleSequence(++sequence);
    return outcome;
  }

  public String requestId(int n) {
    return saleId + "-req-" + n;
  }

  public String paymentId(int n) {
    return saleId + "-pay-" + n;
  }

  public PurchaseOutcome accepted(int request, int quantity) {
    return outcome(request, quantity, OutcomeStatus.ACCEPTED)
        .setHoldExpiresAt(OPENING.plusSeconds(HOLD_SECONDS)).setRequestOffset(request).build();
  }

  public PurchaseOutcome rejected(int request, RejectReason reason) {
    return outcome(request, 1, OutcomeStatus.REJECTED).setReason(reason).setRequestOffset(request).build();
  }

  /** The end of a hold: EXPIRED or CANCELLED. */
  public PurchaseOutcome ended(int request, int quantity, OutcomeStatus status) {
    return outcome(request, quantity, status).setDecidedAt(OPENING.plusSeconds(HOLD_SECONDS)).build();
  }

  /** CONFIRMED or REFUND_DUE, carrying the payment. */
  public PurchaseOutcome paid(int request, int quantity, OutcomeStatus status, int payment) {
    return paid(request, quantity, status, paymentId(payment));
  }

  public PurchaseOutcome paid(int request, int quantity, OutcomeStatus status, String paymentId) {
    return outcome(request, quantity, status).setDecidedAt(OPENING.plusSeconds(60))
        .setPaymentId(paymentId).setAmountCents(PRICE_CENTS * quantity).setCurrency(CURRENCY).build();
  }

  public PaymentEvent payment(String eventId, int request, int quantity, int payment, PaymentEventType type) {
    return payment(eventId, request, quantity, paymentId(payment), type);
  }

  public PaymentEvent payment(String eventId, int request, int quantity, String paymentId, PaymentEventType type) {
    return PaymentEvent.newBuilder()
        .setEventId(saleId + "-" + eventId).setPaymentId(paymentId).setRequestId(requestId(request))
        .setSaleId(saleId).setSku(sku).setType(type).setAmountCents(PRICE_CENTS * quantity).setCurrency(CURRENCY)
        .setOccurredAt(OPENING.plusSeconds(59)).setReceivedAt(OPENING.plusSeconds(60))
        .build();
  }

  private PurchaseOutcome.Builder outcome(int request, int quantity, OutcomeStatus status) {
    return PurchaseOutcome.newBuilder()
        .setRequestId(requestId(request)).setSaleId(saleId).setSku(sku).setUserId("user-" + request)
        .setQuantity(quantity).setStatus(status).setDecidedAt(OPENING.plusMillis(request))
        .setRequestPartition(0);
  }
}
