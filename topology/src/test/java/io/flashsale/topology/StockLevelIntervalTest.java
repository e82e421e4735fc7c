package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stock levels of purchase decisions sent once per interval: the latest level of each changed sale, nothing else. */
class StockLevelIntervalTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver(INTERVAL);

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void decisionsWithinAnIntervalSendTheSalesLatestLevelOnce() {
    Sale hot = fcfsSale("sale-hot", "SKU-HOT", 3, 1);
    Sale quiet = fcfsSale("sale-quiet", "SKU-QUIET", 3, 1);
    flashsale.define(hot);
    flashsale.define(quiet);
    assertThat(flashsale.readStockLevels()).as("a new sale's stock is sent at once").hasSize(2);

    IntStream.range(0, 5).forEach(i -> flashsale.purchase(request("r-" + i, hot, "buyer-" + i, 1)));
    assertThat(flashsale.readOutcomes()).as("outcomes are not held back").hasSize(5);
    assertThat(flashsale.readStockLevels()).as("levels wait for the interval").isEmpty();

    flashsale.advanceWallClock(INTERVAL);
    StockLevel sent = single(flashsale.readStockLevels());
    assertThat(sent).isEqualTo(flashsale.<StockLevel>store(SaleTopology.STOCK_STORE, hot.getSaleId()));
    assertThat(sent.getRequests()).isEqualTo(5);
    assertThat(sent.getAvailable()).isZero();
    assertThat(sent.getRejected()).containsEntry("SOLD_OUT", 2L);

    flashsale.advanceWallClock(INTERVAL);
    assertThat(flashsale.readStockLevels()).as("nothing changed, nothing sent").isEmpty();
  }

  @Test
  void eachChangedSaleIsSentInTheSameInterval() {
    List<Sale> sales = IntStream.range(0, 3).mapToObj(i -> fcfsSale("sale-" + i, "SKU-" + i, 10, 1)).toList();
    sales.forEach(flashsale::define);
    flashsale.readStockLevels();
    sales.forEach(sale -> flashsale.purchase(request("r-" + sale.getSaleId(), sale, "buyer", 1)));

    flashsale.advanceWallClock(INTERVAL);

    assertThat(flashsale.readStockLevels()).extracting(StockLevel::getSaleId, StockLevel::getAvailable)
        .containsExactlyInAnyOrder(tuple("sale-0", 9), tuple("sale-1", 9), tuple("sale-2", 9));
  }
}
