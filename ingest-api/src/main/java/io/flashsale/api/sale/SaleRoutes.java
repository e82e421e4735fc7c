package io.flashsale.api.sale;

import io.flashsale.api.admin.AdminAudit;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.purchase.PurchaseView;
import io.flashsale.api.waitingroom.WaitingRooms;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Creating sales (admin), showing them (anyone) and their counters (admin). */
public final class SaleRoutes {
  /** A published draw, as {@code GET /api/sales/{saleId}/draw} answers it. */
  record DrawBody(String seed, String seedHash, long entries, long winners, String entriesDigest, String algorithm,
                  LastEntry lastEntry, Instant drawnAt) {}

  /** Where in purchase-requests the last request that became a ticket is. */
  record LastEntry(int partition, long offset, int index) {}

  /**
   * The topology's counters of a sale, and the requests still waiting for a decision. {@code ordersCount} counts
   * confirmed purchases, {@code conversionRate} is ordersCount / accepted; {@code queueLength} and {@code admitted}
   * are the waiting room's (0 without one), {@code proofOfWorkBits} the difficulty its joins need now (risen by itself
   * while joins come faster than its threshold), {@code deviceRejections} the requests refused DEVICE_LIMIT_EXCEEDED.
   * {@code decisionsPerSecond} holds the last minutes, oldest first, its last second being {@code serverTime}'s.
   */
  record SaleMetrics(String saleId, int stock, int available, int reserved, int confirmed, long requests,
                     long accepted, Map<String, Long> rejected, long expired, long cancelled, long pending,
                     long ordersCount, double conversionRate, long queueLength, long admitted,
                     long deviceRejections, Decisions decisionsPerSecond, Instant serverTime, int proofOfWorkBits) {}

  /** Decisions per second, accepted and rejected, one entry per second. */
  record Decisions(long[] accepted, long[] rejected) {}

  /** The reject reason of the device limit, as the stock level counts rejections by reason. */
  private static final String DEVICE_LIMIT_EXCEEDED = "DEVICE_LIMIT_EXCEEDED";

  private static final SecureRandom SEEDS = new SecureRandom();

  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final PurchaseView purchases;
  private final WaitingRooms waitingRooms;
  private final Clock clock;
  private final SaleClaims claims;
  private final AdminAudit audit;

  public SaleRoutes(JsonBodies bodies, TopicWriter writer, Topics topics, SaleView sales,
             PurchaseView purchases, WaitingRooms waitingRooms, Clock clock, AdminAudit audit) {
    this.audit = audit;
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.purchases = purchases;
    this.waitingRooms = waitingRooms;
    this.clock = clock;
    this.claims = new SaleClaims(writer, topics, sales, clock);
  }

  /**
   * Creates a sale once, across all instances ({@link SaleClaims}): 201 for the id's first claim, 409 SALE_EXISTS
   * for every other.
   */
  public void create(Context ctx) {
    Sale defined = bodies.read(ctx, SaleDefinition.class).toSale(clock.instant());
    String saleId = defined.getSaleId();
    claims.refuseTaken(saleId);
    DrawSeed seed = defined.getAllocation() == Allocation.LOTTERY ? newSeed(saleId) : null;
    Sale sale = seed == null ? defined
        : Sale.newBuilder(defined).setDrawSeedHash(sha256Hex(seed.getSeed())).build();
    // The seed goes first: any sale that reaches sales (its claimant's, or a repair of it) finds its seed in the log.
    CompletableFuture<?> seeded = seed == null ? CompletableFuture.completedFuture(null)
        : writer.write(topics.drawSeeds, sale.getSku(), seed);
    // The created sale's main fields go into its audit record (the whole body is there as its digest).
    Map<String, String> audited = AdminAudit.fields("sku", sale.getSku(), "name", sale.getName(),
        "stock", sale.getStock(), "priceCents", sale.getPriceCents(), "currency", sale.getCurrency(),
        "startsAt", sale.getStartsAt(), "endsAt", sale.getEndsAt(), "allocation", sale.getAllocation(),
        "admitPerSecond", sale.getWaitingRoom() == null ? null : sale.getWaitingRoom().getAdmitPerSecond());
    ctx.future(() -> audit.after(ctx, saleId, audited,
        seeded.thenCompose(written -> claims.create(sale))
        .thenAccept(written -> {
          sales.registered(sale);
          ctx.status(HttpStatus.CREATED).header(Header.LOCATION, "/api/sales/" + saleId).json(body(sale));
        })));
  }

  /** The published draw: 409 INVALID_STATE until the topology has drawn the sale, 404 for an unknown sale. */
  public void draw(Context ctx) {
    Sale sale = sale(ctx.pathParam("saleId"));
    DrawResult draw = sales.draw(sale.getSaleId()).orElseThrow(() -> new Problem(ErrorCode.INVALID_STATE,
        sale.getAllocation() == Allocation.LOTTERY ? "Sale " + sale.getSaleId() + " is not drawn yet"
            : "Sale " + sale.getSaleId() + " is no lottery"));
    ctx.json(new DrawBody(draw.getSeed(), draw.getSeedHash(), draw.getEntries(), draw.getWinners(),
        draw.getEntriesDigest(), draw.getAlgorithm(), new LastEntry(draw.getLastEntryPartition(),
            draw.getLastEntryOffset(), draw.getLastEntryIndex()), draw.getDrawnAt()));
  }

  /**
   * A lottery's secret seed: 32 random bytes in hex. It is written only to draw-seeds, which only the topology reads,
   * and the API never keeps it: the sale shows its hash, the draw reveals it.
   */
  private static DrawSeed newSeed(String saleId) {
    byte[] bytes = new byte[32];
    SEEDS.nextBytes(bytes);
    return new DrawSeed(saleId, HexFormat.of().formatHex(bytes));
  }

  /** Lowercase hex SHA-256 of the text's UTF-8 bytes. */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JVM has SHA-256", e);
    }
  }

  public void show(Context ctx) {
    ctx.json(body(sale(ctx.pathParam("saleId"))));
  }

  public void metrics(Context ctx) {
    Sale sale = sale(ctx.pathParam("saleId"));
    Instant now = clock.instant();
    long pending = purchases.pendingCount(sale.getSaleId());
    DecisionRate.Series rate = sales.decisionRate(sale.getSaleId(), now);
    Decisions decisions = new Decisions(rate.accepted(), rate.rejected());
    WaitingRooms.Counts room = waitingRooms.counts(sale, now);
    StockLevel level = sales.stockLevel(sale.getSaleId()).orElse(null);
    if (level == null) {
      ctx.json(new SaleMetrics(sale.getSaleId(), sale.getStock(), sale.getStock(), 0, 0, 0, 0, Map.of(), 0, 0,
          pending, 0, 0, room.waiting(), room.admitted(), 0, decisions, now, room.proofOfWorkBits()));
      return;
    }
    double conversion = level.getAccepted() == 0 ? 0 : (double) level.getOrders() / level.getAccepted();
    ctx.json(new SaleMetrics(sale.getSaleId(), level.getStock(), level.getAvailable(), level.getReserved(),
        level.getConfirmed(), level.getRequests(), level.getAccepted(), level.getRejected(), level.getExpired(),
        level.getCancelled(), pending, level.getOrders(), conversion, room.waiting(), room.admitted(),
        level.getRejected().getOrDefault(DEVICE_LIMIT_EXCEEDED, 0L), decisions, now, room.proofOfWorkBits()));
  }

  public Sale sale(String saleId) {
    return sales.known(saleId);
  }


  public SaleBody body(Sale sale) {
    return SaleBody.of(sale, sales, clock.instant());
  }



}
