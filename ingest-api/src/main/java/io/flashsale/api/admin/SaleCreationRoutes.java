package io.flashsale.api.admin;

import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.sale.SaleBody;
import io.flashsale.api.sale.SaleClaims;
import io.flashsale.api.sale.SaleDefinition;
import io.flashsale.api.sale.SaleView;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code POST /api/admin/sales}: a sale created once across all instances, a lottery's seed first, audited. */
public final class SaleCreationRoutes {
  private static final SecureRandom SEEDS = new SecureRandom();

  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final Clock clock;
  private final SaleClaims claims;
  private final AdminAudit audit;

  public SaleCreationRoutes(JsonBodies bodies, TopicWriter writer, Topics topics, SaleView sales, Clock clock,
                            AdminAudit audit) {
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.clock = clock;
    this.claims = new SaleClaims(writer, topics, sales, clock);
    this.audit = audit;
  }

  /**
   * Creates a sale once, across all instances ({@link SaleClaims}): 201 for the id's first claim, 409 SALE_EXISTS
   * for every other.
   */
  public void create(Context ctx) {
    Sale defined = bodies.read(ctx, SaleDefinition.class).toSale(clock.instant());
    String saleId = defined.getSaleId();
    claims.refuseTaken(saleId);
    DrawSeed seed = defined.getAllocation() == Allocation.LOTTERY || defined.getLastDraw() ? newSeed(saleId) : null;
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
          ctx.status(HttpStatus.CREATED).header(Header.LOCATION, "/api/sales/" + saleId)
              .json(SaleBody.of(sale, sales, clock.instant()));
        })));
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
}
