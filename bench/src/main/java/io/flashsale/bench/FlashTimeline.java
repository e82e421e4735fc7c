package io.flashsale.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.HdrHistogram.Histogram;

/**
 * A flash second by second, from the first click's intended start: clicks due, POSTs answered, and decisions by the
 * second they reached the buyer; the time to decision of the clicks due in each second. Written from the client's
 * threads as answers arrive.
 */
final class FlashTimeline {
  /** Longest flash kept second by second; later seconds count in the last. */
  static final int MAX_SECONDS = 3_600;

  /** The timeline as results.json keeps it: one entry per second in each list. */
  record Seconds(
      @JsonProperty("offered") List<Long> offered,
      @JsonProperty("answered") List<Long> answered,
      @JsonProperty("accepted") List<Long> accepted,
      @JsonProperty("rejected") List<Long> rejected,
      @JsonProperty("sold_out_409") List<Long> soldOut,
      @JsonProperty("failed") List<Long> failed,
      @JsonProperty("decision_p50_ms") List<Double> decisionP50Ms,
      @JsonProperty("decision_p99_ms") List<Double> decisionP99Ms) {

    int length() {
      return offered.size();
    }

    /** Decisions that reached buyers in second {@code s}: accepted, rejected and sold-out answers. */
    long decisions(int s) {
      return accepted.get(s) + rejected.get(s) + soldOut.get(s);
    }
  }

  private final long startNanos;
  private final AtomicLongArray offered = new AtomicLongArray(MAX_SECONDS);
  private final AtomicLongArray answered = new AtomicLongArray(MAX_SECONDS);
  private final AtomicLongArray accepted = new AtomicLongArray(MAX_SECONDS);
  private final AtomicLongArray rejected = new AtomicLongArray(MAX_SECONDS);
  private final AtomicLongArray soldOut = new AtomicLongArray(MAX_SECONDS);
  private final AtomicLongArray failed = new AtomicLongArray(MAX_SECONDS);
  private final AtomicReferenceArray<Histogram> decisions = new AtomicReferenceArray<>(MAX_SECONDS);
  private volatile int last;

  FlashTimeline(long startNanos) {
    this.startNanos = startNanos;
  }

  private int second(long nanos) {
    int s = (int) Math.min(MAX_SECONDS - 1, Math.max(0, (nanos - startNanos) / 1_000_000_000L));
    if (s > last) {
      last = s;
    }
    return s;
  }

  void offered(long intendedNanos) {
    offered.incrementAndGet(second(intendedNanos));
  }

  void answered(long nowNanos) {
    answered.incrementAndGet(second(nowNanos));
  }

  void accepted(long nowNanos) {
    accepted.incrementAndGet(second(nowNanos));
  }

  void rejected(long nowNanos) {
    rejected.incrementAndGet(second(nowNanos));
  }

  void soldOut(long nowNanos) {
    soldOut.incrementAndGet(second(nowNanos));
  }

  void failed(long nowNanos) {
    failed.incrementAndGet(second(nowNanos));
  }

  /** A click due at {@code intendedNanos} got its decision {@code micros} after it. */
  void decision(long intendedNanos, long micros) {
    int s = second(intendedNanos);
    Histogram histogram = decisions.get(s);
    if (histogram == null) {
      decisions.compareAndSet(s, null, new org.HdrHistogram.SynchronizedHistogram(Latency.newHistogram().getHighestTrackableValue(), 2));
      histogram = decisions.get(s);
    }
    histogram.recordValue(micros);
  }

  Seconds seconds() {
    int n = last + 1;
    List<Double> p50 = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      Histogram histogram = decisions.get(s);
      p50.add(histogram == null ? null : histogram.getValueAtPercentile(50) / 1000.0);
      p99.add(histogram == null ? null : histogram.getValueAtPercentile(99) / 1000.0);
    }
    return new Seconds(list(offered, n), list(answered, n), list(accepted, n), list(rejected, n), list(soldOut, n),
        list(failed, n), p50, p99);
  }

  private static List<Long> list(AtomicLongArray array, int n) {
    List<Long> values = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      values.add(array.get(s));
    }
    return values;
  }
}
