package io.flashsale.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code ./flashsale local} waits for before it says ready, and when that takes too long, which part is not
 * ready and what to do: a pure decision over what the stack shows (the topology's state, the API's
 * {@code /health/ready} answer and its checks), so the wording is tested without starting a stack.
 */
record StackReadiness(List<String> notReady) {
  /** Hints by part: the API's readiness checks (see openapi.yaml's Checks), the topology and the HTTP port. */
  private static final Map<String, String> HINTS = Map.of(
      "api", "the API has not bound its port yet: is FLASHSALE_HTTP_PORT taken by another process?",
      "broker", "the API cannot reach the in-JVM Kafka broker: see the broker's errors above (disk full, a data "
          + "directory of another Kafka version: remove .flashsale/kafka)",
      "topology", "the topology's consumer group has no stable member: it is still starting or restoring its state "
          + "(a large .flashsale/state takes minutes: wait longer with --ready-timeout)",
      "salesView", "the API is still reading the sales topic into its view",
      "purchaseView", "the API is still reading the purchase outcomes into its view");

  /**
   * @param topologyState the topology's KafkaStreams state, by name
   * @param httpStatus the status /health/ready answered, or 0 when nothing answered
   * @param checks the checks the answer named (empty if none)
   */
  static StackReadiness of(String topologyState, int httpStatus, Map<String, Boolean> checks) {
    List<String> notReady = new ArrayList<>();
    if (!"RUNNING".equals(topologyState)) {
      notReady.add("topology (state " + topologyState + ")");
    }
    if (httpStatus == 0) {
      notReady.add("api (no answer at /health/ready)");
    } else if (httpStatus != 200) {
      checks.forEach((check, ok) -> {
        if (!ok) {
          notReady.add(check + " (the API's readiness check)");
        }
      });
      if (checks.values().stream().allMatch(ok -> ok)) {
        notReady.add("api (/health/ready answered " + httpStatus + ")");
      }
    }
    return new StackReadiness(List.copyOf(notReady));
  }

  boolean ready() {
    return notReady.isEmpty();
  }

  /** One line naming what is not ready. */
  String waitingFor() {
    return "waiting for " + String.join(", ", notReady);
  }

  /** The message on giving up: each part not ready with a hint. */
  String timedOut(long seconds) {
    StringBuilder out = new StringBuilder("Not ready after " + seconds + " s. Not ready:");
    for (String part : notReady) {
      String name = part.substring(0, part.indexOf(' '));
      out.append("\n  - ").append(part);
      String hint = HINTS.get(name);
      if (hint != null) {
        out.append(": ").append(hint);
      }
    }
    return out.append("\nThe processes' logs are above; ./flashsale local --ready-timeout=600 waits longer.")
        .toString();
  }
}
