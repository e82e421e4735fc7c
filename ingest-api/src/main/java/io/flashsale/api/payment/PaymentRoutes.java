package io.flashsale.api.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentWebhook;
import io.flashsale.payments.WebhookScheme;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment provider's webhooks, signed and worded as the configured provider does ({@link WebhookScheme}: the
 * simulator's or Stripe's). The signature over the raw body is the authentication; a verified event is
 * written to {@code payment-events} (key = SKU) and only then acknowledged, so the provider retries until it is
 * durable. The topology decides what the payment means for the purchase. An order's payment (several purchases,
 * itemised) is written as one event per item, each to its own sale's partition.
 */
public final class PaymentRoutes {
  private static final Logger log = LoggerFactory.getLogger(PaymentRoutes.class);
  /** Event ids this instance wrote recently; redeliveries come within days and a few MB of ids cover them. */
  static final int RECENT_EVENTS = 100_000;

  /** What became of a webhook: RECORDED, DUPLICATE (written before) or IGNORED (a type this version does not use). */
  record Receipt(String eventId, String result) {}

  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final Clock clock;
  private final WebhookScheme scheme;
  private final ProviderCalls calls;
  private final ItemFates fates;
  private final Cache<String, Boolean> recorded = Caffeine.newBuilder().maximumSize(RECENT_EVENTS).build();

  /** What a payment did to each item of an order, as the purchase outcomes said: CONFIRMED, REFUND_DUE, or null. */
  @FunctionalInterface
  public interface ItemFates {
    OutcomeStatus fate(String paymentId, String requestId);
  }

  public PaymentRoutes(JsonBodies bodies, TopicWriter writer, Topics topics, Clock clock, WebhookScheme scheme,
                       ProviderCalls calls, ItemFates fates) {
    this.calls = calls;
    this.fates = fates;
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.clock = clock;
    this.scheme = scheme;
  }

  public void webhook(Context ctx) {
    // Verified over the exact bytes received: any parsing before that could hide a tampered body.
    String body = new String(bodies.raw(ctx), StandardCharsets.UTF_8);
    if (!scheme.verify(ctx.header(scheme.header()), body, clock.instant())) {
      throw new Problem(ErrorCode.UNAUTHENTICATED, "A valid " + scheme.header() + " from the last "
          + scheme.tolerance().toSeconds() + " s is required");
    }
    bodies.requireJson(ctx.contentType());
    ctx.future(() -> calls.call(() -> read(body), "A webhook").thenCompose(event -> record(ctx, event)));
  }

  /** The event of a verified body; reading it may ask the provider about the payment it names. */
  private PaymentWebhook read(String body) {
    try {
      return scheme.parse(body);
    } catch (IllegalArgumentException e) {
      throw new Problem(ErrorCode.VALIDATION, e.getMessage());
    }
  }

  /** Writes the event's payment events and answers once every one is acknowledged. */
  private CompletableFuture<Void> record(Context ctx, PaymentWebhook event) {
    if (!event.known()) { // acknowledged, or the provider would retry it forever
      log.info("Ignored webhook {} of type {}", event.id(), event.type());
      ctx.json(new Receipt(event.id(), "IGNORED"));
      return CompletableFuture.completedFuture(null);
    }
    // Only a shortcut: concurrent deliveries may both be written, and the topology drops repeated event ids.
    if (recorded.getIfPresent(event.id()) != null) {
      ctx.json(new Receipt(event.id(), "DUPLICATE"));
      return CompletableFuture.completedFuture(null);
    }
    PaymentWebhook.Data data = event.data();
    List<PaymentEvent> payments = data.itemised() ? items(event) : List.of(PaymentEvent.newBuilder()
        .setEventId(event.id()).setPaymentId(data.paymentId()).setRequestId(data.requestId())
        .setSaleId(data.saleId()).setSku(data.sku()).setType(type(event.type()))
        .setAmountCents(data.amountCents()).setCurrency(data.currency())
        .setOccurredAt(event.createdAt()).setReceivedAt(clock.instant())
        .setFlowId(flowOf(data))
        .build());
    for (PaymentEvent payment : payments) {
      List<String> invalid = InputRules.violations(payment);
      if (!invalid.isEmpty()) { // the topology would refuse it: refused here, before a 200
        throw new Problem(ErrorCode.VALIDATION, String.join("; ", invalid));
      }
    }
    return CompletableFuture.allOf(payments.stream()
            .map(payment -> writer.write(topics.paymentEvents, payment.getSku(), payment))
            .toArray(CompletableFuture[]::new))
        .thenAccept(written -> {
          recorded.put(event.id(), Boolean.TRUE); // after every ack: a failed write must stay retryable
          ctx.json(new Receipt(event.id(), "RECORDED"));
        });
  }

