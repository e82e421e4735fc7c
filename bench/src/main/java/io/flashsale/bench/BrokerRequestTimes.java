package io.flashsale.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Where the in-process broker's requests spend their time, from its own request metrics (JMX,
 * {@code kafka.network:type=RequestMetrics}): for each request type, the median and p99 of its total time and of its
 * parts (waiting in the request queue, handled locally, waiting on another request such as a transaction's
 * verification, waiting to be sent back). The broker's histograms decay over about five minutes, so a reading taken
 * right after a run is mostly that run's.
 */
final class BrokerRequestTimes {
  /** What a transaction of the topology asks the broker, and what its flush waits for. */
  static final List<String> TRANSACTION_REQUESTS = List.of("Produce", "TxnOffsetCommit", "AddOffsetsToTxn", "EndTxn",
      "AddPartitionsToTxn", "WriteTxnMarkers");
  private static final List<String> PARTS = List.of("TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs",
      "RemoteTimeMs", "ResponseQueueTimeMs");

  private BrokerRequestTimes() {}

  /** {@code "Produce TotalTimeMs" -> {p50, p99}} for each request type the broker has served; empty without a broker. */
  static Map<String, Map<String, Double>> read(List<String> requests) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Map<String, Map<String, Double>> times = new LinkedHashMap<>();
    for (String request : requests) {
      for (String part : PARTS) {
        try {
          ObjectName name = new ObjectName("kafka.network:type=RequestMetrics,name=" + part + ",request=" + request);
          if (!server.isRegistered(name) || ((Number) server.getAttribute(name, "Count")).longValue() == 0) {
            continue;
          }
          Map<String, Double> percentiles = new LinkedHashMap<>();
          percentiles.put("p50", round((Number) server.getAttribute(name, "50thPercentile")));
          percentiles.put("p99", round((Number) server.getAttribute(name, "99thPercentile")));
          times.put(request + " " + part, percentiles);
        } catch (Exception e) {
          // a metric the broker does not have: nothing to report
        }
      }
    }
    return times;
  }

  private static double round(Number value) {
    return Math.round(value.doubleValue() * 10) / 10.0;
  }
}
