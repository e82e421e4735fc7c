package io.flashsale.api.fairness;

import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Shards;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fairness of each sale's outcome on {@code /metrics}, tagged sale: {@value #GINI} (units per buyer) and
 * {@value #FIRST_JOINERS_SHARE} (units won by the first 10 % of joiners). Fed by the purchase view's outcomes,
 * which every instance reads whole from the longest hold back (so a restarted instance shows the same figures), and
 * computed on the scrape, at most every {@link SaleFairness#RECOMPUTE}.
 */
public final class FairnessMeters {
  static final String GINI = "flashsale.fairness.gini";
  static final String FIRST_JOINERS_SHARE = "flashsale.fairness.first.joiners.share";
  static final String BUYERS = "flashsale.fairness.buyers";
  /**
   * Buyers followed per sale at most (about 150 bytes each): a sale of more is measured on its first ones. Ten
   * times the local stack's largest fairness run.
   */
  public static final int MAX_BUYERS_PER_SALE = 1_000_000;

  private final MeterRegistry registry;
  private final Clock clock;
  private final int maxBuyers;
  private final Map<String, SaleFairness> sales = new ConcurrentHashMap<>();

  public FairnessMeters(MeterRegistry registry, Clock clock, int maxBuyers) {
    this.registry = registry;
    this.clock = clock;
    this.maxBuyers = maxBuyers;
  }

  /** One outcome the purchase view read; on the view's thread. A stock shard's outcome counts for its sale. */
  public void outcomeSeen(PurchaseOutcome outcome) {
    sales.computeIfAbsent(Shards.parentSaleId(outcome.getSaleId()), this::register).seen(outcome);
  }

  /** The sale's figures as the gauges show them: Gini, first joiners' share, buyers counted (zeros before any outcome). */
  public double[] figures(String saleId) {
    SaleFairness sale = sales.get(saleId);
    SaleFairness.Figures figures = sale == null ? new SaleFairness.Figures(0, 0, 0) : sale.figures();
    return new double[] {figures.gini(), figures.firstJoinersShare(), figures.buyers()};
  }

  private SaleFairness register(String saleId) {
    SaleFairness sale = new SaleFairness(maxBuyers, clock);
    Gauge.builder(GINI, sale, s -> s.figures().gini()).tag("sale", saleId)
        .description("Gini coefficient of units won per buyer of the sale: 0 all equal, (n-1)/n one won all")
        .register(registry);
    Gauge.builder(FIRST_JOINERS_SHARE, sale, s -> s.figures().firstJoinersShare()).tag("sale", saleId)
        .description("Share of the sale's units won by its first 10 % of joiners, by first decision time")
        .register(registry);
    Gauge.builder(BUYERS, sale, s -> s.figures().buyers()).tag("sale", saleId)
        .description("Buyers the fairness figures of the sale count").register(registry);
    return sale;
  }
}
