package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.http.ApiMeters;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.OutcomeStatus;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /metrics of the API: routes by template and status, long-polls timed to their answer, outcomes seen, the token. */
class ApiMetricsTest {
  private static final String TOKEN = "metrics-scraper-token";
  private static ApiFixture fixture;

  @BeforeAll
  static void start() {
    fixture = ApiFixture.start(Map.of("FLASHSALE_METRICS_TOKEN", TOKEN));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void requestsAreTimedByRouteTemplateAndStatusAndOutcomesCountedByStatusAndReason() {
    String saleId = fixture.createSale(Map.of());
    String user = ApiFixture.newUser();
    String requestId = fixture.purchase(saleId, user, 1);
    fixture.call("GET", "/no/such/route/" + requestId).send().assertProblem(404, ErrorCode.NOT_FOUND);
    // A long-poll answered when the outcome arrives is timed to its answer, not to the handler's return.
    var poll = fixture.call("GET", "/api/purchases/" + requestId + "?waitMs=10000").auth(fixture.buyer(user)).sendAsync();
    fixture.decide(saleId, requestId, user, 1, OutcomeStatus.ACCEPTED);
    assertThat(poll.join().status()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      String scrape = scrape();
      assertThat(scrape)
          .contains("flashsale_http_server_requests_seconds_count{method=\"POST\",process=\"api\","
              + "route=\"/api/sales/{saleId}/purchases\",status=\"202\"} 1")
          .contains("flashsale_http_server_requests_seconds_count{method=\"GET\",process=\"api\","
              + "route=\"/api/purchases/{requestId}\",status=\"200\"} 1")
          .contains("route=\"" + ApiMeters.UNMATCHED_ROUTE + "\",status=\"404\"")
          .contains("flashsale_http_server_requests_seconds_bucket{method=\"POST\",process=\"api\","
              + "route=\"/api/sales/{saleId}/purchases\",status=\"202\",le=\"5.0\"} 1")
          .contains("flashsale_api_outcomes_seen_total{process=\"api\",reason=\"none\",status=\"ACCEPTED\"}")
          .contains("kafka_producer_record_send_total")
          .doesNotContain(requestId).doesNotContain(saleId + "/purchases");
    });
  }

  /** Methods a client makes up are one series, whatever their names: they cannot grow the scrape. */
  @Test
  void madeUpMethodsAreOneSeries() {
    for (String method : new String[] {"FOO", "BAR", "FOO"}) {
      fixture.call(method, "/health/live").send().assertProblem(405, ErrorCode.METHOD_NOT_ALLOWED);
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(scrape())
        .contains("flashsale_http_server_requests_seconds_count{method=\"" + ApiMeters.OTHER_METHOD + "\",process=\"api\","
            + "route=\"" + ApiMeters.UNMATCHED_ROUTE + "\",status=\"405\"} 3")
        .doesNotContain("method=\"FOO\"").doesNotContain("method=\"BAR\""));
  }

  @Test
  void metricsAskForTheTokenWhereOneIsSet() {
    fixture.call("GET", "/metrics").send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    fixture.call("GET", "/metrics").auth("Bearer wrong").send().assertProblem(401, ErrorCode.UNAUTHENTICATED);
    assertThat(fixture.call("GET", "/metrics").auth("Bearer " + TOKEN).send().status()).isEqualTo(200);
  }

  /** With a metrics port of its own, /metrics is served there and not on the public port. */
  @Test
  void aMetricsPortOfItsOwnTakesMetricsOffThePublicPort() throws Exception {
    try (ApiFixture ownPort = ApiFixture.start(fixture.kafka, Map.of("FLASHSALE_API_METRICS_PORT", "0"))) {
      ownPort.call("GET", "/metrics").send().assertProblem(404, ErrorCode.NOT_FOUND);
      java.net.http.HttpResponse<String> scraped = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ownPort.api.metricsPort()
              + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(scraped.statusCode()).isEqualTo(200);
      assertThat(scraped.body()).contains("process=\"api\"");
    }
  }

  private static String scrape() {
    ApiFixture.Response response = fixture.call("GET", "/metrics").auth("Bearer " + TOKEN).send();
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("text/plain");
    return response.raw().body();
  }
}
