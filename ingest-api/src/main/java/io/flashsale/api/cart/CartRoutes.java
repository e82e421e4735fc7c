package io.flashsale.api.cart;

import io.flashsale.api.access.Access;
import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.FlowIds;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.payment.CheckoutExpiry;
import io.flashsale.api.payment.ProviderCalls;
import io.flashsale.api.purchase.Purchase;
import io.flashsale.api.purchase.PurchaseView;
import io.flashsale.api.sale.SaleView;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.Order;
import io.flashsale.schemas.OrderItem;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The buyer's cart (every hold the buyer has now, over every sale) and orders (one payment for several holds).
 * Thin: the holds are the purchase view's, the prices the sales'; what a payment does to each hold is decided by the
 * topology in the hold's own sale, from one payment event per item (the payment room's webhook route).
 */
public final class CartRoutes {
  /** The body of an order. */
  record OrderRequest(List<String> requestIds) {}

  record CartItem(String requestId, String saleId, String name, int quantity, long unitPriceCents, long amountCents,
                  String currency, Instant holdExpiresAt) {}

  record Total(String currency, long amountCents) {}

  record Cart(List<CartItem> items, List<Total> totals, Long expiresInSeconds) {}

  record Placed(String orderId, String paymentId, String redirectUrl, long amountCents, String currency) {}

  record ItemState(String requestId, String saleId, String name, int quantity, long amountCents, String status,
                   String refund) {}

  record OrderBody(String orderId, String status, String paymentId, long amountCents, String currency,
                   Instant createdAt, List<ItemState> items) {}

  private final Access access;
  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final PurchaseView purchases;
  private final OrderView orders;
  private final ProviderCalls payments;
  private final CheckoutExpiry expiry;
  private final Clock clock;

  public CartRoutes(Access access, JsonBodies bodies, TopicWriter writer, Topics topics, SaleView sales,
                    PurchaseView purchases, OrderView orders, ProviderCalls payments, CheckoutExpiry expiry,
                    Clock clock) {
    this.access = access;
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.purchases = purchases;
    this.orders = orders;
    this.payments = payments;
    this.expiry = expiry;
    this.clock = clock;
  }

  /** {@code GET /api/cart}: the buyer's live holds, soonest to end first, the totals per currency. */
  public void cart(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    Instant now = clock.instant();
    List<CartItem> items = new ArrayList<>();
    for (Purchase purchase : purchases.heldBy(buyer.userId())) {
      if (!live(purchase, now)) {
        continue;
      }
      sales.sale(Shards.parentSaleId(purchase.saleId())).ifPresent(sale -> items.add(item(purchase, sale)));
    }
    items.sort(Comparator.comparing(CartItem::holdExpiresAt).thenComparing(CartItem::requestId));
    Map<String, Long> totals = new LinkedHashMap<>();
    items.forEach(item -> totals.merge(item.currency(), item.amountCents(), Math::addExact));
    Long expiresIn = items.isEmpty() ? null
        : Math.max(0, (Duration.between(now, items.get(0).holdExpiresAt()).toMillis() + 999) / 1000);
    ctx.json(new Cart(items, totals.entrySet().stream().map(e -> new Total(e.getKey(), e.getValue())).toList(),
        expiresIn));
  }

  /**
   * {@code POST /api/orders}: one payment for several of the buyer's live holds. The list is checked first (400),
   * then that each is a live hold of this buyer (409), then that they share a currency (400); nothing is written
   * until all holds, and then the payment is made and the order logged before the answer. The order's id comes from
   * the buyer and the set of holds, and is the payment's idempotency key: the same cart ordered again gets the same
   * order and payment, so a double click cannot charge twice.
   */
  public void place(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    String flowId = FlowIds.of(ctx);
    List<String> requestIds = requestIds(bodies.read(ctx, OrderRequest.class));
    Instant now = clock.instant();
    List<Purchase> held = new ArrayList<>();
    List<Sale> ofSale = new ArrayList<>();
    for (String requestId : requestIds) {
      Purchase purchase = purchases.purchase(requestId).filter(p -> p.userId().equals(buyer.userId()))
          .filter(p -> live(p, now))
          .orElseThrow(() -> new Problem(ErrorCode.INVALID_STATE, "Purchase " + requestId
              + " is not a live hold of yours; only ACCEPTED purchases whose hold runs can be ordered"));
      held.add(purchase);
      ofSale.add(sales.sale(Shards.parentSaleId(purchase.saleId())).orElseThrow(() -> new Problem(
          ErrorCode.UNAVAILABLE, "Sale " + purchase.saleId() + " is not known here yet, please retry",
          Map.of("Retry-After", "1"), Map.of())));
    }
    Set<String> currencies = new TreeSet<>();
    ofSale.forEach(sale -> currencies.add(sale.getCurrency()));
    if (currencies.size() > 1) {
      throw new Problem(ErrorCode.VALIDATION, "An order is paid in one currency; these holds are in " + currencies);
    }
    String currency = currencies.iterator().next();
    List<OrderItem> items = new ArrayList<>();
    List<PaymentProvider.Item> lines = new ArrayList<>();
    Instant soonest = null;
    Instant firstHeld = null;
    for (int i = 0; i < held.size(); i++) {
      Purchase purchase = held.get(i);
      Sale sale = ofSale.get(i);
      long amount = Math.multiplyExact(sale.getPriceCents(), (long) purchase.quantity());
      items.add(new OrderItem(purchase.requestId(), purchase.saleId(), purchase.sku(), purchase.quantity(), amount));
      lines.add(new PaymentProvider.Item(purchase.requestId(), purchase.saleId(), purchase.sku(), amount));
      Instant ends = purchase.holdExpiresAt();
      Instant since = ends.minusSeconds(sale.getHoldSeconds());
      soonest = soonest == null || ends.isBefore(soonest) ? ends : soonest;
      firstHeld = firstHeld == null || since.isBefore(firstHeld) ? since : firstHeld;
    }
    String orderId = orderId(buyer.userId(), requestIds);
    PaymentOrder paying = PaymentOrder.ofOrder(orderId, buyer.userId(), lines, currency, firstHeld, soonest, flowId);
    // Logged before the buyer is sent to pay: every instance then knows the order its payment's webhook will name.
    ctx.future(() -> payments.createPayment(paying, "Order " + orderId).thenCompose(payment -> {
      Order order = Order.newBuilder().setOrderId(orderId).setUserId(buyer.userId()).setPaymentId(payment.paymentId())
          .setAmountCents(payment.amountCents()).setCurrency(currency).setItems(items).setCreatedAt(now)
          .setFlowId(flowId).build();
      List<String> invalid = InputRules.violations(order);
      if (!invalid.isEmpty()) { // the provider answered with something else than was asked
        throw new Problem(ErrorCode.UNAVAILABLE, "The payment provider's answer does not match the order: "
            + String.join("; ", invalid), Map.of("Retry-After", "1"), Map.of());
      }
      return writer.write(topics.orders, orderId, order).thenAccept(written -> {
        orders.written(order);
        // Open until none of its holds is held: paying it confirms those that still are (API "Cart and orders").
        expiry.opened(requestIds, payment.paymentId(), id -> purchases.purchase(id).map(Purchase::held).orElse(false));
        ctx.json(new Placed(orderId, payment.paymentId(), payment.redirectUrl(), payment.amountCents(), currency));
      });
    }));
  }

