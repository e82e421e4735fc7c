package io.flashsale.api;

import io.flashsale.api.Identity.Buyer;
import io.flashsale.api.PurchaseView.Purchase;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;

/** Taking a buyer's click into the queue, and telling the buyer what became of it. */
final class PurchaseRoutes {
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** The body of a purchase. */
  record PurchaseOrder(Integer quantity) {}

  /** The answer to a purchase: where to ask for its outcome. */
  record Submitted(String requestId, String status, String pollUrl) {}

  /** A purchase as its buyer sees it. */
  record PurchaseBody(String requestId, String saleId, int quantity, String status, String reason,
                      Instant holdExpiresAt, Long queuePosition) {}

  private final Identity identity;
  private final RateLimits rateLimits;
  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final PurchaseView purchases;
  private final Clock clock;
  private final long maxWaitMs;
  private final Executor responses;

  PurchaseRoutes(Identity identity, RateLimits rateLimits, JsonBodies bodies, TopicWriter writer, Topics topics,
                 SaleView sales, PurchaseView purchases, Clock clock, long maxWaitMs, Executor responses) {
    this.identity = identity;
    this.rateLimits = rateLimits;
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.purchases = purchases;
    this.clock = clock;
    this.maxWaitMs = maxWaitMs;
    this.responses = responses;
  }

  void submit(Context ctx) {
    Buyer buyer = identity.buyer(ctx.header(Header.AUTHORIZATION));
    rateLimits.take(buyer.userId());
    int quantity = quantity(bodies.read(ctx, PurchaseOrder.class));
    String idempotencyKey = RequestIds.idempotencyKey(ctx.header(IDEMPOTENCY_KEY));
    Sale sale = sales.sale(ctx.pathParam("saleId"))
        .orElseThrow(() -> new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + ctx.pathParam("saleId")));
    String requestId = RequestIds.requestId(sale.getSaleId(), buyer.userId(), idempotencyKey);
    // A retry of a click already in the log gets its id back even if the sale has closed since.
    if (idempotencyKey != null && purchases.purchase(requestId).isPresent()) {
      ctx.status(HttpStatus.ACCEPTED).json(submitted(requestId));
      return;
    }
    Instant now = clock.instant();
    rejectDecided(sale, quantity, now);
    PurchaseRequest request = PurchaseRequest.newBuilder()
        .setRequestId(requestId).setSaleId(sale.getSaleId()).setSku(sale.getSku())
        .setUserId(buyer.userId()).setDeviceId(buyer.deviceId()).setQuantity(quantity)
        .setIdempotencyKey(idempotencyKey).setRequestedAt(now)
        .build();
    ctx.future(() -> writer.write(topics.purchaseRequests, sale.getSku(), request).thenAccept(written -> {
      purchases.submitted(request, written.partition(), written.offset());
      ctx.status(HttpStatus.ACCEPTED).json(submitted(requestId));
    }));
  }

  void show(Context ctx) {
    Buyer buyer = identity.buyer(ctx.header(Header.AUTHORIZATION));
    rateLimits.take(buyer.userId());
    Duration wait = Duration.ofMillis(waitMs(ctx.queryParam("waitMs")));
    String requestId = ctx.pathParam("requestId");
    // Someone else's request is indistinguishable from none: ids are not to be probed.
    Purchase purchase = purchases.purchase(requestId).filter(p -> p.userId().equals(buyer.userId()))
        .orElseThrow(() -> new Problem(ErrorCode.PURCHASE_NOT_FOUND, "No purchase " + requestId));
    if (!purchase.pending() || wait.isZero()) {
      ctx.json(body(purchase));
      return;
    }
    ctx.future(() -> purchases.awaitDecision(requestId, wait)
        .thenAcceptAsync(latest -> ctx.json(body(latest != null ? latest : purchase)), responses));
  }

  /** Rejects at the edge what the topology would reject anyway, so that it never reaches the queue. */
  private void rejectDecided(Sale sale, int quantity, Instant now) {
    if (now.isBefore(sale.getStartsAt())) {
      throw new Problem(ErrorCode.SALE_NOT_STARTED, "Sale " + sale.getSaleId() + " starts at " + sale.getStartsAt());
    }
    if (!now.isBefore(sale.getEndsAt())) {
      throw new Problem(ErrorCode.SALE_ENDED, "Sale " + sale.getSaleId() + " ended at " + sale.getEndsAt());
    }
    if (quantity > sale.getPerUserLimit()) {
      throw new Problem(ErrorCode.VALIDATION, "quantity must be at most " + sale.getPerUserLimit());
    }
    // A lottery draws after the sale: its stock is never "taken" while clicks still count.
    if (sale.getAllocation() == Allocation.FCFS && sales.available(sale) == 0) {
      throw new Problem(ErrorCode.SOLD_OUT, "Sale " + sale.getSaleId() + " is sold out");
    }
  }

  private static int quantity(PurchaseOrder order) {
    if (order.quantity() == null || order.quantity() < 1) {
      throw new Problem(ErrorCode.VALIDATION, "quantity must be at least 1");
    }
    return order.quantity();
  }

  private long waitMs(String value) {
    if (value == null) {
      return 0;
    }
    try {
      long waitMs = Long.parseLong(value);
      if (waitMs >= 0 && waitMs <= maxWaitMs) {
        return waitMs;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new Problem(ErrorCode.VALIDATION, "waitMs must be an integer 0.." + maxWaitMs);
  }

  private static Submitted submitted(String requestId) {
    return new Submitted(requestId, "PENDING", "/api/purchases/" + requestId);
  }

  private PurchaseBody body(Purchase purchase) {
    return new PurchaseBody(purchase.requestId(), purchase.saleId(), purchase.quantity(), purchase.status(),
        purchase.reason() == null ? null : purchase.reason().name(), purchase.holdExpiresAt(),
        purchases.queuePosition(purchase));
  }
}
