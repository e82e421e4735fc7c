package io.flashsale.api.admin;

import io.flashsale.api.purchase.PurchaseView;
import io.flashsale.api.sale.DecisionRate;
import io.flashsale.api.sale.SaleView;
import io.flashsale.api.fairness.FairnessMeters;
import io.flashsale.api.waitingroom.QueueForecast;
import io.flashsale.api.waitingroom.WaitingRooms;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/** {@code GET /api/admin/sales/{saleId}/metrics}: a sale's counters, as the topology and this instance's views have them. */
public final class SaleMetricsRoutes {
  /**
   * The topology's counters of a sale, and the requests still waiting for a decision. {@code ordersCount} counts
   * confirmed purchases, {@code conversionRate} is ordersCount / accepted; {@code queueLength} and {@code admitted}
   * are the waiting room's (0 without one), {@code proofOfWorkBits} the difficulty its joins need now (risen by itself
   * while joins come faster than its threshold), {@code deviceRejections} the requests refused DEVICE_LIMIT_EXCEEDED.
   * {@code decisionsPerSecond} holds the last minutes, oldest first, its last second being {@code serverTime}'s.
   * {@code admittedPerSecond} and {@code newJoinerStartTime} are the waiting room's ({@link QueueForecast}; 0 and
   * null without one or once over); {@code giniUnitsPerUser} and {@code firstTenthShare} the fairness of the units
   * won so far (the Gini coefficient of units per buyer, the share won by the first 10 % of buyers).
   */
  record SaleMetrics(String saleId, int stock, int available, int reserved, int confirmed, long requests,
                     long accepted, Map<String, Long> rejected, long expired, long cancelled, long pending,
                     long ordersCount, double conversionRate, long queueLength, long admitted,
                     long deviceRejections, Decisions decisionsPerSecond, Instant serverTime, int proofOfWorkBits,
                     double admittedPerSecond, Instant newJoinerStartTime, double giniUnitsPerUser,
                     double firstTenthShare) {}

  /** Decisions per second, accepted and rejected, one entry per second. */
  record Decisions(long[] accepted, long[] rejected) {}

  /** The reject reason of the device limit, as the stock level counts rejections by reason. */
  private static final String DEVICE_LIMIT_EXCEEDED = "DEVICE_LIMIT_EXCEEDED";

  private final SaleView sales;
  private final PurchaseView purchases;
  private final WaitingRooms waitingRooms;
  private final FairnessMeters fairness;
  private final Clock clock;

  public SaleMetricsRoutes(SaleView sales, PurchaseView purchases, WaitingRooms waitingRooms, FairnessMeters fairness,
                           Clock clock) {
    this.fairness = fairness;
    this.sales = sales;
    this.purchases = purchases;
    this.waitingRooms = waitingRooms;
    this.clock = clock;
  }

  public void metrics(Context ctx) {
    Sale sale = sales.known(ctx.pathParam("saleId"));
    Instant now = clock.instant();
    long pending = purchases.pendingCount(sale.getSaleId());
    DecisionRate.Series rate = sales.decisionRate(sale.getSaleId(), now);
    Decisions decisions = new Decisions(rate.accepted(), rate.rejected());
    WaitingRooms.Counts room = waitingRooms.counts(sale, now);
    QueueForecast queue = sale.getWaitingRoom() == null ? new QueueForecast(0, 0, null)
        : waitingRooms.forecast(sale, now);
    double[] fair = fairness.figures(sale.getSaleId());
    StockLevel level = sales.stockLevel(sale.getSaleId()).orElse(null);
    if (level == null) {
      ctx.json(new SaleMetrics(sale.getSaleId(), sale.getStock(), sale.getStock(), 0, 0, 0, 0, Map.of(), 0, 0,
          pending, 0, 0, room.waiting(), room.admitted(), 0, decisions, now, room.proofOfWorkBits(),
          queue.movePerSecond(), queue.newJoinerStart(), fair[0], fair[1]));
      return;
    }
    double conversion = level.getAccepted() == 0 ? 0 : (double) level.getOrders() / level.getAccepted();
    ctx.json(new SaleMetrics(sale.getSaleId(), level.getStock(), level.getAvailable(), level.getReserved(),
        level.getConfirmed(), level.getRequests(), level.getAccepted(), level.getRejected(), level.getExpired(),
        level.getCancelled(), pending, level.getOrders(), conversion, room.waiting(), room.admitted(),
        level.getRejected().getOrDefault(DEVICE_LIMIT_EXCEEDED, 0L), decisions, now, room.proofOfWorkBits(),
        queue.movePerSecond(), queue.newJoinerStart(), fair[0], fair[1]));
  }
}
