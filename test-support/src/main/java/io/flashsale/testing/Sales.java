package io.flashsale.testing;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Sale;
import java.time.Instant;

/** Sales for tests: every field the schema requires set, changed with the builder's setters where a test cares. */
public final class Sales {
  private Sales() {}

  /**
   * A first-come-first-served sale of {@code stock} units that opens at {@code opens} and ends an hour later,
   * created a minute before it opens: "Headphones {saleId}" at 49.99 USD, holds of 60 seconds.
   */
  public static Sale.Builder opening(String saleId, String sku, int stock, int perUserLimit, Instant opens) {
    return Sale.newBuilder()
        .setSaleId(saleId)
        .setSku(sku)
        .setName("Headphones " + saleId)
        .setStock(stock)
        .setPerUserLimit(perUserLimit)
        .setPriceCents(4999)
        .setCurrency("USD")
        .setStartsAt(opens)
        .setEndsAt(opens.plusSeconds(3600))
        .setHoldSeconds(60)
        .setAllocation(Allocation.FCFS)
        .setCreatedAt(opens.minusSeconds(60));
  }

  /** As {@link #opening}, a sale live at {@code now}: opened a minute before it, ends an hour after it. */
  public static Sale.Builder live(String saleId, String sku, int stock, int perUserLimit, Instant now) {
    return opening(saleId, sku, stock, perUserLimit, now.minusSeconds(60)).setEndsAt(now.plusSeconds(3600));
  }
}
