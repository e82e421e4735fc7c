package io.flashsale.api;

import io.flashsale.schemas.Sale;
import java.time.Instant;

/** Where a sale stands by the server's clock and the topology's latest stock level. */
public enum SaleStatus {
  SCHEDULED, LIVE, SOLD_OUT, ENDED;

  public static SaleStatus of(Sale sale, int available, Instant now) {
    if (now.isBefore(sale.getStartsAt())) {
      return SCHEDULED;
    }
    if (!now.isBefore(sale.getEndsAt())) {
      return ENDED;
    }
    return available > 0 ? LIVE : SOLD_OUT;
  }
}
