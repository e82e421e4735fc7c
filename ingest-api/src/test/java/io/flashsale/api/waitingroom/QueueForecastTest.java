package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flashsale.api.sale.SaleStatus;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import io.flashsale.testing.Sales;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A room's length, move rate and a new joiner's start, as its meters show them. */
class QueueForecastTest {
  private static final Instant START = Instant.parse("2026-12-06T20:00:00Z");
  private final Sale sale = Sales.opening("s1", "SKU", 100, 1, START)
      .setWaitingRoom(new WaitingRoom(10, 120, 900, 0, 3_600)).build();
  private final List<QueueOrder.Rate> rates = List.of(new QueueOrder.Rate(Instant.EPOCH, 10));

  @Test
  void aLongQueueMovesAtTheRateAndANewJoinerStartsWhenThoseAheadAreIn() {
    QueueStats stats = new QueueStats("s1", 1_000L, 400L, true, START);
    Instant now = START.plus(Admission.LEAD).plusSeconds(30); // 300 admitted
    QueueForecast forecast = QueueForecast.of(sale, SaleStatus.LIVE, stats, rates, now);
    assertThat(forecast.length()).isEqualTo(700);
    assertThat(forecast.movePerSecond()).isCloseTo(10, within(1e-6));
    // The 1,001st joiner (slot 1,000) comes in after the 700 ahead of it, 70 s at 10 a second.
    assertThat(Duration.between(now, forecast.newJoinerStart()).toMillis()).isBetween(70_000L, 70_100L);
  }

  @Test
  void aQueueRunDryMovesOnlyAsFastAsBuyersCome() {
    QueueStats stats = new QueueStats("s1", 105L, 100L, true, START);
    Instant now = START.plus(Admission.LEAD).plusSeconds(15); // 150 would be admitted: only 105 joined
    QueueForecast forecast = QueueForecast.of(sale, SaleStatus.LIVE, stats, rates, now);
    assertThat(forecast.length()).isZero();
    assertThat(forecast.movePerSecond()).as("(105 - 50) over 10 s").isCloseTo(5.5, within(1e-6));
    assertThat(forecast.newJoinerStart()).isEqualTo(now);
  }

  @Test
  void beforeTheStartNobodyMovesAndAJoinerStartsAfterThePreQueue() {
    QueueStats stats = new QueueStats("s1", 50L, 50L, false, null);
    Instant now = START.minusSeconds(60);
    QueueForecast forecast = QueueForecast.of(sale, SaleStatus.SCHEDULED, stats, rates, now);
    assertThat(forecast.length()).isEqualTo(50);
    assertThat(forecast.movePerSecond()).isZero();
    assertThat(forecast.newJoinerStart()).isEqualTo(START.plus(Admission.LEAD).plusSeconds(5).plusMillis(100));
  }

  @Test
  void anOverSaleHasNoQueue() {
    QueueStats stats = new QueueStats("s1", 1_000L, 400L, true, START);
    QueueForecast forecast = QueueForecast.of(sale, SaleStatus.SOLD_OUT, stats, rates, START.plusSeconds(10));
    assertThat(forecast).isEqualTo(new QueueForecast(0, 0, null));
  }
}
