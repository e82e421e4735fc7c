package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

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
