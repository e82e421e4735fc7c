package io.flashsale.topology;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.StockLevel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the topology tells Prometheus about its decisions, from the records it emits (never from the stores):
 * decisions by status and reason, each sale's stock, units held, requests dead-lettered, and the most units
 * accepted for one device in a sale. Counts are this process's since it started; a record decided again
 * after a crash (exactly once rolls its transaction back) is counted again, so the log stays the truth and
 * these are for rates and alerts.
 */
final class TopologyMeters {
  /** Outcomes emitted, tagged status and reason ("none" unless REJECTED). */
  static final String DECISIONS = "flashsale.decisions";
  /** Outcomes sent again, marked repeat, for a request logged again after it was decided. */
  static final String REPEATS = "flashsale.outcome.repeats";
  /**
   * A sale's units, tagged sale and state: stock, available, reserved (held by purchases), drawn (reserved by a last
   * draw for winners who have not claimed them: no purchase stands for them, so the books cannot count them),
   * confirmed (sold).
   */
  static final String SALE_UNITS = "flashsale.sale.units";
  /** Units held by live holds, over the sales of this process's tasks. */
  static final String HOLDS_LIVE = "flashsale.holds.live.units";
  /** Requests of a batch that were themselves invalid and went to the dead-letter topic. */
  static final String DEAD_LETTERS = "flashsale.dead.letters";
  /** The most units accepted for one device (did claim) in a sale since this process took the sale's task. */
  static final String DEVICE_UNITS_MAX = "flashsale.device.units.max";
  /** Devices followed per sale at most; later devices of a larger sale are not followed. */
  static final int MAX_DEVICES_PER_SALE = 100_000;

  private final MeterRegistry registry;
  // A counter per status and reason (the last of each row: none), registered on first use: an outcome costs an
  // array read, not a key string and a map lookup (JFR of the hot-SKU backlog: 3 % of its processing).
  private static final int REASONS = RejectReason.values().length + 1;
  private final AtomicReferenceArray<Counter> decisions = new AtomicReferenceArray<>(OutcomeStatus.values().length * REASONS);
  private final Map<String, SaleGauges> sales = new ConcurrentHashMap<>();
  private final Counter deadLetters;
  private final Counter repeats;

  TopologyMeters(MeterRegistry registry) {
    this.registry = registry;
    this.deadLetters = Counter.builder(DEAD_LETTERS).tag("source", "request")
        .description("Purchase requests sent to the dead-letter topic because they are invalid").register(registry);
    this.repeats = Counter.builder(REPEATS)
        .description("Latest outcomes sent again for requests logged again after they were decided").register(registry);
    Gauge.builder(HOLDS_LIVE, sales, all -> all.values().stream().mapToInt(s -> s.reserved.get()).sum())
        .description("Units held by live holds (accepted, not yet confirmed, expired or cancelled)")
        .baseUnit("units").register(registry);
  }

  /** Meters that nobody reads, for topologies built without a registry (tests, benchmarks). */
  static TopologyMeters none() {
    return new TopologyMeters(new CompositeMeterRegistry());
  }

  void outcome(PurchaseOutcome outcome) {
    if (outcome.getRepeat()) {
      repeats.increment(); // a copy of an earlier decision, not a decision
      return;
    }
    int slot = outcome.getStatus().ordinal() * REASONS + (outcome.getReason() == null ? REASONS - 1 : outcome.getReason().ordinal());
    Counter counter = decisions.get(slot);
    if (counter == null) { // the registry gives every thread that registers the same tags the same counter
      counter = Counter.builder(DECISIONS).description("Purchase outcomes emitted by the topology")
          .tag("status", outcome.getStatus().name())
          .tag("reason", outcome.getReason() == null ? "none" : outcome.getReason().name())
          .register(registry);
      decisions.set(slot, counter);
    }
    counter.increment();
  }

  void deadLettered() {
    deadLetters.increment();
  }

