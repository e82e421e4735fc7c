package io.flashsale.api.purchase;

import io.flashsale.api.access.Access;
import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ClosedSaleAnswers;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.FlowIds;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.LongPoll;
import io.flashsale.api.http.Problem;
import io.flashsale.api.http.RequestIds;
import io.flashsale.api.log.PurchaseBatcher;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.orderurl.OrderUrls;
import io.flashsale.api.sale.SaleView;
import io.flashsale.api.waitingroom.PassCheck;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Taking a buyer's click into the queue, telling the buyer what became of it, and giving back a hold. */
public final class PurchaseRoutes {
  private static final Logger log = LoggerFactory.getLogger(PurchaseRoutes.class);
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** The body of a purchase. */
  record PurchaseOrder(Integer quantity) {}

  /** A purchase as its buyer sees it; {@code refund} is "DUE" when money is to be given back. */
  record PurchaseBody(String requestId, String saleId, int quantity, String status, String reason,
                      Instant holdExpiresAt, Long queuePosition, String orderId, String refund, String flowId) {}

  /** The answer to a cancellation: the hold ends once the topology has read it. */
  record Cancelling(String requestId, String pollUrl) {}

  private final Access access;
  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final PurchaseBatcher batcher;
  private final ClosedSaleAnswers answers;
  private final Topics topics;
  private final SaleView sales;
  private final PassCheck passes;
  private final OrderUrls orderUrls;
  private final PurchaseView purchases;
  private final OwnPurchases own;
  private final Clock clock;
  private final long maxWaitMs;
  private final Executor responses;

  public PurchaseRoutes(Access access, JsonBodies bodies, TopicWriter writer, PurchaseBatcher batcher, Topics topics,
                 SaleView sales, PassCheck passes, OrderUrls orderUrls, PurchaseView purchases, Clock clock,
                 long maxWaitMs, Executor responses) {
    this.access = access;
    this.passes = passes;
    this.orderUrls = orderUrls;
    this.bodies = bodies;
    this.writer = writer;
    this.batcher = batcher;
    this.answers = new ClosedSaleAnswers(bodies.mapper(), sales::closesAt);
    this.topics = topics;
    this.sales = sales;
    this.purchases = purchases;
    this.own = new OwnPurchases(purchases);
    this.clock = clock;
    this.maxWaitMs = maxWaitMs;
    this.responses = responses;
  }

