package io.flashsale.api.waitingroom;

import io.flashsale.api.sale.SaleStatus;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How a sale's waiting room moves at a moment, as its meters show it: the pure function of the room's counts
 * ({@code queue-stats}), its admission rates and the clock, as {@link Admission} is for one place.
 *
 * @param length buyers joined and not admitted yet; 0 once the sale is over
 * @param movePerSecond buyers admitted per second over the last {@link #WINDOW}, as observed: the admission rate
 *     while buyers wait, less when the queue runs dry (admission never passes the last joiner), 0 before it starts
 * @param newJoinerStart when a buyer joining now would be admitted: at the back of the queue (slot = joined so far),
 *     at the admission rate in effect now (the sale's {@code waitingRoom.admitPerSecond} or the admin's latest
 *     change), which is what admits it, so the estimate is exact unless the rate changes; null once the sale is over
 */
public record QueueForecast(long length, double movePerSecond, Instant newJoinerStart) {
  /** The window of the observed move rate: two scrapes' worth at the usual 5 s, short enough to see a change. */
  static final Duration WINDOW = Duration.ofSeconds(10);

  static QueueForecast of(Sale sale, SaleStatus status, QueueStats stats, List<QueueOrder.Rate> rates, Instant now) {
    if (status == SaleStatus.ENDED || status == SaleStatus.SOLD_OUT) {
      return new QueueForecast(0, 0, null);
    }
    Instant start = Admission.start(sale, stats);
    if (stats == null) {
      return new QueueForecast(0, 0, QueueOrder.admittedAt(start, rates, now, 0));
    }
    long admitted = Admission.admitted(sale, stats, rates, now);
    long before = Admission.admitted(sale, stats, rates, now.minus(WINDOW));
    double moved = (admitted - before) / (WINDOW.toNanos() / 1e9);
    return new QueueForecast(stats.getJoined() - admitted, moved,
        QueueOrder.admittedAt(start, rates, now, stats.getJoined()));
  }
}
