package io.flashsale.payments;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Stripe, over its REST API: form-encoded requests, {@code Authorization: Bearer <secret key>}, the API version
 * pinned with {@code Stripe-Version} so that the answers keep the shape this class reads, and every POST with an
 * {@code Idempotency-Key}.
 *
 * <p>A payment is made with a <b>Checkout Session</b>: the buyer pays on Stripe's hosted page at the session's
 * {@code url}, which is what {@link Payment#redirectUrl()} is for, so the shop handles no card data and needs no
 * payment form of its own (a PaymentIntent alone would need Stripe.js on the buyer page). The session's id
 * ({@code cs_...}) is the payment the checkout answers with. Once the buyer pays, the money moves through the
 * session's <b>PaymentIntent</b> ({@code pi_...}): the webhooks, the charges and refunds of the balance, and the
 * refunds this class makes all name it, so from then on the PaymentIntent's id is the payment. Both carry the
 * purchase in their metadata (requestId, saleId, sku, userId, and the buyer's flowId), set when the session is created.
 *
 * <p>A request that met a retryable failure (no answer, 409, 429, 5xx, or Stripe's {@code Stripe-Should-Retry:
 * true}) is sent again, with the same idempotency key, a few times with a growing pause; after that, and for any
 * other error, a {@link PaymentProviderException} carries Stripe's {@code error.type} and {@code error.code}.
 */
public final class StripePaymentProvider implements PaymentProvider {
  /** The API version the requests and the answers' shapes are written against. */
  public static final String API_VERSION = "2024-06-20";
  /** Stripe's largest page of a list. */
  static final int MAX_LIST_LIMIT = 100;
  /** Tries of one request, the first included. */
  static final int ATTEMPTS = 3;
  static final Duration DEFAULT_BACKOFF = Duration.ofMillis(250);

  private final StripeConfig config;
  private final Duration timeout;
  private final Duration backoff;
  private final HttpClient http;

  public StripePaymentProvider(StripeConfig config, Duration timeout) {
    this(config, timeout, DEFAULT_BACKOFF);
  }

  /** {@code backoff}: the pause before the first retry, doubled before each further one. */
  public StripePaymentProvider(StripeConfig config, Duration timeout, Duration backoff) {
    this.config = config;
    this.timeout = timeout;
    this.backoff = backoff;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Payment createPayment(PaymentOrder order) {
    String back = config.returnUrl() + (order.itemised() ? "/cart" : "/sales/" + segment(order.saleId()));
    Form form = new Form()
        .add("mode", "payment")
        .add("client_reference_id", order.requestId())
        .add("success_url", back)
        .add("cancel_url", back);
    if (order.itemised()) { // an order: one line per held purchase, with its own amount
      for (int i = 0; i < order.items().size(); i++) {
        PaymentProvider.Item item = order.items().get(i);
        form.add("line_items[" + i + "][quantity]", "1")
            .add("line_items[" + i + "][price_data][currency]", order.currency().toLowerCase(Locale.ROOT))
            .add("line_items[" + i + "][price_data][unit_amount]", Long.toString(item.amountCents()))
            .add("line_items[" + i + "][price_data][product_data][name]", item.sku());
      }
    } else {
      form.add("line_items[0][quantity]", "1")
          .add("line_items[0][price_data][currency]", order.currency().toLowerCase(Locale.ROOT))
          .add("line_items[0][price_data][unit_amount]", Long.toString(order.amountCents()))
          .add("line_items[0][price_data][product_data][name]", order.sku());
    }
    Instant expiresAt = sessionExpiry(order, Instant.now());
    if (expiresAt != null) {
      form.add("expires_at", Long.toString(expiresAt.getEpochSecond()));
    }
    // On the session for its webhook, and on the PaymentIntent for everything that names the PaymentIntent.
    for (String prefix : List.of("metadata", "payment_intent_data[metadata]")) {
      if (order.itemised()) {
        form.add(prefix + "[orderId]", order.orderId()).add(prefix + "[userId]", order.userId());
        OrderMetadata.items(order.items()).forEach((key, value) -> form.add(prefix + "[" + key + "]", value));
      } else {
        form.add(prefix + "[requestId]", order.requestId()).add(prefix + "[saleId]", order.saleId())
            .add(prefix + "[sku]", order.sku()).add(prefix + "[userId]", order.userId());
      }
      if (order.flowId() != null) {
        form.add(prefix + "[flowId]", order.flowId());
      }
    }
    JsonNode session = call(post("/v1/checkout/sessions", form, order.idempotencyKey()),
        "create a Checkout Session for request " + order.requestId());
    return fromSession(session);
  }

  /**
   * When a session for this order ends by itself: the hold's end, clamped into what Stripe accepts, 30 minutes to
   * 24 hours after the session's creation (it refuses the session otherwise). The bounds are taken from the hold,
   * not from now, so that every retry of a checkout sends the same value: Stripe refuses a key used again with other
   * parameters. A checkout is made while the hold lasts, so its end plus 31 minutes is 30 minutes ahead of any
   * creation, with a minute for the clocks of Stripe and the shop. With the default hold of 5 minutes the session so
   * lives 36 minutes from the acceptance at most: the shop expires it at once when the hold ends
   * ({@link #expirePayment}), and this is the backstop for a shop that could not. Only a hold of more than 23 h 28
   * min cannot end so late (24 hours after the acceptance, less the minute, is Stripe's latest): its session ends
   * then, or, checked out in the hold's last half hour, after Stripe's default of 24 hours. Null without a hold.
   */
  static Instant sessionExpiry(PaymentOrder order, Instant now) {
    if (order.heldUntil() == null) {
      return null;
    }
    Instant soonest = order.heldUntil().plus(Duration.ofMinutes(31));
    Instant latest = (order.heldSince() != null ? order.heldSince() : order.heldUntil()).plus(Duration.ofHours(24))
        .minus(Duration.ofMinutes(1));
    if (!soonest.isAfter(latest)) {
      return soonest;
    }
    return now.plus(Duration.ofMinutes(31)).isAfter(latest) ? null : latest;
  }

  /**
   * Expires a Checkout Session ({@code POST /v1/checkout/sessions/{id}/expire}, which Stripe documents for limited
   * inventory: the buyer can no longer pay on its page). A session that is no longer open (already expired, or
   * paid) is left as it is: Stripe answers 400 to its expiry, and a read of the session tells that case from a
   * real error. A PaymentIntent's id is a payment already made: nothing to expire.
   */
  @Override
  public void expirePayment(String paymentId) {
    if (!isSession(paymentId)) {
      return;
    }
    try {
      call(post("/v1/checkout/sessions/" + segment(paymentId) + "/expire", new Form(), "expire:" + paymentId),
          "expire Checkout Session " + paymentId);
    } catch (PaymentProviderException e) {
      if (e.status() != 400) {
        throw e;
      }
      String status = call(get("/v1/checkout/sessions/" + segment(paymentId)), "read Checkout Session " + paymentId)
          .path("status").asText();
      if (!status.equals("expired") && !status.equals("complete")) {
        throw e;
      }
    }
  }

  /**
   * A Checkout Session ({@code cs_...}, as {@link #createPayment} answers) or a PaymentIntent ({@code pi_...}, as
   * the webhooks and settlements name it); the answer's paymentId is the id asked for.
   */
  @Override
  public Optional<Payment> payment(String paymentId) {
    try {
      if (isSession(paymentId)) {
        return Optional.of(fromSession(call(get("/v1/checkout/sessions/" + segment(paymentId)
            + "?expand[]=payment_intent.latest_charge"), "read Checkout Session " + paymentId)));
      }
      return Optional.of(fromIntent(call(get("/v1/payment_intents/" + segment(paymentId) + "?expand[]=latest_charge"),
          "read PaymentIntent " + paymentId)));
    } catch (PaymentProviderException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The day's charges and refunds from the balance transactions created on it, newest first as Stripe lists
   * them. Each transaction's source (the charge or refund) and the source's PaymentIntent come expanded in the
   * same answer, so a page is one request; the amount and currency are the source's, what the buyer paid or got
   * back, not the balance's after conversion. Other movements (payouts, fees, adjustments) are skipped, and the
   * next page starts after the last transaction listed, skipped or not.
   */
  @Override
  public SettlementPage settlements(LocalDate day, String startingAfter, int limit) {
    long from = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    long to = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    String query = "?created[gte]=" + from + "&created[lt]=" + to + "&limit=" + Math.min(limit, MAX_LIST_LIMIT)
        + "&expand[]=data.source.payment_intent"
        + (startingAfter == null ? "" : "&starting_after=" + URLEncoder.encode(startingAfter, StandardCharsets.UTF_8));
    JsonNode list = call(get("/v1/balance_transactions" + query), "list the balance transactions of " + day);
    List<Settlement> settlements = new ArrayList<>();
    Map<String, JsonNode> intents = new HashMap<>(); // looked up only when an answer lacks the metadata
    String cursor = null;
    for (JsonNode txn : list.path("data")) {
      cursor = txn.path("id").asText();
      SettlementType type = switch (txn.path("type").asText()) {
        case "charge", "payment" -> SettlementType.CHARGE;
        case "refund", "payment_refund" -> SettlementType.REFUND;
        default -> null;
      };
      if (type != null) {
        settlements.add(settlement(txn, type, intents));
      }
    }
    return new SettlementPage(settlements, list.path("has_more").asBoolean(false), cursor);
  }

  @Override
  public Refund refund(String paymentId, long amountCents, String idempotencyKey) {
    String intent = isSession(paymentId) ? sessionIntent(paymentId) : paymentId;
    Form form = new Form().add("payment_intent", intent).add("amount", Long.toString(amountCents));
    JsonNode refund = call(post("/v1/refunds", form, idempotencyKey), "refund " + paymentId);
    return new Refund(refund.path("id").asText(), paymentId, refund.path("amount").asLong(),
        currency(refund.path("currency")), created(refund));
  }

  // --- Stripe's objects in the project's terms

  private Payment fromSession(JsonNode session) {
    JsonNode metadata = session.path("metadata");
    JsonNode intent = session.path("payment_intent");
    PaymentStatus status = switch (session.path("status").asText()) {
      case "expired" -> PaymentStatus.FAILED;
      case "complete" -> session.path("payment_status").asText().equals("unpaid") ? PaymentStatus.PENDING
          : intent.isObject() ? intentStatus(intent) : PaymentStatus.SUCCEEDED;
      default -> PaymentStatus.PENDING;
    };
    String orderId = metadata.path("orderId").asText(null);
    String requestId = metadata.hasNonNull("requestId") ? metadata.path("requestId").asText()
        : orderId != null ? orderId : session.path("client_reference_id").asText(null);
    return new Payment(session.path("id").asText(), requestId, metadata.path("saleId").asText(null),
        metadata.path("sku").asText(null), session.path("amount_total").asLong(), currency(session.path("currency")),
        status, session.path("url").asText(null), created(session), metadata.path("flowId").asText(null), orderId,
        OrderMetadata.items(metadata));
  }

  private static Payment fromIntent(JsonNode intent) {
    JsonNode metadata = intent.path("metadata");
    String orderId = metadata.path("orderId").asText(null);
    return new Payment(intent.path("id").asText(), orderId != null ? orderId : metadata.path("requestId").asText(null),
        metadata.path("saleId").asText(null), metadata.path("sku").asText(null), intent.path("amount").asLong(),
        currency(intent.path("currency")), intentStatus(intent), null, created(intent),
        metadata.path("flowId").asText(null), orderId, OrderMetadata.items(metadata));
  }

  /** A refunded charge is only known when the intent's latest_charge came expanded. */
  private static PaymentStatus intentStatus(JsonNode intent) {
    return switch (intent.path("status").asText()) {
      case "succeeded" -> intent.path("latest_charge").path("refunded").asBoolean(false)
          ? PaymentStatus.REFUNDED : PaymentStatus.SUCCEEDED;
      case "canceled" -> PaymentStatus.FAILED;
      // Checkout lets the buyer try another card after a decline; until then the last try failed.
      case "requires_payment_method" -> intent.path("last_payment_error").isObject()
          ? PaymentStatus.FAILED : PaymentStatus.PENDING;
      default -> PaymentStatus.PENDING;
    };
  }

  private Settlement settlement(JsonNode txn, SettlementType type, Map<String, JsonNode> intents) {
    JsonNode source = txn.path("source");
    if (!source.isObject()) {
      throw new PaymentProviderException("Stripe did not expand the source of balance transaction "
          + txn.path("id").asText(), 200, null);
    }
    JsonNode intent = source.path("payment_intent");
    String paymentId = intent.isObject() ? intent.path("id").asText()
        : intent.isTextual() ? intent.asText()
        : type == SettlementType.REFUND && source.path("charge").isTextual() ? source.path("charge").asText()
        : source.path("id").asText();
    JsonNode metadata = intent.isObject() ? intent.path("metadata") : source.path("metadata");
    if (!metadata.hasNonNull("requestId") && !metadata.hasNonNull("orderId") && paymentId.startsWith("pi_")) {
      metadata = intents.computeIfAbsent(paymentId, id -> call(get("/v1/payment_intents/" + segment(id)),
          "read PaymentIntent " + id)).path("metadata");
    }
    // A charge the shop did not make has no purchase: "" lets the reconciliation list it for a person.
    String orderId = metadata.path("orderId").asText(null);
    String requestId = orderId != null ? orderId : metadata.path("requestId").asText("");
    long amount = source.hasNonNull("amount") ? source.path("amount").asLong() : Math.abs(txn.path("amount").asLong());
    JsonNode currency = source.hasNonNull("currency") ? source.path("currency") : txn.path("currency");
    return new Settlement(txn.path("id").asText(), paymentId, requestId, type, amount, currency(currency),
        created(txn), orderId);
  }

  private String sessionIntent(String sessionId) {
    JsonNode intent = call(get("/v1/checkout/sessions/" + segment(sessionId)), "read Checkout Session " + sessionId)
        .path("payment_intent");
    if (!intent.isTextual()) {
      throw new PaymentProviderException("Checkout Session " + sessionId + " was not paid: nothing to refund", 400,
          "invalid_request_error", "no_payment", false, null);
    }
    return intent.asText();
  }

  private static boolean isSession(String paymentId) {
    return paymentId.startsWith("cs_");
  }

  private static String currency(JsonNode currency) {
    return currency.isTextual() ? currency.asText().toUpperCase(Locale.ROOT) : null;
  }

  private static Instant created(JsonNode object) {
    return Instant.ofEpochSecond(object.path("created").asLong());
  }

  // --- HTTP

  private HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(config.apiBase() + pathAndQuery)).timeout(timeout)
        .header("Authorization", "Bearer " + config.apiKey())
        .header("Stripe-Version", API_VERSION)
        .header("Accept", "application/json");
  }

  private HttpRequest get(String pathAndQuery) {
    return request(pathAndQuery.replace("[", "%5B").replace("]", "%5D")).GET().build();
  }

  private HttpRequest post(String path, Form form, String idempotencyKey) {
    return request(path).header(HttpPaymentProvider.IDEMPOTENCY_KEY, idempotencyKey)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(BodyPublishers.ofString(form.encoded())).build();
  }

  /** Sends, retrying what may succeed when sent again; the answer's JSON, or the error Stripe gave. */
  private JsonNode call(HttpRequest request, String what) {
    for (int attempt = 1; ; attempt++) {
      PaymentProviderException failure;
      try {
        HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
        if (response.statusCode() >= 200 && response.statusCode() <= 299) {
          return json(response, what);
        }
        failure = error(response, what);
      } catch (IOException e) {
        failure = new PaymentProviderException("Stripe at " + config.apiBase() + " did not answer when asked to "
            + what + ": " + e, 0, null, null, true, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PaymentProviderException("Interrupted while calling Stripe", 0, e);
      }
      if (!failure.retryable() || attempt == ATTEMPTS) {
        throw failure;
      }
      try {
        Thread.sleep(backoff.toMillis() << (attempt - 1)); // the pause between tries, not a synchronisation
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
  }

  private static JsonNode json(HttpResponse<String> response, String what) {
    try {
      return ProviderJson.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new PaymentProviderException("Stripe's answer when asked to " + what + " is not JSON: " + response.body(),
          response.statusCode(), e);
    }
  }

  /**
   * Stripe's {@code {"error": {"type", "code", "message", "param"}}}. Retryable as Stripe-Should-Retry says, or
   * else when the status is 409 (a request with the same key in flight), 429 or 5xx.
   */
  static PaymentProviderException error(HttpResponse<String> response, String what) {
    int status = response.statusCode();
    JsonNode error;
    try {
      error = ProviderJson.MAPPER.readTree(response.body()).path("error");
    } catch (IOException e) {
      error = ProviderJson.MAPPER.missingNode();
    }
    String type = error.path("type").asText(null);
    String code = error.path("code").asText(null);
    boolean retryable = response.headers().firstValue("Stripe-Should-Retry").map(Boolean::parseBoolean)
        .orElse(status == 409 || PaymentProviderException.retryableStatus(status));
    StringBuilder message = new StringBuilder("Stripe could not ").append(what).append(": HTTP ").append(status);
    if (type != null) {
      message.append(' ').append(type).append(code == null ? "" : "/" + code);
    }
    if (error.hasNonNull("message")) {
      message.append(": ").append(error.path("message").asText());
    }
    if (error.hasNonNull("param")) {
      message.append(" (param ").append(error.path("param").asText()).append(')');
    }
    response.headers().firstValue("Request-Id").ifPresent(id -> message.append(" [").append(id).append(']'));
    return new PaymentProviderException(message.toString(), status, type, code, retryable, null);
  }

  /** Ids go into the path verbatim only when they are safe there. */
  private static String segment(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** An application/x-www-form-urlencoded body with Stripe's bracketed keys, in the order added. */
  static final class Form {
    private final StringJoiner body = new StringJoiner("&");

    Form add(String key, String value) {
      body.add(URLEncoder.encode(key, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
      return this;
    }

    String encoded() {
      return body.toString();
    }
  }
}