  /** {@code GET /api/orders/{orderId}}: the buyer's own order; someone else's is indistinguishable from none. */
  public void show(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    String orderId = ctx.pathParam("orderId");
    Order order = orders.order(orderId).filter(o -> o.getUserId().equals(buyer.userId()))
        .orElseThrow(() -> new Problem(ErrorCode.ORDER_NOT_FOUND, "No order " + orderId));
    List<ItemState> items = new ArrayList<>();
    int confirmed = 0;
    int refunded = 0;
    for (OrderItem item : order.getItems()) {
      OutcomeStatus fate = orders.fate(order.getPaymentId(), item.getRequestId());
      confirmed += fate == OutcomeStatus.CONFIRMED ? 1 : 0;
      refunded += fate == OutcomeStatus.REFUND_DUE ? 1 : 0;
      String status = fate == OutcomeStatus.CONFIRMED ? OutcomeStatus.CONFIRMED.name()
          : purchases.purchase(item.getRequestId()).map(Purchase::status).orElse("UNKNOWN");
      String saleId = Shards.parentSaleId(item.getSaleId());
      items.add(new ItemState(item.getRequestId(), saleId, sales.sale(saleId).map(Sale::getName).orElse(saleId),
          item.getQuantity(), item.getAmountCents(), status, fate == OutcomeStatus.REFUND_DUE ? "DUE" : null));
    }
    ctx.json(new OrderBody(order.getOrderId(), status(order.getItems().size(), confirmed, refunded),
        order.getPaymentId(), order.getAmountCents(), order.getCurrency(), order.getCreatedAt(), items));
  }

  /** PENDING until the payment decided every item; then PAID, REFUNDED, or PARTIALLY_REFUNDED. */
  static String status(int items, int confirmed, int refunded) {
    if (confirmed + refunded < items) {
      return "PENDING";
    }
    return refunded == 0 ? "PAID" : confirmed == 0 ? "REFUNDED" : "PARTIALLY_REFUNDED";
  }

  /** The same buyer and the same set of holds, in any order, make the same order. */
  static String orderId(String userId, List<String> requestIds) {
    String key = "order\u0000" + userId + "\u0000" + String.join("\u0000", new TreeSet<>(requestIds));
    return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static List<String> requestIds(OrderRequest request) {
    List<String> ids = request.requestIds();
    if (ids == null || ids.isEmpty()) {
      throw new Problem(ErrorCode.VALIDATION, "requestIds must name 1 to " + InputRules.MAX_ORDER_ITEMS + " purchases");
    }
    if (ids.size() > InputRules.MAX_ORDER_ITEMS) {
      throw new Problem(ErrorCode.VALIDATION, "An order holds at most " + InputRules.MAX_ORDER_ITEMS
          + " purchases, this one " + ids.size());
    }
    Set<String> seen = new HashSet<>();
    for (String id : ids) {
      String invalid = InputRules.text("requestIds[]", id);
      if (invalid != null) {
        throw new Problem(ErrorCode.VALIDATION, invalid);
      }
      if (!seen.add(id)) {
        throw new Problem(ErrorCode.VALIDATION, "requestIds names " + id + " twice");
      }
    }
    return List.copyOf(ids);
  }

  private static boolean live(Purchase purchase, Instant now) {
    return purchase.held() && purchase.holdExpiresAt() != null && purchase.holdExpiresAt().isAfter(now);
  }

  private static CartItem item(Purchase purchase, Sale sale) {
    return new CartItem(purchase.requestId(), sale.getSaleId(), sale.getName(), purchase.quantity(),
        sale.getPriceCents(), Math.multiplyExact(sale.getPriceCents(), (long) purchase.quantity()), sale.getCurrency(),
        purchase.holdExpiresAt());
  }
}
