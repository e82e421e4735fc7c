package io.flashsale.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/** A line per second on the terminal while a scenario runs: elapsed time, count done and current rate. */
final class ScenarioTicker implements AutoCloseable {
  private final String label;
  private final long total;
  private final LongAdder done = new LongAdder();
  private final long startedNanos = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private final java.util.function.Supplier<String> status;
  private long lastDone;

  /** {@code total} is 0 when the scenario runs for a time rather than a count. */
  static ScenarioTicker start(String label, long total) {
    return new ScenarioTicker(label, total, () -> "");
  }

  /** The same, with {@code status} appended to each line (what is offered, what is open). */
  static ScenarioTicker start(String label, long total, java.util.function.Supplier<String> status) {
    return new ScenarioTicker(label, total, status);
  }

  private ScenarioTicker(String label, long total, java.util.function.Supplier<String> status) {
    this.label = label;
    this.total = total;
    this.status = status;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "bench-progress");
      thread.setDaemon(true);
      return thread;
    });
    ticker.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
  }

  void add(long count) {
    done.add(count);
  }

  long done() {
    return done.sum();
  }

  private synchronized void print() {
    long now = done.sum();
    String of = total > 0 ? String.format(" / %,d", total) : "";
    System.out.printf("  %-28s %6.1f s %,12d%s  %,10d/s%s%n", label, elapsedSeconds(), now, of, now - lastDone,
        status.get());
    lastDone = now;
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
