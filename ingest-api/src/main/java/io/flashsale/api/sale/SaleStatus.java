package io.flashsale.api.sale;

import io.flashsale.schemas.Sale;
import java.time.Instant;

/** Where a sale stands by the server's clock and the topology's latest stock level. */
public enum SaleStatus {
  SCHEDULED, LIVE, SOLD_OUT, ENDED;

  public static SaleStatus of(Sale sale, int available, Instant now) {
    return of(sale, available, sale.getEndsAt(), now);
  }

  /** The same for a sale that stops taking requests at {@code closesAt}: its endsAt, or earlier if an admin ended it. */
  public static SaleStatus of(Sale sale, int available, Instant closesAt, Instant now) {
    if (!now.isBefore(closesAt)) {
      return ENDED; // first: a sale ended before its start never opens
    }
    if (now.isBefore(sale.getStartsAt())) {
      return SCHEDULED;
    }
    return available > 0 ? LIVE : SOLD_OUT;
  }
}
