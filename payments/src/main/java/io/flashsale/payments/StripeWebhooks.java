package io.flashsale.payments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Stripe's webhook events ({@code {"id": "evt_...", "type", "created", "data": {"object": {...}}}}) in the project's
 * terms. The payment is the PaymentIntent (see {@link StripePaymentProvider}), and the purchase comes from the
 * metadata the shop put on the session and its PaymentIntent:
 * <ul>
 *   <li>{@code checkout.session.completed} with {@code payment_status: paid}, and {@code payment_intent.succeeded}:
 *       {@link PaymentWebhook#SUCCEEDED}. An endpoint may subscribe to both; both name the same PaymentIntent, and
 *       the topology counts a success of a payment that already confirmed its purchase once.
 *   <li>{@code payment_intent.payment_failed}: {@link PaymentWebhook#FAILED}.
 *   <li>{@code charge.refunded}: {@link PaymentWebhook#REFUNDED}, the amount refunded so far. A charge does not
 *       necessarily carry its PaymentIntent's metadata; then the PaymentIntent is read.
 * </ul>
 * Every other event, a session paid later (an asynchronous payment method), and a payment without the shop's
 * metadata (one made outside the shop) keep their Stripe type, which the shop acknowledges and ignores.
 */
public final class StripeWebhooks {
  public static final String HEADER = "Stripe-Signature";

  private StripeWebhooks() {}

  /** The event; IllegalArgumentException if it is not one. {@code lookup} reads a PaymentIntent when needed. */
  public static PaymentWebhook parse(String body, PaymentProvider lookup) {
    JsonNode event;
    try {
      event = ProviderJson.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("Not a Stripe event: " + e.getMessage(), e);
    }
    if (event == null || !event.isObject()) {
      throw new IllegalArgumentException("Not a Stripe event: a JSON object is expected");
    }
    String id = text(event, "id");
    String type = text(event, "type");
    if (id == null || type == null || !event.path("created").canConvertToLong()) {
      throw new IllegalArgumentException("Stripe event without id, type or created");
    }
    long created = event.path("created").asLong();
    JsonNode object = event.path("data").path("object");
    if (!object.isObject()) {
      throw new IllegalArgumentException("Stripe event " + id + " without data.object");
    }
    PaymentWebhook unknown = new PaymentWebhook(id, type, created, null);
    return switch (type) {
      case "checkout.session.completed" -> object.path("payment_status").asText().equals("paid")
          ? event(id, PaymentWebhook.SUCCEEDED, created, intentId(object.path("payment_intent")), object.path("metadata"),
              object.path("amount_total"), object, "SUCCEEDED").orElse(unknown)
          : unknown;
      case "payment_intent.succeeded" -> event(id, PaymentWebhook.SUCCEEDED, created, text(object, "id"),
          object.path("metadata"), object.path("amount_received"), object, "SUCCEEDED").orElse(unknown);
      case "payment_intent.payment_failed" -> event(id, PaymentWebhook.FAILED, created, text(object, "id"),
          object.path("metadata"), object.path("amount"), object, "FAILED").orElse(unknown);
      case "charge.refunded" -> {
        String paymentId = object.path("payment_intent").isTextual() ? object.path("payment_intent").asText()
            : text(object, "id");
        JsonNode metadata = object.path("metadata");
        if (!metadata.hasNonNull("requestId") && !metadata.hasNonNull("orderId") && paymentId != null
            && paymentId.startsWith("pi_")) {
          metadata = lookup.payment(paymentId).map(StripeWebhooks::metadataOf).orElse(metadata);
        }
        yield event(id, PaymentWebhook.REFUNDED, created, paymentId, metadata, object.path("amount_refunded"), object,
            "REFUNDED").orElse(unknown);
      }
      default -> unknown;
    };
  }

  /** The shop's event, or empty when the object carries no purchase of the shop. */
  private static Optional<PaymentWebhook> event(String id, String type, long created, String paymentId,
                                                JsonNode metadata, JsonNode amount, JsonNode object, String status) {
    String orderId = text(metadata, "orderId");
    List<PaymentProvider.Item> items = OrderMetadata.items(metadata);
    String requestId = orderId != null ? orderId : text(metadata, "requestId");
    String saleId = text(metadata, "saleId");
    String sku = text(metadata, "sku");
    if (orderId != null ? items == null : requestId == null || saleId == null || sku == null) {
      return Optional.empty();
    }
    if (paymentId == null) {
      throw new IllegalArgumentException("Stripe event " + id + " names no PaymentIntent");
    }
    if (!amount.canConvertToLong() || amount.asLong() < 0 || !object.path("currency").isTextual()) {
      throw new IllegalArgumentException("Stripe event " + id + " without an amount and currency");
    }
    return Optional.of(new PaymentWebhook(id, type, created, new PaymentWebhook.Data(paymentId, requestId, saleId, sku,
        amount.asLong(), object.path("currency").asText().toUpperCase(Locale.ROOT), status, text(metadata, "flowId"),
        orderId, items)));
  }

  private static JsonNode metadataOf(PaymentProvider.Payment payment) {
    ObjectNode metadata = ProviderJson.MAPPER.createObjectNode().put("flowId", payment.flowId());
    if (payment.orderId() != null && payment.items() != null) {
      metadata.put("orderId", payment.orderId());
      OrderMetadata.items(payment.items()).forEach(metadata::put);
      return metadata;
    }
    return metadata.put("requestId", payment.requestId()).put("saleId", payment.saleId()).put("sku", payment.sku());
  }

  /** The id of a PaymentIntent given as an id or expanded. */
  private static String intentId(JsonNode intent) {
    return intent.isObject() ? text(intent, "id") : intent.isTextual() ? intent.asText() : null;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
  }
}
