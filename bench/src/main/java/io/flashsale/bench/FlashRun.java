package io.flashsale.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What one run of {@link FlashClicks} saw, as the child hands it back. Times are seconds from the first click's
 * intended start; latency histograms are HdrHistograms of microseconds, compressed and base64-encoded.
 *
 * @param clicks clicks sent, one per buyer
 * @param postsAnswered POSTs that got an HTTP answer or failed
 * @param accepted202 POSTs answered 202 (then long-polled)
 * @param soldOut409 POSTs answered 409 at the edge: a decision too
 * @param accepted decisions ACCEPTED
 * @param rejected decisions REJECTED (a 202 whose request came after the last unit)
 * @param serverErrors 5xx answers, to a POST or a long-poll
 * @param timedOut clicks without an answer or a decision in time
 * @param otherFailures other answers and I/O errors
 * @param statuses POST answers by HTTP status
 * @param clicksPerSecond POSTs answered per second, the best {@link #WINDOW_SECONDS}-second window: the rate the edge
 *     took
 * @param lastClickSeconds the last click's intended start
 * @param lastAnswerSeconds when the last click had its answer
 * @param lastAcceptedSeconds when the last ACCEPTED reached its buyer: the sale sold out, as buyers learn it
 * @param firstSoldOutSeconds the first 409: the edge knows the sale sold out
 * @param peakOfferedRate the highest rate the ramp offered
 * @param schedulerLagP99Ms how late the generator sent its clicks (p99): if high, the generator limited the run
 * @param cpuSeconds CPU the generator process used from its first click to its last answer
 * @param pollRetries long-polls asked again because their connection closed under them
 */
record FlashRun(
    @JsonProperty("clicks") long clicks,
    @JsonProperty("posts_answered") long postsAnswered,
    @JsonProperty("accepted_202") long accepted202,
    @JsonProperty("sold_out_409") long soldOut409,
    @JsonProperty("accepted") long accepted,
    @JsonProperty("rejected") long rejected,
    @JsonProperty("server_errors") long serverErrors,
    @JsonProperty("timed_out") long timedOut,
    @JsonProperty("other_failures") long otherFailures,
    @JsonProperty("statuses") Map<String, Long> statuses,
    @JsonProperty("clicks_per_s") double clicksPerSecond,
    @JsonProperty("last_click_s") double lastClickSeconds,
    @JsonProperty("last_answer_s") double lastAnswerSeconds,
    @JsonProperty("last_accepted_s") Double lastAcceptedSeconds,
    @JsonProperty("first_sold_out_s") Double firstSoldOutSeconds,
    @JsonProperty("peak_offered_rate") double peakOfferedRate,
    @JsonProperty("scheduler_lag_p99_ms") double schedulerLagP99Ms,
    @JsonProperty("cpu_s") double cpuSeconds,
    @JsonProperty("post_latency") String postLatency,
    @JsonProperty("decision_latency") String decisionLatency,
    @JsonProperty("decision_latency_after_202") String decisionLatencyAfter202,
    @JsonProperty("timeline") FlashTimeline.Seconds timeline,
    @JsonProperty("sample_failures") List<String> sampleFailures,
    @JsonProperty("poll_retries") long pollRetries) {

  /** The window over which the rate the edge took is judged: long enough to hold, short enough to fit a ramp. */
  static final int WINDOW_SECONDS = 5;

  /** Clicks that got a decision: ACCEPTED, REJECTED or a sold-out 409. */
  long decided() {
    return accepted + rejected + soldOut409;
  }

  /** Clicks that got no decision: 5xx, time-outs and anything else. */
  long failed() {
    return serverErrors + timedOut + otherFailures;
  }

  /** The highest mean of {@code window} consecutive seconds (all of them, if fewer). */
  static double bestWindowRate(List<Long> perSecond, int window) {
    if (perSecond.isEmpty()) {
      return 0;
    }
    int w = Math.min(window, perSecond.size());
    long sum = 0;
    long best = 0;
    for (int i = 0; i < perSecond.size(); i++) {
      sum += perSecond.get(i);
      if (i >= w) {
        sum -= perSecond.get(i - w);
      }
      if (i >= w - 1) {
        best = Math.max(best, sum);
      }
    }
    return best / (double) w;
  }
}
