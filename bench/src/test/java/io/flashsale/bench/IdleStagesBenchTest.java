package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class IdleStagesBenchTest {
  @Test
  void eachStageHasItsNearestRankPercentilesOverTheClicksThatSawIt() {
    // 100 clicks whose outcome was appended 1..100 ms after the POST, and one the reader never saw (-1).
    List<IdleStages.Click> clicks = new java.util.ArrayList<>(IntStream.rangeClosed(1, 100)
        .mapToObj(ms -> new IdleStages.Click(2, 1, ms, ms + 5, ms + 5, ms + 8)).toList());
    clicks.add(new IdleStages.Click(2, 1, -1, -1, -1, 400));

    var appended = IdleStagesBench.percentiles(clicks, IdleStages.Click::outcomeAppended);
    assertThat(appended).containsEntry("p50", 50.0).containsEntry("p90", 90.0).containsEntry("p99", 99.0)
        .containsEntry("max", 100.0).containsEntry("clicks", 100.0);
    assertThat(IdleStagesBench.percentiles(clicks, IdleStages.Click::decided)).containsEntry("max", 400.0)
        .containsEntry("clicks", 101.0);
    assertThat(IdleStagesBench.percentiles(List.of(), IdleStages.Click::decided)).isEmpty();
  }
}
