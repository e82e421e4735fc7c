package io.flashsale.api.payment;

import io.flashsale.api.access.Access;
import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.FlowIds;
import io.flashsale.api.http.Problem;
import io.flashsale.api.purchase.OwnPurchases;
import io.flashsale.api.purchase.Purchase;
import io.flashsale.api.sale.SaleView;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Map;

/** Paying for one hold: a payment at the provider for the held quantity at the sale's price. */
public final class CheckoutRoutes {
  /** Where the buyer pays for a hold; {@code flowId} is the flow the payment's metadata carries. */
  record Checkout(String paymentId, String redirectUrl, String flowId) {}

  private final Access access;
  private final SaleView sales;
  private final OwnPurchases purchases;
  private final ProviderCalls payments;
  private final CheckoutExpiry expiry;

  public CheckoutRoutes(Access access, SaleView sales, OwnPurchases purchases, ProviderCalls payments,
                        CheckoutExpiry expiry) {
    this.access = access;
    this.sales = sales;
    this.purchases = purchases;
    this.payments = payments;
    this.expiry = expiry;
  }

  /**
   * The request id is the idempotency key, so a repeated checkout of the same hold gets the same payment and the
   * buyer cannot be charged twice for it.
   */
  public void checkout(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    FlowIds.of(ctx);
    Purchase purchase = purchases.held(ctx.pathParam("requestId"), buyer);
    // The payment carries the purchase's flow, even when its checkout came in another (a second tab), and the
    // same on every retry: the provider refuses an idempotency key used again with other parameters. A purchase
    // logged before flows existed has none.
    String flowId = purchase.flowId();
    Sale sale = sales.sale(Shards.parentSaleId(purchase.saleId())).orElseThrow(() -> new Problem(ErrorCode.UNAVAILABLE,
        "Sale " + purchase.saleId() + " is not known here yet, please retry", Map.of("Retry-After", "1"), Map.of()));
    long amountCents = Math.multiplyExact(sale.getPriceCents(), (long) purchase.quantity());
    Instant heldUntil = purchase.holdExpiresAt();
    PaymentOrder order = new PaymentOrder(purchase.requestId(), purchase.requestId(), purchase.saleId(),
        purchase.sku(), buyer.userId(), amountCents, sale.getCurrency(),
        heldUntil == null ? null : heldUntil.minusSeconds(sale.getHoldSeconds()), heldUntil, flowId);
    ctx.future(() -> payments.createPayment(order, "Checkout of " + purchase.requestId()).thenAccept(payment -> {
      expiry.opened(purchase.requestId(), payment.paymentId(), purchases::stillHeld);
      ctx.json(new Checkout(payment.paymentId(), payment.redirectUrl(), flowId));
    }));
  }
}
