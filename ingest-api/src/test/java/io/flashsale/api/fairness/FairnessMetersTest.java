package io.flashsale.api.fairness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The gauges follow the outcomes, by join order from the decision times whatever order they are read in. */
class FairnessMetersTest {
  private static final Instant T0 = Instant.parse("2026-12-06T20:00:00Z");
  private final AtomicReference<Instant> now = new AtomicReference<>(T0);
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return now.get(); }
  };
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FairnessMeters meters = new FairnessMeters(registry, clock, 1_000);

  @Test
  void aSaleWonByItsFirstJoinerAlone() {
    // Ten buyers; the first (by decision time) wins 2 units, read last; the nine others are refused; a shard's
    // outcome counts for its sale, and a repeat counts nothing.
    for (int i = 9; i >= 1; i--) {
      meters.outcomeSeen(outcome("s1~1", "u" + i, i, OutcomeStatus.REJECTED, 1, false));
    }
    meters.outcomeSeen(outcome("s1", "u0", 0, OutcomeStatus.ACCEPTED, 2, false));
    meters.outcomeSeen(outcome("s1", "u0", 0, OutcomeStatus.ACCEPTED, 2, true));
    assertThat(gauge(FairnessMeters.GINI)).isCloseTo(0.9, within(1e-9));
    assertThat(gauge(FairnessMeters.FIRST_JOINERS_SHARE)).isCloseTo(1.0, within(1e-9));
    assertThat(gauge(FairnessMeters.BUYERS)).isEqualTo(10);
  }

  @Test
  void recomputedOnlyAfterTheTick() {
    meters.outcomeSeen(outcome("s1", "a", 0, OutcomeStatus.ACCEPTED, 1, false));
    meters.outcomeSeen(outcome("s1", "b", 1, OutcomeStatus.ACCEPTED, 1, false));
    assertThat(gauge(FairnessMeters.GINI)).isCloseTo(0, within(1e-9));
    meters.outcomeSeen(outcome("s1", "a", 2, OutcomeStatus.ACCEPTED, 4, false));
    assertThat(gauge(FairnessMeters.GINI)).as("within the tick: the figure of the last computation").isZero();
    now.set(T0.plus(SaleFairness.RECOMPUTE));
    // a holds 5, b 1: G = 2 * (1 * 1 + 2 * 5) / (2 * 6) - 3 / 2 = 1/3
    assertThat(gauge(FairnessMeters.GINI)).isCloseTo(1 / 3.0, within(1e-9));
    assertThat(gauge(FairnessMeters.FIRST_JOINERS_SHARE)).isCloseTo(5 / 6.0, within(1e-9));
  }

  private double gauge(String name) {
    return registry.get(name).tag("sale", "s1").gauge().value();
  }

  private static PurchaseOutcome outcome(String saleId, String user, int order, OutcomeStatus status, int quantity,
                                         boolean repeat) {
    return PurchaseOutcome.newBuilder().setRequestId(user + "-" + order + "-" + repeat).setSaleId(saleId).setSku("sku")
        .setUserId(user).setQuantity(quantity).setStatus(status)
        .setReason(status == OutcomeStatus.REJECTED ? RejectReason.SOLD_OUT : null)
        .setDecidedAt(T0.plus(Duration.ofMillis(order))).setSaleSequence(order).setRepeat(repeat).build();
  }
}
