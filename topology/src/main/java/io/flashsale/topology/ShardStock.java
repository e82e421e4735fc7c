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
 * <p>A shard whose buyers took or wanted stock lately ({@link #busy}) keeps {@link #lowWater} units for its own buyers and gives half of
 * what it has beyond; an idle one gives all it has. Without the reserve, two shards with buyers would hand
 * their last units back and forth, each refusing its own buyer the moment after it gave; with it, the last units
 * sell where they are, and move once their shard's buyers stop coming.
 */
final class ShardStock {
  private ShardStock() {}

  /** How lately a shard's buyers must have taken or wanted stock for it to keep its reserve. */
  static final Duration BUSY = Duration.ofSeconds(2);
  /**
   * How long a shard waits for the answer to its ask before it asks again. An ask passes at most 63 shards, each in
   * one commit (100 ms by default) of a task that keeps up, so an answer takes a few seconds at worst; one that
   * never comes (a record lost with a topic deleted or past its retention) must not leave the shard unable to ask
   * for ever. A late answer to the first ask still counts: grants only ever move units that were given.
   */
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  /** How often unanswered asks are looked for. */
  static final Duration ASK_CHECK_INTERVAL = Duration.ofSeconds(1);

  /**
   * Whether the shard's buyers took or wanted stock within {@link #BUSY} ({@code StockLevel.demandAt}). Only such
   * demand counts: rejected clicks over a limit, which may go on for ever, would otherwise pin the reserve.
   */
  static boolean busy(StockLevel level, Instant now) {
    return level.getDemandAt() != null && level.getDemandAt().plus(BUSY).isAfter(now);
  }

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
        new StockTransfer(null, StockTransferKind.REQUEST, shard.getShard(), 0, 0, null));
  }

  /**
   * Units a shard with {@code level} gives when asked at {@code now}. An idle shard has no buyers to keep units for
   * and gives all it has; a busy one half of what it has beyond its reserve, rounded up.
   */
  static int given(Sale shard, StockLevel level, Instant now) {
    if (!busy(level, now)) {
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
          request.getHops() + 1, null));
    }
    return to(shard, request.getRequester(), new StockTransfer(null, StockTransferKind.GRANT, request.getRequester(),
        units, request.getHops() + 1, units > 0 ? shard.getShard() : null));
  }

  /**
   * Whether a grant brings units back that its receiver gave and another shard could not take ({@link
   * #undeliverable}), rather than answering an ask of the receiver's own: it names another shard as requester.
   */
  static boolean isReturn(Sale receiver, StockTransfer grant) {
    return grant.getKind() == StockTransferKind.GRANT && grant.getRequester() != receiver.getShard();
  }

  /**
   * What a task sends for a transfer to a shard it does not know, instead of dropping it: the giver has already
   * subtracted a grant's units, so they go back to the giver; a request is answered with a grant of nothing, so that
   * its asker is not left waiting. Null when nothing needs sending (a grant of nothing, or units the giver's own task
   * turned out not to know either, which only a cluster whose topics differ in partitions can produce, and which
   * {@link CoPartitioning} refuses at start).
   *
   * @param sku the receiving shard's SKU (the transfer's key)
   */
  static Send undeliverable(String sku, StockTransfer transfer) {
    String saleId = transfer.getSaleId();
    String parentSaleId = Shards.parentSaleId(saleId);
    String parentSku = Shards.parentSku(saleId, sku);
    Integer back = transfer.getKind() == StockTransferKind.REQUEST ? Integer.valueOf(transfer.getRequester())
        : transfer.getUnits() > 0 ? transfer.getGiver() : null;
    if (back == null || Shards.saleId(parentSaleId, back).equals(saleId)) {
      return null;
    }
    int units = transfer.getKind() == StockTransferKind.REQUEST ? 0 : transfer.getUnits();
    return new Send(Shards.sku(parentSku, back), new StockTransfer(Shards.saleId(parentSaleId, back),
        StockTransferKind.GRANT, transfer.getRequester(), units, transfer.getHops() + 1, units > 0 ? back : null));
  }

  /** Whether an ask made at {@code askedAtMs} has waited past {@link #ASK_TIMEOUT} at {@code now}. */
  static boolean unanswered(long askedAtMs, Instant now) {
    return !Instant.ofEpochMilli(askedAtMs).plus(ASK_TIMEOUT).isAfter(now);
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
