package io.flashsale.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives an asynchronous operation (completing with true when it got the answer the scenario expects) and
 * records its latency in microseconds.
 *
 * <ul>
 *   <li>{@link #atFixedRate}: an open loop. Operation i is due at start + i / rate, whether or not earlier
 *       ones have finished, and its latency is measured from that intended start. A stall therefore shows
 *       in the latency of every operation that should have started during it, which a timer started at
 *       the actual send would hide (coordinated omission).
 *   <li>{@link #closedLoop}: a fixed number of callers, each sending its next operation when the last one
 *       answered: the most the system does with that concurrency. Its latency is service time under
 *       saturation.
 * </ul>
 */
final class LoadGenerator {
  /** What a run did: latency of every finished operation, how many succeeded, failed, and over how long. */
  record Run(Histogram latencyMicros, long succeeded, long failed, double seconds) {
    double succeededPerSecond() {
      return succeeded / seconds;
    }
  }

  private LoadGenerator() {}

  /** When operation {@code index} is due, for a run started at {@code startNanos}. */
  static long intendedStart(long startNanos, double ratePerSecond, long index) {
    return startNanos + (long) (index * 1e9 / ratePerSecond);
  }

  static Run atFixedRate(double ratePerSecond, Duration duration, int maxInFlight, ScenarioTicker progress,
      LongFunction<CompletableFuture<Boolean>> operation) throws InterruptedException {
    long count = (long) (ratePerSecond * duration.toNanos() / 1e9);
    Histogram latency = new ConcurrentHistogram(Latency.newHistogram());
    LongAdder succeeded = new LongAdder();
    LongAdder failed = new LongAdder();
    Semaphore inFlight = new Semaphore(maxInFlight);
    long start = System.nanoTime();
    for (long i = 0; i < count; i++) {
      long intended = intendedStart(start, ratePerSecond, i);
      waitUntil(intended);
      inFlight.acquire(); // a full window delays the send; the delay is measured, as it started from `intended`
      call(operation, i).whenComplete((ok, error) -> {
        latency.recordValue(micros(System.nanoTime() - intended));
        (Boolean.TRUE.equals(ok) && error == null ? succeeded : failed).increment();
        progress.add(1);
        inFlight.release();
      });
    }
    if (!inFlight.tryAcquire(maxInFlight, 5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("Operations still unfinished five minutes after the last send");
    }
    return new Run(latency, succeeded.sum(), failed.sum(), (System.nanoTime() - start) / 1e9);
  }

  /** Runs until {@code duration} is over or {@code limit} operations were sent, whichever comes first. */
  static Run closedLoop(int callers, Duration duration, long limit, ScenarioTicker progress,
      LongFunction<CompletableFuture<Boolean>> operation) throws InterruptedException {
    Histogram latency = new ConcurrentHistogram(Latency.newHistogram());
    LongAdder succeeded = new LongAdder();
    LongAdder failed = new LongAdder();
    AtomicLong sequence = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(callers);
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    for (int c = 0; c < callers; c++) {
      Thread caller = new Thread(() -> {
        try {
          long index;
          while (System.nanoTime() < deadline && (index = sequence.getAndIncrement()) < limit) {
            long sent = System.nanoTime();
            boolean ok;
            try {
              ok = Boolean.TRUE.equals(call(operation, index).join());
            } catch (RuntimeException e) {
              ok = false;
            }
            latency.recordValue(micros(System.nanoTime() - sent));
            (ok ? succeeded : failed).increment();
            progress.add(1);
          }
        } finally {
          finished.countDown();
        }
      }, "bench-caller-" + c);
      caller.setDaemon(true);
      caller.start();
    }
    finished.await();
    return new Run(latency, succeeded.sum(), failed.sum(), (System.nanoTime() - start) / 1e9);
  }

  private static CompletableFuture<Boolean> call(LongFunction<CompletableFuture<Boolean>> operation, long index) {
    try {
      return operation.apply(index);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // Parks rather than spins: the cores are shared with the system under test. An overshoot of tens of
  // microseconds is counted in the latency, which is measured from the intended time anyway.
  private static void waitUntil(long nanos) {
    long remaining;
    while ((remaining = nanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
    }
  }

  private static long micros(long nanos) {
    return Math.max(0, nanos / 1000);
  }
}
