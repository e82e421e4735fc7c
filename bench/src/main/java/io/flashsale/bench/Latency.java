package io.flashsale.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.HdrHistogram.Histogram;

/** Percentiles of one latency histogram, in milliseconds. The histograms record microseconds. */
public record Latency(
    @JsonProperty("count") long count,
    @JsonProperty("p50_ms") double p50Ms,
    @JsonProperty("p90_ms") double p90Ms,
    @JsonProperty("p99_ms") double p99Ms,
    @JsonProperty("p999_ms") double p999Ms,
    @JsonProperty("max_ms") double maxMs) {

  /** Up to ten minutes, three significant digits: enough for a long-poll that waited for a slow decision. */
  public static Histogram newHistogram() {
    return new Histogram(600_000_000L, 3);
  }

  public static Latency of(Histogram micros) {
    return new Latency(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
        ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }
}
