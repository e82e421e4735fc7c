package io.flashsale.api.sale;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;

/** A sale as anyone may see it, and its published draw. */
public final class SaleRoutes {
  /** A published draw, as {@code GET /api/sales/{saleId}/draw} answers it. */
  record DrawBody(String seed, String seedHash, long entries, long winners, String entriesDigest, String algorithm,
                  LastEntry lastEntry, Instant drawnAt) {}

  /** Where in purchase-requests the last request that became a ticket is. */
  record LastEntry(int partition, long offset, int index) {}

  private final SaleView sales;
  private final Clock clock;

  public SaleRoutes(SaleView sales, Clock clock) {
    this.sales = sales;
    this.clock = clock;
  }

  /** The published draw: 409 INVALID_STATE until the topology has drawn the sale, 404 for an unknown sale. */
  public void draw(Context ctx) {
    Sale sale = sale(ctx.pathParam("saleId"));
    DrawResult draw = sales.draw(sale.getSaleId()).orElseThrow(() -> new Problem(ErrorCode.INVALID_STATE,
        sale.getAllocation() == Allocation.LOTTERY ? "Sale " + sale.getSaleId() + " is not drawn yet"
            : sale.getLastDraw() ? "The last draw of sale " + sale.getSaleId() + " is not closed yet"
            : "Sale " + sale.getSaleId() + " is no lottery"));
    ctx.json(new DrawBody(draw.getSeed(), draw.getSeedHash(), draw.getEntries(), draw.getWinners(),
        draw.getEntriesDigest(), draw.getAlgorithm(), new LastEntry(draw.getLastEntryPartition(),
            draw.getLastEntryOffset(), draw.getLastEntryIndex()), draw.getDrawnAt()));
  }

  public void show(Context ctx) {
    ctx.json(body(sale(ctx.pathParam("saleId"))));
  }

  private Sale sale(String saleId) {
    return sales.known(saleId);
  }

  private SaleBody body(Sale sale) {
    return SaleBody.of(sale, sales, clock.instant());
  }
}
