package io.flashsale.api.orderurl;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.api.sale.SaleView;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import io.javalin.http.Header;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * {@code GET /api/sales/{saleId}/order-url}: where a sale's purchases go, revealed from its start. Public like the
 * sale itself: the path only hides the moment the sale opens, and the purchase there asks for its buyer anyway. A
 * sale without the option answers its public path, so a client has one flow for every sale. Never cached: an answer
 * kept by a cache before the start would hide the path after it, and one kept after would outlive a key's rotation.
 */
public final class OrderUrlRoutes {
  /** The answer: the path to POST purchases to. */
  record OrderUrl(String purchaseUrl) {}

  private static final String NO_STORE = "no-store";

  private final SaleView sales;
  private final OrderUrls orderUrls;
  private final Clock clock;

  public OrderUrlRoutes(SaleView sales, OrderUrls orderUrls, Clock clock) {
    this.sales = sales;
    this.orderUrls = orderUrls;
    this.clock = clock;
  }

  /** 200 with the path from the sale's start; 409 SALE_NOT_STARTED (Retry-After until it) before; 404 if unknown. */
  public void show(Context ctx) {
    ctx.header(Header.CACHE_CONTROL, NO_STORE);
    Sale sale = sales.known(ctx.pathParam("saleId"));
    Instant now = clock.instant();
    if (now.isBefore(sale.getStartsAt())) {
      long seconds = Math.max(1, (Duration.between(now, sale.getStartsAt()).toMillis() + 999) / 1000);
      throw new Problem(ErrorCode.SALE_NOT_STARTED, "Sale " + sale.getSaleId() + " starts at " + sale.getStartsAt()
          + "; its order URL is given from then", Map.of(Header.CACHE_CONTROL, NO_STORE, Header.RETRY_AFTER,
          Long.toString(seconds)), Map.of("startsAt", sale.getStartsAt().toString()));
    }
    ctx.json(new OrderUrl(orderUrls.purchasePath(sale)));
  }
}
