package io.flashsale.topology;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.StockTransfer;
import io.flashsale.schemas.StockTransferKind;
import java.time.Duration;
import java.time.Instant;

/**
 * The rules by which stock moves between the shards of a sale ({@link Shards}), pure. A shard whose stock runs low
 * asks the next shard round the ring; a shard with stock gives some (below); one without passes the request on, and
 * a request that comes round to its asker unanswered comes back as a grant of nothing. Asking only after decisions
 * (when buyers came) moves stock towards demand, and never round and round without it.
 *
 * <p>A shard that decided lately ({@link #BUSY}) keeps {@link #lowWater} units for its own buyers and gives half of
 * what it has beyond; an idle one gives all it has. Without the reserve, two shards with buyers would hand
 * their last units back and forth, each refusing its own buyer the moment after it gave; with it, the last units
 * sell where they are, and move once their shard's buyers stop coming.
 */
final class ShardStock {
  private ShardStock() {}

  /** How lately a shard must have changed to keep its reserve. */
  static final Duration BUSY = Duration.ofSeconds(2);

  /** A transfer and the SKU it is keyed by: the receiving shard's, so that the shard's task decides it. */
  record Send(String sku, StockTransfer transfer) {}

  /**
   * Whether a shard should ask for stock after deciding (unless it has asked already): it has less than one
   * buyer's most or a tenth of its share left. Never for a sale that is no shard.
   */
  static boolean runsLow(Sale shard, StockLevel level) {
    return shard.getShard() != null && level.getAvailable() < lowWater(shard);
  }

  static int lowWater(Sale shard) {
    return Math.max(shard.getPerUserLimit(), shard.getStock() / 10);
  }

  /** The request a shard sends when it asks: to the next shard. */
  static Send ask(Sale shard) {
    return to(shard, Shards.next(shard.getShard(), shard.getShards()),
        new StockTransfer(null, StockTransferKind.REQUEST, shard.getShard(), 0, 0));
  }

  /**
   * Units a shard with {@code level} gives when asked at {@code now}. An idle shard has no buyers to keep units for
   * and gives all it has; a busy one half of what it has beyond its reserve, rounded up.
   */
  static int given(Sale shard, StockLevel level, Instant now) {
    if (!level.getUpdatedAt().plus(BUSY).isAfter(now)) {
      return Math.max(0, level.getAvailable());
    }
    int spare = level.getAvailable() - lowWater(shard);
    return spare <= 0 ? 0 : (spare + 1) / 2;
  }

  /**
   * What a shard asked for stock sends: a grant of {@link #given} units to the asker, or with none the request
   * passed to the next shard, or, when the next is the asker, a grant of nothing.
   */
  static Send answer(Sale shard, StockLevel level, StockTransfer request, Instant now) {
    int units = given(shard, level, now);
    int next = Shards.next(shard.getShard(), shard.getShards());
    if (units == 0 && next != request.getRequester()) {
      return to(shard, next, new StockTransfer(null, StockTransferKind.REQUEST, request.getRequester(), 0,
          request.getHops() + 1));
    }
    return to(shard, request.getRequester(), new StockTransfer(null, StockTransferKind.GRANT, request.getRequester(),
        units, request.getHops() + 1));
  }

  /** The level of a shard after it gave ({@code units < 0}) or received units. */
  static StockLevel moved(StockLevel level, int units, Instant now) {
    return StockLevel.newBuilder(level).setStock(level.getStock() + units).setAvailable(level.getAvailable() + units)
        .setUpdatedAt(now).build();
  }

  private static Send to(Sale from, int shard, StockTransfer transfer) {
    String parentSaleId = Shards.parentSaleId(from.getSaleId());
    transfer.setSaleId(Shards.saleId(parentSaleId, shard));
    return new Send(Shards.sku(Shards.parentSku(from.getSaleId(), from.getSku()), shard), transfer);
  }
}
