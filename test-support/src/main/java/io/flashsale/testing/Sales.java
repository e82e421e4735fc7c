package io.flashsale.testing;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Sale;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sales for tests: every field the schema requires set, changed with the builder's setters where a test cares;
 * and the same sale as the admin's JSON body, for tests over HTTP.
 */
public final class Sales {
  /** What the sales here cost, in cents of {@code USD}. */
  public static final int PRICE_CENTS = 4999;

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
        .setPriceCents(PRICE_CENTS)
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

  /**
   * As {@link #live}, the fields of {@code POST /api/admin/sales} (no {@code saleId} when it is null: the API
   * makes one up), in a map the test changes or adds to: holdSeconds, allocation and waitingRoom are the API's
   * defaults unless put.
   */
  public static Map<String, Object> liveDefinition(String saleId, String sku, int stock, int perUserLimit, Instant now) {
    Map<String, Object> fields = new LinkedHashMap<>();
    if (saleId != null) {
      fields.put("saleId", saleId);
    }
    fields.put("sku", sku);
    fields.put("name", "Headphones " + (saleId == null ? sku : saleId));
    fields.put("stock", stock);
    fields.put("perUserLimit", perUserLimit);
    fields.put("priceCents", PRICE_CENTS);
    fields.put("currency", "USD");
    fields.put("startsAt", now.minusSeconds(60).toString());
    fields.put("endsAt", now.plusSeconds(3600).toString());
    return fields;
  }
}
