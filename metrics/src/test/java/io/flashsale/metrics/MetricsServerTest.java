package io.flashsale.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesTheRegistryInPrometheusTextWithTheProcessTag() throws Exception {
    PrometheusMeterRegistry registry = ProcessMeters.create("topology");
    registry.counter("flashsale.test.things", "kind", "a").increment(3);
    try (MetricsServer server = MetricsServer.start(new MetricsEndpoint("127.0.0.1", 0), registry)) {
      HttpResponse<String> scrape = get(server.port(), "/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type")).hasValue(MetricsServer.CONTENT_TYPE);
      assertThat(scrape.body())
          .contains("flashsale_test_things_total{kind=\"a\",process=\"topology\"} 3.0")
          .contains("jvm_memory_used_bytes");
      assertThat(get(server.port(), "/other").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void endpointReadsItsVariablesWithTheProcessDefault() {
    assertThat(MetricsEndpoint.fromEnv(Map.of(), 9401)).isEqualTo(new MetricsEndpoint("127.0.0.1", 9401));
    assertThat(MetricsEndpoint.fromEnv(Map.of("FLASHSALE_METRICS_HOST", "0.0.0.0", "FLASHSALE_METRICS_PORT", "-1"), 9401))
        .satisfies(e -> assertThat(e.enabled()).isFalse());
    assertThatThrownBy(() -> MetricsEndpoint.fromEnv(Map.of("FLASHSALE_METRICS_PORT", "x"), 1))
        .hasMessageContaining("FLASHSALE_METRICS_PORT");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
