package io.flashsale.api;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Creating sales (admin), showing them (anyone) and their counters (admin). */
final class SaleRoutes {

  /** A sale as clients see it. */
  record SaleBody(String saleId, String sku, String name, int stock, int remaining, int perUserLimit,
                  long priceCents, String currency, Instant startsAt, Instant endsAt, int holdSeconds,
                  String allocation, SaleStatus status, Instant serverTime) {}

  /** The topology's counters of a sale, and the requests still waiting for a decision. */
  record SaleMetrics(String saleId, int stock, int available, int reserved, int confirmed, long requests,
                     long accepted, Map<String, Long> rejected, long expired, long cancelled, long pending) {}

  private final Identity identity;
  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final PurchaseView purchases;
  private final Clock clock;
  /** Sale ids being written by this instance: a concurrent second creation of the same id is a conflict too. */
  private final Set<String> creating = ConcurrentHashMap.newKeySet();

  SaleRoutes(Identity identity, JsonBodies bodies, TopicWriter writer, Topics topics, SaleView sales,
             PurchaseView purchases, Clock clock) {
    this.identity = identity;
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.purchases = purchases;
    this.clock = clock;
  }

  void create(Context ctx) {
    identity.admin(ctx.header(Header.AUTHORIZATION));
    Sale sale = bodies.read(ctx, SaleDefinition.class).toSale(clock.instant());
    String saleId = sale.getSaleId();
    if (sales.sale(saleId).isPresent() || !creating.add(saleId)) {
      throw new Problem(ErrorCode.SALE_EXISTS, "Sale " + saleId + " already exists");
    }
    ctx.future(() -> writer.write(topics.sales, sale.getSku(), sale)
        .whenComplete((written, error) -> creating.remove(saleId))
        .thenAccept(written -> {
          sales.published(sale);
          ctx.status(HttpStatus.CREATED).header(Header.LOCATION, "/api/sales/" + saleId).json(body(sale));
        }));
  }

  void show(Context ctx) {
    ctx.json(body(sale(ctx.pathParam("saleId"))));
  }

  void metrics(Context ctx) {
    identity.admin(ctx.header(Header.AUTHORIZATION));
    Sale sale = sale(ctx.pathParam("saleId"));
    long pending = purchases.pendingCount(sale.getSaleId());
    StockLevel level = sales.stockLevel(sale.getSaleId()).orElse(null);
    ctx.json(level == null
        ? new SaleMetrics(sale.getSaleId(), sale.getStock(), sale.getStock(), 0, 0, 0, 0, Map.of(), 0, 0, pending)
        : new SaleMetrics(sale.getSaleId(), level.getStock(), level.getAvailable(), level.getReserved(),
            level.getConfirmed(), level.getRequests(), level.getAccepted(), level.getRejected(), level.getExpired(),
            level.getCancelled(), pending));
  }

  private Sale sale(String saleId) {
    return sales.sale(saleId).orElseThrow(() -> new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + saleId));
  }

  private SaleBody body(Sale sale) {
    Instant now = clock.instant();
    int remaining = sales.available(sale);
    return new SaleBody(sale.getSaleId(), sale.getSku(), sale.getName(), sale.getStock(), remaining,
        sale.getPerUserLimit(), sale.getPriceCents(), sale.getCurrency(), sale.getStartsAt(), sale.getEndsAt(),
        sale.getHoldSeconds(), sale.getAllocation().name(), SaleStatus.of(sale, remaining, now), now);
  }
}
