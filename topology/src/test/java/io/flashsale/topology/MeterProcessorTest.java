package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.StockLevel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * The meter nodes before purchase-outcomes and stock-levels: each record goes on unchanged and is shown on
 * /metrics under the same names and tags, and a sale's gauges go with the task that last showed them.
 */
class MeterProcessorTest {
  private static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final TopologyMeters meters = new TopologyMeters(registry);

  @Test
  void outcomesGoOnUnchangedAndAreCountedByStatusAndReason() {
    MeterProcessor<PurchaseOutcome> meter = new MeterProcessor<>((outcome, task) -> meters.outcome(outcome));
    MockProcessorContext<String, PurchaseOutcome> context = new MockProcessorContext<>();
    meter.init(context);
    PurchaseOutcome accepted = PurchaseOutcome.newBuilder().setRequestId("r1").setSaleId("s1").setSku("SKU-1")
        .setUserId("u1").setQuantity(1).setStatus(OutcomeStatus.ACCEPTED).setDecidedAt(NOW).build();

    meter.process(new Record<>("r1", accepted, NOW.toEpochMilli()));
    meter.process(new Record<>("r1", PurchaseOutcome.newBuilder(accepted).setRepeat(true).build(), NOW.toEpochMilli()));

    assertThat(context.forwarded().stream().<PurchaseOutcome>map(forward -> forward.record().value()).toList())
        .containsExactly(accepted, PurchaseOutcome.newBuilder(accepted).setRepeat(true).build());
    assertThat(registry.get(TopologyMeters.DECISIONS).tag("status", "ACCEPTED").tag("reason", "none").counter().count())
        .as("a repeat is not a decision").isEqualTo(1.0);
    assertThat(registry.get(TopologyMeters.REPEATS).counter().count()).isEqualTo(1.0);
  }

  @Test
  void eachStatusAndReasonHasItsOwnCount() {
    MeterProcessor<PurchaseOutcome> meter = new MeterProcessor<>((outcome, task) -> meters.outcome(outcome));
    meter.init(new MockProcessorContext<>());
    PurchaseOutcome accepted = PurchaseOutcome.newBuilder().setRequestId("r1").setSaleId("s1").setSku("SKU-1")
        .setUserId("u1").setQuantity(1).setStatus(OutcomeStatus.ACCEPTED).setDecidedAt(NOW).build();
    PurchaseOutcome soldOut = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.REJECTED).setReason(RejectReason.SOLD_OUT).build();
    PurchaseOutcome overLimit = PurchaseOutcome.newBuilder(soldOut).setReason(RejectReason.LIMIT_EXCEEDED).build();
    PurchaseOutcome expired = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.EXPIRED).build();

    for (PurchaseOutcome outcome : List.of(soldOut, soldOut, soldOut, overLimit, expired, expired, accepted)) {
      meter.process(new Record<>("r1", outcome, NOW.toEpochMilli()));
    }

    assertThat(decisions("REJECTED", "SOLD_OUT")).isEqualTo(3.0);
    assertThat(decisions("REJECTED", "LIMIT_EXCEEDED")).isEqualTo(1.0);
    assertThat(decisions("EXPIRED", "none")).isEqualTo(2.0);
    assertThat(decisions("ACCEPTED", "none")).isEqualTo(1.0);
    assertThat(registry.find(TopologyMeters.DECISIONS).counters()).hasSize(4);
  }

  private double decisions(String status, String reason) {
    return registry.get(TopologyMeters.DECISIONS).tag("status", status).tag("reason", reason).counter().count();
  }

  @Test
  void aSalesGaugesShowItsLatestLevelAndGoWhenTheTaskThatLastShowedThemCloses() {
    MeterProcessor<StockLevel> before = new MeterProcessor<>(meters.stockLevels());
    MeterProcessor<StockLevel> after = new MeterProcessor<>(meters.stockLevels());
    MockProcessorContext<String, StockLevel> context = new MockProcessorContext<>();
    before.init(context);
    after.init(context);

    before.process(new Record<>("s1", level(10, 7, 2, 1), NOW.toEpochMilli()));
    assertThat(units("available")).isEqualTo(7.0);
    after.process(new Record<>("s1", level(10, 6, 3, 1), NOW.toEpochMilli())); // the sale's task moved here
    before.close();

    assertThat(context.forwarded()).hasSize(2);
    assertThat(units("available")).as("kept by the task that shows the sale now").isEqualTo(6.0);
    assertThat(units("reserved")).isEqualTo(3.0);
    after.close();
    assertThat(registry.find(TopologyMeters.SALE_UNITS).tag("sale", "s1").gauges()).isEmpty();
  }

  @Test
  void unitsALastDrawReservesForItsWinnersAreDrawnNotHeld() {
    MeterProcessor<StockLevel> meter = new MeterProcessor<>(meters.stockLevels());
    meter.init(new MockProcessorContext<>());

    // 2 units held by purchases and 3 reserved by a last draw: the books, kept from outcomes, count 2 reserved.
    meter.process(new Record<>("s1", StockLevel.newBuilder(level(10, 4, 5, 1)).setDrawReserved(3).build(),
        NOW.toEpochMilli()));

    assertThat(units("reserved")).isEqualTo(2.0);
    assertThat(units("drawn")).isEqualTo(3.0);
    assertThat(units("available") + units("reserved") + units("drawn") + units("confirmed")).isEqualTo(units("stock"));
    assertThat(registry.get(TopologyMeters.HOLDS_LIVE).gauge().value()).as("a draw's units are no hold").isEqualTo(2.0);
  }

  private static StockLevel level(int stock, int available, int reserved, int confirmed) {
    return StockLevel.newBuilder().setSaleId("s1").setSku("SKU-1").setStock(stock).setAvailable(available)
        .setReserved(reserved).setConfirmed(confirmed).setUpdatedAt(NOW).build();
  }

  private double units(String state) {
    return registry.get(TopologyMeters.SALE_UNITS).tag("sale", "s1").tag("state", state).gauge().value();
  }
}
