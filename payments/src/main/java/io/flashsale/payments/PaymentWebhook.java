package io.flashsale.payments;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A webhook event of the provider, as POSTed to the shop: {@code {"id", "type", "created": <unix s>, "data": {...}}}.
 * The same event delivered again carries the same {@code id}.
 */
public record PaymentWebhook(String id, String type, Long created, Data data) {
  public static final String SUCCEEDED = "payment.succeeded";
  public static final String FAILED = "payment.failed";
  public static final String REFUNDED = "payment.refunded";
  private static final Set<String> KNOWN_TYPES = Set.of(SUCCEEDED, FAILED, REFUNDED);

  /**
   * The payment the event is about; {@code amountCents} is the refunded amount for a refund; {@code flowId} the
   * buyer's flow from the payment's metadata, null when it has none (it is information, never required). An order's
   * payment names the order ({@code orderId}, also in {@code requestId}) and its {@code items}, each with its own
   * amount; it has no one sale or SKU.
   */
  public record Data(String paymentId, String requestId, String saleId, String sku, Long amountCents,
                     String currency, String status, String flowId, String orderId, List<PaymentProvider.Item> items) {
    public Data(String paymentId, String requestId, String saleId, String sku, Long amountCents, String currency,
                String status) {
      this(paymentId, requestId, saleId, sku, amountCents, currency, status, null, null, null);
    }

    /** True for an order's payment: several purchases, itemised. */
    public boolean itemised() {
      return items != null && !items.isEmpty();
    }
  }

  /** An event about {@code payment} now. */
  static PaymentWebhook of(String id, String type, Instant created, PaymentProvider.Payment payment, long amountCents) {
    return new PaymentWebhook(id, type, created.getEpochSecond(), new Data(payment.paymentId(), payment.requestId(),
        payment.saleId(), payment.sku(), amountCents, payment.currency(), payment.status().name(), payment.flowId(),
        payment.orderId(), payment.items()));
  }

  /** True for the types this version understands; others are to be acknowledged and ignored. */
  public boolean known() {
    return KNOWN_TYPES.contains(type);
  }

  public Instant createdAt() {
    return Instant.ofEpochSecond(created);
  }

  /**
   * Reads an event; unknown fields are ignored (providers add fields), but an event of a known type without
   * everything the shop needs is malformed. IllegalArgumentException if malformed.
   */
  public static PaymentWebhook parse(String body) {
    PaymentWebhook event = ProviderJson.read(body, PaymentWebhook.class);
    require(event.id() != null && !event.id().isBlank(), "id");
    require(event.type() != null && !event.type().isBlank(), "type");
    require(event.created() != null, "created");
    if (event.known()) {
      Data data = event.data();
      require(data != null, "data");
      if (data.itemised()) {
        require(data.paymentId() != null && data.orderId() != null, "data.paymentId and data.orderId");
        for (PaymentProvider.Item item : data.items()) {
          require(item != null && item.requestId() != null && item.saleId() != null && item.sku() != null
              && item.amountCents() >= 0, "data.items[].requestId, saleId, sku and amountCents");
        }
      } else {
        require(data.paymentId() != null && data.requestId() != null && data.saleId() != null && data.sku() != null,
            "data.paymentId, data.requestId, data.saleId and data.sku");
      }
      require(data.amountCents() != null && data.amountCents() >= 0, "data.amountCents");
      require(data.currency() != null, "data.currency");
    }
    return event;
  }

  public String toJson() {
    return ProviderJson.write(this);
  }

  private static void require(boolean present, String what) {
    if (!present) {
      throw new IllegalArgumentException("Webhook event without " + what);
    }
  }
}
