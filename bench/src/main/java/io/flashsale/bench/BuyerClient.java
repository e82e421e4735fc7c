package io.flashsale.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.local.BuyerTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/** The API as buyers' apps use it, asynchronously, over HTTP/1.1 connections kept alive between requests. */
final class BuyerClient {
  /** How long one long-poll may wait for a decision before asking again. */
  static final int LONG_POLL_MS = 5_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PURCHASE_BODY = "{\"quantity\":1}";

  private final String baseUrl;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  BuyerClient(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  /** Tokens of {@code count} distinct buyers, signed with the local mode's secret. */
  static List<String> buyerTokens(int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> BuyerTokens.mint(ApiConfig.LOCAL_JWT_SECRET, "bench-buyer-" + i, "bench-device-" + i, Duration.ofHours(6)))
        .toList();
  }

  /** Creates a first-come-first-served sale that is live now; returns its id. */
  String createLiveSale(String saleId, String sku, int stock, int perUserLimit) {
    return createLiveSale(saleId, sku, stock, perUserLimit, null);
  }

  /** A live sale whose holds last {@code holdSeconds} (null: the API's default). */
  String createLiveSale(String saleId, String sku, int stock, int perUserLimit, Integer holdSeconds) {
    Map<String, Object> sale = new java.util.HashMap<>(Map.of("saleId", saleId, "sku", sku, "name", "Bench " + sku,
        "stock", stock, "perUserLimit", perUserLimit, "priceCents", 4999, "currency", "USD",
        "startsAt", Instant.now().minusSeconds(60).toString(), "endsAt", Instant.now().plus(Duration.ofHours(6)).toString()));
    if (holdSeconds != null) {
      sale.put("holdSeconds", holdSeconds);
    }
    HttpResponse<String> created = send(request("/api/admin/sales", ApiConfig.LOCAL_ADMIN_TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(json(sale))));
    if (created.statusCode() != 201) {
      throw new IllegalStateException("Sale " + saleId + " not created: " + created.statusCode() + " " + created.body());
    }
    return saleId;
  }

  CompletableFuture<HttpResponse<String>> purchase(String token, String saleId) {
    return http.sendAsync(request("/api/sales/" + saleId + "/purchases", token)
        .POST(HttpRequest.BodyPublishers.ofString(PURCHASE_BODY)).build(), HttpResponse.BodyHandlers.ofString());
  }

  String baseUrl() {
    return baseUrl;
  }

  /** Where a buyer POSTs a purchase of the sale, for load generators of their own. */
  String purchaseUrl(String saleId) {
    return baseUrl + "/api/sales/" + saleId + "/purchases";
  }


  /** Long-polls until the request leaves PENDING; completes with its final status. */
  CompletableFuture<String> decision(String token, String requestId) {
    HttpRequest poll = request("/api/purchases/" + requestId + "?waitMs=" + LONG_POLL_MS, token).GET().build();
    return http.sendAsync(poll, HttpResponse.BodyHandlers.ofString()).thenCompose(response -> {
      if (response.statusCode() != 200) {
        return CompletableFuture.completedFuture("HTTP " + response.statusCode());
      }
      String status = field(response.body(), "status");
      return status.equals("PENDING") ? decision(token, requestId) : CompletableFuture.completedFuture(status);
    });
  }

  /** What the API says remains of a sale (its edge view of the topology's stock levels). */
  int remaining(String saleId) {
    return Integer.parseInt(field(send(request("/api/sales/" + saleId, ApiConfig.LOCAL_ADMIN_TOKEN).GET()).body(), "remaining"));
  }

  /** Requests of a sale the API took and has seen no decision for yet. */
  long pending(String saleId) {
    return Long.parseLong(field(send(request("/api/admin/sales/" + saleId + "/metrics", ApiConfig.LOCAL_ADMIN_TOKEN).GET()).body(), "pending"));
  }

  boolean ready() {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static String field(String body, String name) {
    try {
      JsonNode value = JSON.readTree(body).get(name);
      if (value == null) {
        throw new IllegalStateException("No " + name + " in " + body);
      }
      return value.asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpRequest.Builder request(String path, String token) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(LONG_POLL_MS / 1000 + 30))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json");
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
