package io.flashsale.api.purchase;

import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;

/**
 * A buyer's own purchase, as the routes that act on one ask for it. Someone else's is indistinguishable from none
 * (PURCHASE_NOT_FOUND), so request ids cannot be probed.
 */
public final class OwnPurchases {
  private final PurchaseView purchases;

  public OwnPurchases(PurchaseView purchases) {
    this.purchases = purchases;
  }

  public Purchase of(String requestId, Buyer buyer) {
    return purchases.purchase(requestId).filter(p -> p.userId().equals(buyer.userId()))
        .orElseThrow(() -> new Problem(ErrorCode.PURCHASE_NOT_FOUND, "No purchase " + requestId));
  }

  /** The buyer's purchase that holds stock now (ACCEPTED); INVALID_STATE for one in any other state. */
  public Purchase held(String requestId, Buyer buyer) {
    Purchase purchase = of(requestId, buyer);
    if (!purchase.held()) {
      throw new Problem(ErrorCode.INVALID_STATE, "Purchase " + requestId + " is " + purchase.status()
          + "; only an ACCEPTED purchase holds stock");
    }
    return purchase;
  }

  /** True while the purchase holds stock, as this instance has read it. */
  public boolean stillHeld(String requestId) {
    return purchases.purchase(requestId).map(Purchase::held).orElse(false);
  }
}
