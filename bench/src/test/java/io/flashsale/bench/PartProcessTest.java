package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartProcessTest {
  @TempDir Path dir;

  @Test
  void aPartsFiguresListsAndHistogramsJoinTheRunsWithoutLosingWhatItHad() throws Exception {
    BenchResults run = new BenchResults();
    run.mode = "full";
    run.topologyHotSkuRps = 150_000.0;
    run.peakRssMb = 900.0;
    run.details.put("topology_hot_sku_rps_min", 120_000.0);
    run.note("settings table not run");
    Map<String, Histogram> runHistograms = new LinkedHashMap<>();

    BenchResults part = new BenchResults();
    part.e2eP99MsAt1k = 81.0;
    part.peakRssMb = 700.0;
    part.details.put("flash_stock", 10_000);
    part.latency.put("e2e_at_1k", new Latency(3, 1, 2, 3, 3, 3));
    part.e2eRates.add(new LiveRatesBench.RateRow(1_000, 998.5, 26, 81, 120, 0, 2, Map.of("stack", 1.3), Map.of(),
        Map.of("Produce", Map.of("p99", 4.0)), Map.of()));
    part.settingsTable.add(new SettingsBench.Row(new SettingsBench.Setting(100, 5, 20, 5), 90_000.0, 6.0, 20.0, 1_000,
        998.0, 26.0, 81.0, 2.0, List.of(Map.of("p99_ms", 81.0))));
    part.note("live: the JIT went quiet after 40 s");
    Histogram latencies = new Histogram(3);
    for (long micros = 1; micros <= 10_000; micros++) {
      latencies.recordValue(micros);
    }
    PartProcess.write(dir, part, Map.of("e2e_at_1k", latencies));

    BenchResults merged = PartProcess.merge(run, runHistograms, dir);

    assertThat(merged.mode).isEqualTo("full");
    assertThat(merged.topologyHotSkuRps).isEqualTo(150_000.0); // the part's null does not erase it
    assertThat(merged.e2eP99MsAt1k).isEqualTo(81.0);
    assertThat(merged.peakRssMb).isEqualTo(900.0); // the largest JVM's
    assertThat(merged.details).containsEntry("topology_hot_sku_rps_min", 120_000.0).containsEntry("flash_stock", 10_000);
    assertThat(merged.latency.get("e2e_at_1k").p99Ms()).isEqualTo(3);
    assertThat(merged.e2eRates).singleElement().satisfies(row -> {
      assertThat(row.p99Ms()).isEqualTo(81);
      assertThat(row.brokerRequestMs().get("Produce")).containsEntry("p99", 4.0);
    });
    assertThat(merged.settingsTable).singleElement()
        .satisfies(row -> assertThat(row.setting().commitIntervalMs()).isEqualTo(100));
    assertThat(merged.notes).containsExactly("settings table not run", "live: the JIT went quiet after 40 s");
    Histogram back = runHistograms.get("e2e_at_1k");
    assertThat(back.getTotalCount()).isEqualTo(10_000);
    assertThat(back.getValueAtPercentile(99)).isEqualTo(latencies.getValueAtPercentile(99));
  }

  @Test
  void eachPartsJvmRecordsToAFileOfItsOwn() {
    assertThat(PartProcess.ownRecording("-XX:StartFlightRecording=settings=profile,filename=b.jfr", "live"))
        .isEqualTo("-XX:StartFlightRecording=settings=profile,filename=b-live.jfr");
    assertThat(PartProcess.ownRecording("-XX:StartFlightRecording:filename=/tmp/x,settings=profile", "flash"))
        .isEqualTo("-XX:StartFlightRecording:filename=/tmp/x-flash.jfr,settings=profile");
    assertThat(PartProcess.ownRecording("-Xmx3g", "live")).isEqualTo("-Xmx3g");
  }

  @Test
  void aPartRunsInAJvmOfItsOwnAndALargerPeakMemoryReplacesTheRuns() throws Exception {
    BenchResults run = new BenchResults();
    run.peakRssMb = 1.0;

    // A part name no run has: the child JVM starts, runs nothing, and still reports its memory.
    BenchResults merged = PartProcess.run("no-such-part", true, dir.resolve("part"), run, new LinkedHashMap<>());

    assertThat(merged.notes).isEmpty();
    assertThat(merged.peakRssMb).isGreaterThan(1.0);
    assertThat(PartProcess.command("live", true, dir)).containsSubsequence(
        List.of(BenchCommand.class.getName(), "--quick", "--only", "live", "--part-output", dir.toString()));
  }
}
