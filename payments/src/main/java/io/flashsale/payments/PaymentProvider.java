package io.flashsale.payments;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The payment provider in the project's terms. {@link HttpPaymentProvider} speaks the API that
 * {@link PaymentSimulator} serves; {@link StripePaymentProvider} speaks Stripe's.
 */
public interface PaymentProvider {

  /** Creates a payment for a held purchase. Idempotent on {@link PaymentOrder#idempotencyKey()}. */
  Payment createPayment(PaymentOrder order);

  /** The payment as the provider knows it now. */
  Optional<Payment> payment(String paymentId);

  /** How many settlements {@link #settlements(LocalDate)} asks for at once. */
  int SETTLEMENT_PAGE_SIZE = 500;

  /**
   * One page of what the provider settled (charges and refunds) on a day, UTC, in the provider's order:
   * at most {@code limit} settlements after the one with id {@code startingAfter} (null: from the first).
   */
  SettlementPage settlements(LocalDate day, String startingAfter, int limit);

  /**
   * Everything settled on a day, fetched page by page as the stream is read, so that a busy day is never
   * held in memory at once.
   */
  default Stream<Settlement> settlements(LocalDate day) {
    return Stream.iterate(settlements(day, null, SETTLEMENT_PAGE_SIZE), Objects::nonNull,
            page -> page.hasMore() ? settlements(day, page.next(), SETTLEMENT_PAGE_SIZE) : null)
        .flatMap(page -> page.data().stream());
  }

  /** Refunds (part of) a payment. Idempotent on the key: a retried refund is made once. */
  Refund refund(String paymentId, long amountCents, String idempotencyKey);

  /**
   * Closes a payment nobody has paid yet, at once, so that it can no longer be paid: its hold has ended. Harmless
   * on a payment already closed, paid or expired, and when called again.
   */
  void expirePayment(String paymentId);

  /**
   * What the shop asks to be paid: the held purchase and its price, and the hold, from its acceptance
   * ({@code heldSince}) to its end ({@code heldUntil}), after which the payment should no longer be possible;
   * both null where no hold bounds it. {@code flowId} is the buyer's flow (header Flashsale-Flow), kept in the
   * payment's metadata so that its webhooks name it; null for none.
   */
  record PaymentOrder(String idempotencyKey, String requestId, String saleId, String sku, String userId,
                      long amountCents, String currency, Instant heldSince, Instant heldUntil, String flowId,
                      String orderId, List<Item> items) {
    public PaymentOrder(String idempotencyKey, String requestId, String saleId, String sku, String userId,
                        long amountCents, String currency) {
      this(idempotencyKey, requestId, saleId, sku, userId, amountCents, currency, null, null, null);
    }

    public PaymentOrder(String idempotencyKey, String requestId, String saleId, String sku, String userId,
                        long amountCents, String currency, Instant heldSince, Instant heldUntil) {
      this(idempotencyKey, requestId, saleId, sku, userId, amountCents, currency, heldSince, heldUntil, null);
    }

    public PaymentOrder(String idempotencyKey, String requestId, String saleId, String sku, String userId,
                        long amountCents, String currency, Instant heldSince, Instant heldUntil, String flowId) {
      this(idempotencyKey, requestId, saleId, sku, userId, amountCents, currency, heldSince, heldUntil, flowId, null,
          null);
    }

    /**
     * One payment for several held purchases (a buyer's order): {@code requestId} is the order's id, there is no one
     * sale or SKU, and {@code amountCents} is the sum of the items'. {@code heldUntil} is the soonest hold's end.
     */
    public static PaymentOrder ofOrder(String orderId, String userId, List<Item> items, String currency,
                                       Instant heldSince, Instant heldUntil, String flowId) {
      long total = items.stream().mapToLong(Item::amountCents).reduce(0, Math::addExact);
      return new PaymentOrder(orderId, orderId, null, null, userId, total, currency, heldSince, heldUntil, flowId,
          orderId, List.copyOf(items));
    }

    public boolean itemised() {
      return items != null && !items.isEmpty();
    }
  }

  /** One held purchase of an order, with its own amount: what the shop confirms or refunds on its own. */
  record Item(String requestId, String saleId, String sku, long amountCents) {}

  enum PaymentStatus { PENDING, SUCCEEDED, FAILED, REFUNDED }

  /** A payment; {@code redirectUrl} is where the buyer pays; {@code flowId} the flow in its metadata, if any. */
  record Payment(String paymentId, String requestId, String saleId, String sku, long amountCents, String currency,
                 PaymentStatus status, String redirectUrl, Instant createdAt, String flowId, String orderId,
                 List<Item> items) {
    public Payment(String paymentId, String requestId, String saleId, String sku, long amountCents, String currency,
                   PaymentStatus status, String redirectUrl, Instant createdAt) {
      this(paymentId, requestId, saleId, sku, amountCents, currency, status, redirectUrl, createdAt, null);
    }

    public Payment(String paymentId, String requestId, String saleId, String sku, long amountCents, String currency,
                   PaymentStatus status, String redirectUrl, Instant createdAt, String flowId) {
      this(paymentId, requestId, saleId, sku, amountCents, currency, status, redirectUrl, createdAt, flowId, null, null);
    }

    /** The same payment in another state. */
    public Payment withStatus(PaymentStatus next) {
      return new Payment(paymentId, requestId, saleId, sku, amountCents, currency, next, redirectUrl, createdAt, flowId,
          orderId, items);
    }
  }

  enum SettlementType { CHARGE, REFUND }

  /**
   * Money that actually moved, as the provider reports it for a day. An order's payment settles as one charge of the
   * sum of its items: {@code requestId} and {@code orderId} are then the order's id.
   */
  record Settlement(String settlementId, String paymentId, String requestId, SettlementType type,
                    long amountCents, String currency, Instant settledAt, String orderId) {
    public Settlement(String settlementId, String paymentId, String requestId, SettlementType type,
                      long amountCents, String currency, Instant settledAt) {
      this(settlementId, paymentId, requestId, type, amountCents, currency, settledAt, null);
    }
  }

  /**
   * A page of settlements; {@code hasMore} says whether another page follows, and {@code cursor} (null: the last
   * settlement's id) is where it starts: a provider that lists other movements of money too may end a page on one
   * of those.
   */
  record SettlementPage(List<Settlement> data, boolean hasMore, String cursor) {
    public SettlementPage(List<Settlement> data, boolean hasMore) {
      this(data, hasMore, null);
    }

    /** The {@code startingAfter} of the next page. */
    String next() {
      return cursor != null ? cursor : data.get(data.size() - 1).settlementId();
    }
  }

  record Refund(String refundId, String paymentId, long amountCents, String currency, Instant createdAt) {}
}
