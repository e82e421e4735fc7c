package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

  @Test
  void operationsAreDueAtEvenIntervalsFromTheStart() {
    assertThat(LoadGenerator.intendedStart(1_000, 1_000, 0)).isEqualTo(1_000);
    assertThat(LoadGenerator.intendedStart(1_000, 1_000, 1)).isEqualTo(1_001_000);
    assertThat(LoadGenerator.intendedStart(0, 5_000, 5_000)).isEqualTo(1_000_000_000);
  }

  /**
   * One operation at a time, and the first stalls for 300 ms: the 30 operations due meanwhile must show
   * the wait in their latency. A timer started at the actual send would record them as instant.
   */
  @Test
  void aStallCountsAgainstEveryOperationDueDuringIt() throws Exception {
    LoadGenerator.Run run;
    try (ScenarioTicker progress = ScenarioTicker.start("test", 0)) {
      run = LoadGenerator.atFixedRate(100, Duration.ofMillis(500), 1, progress, i -> i == 0
          ? CompletableFuture.supplyAsync(() -> true, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS))
          : CompletableFuture.completedFuture(true));
    }
    assertThat(run.succeeded()).isEqualTo(50);
    assertThat(run.failed()).isZero();
    // Operations 1..29 were due at 10..290 ms and could only start at 300 ms.
    long delayed = run.latencyMicros().getTotalCount()
        - run.latencyMicros().getCountBetweenValues(0, TimeUnit.MILLISECONDS.toMicros(5));
    assertThat(delayed).isGreaterThanOrEqualTo(25);
    assertThat(run.latencyMicros().getValueAtPercentile(50)).isGreaterThan(TimeUnit.MILLISECONDS.toMicros(5));
  }

  @Test
  void failuresAreCountedApartFromSuccesses() throws Exception {
    LoadGenerator.Run run;
    try (ScenarioTicker progress = ScenarioTicker.start("test", 0)) {
      run = LoadGenerator.atFixedRate(1_000, Duration.ofMillis(100), 10, progress, i -> i % 4 == 0
          ? CompletableFuture.failedFuture(new IllegalStateException("refused"))
          : CompletableFuture.completedFuture(i % 4 != 1));
    }
    assertThat(run.succeeded() + run.failed()).isEqualTo(100);
    assertThat(run.failed()).isEqualTo(50);
    assertThat(run.latencyMicros().getTotalCount()).isEqualTo(100);
  }

  @Test
  void aClosedLoopStopsAtItsLimitWithEveryOperationSentOnce() throws Exception {
    java.util.Set<Long> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    LoadGenerator.Run run;
    try (ScenarioTicker progress = ScenarioTicker.start("test", 1_000)) {
      run = LoadGenerator.closedLoop(8, Duration.ofSeconds(30), 1_000, progress,
          i -> CompletableFuture.completedFuture(seen.add(i)));
      assertThat(progress.done()).isEqualTo(1_000);
    }
    assertThat(run.succeeded()).isEqualTo(1_000);
    assertThat(seen).hasSize(1_000).allMatch(i -> i >= 0 && i < 1_000);
  }
}
