package io.flashsale.api.http;

import io.flashsale.metrics.MetricsEndpoint;
import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.time.Duration;

/**
 * How the API listens and answers.
 *
 * @param host FLASHSALE_HTTP_HOST, default 127.0.0.1
 * @param port FLASHSALE_HTTP_PORT, default 8080; 0 picks any free port
 * @param maxBodyBytes FLASHSALE_MAX_BODY_BYTES, default 16384
 * @param maxWaitMs FLASHSALE_MAX_WAIT_MS, default 30000, the longest long-poll a client may ask for
 * @param eventsHeartbeat FLASHSALE_EVENTS_HEARTBEAT_MS, default 15000: how often an open event stream gets a comment
 *     line, which keeps proxies from closing it and finds clients that went away
 * @param readyGrace FLASHSALE_READY_GRACE_SECONDS, default 15: how long the topology's group may be without stable
 *     members, or records wait for it without its position moving, before {@code /health/ready} says 503; above the
 *     topology's commit interval (100 ms under exactly-once unless FLASHSALE_COMMIT_INTERVAL_MS says otherwise) and a
 *     rebalance (a few seconds), so that neither takes every instance out of the load balancer
 * @param metrics FLASHSALE_API_METRICS_HOST / FLASHSALE_API_METRICS_PORT, default 127.0.0.1 / -1: with a port,
 *     {@code GET /metrics} is served there and not on the public HTTP port; outside local mode the API refuses to
 *     start with {@code /metrics} on its public port and no FLASHSALE_METRICS_TOKEN
 */
public record HttpSettings(String host, int port, int maxBodyBytes, long maxWaitMs, Duration eventsHeartbeat,
                           Duration readyGrace, MetricsEndpoint metrics) {
  public static final String METRICS_HOST = "FLASHSALE_API_METRICS_HOST";
  public static final String METRICS_PORT = "FLASHSALE_API_METRICS_PORT";

  public HttpSettings {
    if (port < 0 || port > 65535) {
      throw new SettingException("FLASHSALE_HTTP_PORT", "must be 0..65535, was " + port);
    }
    atLeastOne("FLASHSALE_MAX_BODY_BYTES", maxBodyBytes);
    if (maxWaitMs < 0) {
      throw new SettingException("FLASHSALE_MAX_WAIT_MS", "must not be negative");
    }
    atLeastOne("FLASHSALE_EVENTS_HEARTBEAT_MS", eventsHeartbeat.toMillis());
    atLeastOne("FLASHSALE_READY_GRACE_SECONDS", readyGrace.toSeconds());
  }

  public static HttpSettings fromEnv(Settings env) {
    return new HttpSettings(
        env.text("FLASHSALE_HTTP_HOST", "127.0.0.1"),
        env.integer("FLASHSALE_HTTP_PORT", 8080),
        env.integer("FLASHSALE_MAX_BODY_BYTES", 16384),
        env.longValue("FLASHSALE_MAX_WAIT_MS", 30_000),
        env.millis("FLASHSALE_EVENTS_HEARTBEAT_MS", Duration.ofSeconds(15)),
        env.seconds("FLASHSALE_READY_GRACE_SECONDS", Duration.ofSeconds(15)),
        MetricsEndpoint.fromEnv(env, METRICS_HOST, METRICS_PORT, MetricsEndpoint.OFF));
  }

  static void atLeastOne(String name, long value) {
    if (value < 1) {
      throw new SettingException(name, "must be at least 1, was " + value);
    }
  }
}
