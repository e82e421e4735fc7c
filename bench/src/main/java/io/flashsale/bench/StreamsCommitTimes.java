package io.flashsale.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Where the topology's stream threads spend a window, from Kafka Streams' own counters: how many exactly-once commits
 * they made, and per commit how long the producer's flush, its offsets sent to the transaction and the transaction's
 * commit took, and how many of its records the producer had to send again (an error such as a transaction still
 * completing on the broker). A stream thread blocks in all three, so their sum per commit is what every decision
 * committed with it waited for beyond its processing.
 */
final class StreamsCommitTimes {
  private static final Set<String> THREAD_TOTALS = Set.of("commit-total", "poll-total");
  private static final Set<String> PRODUCER_TOTALS = Set.of("flush-time-ns-total", "txn-send-offsets-time-ns-total",
      "txn-commit-time-ns-total", "record-retry-total", "record-send-total");

  private StreamsCommitTimes() {}

  /** The counters now, each summed over the stream threads and their producers. */
  static Map<String, Double> read(KafkaStreams streams) {
    Map<String, Double> totals = new HashMap<>();
    for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
      MetricName name = metric.getKey();
      boolean counted = name.group().equals("stream-thread-metrics") ? THREAD_TOTALS.contains(name.name())
          : name.group().equals("producer-metrics") && PRODUCER_TOTALS.contains(name.name());
      if (counted && metric.getValue().metricValue() instanceof Number value) {
        totals.merge(name.name(), value.doubleValue(), Double::sum);
      }
    }
    return totals;
  }

  /** Commits a second and the mean milliseconds a commit spent in each step, between two readings. */
  static Map<String, Double> between(Map<String, Double> before, Map<String, Double> after, double seconds) {
    double commits = delta(before, after, "commit-total");
    Map<String, Double> times = new LinkedHashMap<>();
    times.put("commits_per_s", round(commits / seconds));
    times.put("polls_per_s", round(delta(before, after, "poll-total") / seconds));
    times.put("flush_ms_per_commit", perCommitMs(before, after, "flush-time-ns-total", commits));
    times.put("send_offsets_ms_per_commit", perCommitMs(before, after, "txn-send-offsets-time-ns-total", commits));
    times.put("commit_txn_ms_per_commit", perCommitMs(before, after, "txn-commit-time-ns-total", commits));
    times.put("records_sent_per_s", round(delta(before, after, "record-send-total") / seconds));
    times.put("records_retried", delta(before, after, "record-retry-total"));
    return times;
  }

  private static Double perCommitMs(Map<String, Double> before, Map<String, Double> after, String name,
      double commits) {
    return commits == 0 ? null : round(delta(before, after, name) / commits / 1e6);
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
    return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
