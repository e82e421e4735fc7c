package io.flashsale.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives an asynchronous operation (completing with true when it got the answer the scenario expects) and
 * records its latency in microseconds, closed loop: a fixed number of callers, each sending its next operation
 * when the last one answered: the most the system does with that concurrency. Its latency is service time under
 * saturation. (The open loop, each click measured from its intended start, is the flash's click generator,
 * {@link FlashClicks}.)
 */
final class LoadGenerator {
  /** What a run did: latency of every finished operation, how many succeeded, failed, and over how long. */
  record Run(Histogram latencyMicros, long succeeded, long failed, double seconds) {
    double succeededPerSecond() {
      return succeeded / seconds;
    }
  }

  private LoadGenerator() {}

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

  private static long micros(long nanos) {
    return Math.max(0, nanos / 1000);
  }
}
