package io.flashsale.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} in Prometheus' text format on a port of its own, for the processes that serve no HTTP
 * otherwise (topology, sink). The JDK's HTTP server: one scrape every few seconds needs nothing more.
 */
public final class MetricsServer implements AutoCloseable {
  public static final String PATH = "/metrics";
  /** Prometheus' text exposition format, as its scrapers ask for it. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  private final HttpServer server;

  private MetricsServer(HttpServer server) {
    this.server = server;
  }

  /** Serves the registry at {@code endpoint}; returns once it listens. */
  public static MetricsServer start(MetricsEndpoint endpoint, PrometheusMeterRegistry registry) {
    if (!endpoint.enabled()) {
      throw new IllegalArgumentException("Metrics are off (" + MetricsEndpoint.PORT_VARIABLE + "=-1)");
    }
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(endpoint.host(), endpoint.port()), 0);
      server.createContext(PATH, exchange -> answer(exchange, registry));
      server.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "flashsale-metrics");
        thread.setDaemon(true);
        return thread;
      }));
      server.start();
      log.info("Metrics on http://{}:{}{}", endpoint.host(), server.getAddress().getPort(), PATH);
      return new MetricsServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serve metrics on " + endpoint.host() + ":" + endpoint.port(), e);
    }
  }

  /** The port it listens on; the chosen one when the endpoint asked for 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) || !PATH.equals(exchange.getRequestURI().getPath())) {
        exchange.sendResponseHeaders("GET".equals(exchange.getRequestMethod()) ? 404 : 405, -1);
        return;
      }
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
