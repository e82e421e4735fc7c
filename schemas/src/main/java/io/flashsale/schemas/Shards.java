package io.flashsale.schemas;

import java.util.ArrayList;
import java.util.List;

/**
 * Stock shards: a sale with {@code shards > 1} is decided as that many sales of its own, one per shard, each with
 * part of the stock and its own key, so that one hot SKU is decided on several partitions and threads. The sale
 * as buyers see it is catalogue only; the topology decides its shards. A buyer is always sent to the same shard
 * (by user id), so the per-user limit holds in that shard; stock left in one shard moves to another that runs low
 * ({@link StockTransfer}), so that the sale sells out exactly.
 *
 * <p>A shard's saleId and SKU are the sale's with {@value #SEPARATOR} and the shard's index: sale ids an admin
 * chooses never contain it ({@link InputRules#SALE_ID}), so a shard's id never names another sale.
 */
public final class Shards {
  public static final String SEPARATOR = "~";
  /** Most shards of one sale. */
  public static final int MAX_SHARDS = 64;

  private Shards() {}

  /** Whether the sale is the catalogue entry of a sharded sale (its shards are decided, it is not). */
  public static boolean isSharded(Sale sale) {
    return sale.getShards() > 1 && sale.getShard() == null;
  }

  /** The shards' own definitions: the sale's fields, its stock split as evenly as it goes, ids with the index. */
  public static List<Sale> of(Sale sale) {
    int count = sale.getShards();
    List<Sale> shards = new ArrayList<>(count);
    for (int shard = 0; shard < count; shard++) {
      int stock = sale.getStock() / count + (shard < sale.getStock() % count ? 1 : 0);
      shards.add(Sale.newBuilder(sale).setSaleId(saleId(sale.getSaleId(), shard)).setSku(sku(sale.getSku(), shard))
          .setStock(stock).setShard(shard).build());
    }
    return shards;
  }

  /** The sales the topology decides for {@code sale}: its shards, or the sale itself when it has none. */
  public static List<Sale> deciding(Sale sale) {
    return isSharded(sale) ? of(sale) : List.of(sale);
  }

  /** The shard that decides the purchases of {@code userId}: the same on every API instance, for every request. */
  public static int shardOf(String userId, int shards) {
    return Math.floorMod(userId.hashCode(), shards); // String.hashCode is specified, so stable across JVMs
  }

  public static String saleId(String saleId, int shard) {
    return saleId + SEPARATOR + shard;
  }

  public static String sku(String sku, int shard) {
    return sku + SEPARATOR + shard;
  }

  /** The saleId of the sale a shard belongs to; a sale that is no shard is its own. */
  public static String parentSaleId(String saleId) {
    int at = saleId.lastIndexOf(SEPARATOR);
    return at < 0 ? saleId : saleId.substring(0, at);
  }

  /** The SKU of the sale a shard's SKU belongs to, given the shard's saleId (a SKU may itself contain the separator). */
  public static String parentSku(String saleId, String sku) {
    int at = saleId.lastIndexOf(SEPARATOR);
    String suffix = at < 0 ? null : saleId.substring(at);
    return suffix != null && sku.endsWith(suffix) ? sku.substring(0, sku.length() - suffix.length()) : sku;
  }

  /** Whether {@code saleId} names a shard of a sale. */
  public static boolean isShardId(String saleId) {
    return saleId.contains(SEPARATOR);
  }

  /** The outcome as its sale's books keep it: a shard's ids replaced by the sale's. */
  public static PurchaseOutcome ofSale(PurchaseOutcome outcome) {
    return !isShardId(outcome.getSaleId()) ? outcome : PurchaseOutcome.newBuilder(outcome)
        .setSaleId(parentSaleId(outcome.getSaleId())).setSku(parentSku(outcome.getSaleId(), outcome.getSku())).build();
  }

  /** The payment event as its sale's books keep it. */
  public static PaymentEvent ofSale(PaymentEvent event) {
    return !isShardId(event.getSaleId()) ? event : PaymentEvent.newBuilder(event)
        .setSaleId(parentSaleId(event.getSaleId())).setSku(parentSku(event.getSaleId(), event.getSku())).build();
  }

  /** The shard after {@code shard}, round the ring. */
  public static int next(int shard, int shards) {
    return (shard + 1) % shards;
  }
}
