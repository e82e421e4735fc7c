package io.flashsale.api.sale;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicView;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Every sale, the claims of sale ids, the latest stock levels, the published lottery draws and the rounds of last
 * draws (their winners are few: at most the units that came back), read from {@code sales}, {@code sale-claims},
 * {@code stock-levels}, {@code lottery-draws} and {@code last-draws}. A sale is shown once its definition is in {@code sales}, where
 * the topology reads it; only the winner of a sale id's claim is ever written there (see {@link SaleClaims}).
 */
public final class SaleView extends TopicView {

  private final Topics topics;
  private final Map<String, Sale> sales = new ConcurrentHashMap<>();
  private final ClaimLog claims = new ClaimLog();
  private final Map<String, StockLevel> stockLevels = new ConcurrentHashMap<>();
  /** The latest level of each stock shard; {@link #stockLevels} has their sum under the sale's id. */
  private final Map<String, StockLevel> shardLevels = new ConcurrentHashMap<>();
  private final Map<String, Set<CompletableFuture<Instant>>> endWaiters = new ConcurrentHashMap<>();
  private final Map<String, DecisionRate> rates = new ConcurrentHashMap<>();
  private final Map<String, DrawResult> draws = new ConcurrentHashMap<>();
  private final LastDrawRounds lastDraws = new LastDrawRounds();
  public SaleView(KafkaSettings kafka, Topics topics) {
    super("sales", kafka, List.of(Topics.SALE_CLAIMS, Topics.SALES, Topics.STOCK_LEVELS, Topics.LOTTERY_DRAWS,
        Topics.LAST_DRAWS));
    this.topics = topics;
  }

  public Optional<Sale> sale(String saleId) {
    return Optional.ofNullable(sales.get(saleId));
  }

  /** The longest hold of any sale known; zero without sales. */
  public Duration longestHold() {
    return Duration.ofSeconds(sales.values().stream().mapToLong(Sale::getHoldSeconds).max().orElse(0));
  }

  /** True once anyone claimed the id or a sale of that id exists: the id is taken. */
  boolean taken(String saleId) {
    return claims.claimed(saleId) || sales.containsKey(saleId);
  }

  /** The winning claim of the id, as far as the view has read. */
  Optional<ClaimLog.Claim> winningClaim(String saleId) {
    return claims.winning(saleId);
  }

  /** The topology's latest counters of the sale; empty until it has decided something. */
  public Optional<StockLevel> stockLevel(String saleId) {
    return Optional.ofNullable(stockLevels.get(saleId));
  }