  /** The stock-levels meter: each sale's latest level, forgotten when the task's processor that showed it closes. */
  MeterProcessor.Reading<StockLevel> stockLevels() {
    return new MeterProcessor.Reading<>() {
      @Override
      public void read(StockLevel level, Object task) {
        stockLevel(level, task);
      }

      @Override
      public void closed(Object task) {
        forget(task);
      }
    };
  }

  /** The sale's latest level, as it goes to stock-levels; {@code owner} is the task's meter processor. */
  void stockLevel(StockLevel level, Object owner) {
    sales.computeIfAbsent(level.getSaleId(), saleId -> new SaleGauges(saleId, owner)).set(level, owner);
  }

  /** A task closed (moved, or the process stops): its sales are no longer this process's to report. */
  void forget(Object owner) {
    sales.values().removeIf(gauges -> gauges.removeIfOwnedBy(owner));
  }

  /** One more accepted request of {@code quantity} units for the request's device, if it names one. */
  void accepted(PurchaseRequest request, PerTask task) {
    if (request.getDeviceId() != null) {
      task.devices(request.getSaleId()).add(request.getDeviceId(), request.getQuantity());
    }
  }

  /** What one task follows for the device gauge; a task's sales are its own, so no two tasks share one. */
  final class PerTask {
    private final Map<String, DeviceUnits> bySale = new HashMap<>();

    DeviceUnits devices(String saleId) {
      return bySale.computeIfAbsent(saleId, id -> new DeviceUnits(id));
    }

    void close() {
      bySale.values().forEach(DeviceUnits::remove);
      bySale.clear();
    }
  }

  PerTask perTask() {
    return new PerTask();
  }

  final class DeviceUnits {
    private final Map<String, Integer> units = new HashMap<>();
    private final AtomicInteger max = new AtomicInteger();
    private final Meter gauge;

    DeviceUnits(String saleId) {
      this.gauge = Gauge.builder(DEVICE_UNITS_MAX, max, AtomicInteger::get).tag("sale", saleId)
          .description("Most units accepted for one device in the sale").register(registry);
    }

    void add(String deviceId, int quantity) {
      Integer known = units.get(deviceId);
      if (known == null && units.size() >= MAX_DEVICES_PER_SALE) {
        return;
      }
      int next = (known == null ? 0 : known) + quantity;
      units.put(deviceId, next);
      max.accumulateAndGet(next, Math::max);
    }

    void remove() {
      registry.remove(gauge);
    }
  }

  private final class SaleGauges {
    private final AtomicInteger stock = new AtomicInteger();
    private final AtomicInteger available = new AtomicInteger();
    private final AtomicInteger reserved = new AtomicInteger();
    private final AtomicInteger drawn = new AtomicInteger();
    private final AtomicInteger confirmed = new AtomicInteger();
    private final List<Meter> meters = new ArrayList<>();
    private volatile Object owner;

    SaleGauges(String saleId, Object owner) {
      this.owner = owner;
      meters.add(gauge(saleId, "stock", stock));
      meters.add(gauge(saleId, "available", available));
      meters.add(gauge(saleId, "reserved", reserved));
      meters.add(gauge(saleId, "drawn", drawn));
      meters.add(gauge(saleId, "confirmed", confirmed));
    }

    private Meter gauge(String saleId, String state, AtomicInteger value) {
      return Gauge.builder(SALE_UNITS, value, AtomicInteger::get).tag("sale", saleId).tag("state", state)
          .description("Units of a sale by state; available + reserved + drawn + confirmed == stock").baseUnit("units")
          .register(registry);
    }

    void set(StockLevel level, Object by) {
      owner = by;
      stock.set(level.getStock());
      available.set(level.getAvailable());
      // The books' reserved counts holds (FlashsaleBooksDivergeFromLog compares them): a draw's units are apart.
      reserved.set(level.getReserved() - level.getDrawReserved());
      drawn.set(level.getDrawReserved());
      confirmed.set(level.getConfirmed());
    }

    boolean removeIfOwnedBy(Object closing) {
      if (owner != closing) {
        return false;
      }
      meters.forEach(registry::remove);
      return true;
    }
  }
}
