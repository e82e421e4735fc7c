package io.flashsale.metrics;

import io.flashsale.settings.Settings;
import java.util.Map;

/**
 * Where a process without an HTTP server of its own serves {@code GET /metrics}: FLASHSALE_METRICS_HOST
 * (default 127.0.0.1; 0.0.0.0 in a container) and FLASHSALE_METRICS_PORT (each process has its own default; 0
 * picks a free port; -1 serves none). Read by the module's config record, like all its settings.
 */
public record MetricsEndpoint(String host, int port) {
  public static final String HOST_VARIABLE = "FLASHSALE_METRICS_HOST";
  public static final String PORT_VARIABLE = "FLASHSALE_METRICS_PORT";
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The port value that serves no metrics. */
  public static final int OFF = -1;

  public MetricsEndpoint {
    if (port < OFF || port > 65535) {
      throw new IllegalArgumentException(PORT_VARIABLE + " must be -1 (off) or 0..65535, was " + port);
    }
  }

  public static MetricsEndpoint fromEnv(Map<String, String> env, int defaultPort) {
    return fromEnv(Settings.of(env), defaultPort);
  }

  public static MetricsEndpoint fromEnv(Settings env, int defaultPort) {
    return fromEnv(env, HOST_VARIABLE, PORT_VARIABLE, defaultPort);
  }

  /** Under other names: the API's own listener is FLASHSALE_API_METRICS_HOST/_PORT, off by default. */
  public static MetricsEndpoint fromEnv(Settings env, String hostVariable, String portVariable, int defaultPort) {
    return new MetricsEndpoint(env.text(hostVariable, DEFAULT_HOST), env.integer(portVariable, defaultPort));
  }

  public boolean enabled() {
    return port != OFF;
  }
}
