package io.flashsale.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.testing.Sales;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** A small HTTP client of the API as a buyer's app or an admin console would use it. */
final class Buyers {
  static final String ADMIN_TOKEN = FlashsaleCli.LOCAL_ADMIN_TOKEN;
  static final long PRICE_CENTS = Sales.PRICE_CENTS;
  private static final ObjectMapper JSON = new ObjectMapper();

  record Answer(int status, JsonNode body, String contentType) {}

  private final String baseUrl;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  Buyers(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  static String tokenFor(String userId) {
    return BuyerTokens.mint(FlashsaleCli.LOCAL_JWT_SECRET, userId, "device-" + userId, Duration.ofHours(1));
  }

  /** Creates a sale that is live now and returns its id. */
  String createLiveSale(String sku, int stock, int perUserLimit) {
    return createLiveSale(sku, stock, perUserLimit, 300);
  }

  String createLiveSale(String sku, int stock, int perUserLimit, int holdSeconds) {
    Map<String, Object> sale = Sales.liveDefinition(null, sku, stock, perUserLimit, Instant.now());
    sale.put("name", "Rush " + sku);
    sale.put("holdSeconds", holdSeconds);
    Answer created = send(request("/api/admin/sales", ADMIN_TOKEN).POST(body(sale)));
    if (created.status() != 201) {
      throw new IllegalStateException("Sale not created: " + created);
    }
    return created.body().get("saleId").asText();
  }

  /** Creates a sale of these fields and returns its id. */
  String createSale(Map<String, Object> sale) {
    Answer created = send(request("/api/admin/sales", ADMIN_TOKEN).POST(body(sale)));
    if (created.status() != 201) {
      throw new IllegalStateException("Sale not created: " + created);
    }
    return created.body().get("saleId").asText();
  }

  /** Any call as this token (null: none), with a JSON body (null: none) and extra headers. */
  Answer call(String method, String path, String token, Object json, Map<String, String> headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(40))
        .header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : body(json));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    headers.forEach(builder::header);
    return send(builder);
  }

  /** Creates a LOTTERY sale that is live now and ends after {@code endsIn}; returns the API's answer. */
  Answer createLottery(String sku, int stock, int perUserLimit, Duration endsIn) {
    Map<String, Object> sale = Sales.liveDefinition(null, sku, stock, perUserLimit, Instant.now());
    sale.put("name", "Lottery " + sku);
    sale.put("allocation", "LOTTERY");
    sale.put("endsAt", Instant.now().plus(endsIn).toString());
    return send(request("/api/admin/sales", ADMIN_TOKEN).POST(body(sale)));
  }

  /** A LOTTERY sale's published draw: 200 once drawn, 409 before. */
  Answer draw(String saleId) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/sales/" + saleId + "/draw")).GET());
  }

  Answer purchase(String token, String saleId, int quantity, String idempotencyKey) {
    HttpRequest.Builder post = request("/api/sales/" + saleId + "/purchases", token).POST(body(Map.of("quantity", quantity)));
    if (idempotencyKey != null) {
      post.header("Idempotency-Key", idempotencyKey);
    }
    return send(post);
  }

  Answer checkout(String token, String requestId) {
    return send(request("/api/purchases/" + requestId + "/checkout", token).POST(HttpRequest.BodyPublishers.noBody()));
  }

  Answer cancel(String token, String requestId) {
    return send(request("/api/purchases/" + requestId + "/cancel", token).POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** Plays the buyer at the payment provider's page: pays, or fails to. */
  Answer completePayment(String redirectUrl, String outcome) {
    return send(HttpRequest.newBuilder(URI.create(redirectUrl + "/complete"))
        .header("Content-Type", "application/json")
        .POST(body(Map.of("outcome", outcome))));
  }

  /**
   * Pays for an accepted purchase as its buyer would: checkout (200), the provider's page (202), then long-polls until
   * the purchase is CONFIRMED; fails otherwise or after the timeout.
   */
  JsonNode pay(String token, String requestId, Duration timeout) {
    Answer checkout = checkout(token, requestId);
    if (checkout.status() != 200) {
      throw new AssertionError("Checkout of " + requestId + " answered " + checkout);
    }
    Answer paid = completePayment(checkout.body().get("redirectUrl").asText(), "SUCCEEDED");
    if (paid.status() != 202) {
      throw new AssertionError("The payment of " + requestId + " answered " + paid);
    }
    return awaitStatus(token, requestId, "CONFIRMED", timeout);
  }

  /** Long-polls until the purchase reaches {@code status}; fails after the timeout. */
  JsonNode awaitStatus(String token, String requestId, String status, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = poll(token, requestId, 1_000).body();
      if (last != null && status.equals(last.path("status").asText())) {
        return last;
      }
      // A long poll returns at once once the request left PENDING: pace the wait for a later state.
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("Purchase " + requestId + " did not reach " + status + " in " + timeout + "; last " + last);
  }

  Answer poll(String token, String requestId, int waitMs) {
    return send(request("/api/purchases/" + requestId + "?waitMs=" + waitMs, token).GET());
  }

  boolean ready() {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready")).GET()).status() == 200;
  }

  Answer metrics(String saleId) {
    return send(request("/api/admin/sales/" + saleId + "/metrics", ADMIN_TOKEN).GET());
  }

  private HttpRequest.Builder request(String path, String token) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(40))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json");
  }

  private static HttpRequest.BodyPublisher body(Object value) {
    try {
      return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(value));
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()),
          response.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
