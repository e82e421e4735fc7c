package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flashsale.embedded.DebianPackages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of ops/: the alert rules pass their promtool tests, and every metric the rules and the Grafana
 * dashboard name is exported by a running stack's processes.
 */
class OperationsTest {
  static final Path REPOSITORY = repositoryRoot();
  static final Path ALERTS = REPOSITORY.resolve("ops/prometheus/alerts.yml");
  static final Path ALERT_TESTS = REPOSITORY.resolve("ops/prometheus/alerts-test.yml");
  static final Path DASHBOARD = REPOSITORY.resolve("ops/grafana/flashsale.json");
  private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:flashsale|kafka)_[a-z0-9_]+\\b");

  /** What promtool says when it loads every rule alerts.yml declares (one it cannot parse is missing from its count). */
  static String everyDeclaredRuleFound() throws IOException {
    long declared = Files.readAllLines(ALERTS).stream().filter(line -> line.strip().startsWith("- alert:")).count();
    assertThat(declared).as("alert rules declared").isGreaterThanOrEqualTo(9);
    return "SUCCESS: " + declared + " rules found";
  }

  @Test
  void alertRulesPassTheirPromtoolTests() throws Exception {
    DebianPackages.requireForTest("promtool", "prometheus");
    assertThat(run("promtool", "check", "rules", ALERTS.toString())).contains(everyDeclaredRuleFound());
    assertThat(run("promtool", "test", "rules", ALERT_TESTS.toString())).contains("SUCCESS");
  }

  @Test
  void everyAlertHasATestThatFiresIt() throws IOException {
    YAMLMapper yaml = new YAMLMapper();
    Set<String> alerts = new TreeSet<>();
    yaml.readTree(ALERTS.toFile()).path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
    Set<String> fired = new TreeSet<>();
    yaml.readTree(ALERT_TESTS.toFile()).path("tests").forEach(t -> t.path("alert_rule_test").forEach(a -> {
      if (!a.path("exp_alerts").isEmpty()) {
        fired.add(a.path("alertname").asText());
      }
    }));
    assertThat(alerts).contains("FlashsaleOversell", "FlashsaleBooksDivergeFromLog", "FlashsaleWaitingRoomOver10M",
        "FlashsaleCheckoutSlow", "FlashsaleHoldExpiryHigh", "FlashsaleDeviceManyOrders", "FlashsaleDeadLetters",
        "FlashsaleSinkLagGrowing");
    assertThat(fired).isEqualTo(alerts);
  }

  @Test
  void everyMetricOfTheRulesAndTheDashboardIsExported(@TempDir Path dataDir) throws Exception {
    Set<String> used = new TreeSet<>(ruleMetrics());
    used.addAll(dashboardMetrics());
    assertThat(used).contains("flashsale_sale_units", "flashsale_http_server_requests_seconds_bucket");

    try (LocalStack stack = TestStack.start(dataDir, 2)) {
      Buyers buyers = new Buyers(stack.apiUrl());
      String saleId = buyers.createLiveSale("SKU-OPS", 5, 1);
      String token = Buyers.tokenFor("ops-alice");
      Buyers.Answer purchase = buyers.purchase(token, saleId, 1, "ops-click");
      assertThat(purchase.status()).isEqualTo(202);
      String requestId = purchase.body().get("requestId").asText();
      buyers.awaitStatus(token, requestId, "ACCEPTED", Duration.ofSeconds(30));
      buyers.pay(token, requestId, Duration.ofSeconds(30));
      // A waiting room, starting in ten minutes (joins open fifteen before), with one buyer in it.
      String roomId = buyers.createSale(Map.of("sku", "SKU-OPS-ROOM", "name", "Room", "stock", 5, "priceCents", 100,
          "currency", "USD", "startsAt", Instant.now().plusSeconds(600).toString(),
          "endsAt", Instant.now().plusSeconds(7200).toString(), "waitingRoom", Map.of("admitPerSecond", 10)));
      assertThat(buyers.call("POST", "/api/sales/" + roomId + "/queue", token, Map.of(), Map.of()).status())
          .isEqualTo(202);

      Map<String, String> urls = stack.metricsUrls();
      Map<String, String> scrapes = new TreeMap<>();
      // The books are read every few seconds: wait until the sink has counted the paid unit.
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        for (Map.Entry<String, String> url : urls.entrySet()) {
          scrapes.put(url.getKey(), scrape(url.getValue()));
        }
        assertThat(scrapes.get(LocalStack.SINK_METRICS))
            .contains("flashsale_books_sale_units{process=\"sink\",sale=\"" + saleId + "\",state=\"confirmed\"} 1.0");
        assertThat(exportedNames(String.join("\n", scrapes.values()))).containsAll(used);
        // One buyer won the sale's one unit: no inequality, all of it to the first joiners (computed every 5 s).
        assertThat(scrapes.get(LocalStack.API_METRICS))
            .contains("flashsale_fairness_gini{process=\"api\",sale=\"" + saleId + "\"} 0.0")
            .contains("flashsale_fairness_first_joiners_share{process=\"api\",sale=\"" + saleId + "\"} 1.0");
      });
      Map<String, String> processOf = Map.of(LocalStack.API_METRICS, "api", LocalStack.TOPOLOGY_METRICS, "topology",
          LocalStack.SINK_METRICS, "sink", LocalStack.SIMULATOR_METRICS, "payment-simulator");
      scrapes.forEach((part, text) -> assertThat(text).as(part).contains("process=\"" + processOf.get(part) + "\""));

      String topology = scrapes.get(LocalStack.TOPOLOGY_METRICS);
      assertThat(topology)
          .contains("flashsale_decisions_total{process=\"topology\",reason=\"none\",status=\"ACCEPTED\"} 1.0")
          .contains("flashsale_decisions_total{process=\"topology\",reason=\"none\",status=\"CONFIRMED\"} 1.0")
          .contains("flashsale_sale_units{process=\"topology\",sale=\"" + saleId + "\",state=\"stock\"} 5.0")
          .contains("flashsale_sale_units{process=\"topology\",sale=\"" + saleId + "\",state=\"confirmed\"} 1.0")
          .contains("flashsale_device_units_max{process=\"topology\",sale=\"" + saleId + "\"} 1.0");
      String api = scrapes.get(LocalStack.API_METRICS);
      assertThat(api)
          .contains("flashsale_api_outcomes_seen_total{process=\"api\",reason=\"none\",status=\"ACCEPTED\"} 1.0")
          .contains("route=\"/api/purchases/{requestId}/checkout\"")
          .contains("flashsale_waiting_room_buyers{process=\"api\",sale=\"" + roomId + "\"} 1.0")
          .contains("flashsale_waiting_room_move_rate{process=\"api\",sale=\"" + roomId + "\"} 0.0")
          .containsPattern("flashsale_waiting_room_new_joiner_start_seconds\\{process=\"api\",sale=\"" + roomId
              + "\"} [0-9.E]+\n")
          .doesNotContain(requestId); // routes by template, never by raw path
      System.out.println("OperationsTest: metric names used by the rules and the dashboard, all exported: " + used);
    }
  }

  /** Every metric name in an {@code expr} of the rules. */
  static Set<String> ruleMetrics() throws IOException {
    Set<String> names = new TreeSet<>();
    new YAMLMapper().readTree(ALERTS.toFile()).path("groups")
        .forEach(g -> g.path("rules").forEach(r -> names.addAll(metricNames(r.path("expr").asText()))));
    return names;
  }

  /** Every metric name in a query of the dashboard's panels. */
  static Set<String> dashboardMetrics() throws IOException {
    Set<String> names = new TreeSet<>();
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    assertThat(dashboard.path("panels")).isNotEmpty();
    dashboard.path("panels").forEach(p -> {
      assertThat(p.path("targets")).as("queries of %s", p.path("title")).isNotEmpty();
      p.path("targets").forEach(t -> names.addAll(metricNames(t.path("expr").asText())));
    });
    return names;
  }

  static Set<String> metricNames(String expression) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = METRIC_NAME.matcher(expression);
    while (matcher.find()) {
      names.add(matcher.group());
    }
    return names;
  }

  /** The metric names of a Prometheus text scrape (the sample lines, histogram series included). */
  static Set<String> exportedNames(String scrape) {
    Set<String> names = new TreeSet<>();
    scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
        .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
    return names;
  }

  static String scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as("%s:%n%s", List.of(command), output).isZero();
    return output;
  }

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("ops")) && Files.exists(dir.resolve("mvnw"))) {
        return dir;
      }
    }
    throw new IllegalStateException("Not inside the repository: " + Path.of("").toAbsolutePath());
  }
}