  /**
   * An order's payment as one event per item, each keyed by its own SKU so that its own sale's task decides it, with
   * the item's amount and the order's id. Each item's event id is the provider's event id and the item's request id:
   * a redelivery repeats them all, and the topology drops each repeat. A success must be the sum of its items: the
   * provider charged what the order asked or the order is not what was charged.
   */
  private List<PaymentEvent> items(PaymentWebhook event) {
    PaymentWebhook.Data data = event.data();
    long sum = sum(data.items());
    if (PaymentWebhook.SUCCEEDED.equals(event.type()) && sum != data.amountCents()) {
      throw new Problem(ErrorCode.VALIDATION, "Order " + data.orderId() + " was paid " + data.amountCents()
          + " but its items add up to " + sum);
    }
    List<PaymentProvider.Item> items = PaymentWebhook.REFUNDED.equals(event.type()) ? refunded(data) : data.items();
    Instant receivedAt = clock.instant();
    return items.stream().map(item -> PaymentEvent.newBuilder()
        .setEventId(itemEventId(event.id(), item.requestId())).setPaymentId(data.paymentId())
        .setRequestId(item.requestId()).setSaleId(item.saleId()).setSku(item.sku()).setType(type(event.type()))
        .setAmountCents(item.amountCents()).setCurrency(data.currency())
        .setOccurredAt(event.createdAt()).setReceivedAt(receivedAt).setOrderId(data.orderId())
        .setFlowId(flowOf(data))
        .build()).toList();
  }

  /**
   * The items an order's refund gave back. The provider names the order's items, not which were refunded: the refund
   * is the items the order's payment owes back (REFUND_DUE, as the nightly job refunds them) when their amounts add up
   * to it, or every item when it is the whole charge. Any other sum (a refund made by hand) cannot be split by item
   * and is refused, so that no item is recorded refunded that was not: the provider retries, and the night lists the
   * settled refund the books lack for a person.
   */
  private List<PaymentProvider.Item> refunded(PaymentWebhook.Data data) {
    List<PaymentProvider.Item> owed = data.items().stream()
        .filter(item -> fates.fate(data.paymentId(), item.requestId()) == OutcomeStatus.REFUND_DUE).toList();
    if (!owed.isEmpty() && sum(owed) == data.amountCents()) {
      return owed;
    }
    if (sum(data.items()) == data.amountCents()) {
      return data.items();
    }
    throw new Problem(ErrorCode.VALIDATION, "Order " + data.orderId() + " was refunded " + data.amountCents()
        + ", neither what it owes back (" + sum(owed) + ") nor its whole charge (" + sum(data.items()) + ")");
  }

  private static long sum(List<PaymentProvider.Item> items) {
    return items.stream().mapToLong(PaymentProvider.Item::amountCents).sum();
  }

  /** The flow is followed, never required: metadata that is no flow id loses it, never the payment. */
  private static String flowOf(PaymentWebhook.Data data) {
    return InputRules.flowId("flowId", data.flowId()) == null ? data.flowId() : null;
  }

  /** The event id of one item of an order's payment event. */
  static String itemEventId(String providerEventId, String requestId) {
    return providerEventId + ":" + requestId;
  }

  private static PaymentEventType type(String webhookType) {
    return switch (webhookType) {
      case PaymentWebhook.SUCCEEDED -> PaymentEventType.SUCCEEDED;
      case PaymentWebhook.FAILED -> PaymentEventType.FAILED;
      case PaymentWebhook.REFUNDED -> PaymentEventType.REFUNDED;
      default -> throw new IllegalArgumentException("Not a known webhook type: " + webhookType);
    };
  }
}
