package io.flashsale.payments;

import com.fasterxml.jackson.databind.JavaType;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;

/**
 * The provider's HTTP API (JSON, {@code Authorization: Bearer <api key>}), which {@link PaymentSimulator} serves too.
 * Every call is bounded by the timeout; an error answer or none at all is a {@link PaymentProviderException}.
 */
public final class HttpPaymentProvider implements PaymentProvider {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final String baseUrl;
  private final String apiKey;
  private final Duration timeout;
  private final HttpClient http;

  public HttpPaymentProvider(String baseUrl, String apiKey) {
    this(baseUrl, apiKey, DEFAULT_TIMEOUT);
  }

  public HttpPaymentProvider(String baseUrl, String apiKey, Duration timeout) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Payment createPayment(PaymentOrder order) {
    HttpRequest request = post("/v1/payments", order.idempotencyKey(), order).build();
    return expect(send(request), "create a payment for " + order.requestId(), Payment.class);
  }

  /** {@code POST /v1/payments/{id}/expire}: the provider answers 200 also for a payment no longer open. */
  @Override
  public void expirePayment(String paymentId) {
    HttpRequest request = post("/v1/payments/" + segment(paymentId) + "/expire", "expire:" + paymentId, Map.of()).build();
    expect(send(request), "expire payment " + paymentId, Payment.class);
  }

  @Override
  public Optional<Payment> payment(String paymentId) {
    HttpResponse<String> response = send(request("/v1/payments/" + segment(paymentId)).GET().build());
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    return Optional.of(expect(response, "read payment " + paymentId, Payment.class));
  }

  @Override
  public SettlementPage settlements(LocalDate day, String startingAfter, int limit) {
    String query = "?date=" + day + "&limit=" + limit
        + (startingAfter == null ? "" : "&startingAfter=" + URLEncoder.encode(startingAfter, StandardCharsets.UTF_8));
    HttpResponse<String> response = send(request("/v1/settlements" + query).GET().build());
    return expect(response, "list the settlements of " + day, SettlementPage.class);
  }

  @Override
  public Refund refund(String paymentId, long amountCents, String idempotencyKey) {
    HttpRequest request = post("/v1/payments/" + segment(paymentId) + "/refunds", idempotencyKey,
        Map.of("amountCents", amountCents)).build();
    return expect(send(request), "refund payment " + paymentId, Refund.class);
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
        .header("Authorization", "Bearer " + apiKey)
        .header("Accept", "application/json");
  }

  private HttpRequest.Builder post(String path, String idempotencyKey, Object body) {
    return request(path).header(IDEMPOTENCY_KEY, idempotencyKey).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(ProviderJson.write(body)));
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, BodyHandlers.ofString());
    } catch (IOException e) {
      throw new PaymentProviderException("Payment provider at " + baseUrl + " did not answer " + request.method() + " "
          + request.uri().getPath() + ": " + e, 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PaymentProviderException("Interrupted while calling the payment provider", 0, e);
    }
  }

  private static <T> T expect(HttpResponse<String> response, String what, Class<T> type) {
    return expect(response, what, ProviderJson.MAPPER.getTypeFactory().constructType(type));
  }

  private static <T> T expect(HttpResponse<String> response, String what, JavaType type) {
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw new PaymentProviderException("Payment provider could not " + what + ": HTTP " + status + " "
          + response.body(), status, null);
    }
    try {
      return ProviderJson.MAPPER.readValue(response.body(), type);
    } catch (IOException e) {
      throw new PaymentProviderException("Payment provider's answer when asked to " + what + " is not the expected JSON: "
          + response.body(), status, e);
    }
  }

  /** Ids go into the path verbatim only when they are safe there. */
  private static String segment(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