  /** The sale {@code saleId}, or SALE_NOT_FOUND. */
  public Sale known(String saleId) {
    return sale(saleId).orElseThrow(() -> new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + saleId));
  }

  /** Every sale this view knows. */
  public Collection<Sale> all() {
    return sales.values();
  }

  /**
   * When the sale stops taking requests: its endsAt, or the earlier moment an admin ended it, as the topology
   * decided and told every instance through stock-levels.
   */
  public Instant closesAt(Sale sale) {
    Instant endedAt = stockLevel(sale.getSaleId()).map(StockLevel::getEndedAt).orElse(null);
    return endedAt != null && endedAt.isBefore(sale.getEndsAt()) ? endedAt : sale.getEndsAt();
  }

  /**
   * Where the sale stands at {@code now}, by its stock as this view last read it and its close: the one reading of
   * a sale's status for every route ({@link SaleStatus#of} is the rule).
   */
  public SaleStatus status(Sale sale, Instant now) {
    return SaleStatus.of(sale, available(sale), closesAt(sale), now);
  }

  /** The moment an admin ended the sale, once the topology has decided it; empty otherwise. */
  public Optional<Instant> endedAt(String saleId) {
    return stockLevel(saleId).map(StockLevel::getEndedAt);
  }

  /**
   * Completes (on the common pool) with the end once the topology's end of the sale is in this view, or with null
   * when {@code timeout} is over first.
   */
  public CompletableFuture<Instant> awaitEnd(String saleId, Duration timeout) {
    CompletableFuture<Instant> ended = new CompletableFuture<Instant>()
        .completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
    endWaiters.computeIfAbsent(saleId, id -> ConcurrentHashMap.newKeySet()).add(ended);
    endedAt(saleId).ifPresent(ended::complete); // after registering: an end applied in between is seen either way
    ended.whenComplete((at, failure) -> endWaiters.computeIfPresent(saleId, (id, waiting) -> {
      waiting.remove(ended);
      return waiting.isEmpty() ? null : waiting;
    }));
    return ended.thenApplyAsync(at -> at);
  }

  /** Decisions per second of the sale over the last minutes, as the topology's counters moved. */
  public DecisionRate.Series decisionRate(String saleId, Instant now) {
    DecisionRate rate = rates.get(saleId);
    return rate == null ? DecisionRate.Series.empty(now) : rate.series(now);
  }

  /** The sale's published draw; empty until the topology has drawn it (and for a sale that is no lottery). */
  public Optional<DrawResult> draw(String saleId) {
    return Optional.ofNullable(draws.get(saleId));
  }

  /** The latest round of the sale's last draw; empty before the first (and for a sale without one). */
  public Optional<LastDrawRound> lastDrawRound(String saleId) {
    return lastDraws.latest(saleId);
  }

  /** Until when the sale's last draw reserves a unit for the user, if the user won a round; empty otherwise. */
  public Optional<Instant> lastDrawClaim(String saleId, String userId) {
    return lastDraws.claim(saleId, userId);
  }

  /** Units neither reserved nor sold: the stock itself until the topology says otherwise. */
  public int available(Sale sale) {
    return stockLevel(sale.getSaleId()).map(StockLevel::getAvailable).orElse(sale.getStock());
  }

  /** See {@link ClaimLog#await}. */
  CompletableFuture<ClaimLog.Claim> awaitClaim(String saleId, int partition, long offset) {
    return claims.await(saleId, partition, offset);
  }

  /** Forgets a wait that was given up. */
  void stopAwaiting(int partition, long offset) {
    claims.stopAwaiting(partition, offset);
  }

  /** Records a sale this instance just wrote to {@code sales}, so that it answers for it before the view reads it back. */
  public void registered(Sale sale) {
    sales.putIfAbsent(sale.getSaleId(), sale);
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    switch (record.topic()) {
      case Topics.SALE_CLAIMS -> claims.apply(record, topics.saleClaims.valueSerde().deserializer());
      case Topics.SALES -> {
        if (record.value() != null) {
          Sale sale = topics.sales.valueSerde().deserializer().deserialize(record.topic(), record.value());
          if (sale.getShard() == null) { // a shard's own definition is the topology's; buyers see the sale
            sales.putIfAbsent(sale.getSaleId(), sale); // only claim winners are written; repeats are the same sale
          }
        }
      }
      case Topics.LOTTERY_DRAWS -> {
        if (record.value() != null) {
          DrawResult draw = topics.lotteryDraws.valueSerde().deserializer().deserialize(record.topic(), record.value());
          draws.putIfAbsent(draw.getSaleId(), draw); // a sale is drawn once: a later record for it is not the draw
        }
      }
      case Topics.LAST_DRAWS -> {
        if (record.value() != null) {
          lastDraws.read(topics.lastDraws.valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
      }
      default -> {
        if (record.value() != null) {
          StockLevel read = topics.stockLevels.valueSerde().deserializer().deserialize(record.topic(), record.value());
          String parent = Shards.parentSaleId(read.getSaleId());
          if (!parent.equals(read.getSaleId())) {
            shardLevels.put(read.getSaleId(), read);
          }
          StockLevel level = parent.equals(read.getSaleId()) ? read : summed(parent);
          if (level == null) {
            return; // the sale itself is not read yet; its shards are summed once it is
          }
          StockLevel previous = stockLevels.put(level.getSaleId(), level);
          rates.computeIfAbsent(level.getSaleId(), id -> new DecisionRate()).moved(previous, level);
          if (level.getEndedAt() != null) {
            Set<CompletableFuture<Instant>> waiting = endWaiters.get(level.getSaleId());
            if (waiting != null) {
              waiting.forEach(ended -> ended.complete(level.getEndedAt()));
            }
          }
        }
      }
    }
  }

  /**
   * A sharded sale's counters as buyers see them: its shards' summed (a shard not heard of yet counts with its
   * opening stock), ended once every shard has ended. Null while the sale itself is not known.
   */
  private StockLevel summed(String saleId) {
    Sale sale = sales.get(saleId);
    if (sale == null) {
      return null;
    }
    StockLevel.Builder sum = StockLevel.newBuilder().setSaleId(saleId).setSku(sale.getSku()).setStock(0).setAvailable(0)
        .setReserved(0).setConfirmed(0).setUpdatedAt(sale.getCreatedAt()).setRejected(new HashMap<>());
    Instant endedAt = null;
    boolean allEnded = true;
    for (Sale shard : Shards.of(sale)) {
      StockLevel level = shardLevels.get(shard.getSaleId());
      if (level == null) {
        sum.setStock(sum.getStock() + shard.getStock()).setAvailable(sum.getAvailable() + shard.getStock());
        allEnded = false;
        continue;
      }
      sum.setStock(sum.getStock() + level.getStock()).setAvailable(sum.getAvailable() + level.getAvailable())
          .setReserved(sum.getReserved() + level.getReserved()).setConfirmed(sum.getConfirmed() + level.getConfirmed())
          .setRequests(sum.getRequests() + level.getRequests()).setAccepted(sum.getAccepted() + level.getAccepted())
          .setExpired(sum.getExpired() + level.getExpired()).setCancelled(sum.getCancelled() + level.getCancelled())
          .setRefundsDue(sum.getRefundsDue() + level.getRefundsDue()).setOrders(sum.getOrders() + level.getOrders());
      level.getRejected().forEach((reason, count) -> sum.getRejected().merge(reason, count, Long::sum));
      if (level.getUpdatedAt().isAfter(sum.getUpdatedAt())) {
        sum.setUpdatedAt(level.getUpdatedAt());
      }
      allEnded &= level.getEndedAt() != null;
      if (level.getEndedAt() != null && (endedAt == null || level.getEndedAt().isAfter(endedAt))) {
        endedAt = level.getEndedAt();
      }
    }
    return sum.setEndedAt(allEnded ? endedAt : null).build();
  }


}
