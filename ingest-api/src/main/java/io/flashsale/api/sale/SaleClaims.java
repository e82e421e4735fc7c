package io.flashsale.api.sale;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The agreement of every instance on who creates a sale id. The claim is written to {@code sale-claims} (key =
 * saleId, so all claims of an id share one partition and one order) and read back; only when this claim is the id's
 * first does this instance write the sale to {@code sales}. Every other claimant answers 409 SALE_EXISTS and writes
 * nothing more, so the topology, the sink and every instance only ever see the winner's definition.
 */
public final class SaleClaims {
  /** How long a creation waits to read its own claim back before answering 503 (the broker acked it already). */
  static final Duration CLAIM_READ_BACK_TIMEOUT = Duration.ofSeconds(10);
  /** A won claim without its sale after this long lost its claimant: see {@link #repairUnwritten}. */
  public static final Duration UNWRITTEN_CLAIM_GRACE = CLAIM_READ_BACK_TIMEOUT.multipliedBy(3);

  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final Clock clock;

  public SaleClaims(TopicWriter writer, Topics topics, SaleView sales, Clock clock) {
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.clock = clock;
  }

  /** SALE_EXISTS for an id already claimed, after writing a won claim whose claimant died (see repairUnwritten). */
  public void refuseTaken(String saleId) {
    if (sales.taken(saleId)) {
      repairUnwritten(saleId);
      throw exists(saleId);
    }
  }

  /**
   * Claims {@code sale}'s id and, if this claim is the first, writes the sale; fails with SALE_EXISTS if another came
   * first, UNAVAILABLE (retry) if the claim could not be read back in time.
   */
  public CompletableFuture<?> create(Sale sale) {
    String saleId = sale.getSaleId();
    return writer.write(topics.saleClaims, saleId, sale).thenCompose(claim ->
        sales.awaitClaim(saleId, claim.partition(), claim.offset())
            .completeOnTimeout(null, CLAIM_READ_BACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .thenCompose(winner -> {
              if (winner == null) {
                sales.stopAwaiting(claim.partition(), claim.offset());
                throw new Problem(ErrorCode.UNAVAILABLE, "The sale could not be created, please retry",
                    Map.of("Retry-After", "1"), Map.of());
              }
              if (!winner.isAt(claim.partition(), claim.offset())) {
                repairUnwritten(saleId);
                throw exists(saleId);
              }
              return write(sale);
            }));
  }

  /**
   * A claim that won but whose sale never reached {@code sales} (its claimant died between the two writes) is
   * written there by the next instance asked to create the id, once it is older than any live claimant's wait.
   * It is the winner's own definition, and the topology ignores a repeated definition, so a race does no harm.
   */
  private void repairUnwritten(String saleId) {
    sales.winningClaim(saleId)
        .filter(claim -> sales.sale(saleId).isEmpty())
        .filter(claim -> claim.claimedAt().plus(UNWRITTEN_CLAIM_GRACE).isBefore(clock.instant()))
        .ifPresent(claim -> write(claim.sale()).thenAccept(written -> sales.registered(claim.sale())));
  }

  /**
   * Writes a won sale to {@code sales}: a sharded one's shards first, then the sale itself, so that buyers see it
   * only once every shard can take their purchases. A repeat writes nothing new: the first definition wins.
   */
  private CompletableFuture<?> write(Sale sale) {
    if (!Shards.isSharded(sale)) {
      return writer.write(topics.sales, sale.getSku(), sale);
    }
    return CompletableFuture.allOf(Shards.of(sale).stream().map(shard -> writer.write(topics.sales, shard.getSku(), shard))
        .toArray(CompletableFuture[]::new)).thenCompose(shards -> writer.write(topics.sales, sale.getSku(), sale));
  }

  private static Problem exists(String saleId) {
    return new Problem(ErrorCode.SALE_EXISTS, "Sale " + saleId + " already exists");
  }
}
