package io.flashsale.api.waitingroom;

import io.flashsale.api.http.ApiMeters;
import io.flashsale.api.sale.SaleView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A waiting room's movement on {@code /metrics}, tagged sale, read at each scrape from {@link QueueForecast}: the
 * observed move rate and when a new joiner would be admitted (Unix time; NaN once the sale is over). Its length is
 * {@code flashsale_waiting_room_buyers}.
 */
public final class QueueMeters {
  static final String MOVE_RATE = "flashsale.waiting.room.move.rate";
  static final String NEW_JOINER_START = "flashsale.waiting.room.new.joiner.start";
  static final String IDLE_REJOINS = "flashsale.waiting.room.idle.rejoins";

  private QueueMeters() {}

  /** The gauges of {@code saleId}'s room; {@code forecast} is empty while the sale is unknown. */
  public static void register(MeterRegistry registry, String saleId, Supplier<Optional<QueueForecast>> forecast) {
    Gauge.builder(MOVE_RATE, () -> forecast.get().map(QueueForecast::movePerSecond).orElse(0.0))
        .description("Buyers the sale's waiting room admitted per second over the last 10 s").tag("sale", saleId)
        .register(registry);
    Gauge.builder(NEW_JOINER_START, () -> forecast.get().map(QueueForecast::newJoinerStart)
            .map(at -> at.toEpochMilli() / 1000.0).orElse(Double.NaN))
        .description("When a buyer joining the sale's waiting room now would be admitted, Unix time")
        .tag("sale", saleId).baseUnit("seconds").register(registry);
  }

  /**
   * {@link #register} for a room of the view: its forecast at each scrape's moment, the buyers not admitted yet and
   * the difficulty a join needs now.
   */
  public static void register(MeterRegistry registry, String saleId, WaitingRooms rooms, SaleView sales, Clock clock) {
    Gauge.builder(ApiMeters.WAITING_ROOM_BUYERS, () -> sales.sale(saleId)
            .map(sale -> rooms.counts(sale, clock.instant()).waiting()).orElse(0L))
        .description("Buyers in the sale's waiting room not admitted yet").tag("sale", saleId).register(registry);
    Gauge.builder(ApiMeters.PROOF_OF_WORK_BITS, () -> sales.sale(saleId)
            .map(sale -> rooms.proofOfWorkBits(sale, clock.instant())).orElse(0))
        .description("Leading zero bits a join's proof of work needs now, risen by itself under a flood of joins")
        .tag("sale", saleId).register(registry);
    register(registry, saleId, () -> sales.sale(saleId).filter(sale -> sale.getWaitingRoom() != null)
        .map(sale -> rooms.forecast(sale, clock.instant())));
    FunctionCounter.builder(IDLE_REJOINS, rooms, r -> r.rejoins(saleId)).tag("sale", saleId)
        .description("Buyers of the sale's waiting room who lost their place for being idle and joined again at the back")
        .register(registry);
  }
}