  /**
   * Takes a click. The cheapest check comes first: a sale that is not started, ended or sold out, all of which
   * the public sale view shows anyway, is answered from a pre-rendered body before the token, the body, the
   * rate limit or an id are touched, so a sold-out rush costs the edge almost nothing. Only a retry with an
   * Idempotency-Key is looked at first, because its click may already be in the log and then gets its id back.
   */
  public void submit(Context ctx) {
    String saleId = ctx.pathParam("saleId");
    Sale sale = sales.sale(saleId).orElseThrow(() -> new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + saleId));
    orderUrls.require(ctx, sale); // a hidden sale is unknown but at its hidden path, even to a retry
    String flowId = FlowIds.of(ctx);
    String keyHeader = ctx.header(IDEMPOTENCY_KEY);
    // A last draw's winner buys after the sell-out or the end: its token must be read before any answer.
    if (keyHeader == null && !sale.getLastDraw()) {
      ErrorCode closed = closedAt(sale, clock.instant());
      if (closed != null) {
        answers.write(ctx, closed, sale, ctx.path());
        return;
      }
    }
    Buyer buyer = access.purchaseOf(ctx, sale.getSaleId());
    Access.requireDevice(sale, buyer);
    passes.require(ctx, sale, buyer); // the hidden order URL: no order without admission
    int quantity = quantity(bodies.read(ctx, PurchaseOrder.class));
    String idempotencyKey = RequestIds.idempotencyKey(keyHeader);
    String requestId = RequestIds.requestId(sale.getSaleId(), buyer.userId(), idempotencyKey);
    // A retry of a click already in the log gets its id back even if the sale has closed since.
    Purchase logged = idempotencyKey == null ? null : purchases.purchase(requestId).orElse(null);
    if (logged != null) {
      accepted(ctx, requestId, logged.flowId() != null ? logged.flowId() : flowId); // the flow its click went in
      return;
    }
    Instant now = clock.instant();
    rejectDecided(sale, buyer, quantity, now);
    // A sharded sale's buyer always goes to the same shard, which holds the buyer's per-user limit.
    int shard = Shards.isSharded(sale) ? Shards.shardOf(buyer.userId(), sale.getShards()) : -1;
    PurchaseRequest request = PurchaseRequest.newBuilder().setRequestId(requestId)
        .setSaleId(shard < 0 ? sale.getSaleId() : Shards.saleId(sale.getSaleId(), shard))
        .setSku(shard < 0 ? sale.getSku() : Shards.sku(sale.getSku(), shard))
        .setUserId(buyer.userId()).setDeviceId(buyer.deviceId()).setQuantity(quantity)
        .setIdempotencyKey(idempotencyKey).setRequestedAt(now).setFlowId(flowId)
        .build();
    ctx.future(() -> batcher.submit(request).thenAccept(placed -> {
      purchases.submitted(request);
      accepted(ctx, requestId, flowId);
    }));
  }

  /**
   * 202 with where to poll; written by hand, as a request id is a UUID and needs no escaping. A flow id is
   * printable ASCII (FlowIds), of which only the quote and the backslash need it in JSON.
   */
  private static void accepted(Context ctx, String requestId, String flowId) {
    String flow = flowId.replace("\\", "\\\\").replace("\"", "\\\"");
    ctx.status(HttpStatus.ACCEPTED).contentType(ContentType.APPLICATION_JSON).result("{\"requestId\":\"" + requestId
        + "\",\"status\":\"PENDING\",\"pollUrl\":\"" + pollUrl(requestId) + "\",\"flowId\":\"" + flow + "\"}");
  }

  public void show(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    Duration wait = Duration.ofMillis(LongPoll.waitMs(ctx.queryParam("waitMs"), maxWaitMs));
    String requestId = ctx.pathParam("requestId");
    Purchase purchase = own.of(requestId, buyer);
    if (!purchase.pending() || wait.isZero()) {
      ctx.json(body(purchase));
      return;
    }
    ctx.future(() -> purchases.awaitDecision(requestId, wait)
        .thenAcceptAsync(latest -> ctx.json(body(latest != null ? latest : purchase)), responses));
  }

  /** The buyer gives the hold back; the topology ends it as CANCELLED and returns the stock. */
  public void cancel(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    Purchase purchase = own.held(ctx.pathParam("requestId"), buyer);
    HoldCancellation cancellation = HoldCancellation.newBuilder()
        .setRequestId(purchase.requestId()).setSaleId(purchase.saleId()).setSku(purchase.sku())
        .setUserId(buyer.userId()).setRequestedAt(clock.instant())
        .build();
    ctx.future(() -> writer.write(topics.holdCancellations, purchase.sku(), cancellation).thenAccept(written ->
        ctx.status(HttpStatus.ACCEPTED).json(new Cancelling(purchase.requestId(), pollUrl(purchase.requestId())))));
  }

  /** Rejects at the edge what the topology would reject anyway, so that it never reaches the queue. */
  private void rejectDecided(Sale sale, Buyer buyer, int quantity, Instant now) {
    ErrorCode closed = closedAt(sale, now);
    if (closed != null && !claimsLastDraw(sale, buyer, now)) {
      throw answers.problem(closed, sale);
    }
    if (quantity > sale.getPerUserLimit()) {
      throw new Problem(ErrorCode.VALIDATION, "quantity must be at most " + sale.getPerUserLimit());
    }
  }

  /**
   * True if a unit of the sale's last draw waits for this buyer now: the topology holds it for the buyer, so the
   * click goes through whatever the sale's status (it decides the claim by the broker's clock).
   */
  private boolean claimsLastDraw(Sale sale, Buyer buyer, Instant now) {
    return sale.getLastDraw() && sales.lastDrawClaim(sale.getSaleId(), buyer.userId())
        .filter(now::isBefore).isPresent();
  }

  /** Why the sale takes no clicks now, as anyone can see from the sale itself; null while it takes them. */
  private ErrorCode closedAt(Sale sale, Instant now) {
    return switch (sales.status(sale, now)) {
      case ENDED -> ErrorCode.SALE_ENDED;
      case SCHEDULED -> ErrorCode.SALE_NOT_STARTED;
      // A lottery draws after the sale: its stock is never "taken" while clicks still count.
      case SOLD_OUT -> sale.getAllocation() == Allocation.FCFS ? ErrorCode.SOLD_OUT : null;
      case LIVE -> null;
    };
  }

  private static int quantity(PurchaseOrder order) {
    if (order.quantity() == null || order.quantity() < 1) {
      throw new Problem(ErrorCode.VALIDATION, "quantity must be at least 1");
    }
    return order.quantity();
  }

  private static String pollUrl(String requestId) {
    return "/api/purchases/" + requestId;
  }

  private PurchaseBody body(Purchase purchase) {
    return new PurchaseBody(purchase.requestId(), Shards.parentSaleId(purchase.saleId()), purchase.quantity(),
        purchase.status(),
        purchase.reason() == null ? null : purchase.reason().name(), purchase.holdExpiresAt(),
        purchases.queuePosition(purchase), purchase.orderId(), purchase.refundDue() ? "DUE" : null,
        purchase.flowId());
  }
}
