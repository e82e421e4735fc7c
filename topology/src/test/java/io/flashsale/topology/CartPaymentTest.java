package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.topology.SaleTopologyDriver.OrderLine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cart across sales paid at once: the order's payment comes as one event per item, each in its own sale's task
 * (the test driver runs them all in one task, as two items whose SKUs share a partition are in production), and
 * each item has its own fate: confirmed, confirmed late, or owed back alone.
 */
class CartPaymentTest {
  private SaleTopologyDriver flashsale;
  private Sale shoes;
  private Sale hats;
  /** Holds end after a minute here, before the other sales' five. */
  private Sale socks;

  @BeforeEach
  void setUp() {
    flashsale = new SaleTopologyDriver();
    shoes = fcfsSale("shoes", "SKU-SHOES", 3, 2);
    hats = fcfsSale("hats", "SKU-HATS", 3, 2);
    socks = Sale.newBuilder(fcfsSale("socks", "SKU-SOCKS", 1, 1)).setHoldSeconds(60).setPriceCents(700).build();
    List.of(shoes, hats, socks).forEach(flashsale::define);
    flashsale.purchase(request("r-shoes", shoes, "alice", 2));
    flashsale.purchase(request("r-hats", hats, "alice", 1));
    flashsale.purchase(request("r-socks", socks, "alice", 1));
    assertThat(statuses(flashsale.readOutcomes()))
        .containsOnly(Map.entry("r-shoes", OutcomeStatus.ACCEPTED), Map.entry("r-hats", OutcomeStatus.ACCEPTED),
            Map.entry("r-socks", OutcomeStatus.ACCEPTED));
    flashsale.readStockLevels();
  }

  @AfterEach
  void tearDown() {
    flashsale.close();
  }

  private OrderLine[] cart() {
    return new OrderLine[] {new OrderLine("r-shoes", shoes, 2), new OrderLine("r-hats", hats, 1),
        new OrderLine("r-socks", socks, 1)};
  }

  @Test
  void aCartOfThreeSalesPaidConfirmsEachHoldInItsOwnSale() {
    flashsale.payOrder("order-1", "pay-1", "evt-1", cart());

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    assertThat(statuses(outcomes)).containsOnly(Map.entry("r-shoes", OutcomeStatus.CONFIRMED),
        Map.entry("r-hats", OutcomeStatus.CONFIRMED), Map.entry("r-socks", OutcomeStatus.CONFIRMED));
    assertThat(outcomes).allSatisfy(o -> assertThat(o.getPaymentId()).isEqualTo("pay-1"));
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId, PurchaseOutcome::getAmountCents)
        .as("each item carries its own amount, not the order's")
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("r-shoes", 2 * shoes.getPriceCents()),
            org.assertj.core.groups.Tuple.tuple("r-hats", hats.getPriceCents()),
            org.assertj.core.groups.Tuple.tuple("r-socks", 700L));
    Map<String, StockLevel> levels = latestLevels();
    assertThat(levels.get("shoes").getConfirmed()).isEqualTo(2);
    assertThat(levels.get("hats").getConfirmed()).isEqualTo(1);
    assertThat(levels.get("socks").getConfirmed()).isEqualTo(1);
    assertThat(levels.values()).allSatisfy(level -> {
      assertThat(level.getReserved()).isZero();
      assertThat(level.getAvailable() + level.getReserved() + level.getConfirmed()).isEqualTo(level.getStock());
    });
  }

  @Test
  void aHoldThatEndedFirstIsConfirmedLateWhileItsStockIsThere() {
    flashsale.advanceWallClock(Duration.ofSeconds(61)); // the socks' hold runs out; the others still hold
    assertThat(statuses(flashsale.readOutcomes())).containsOnly(Map.entry("r-socks", OutcomeStatus.EXPIRED));

    flashsale.payOrder("order-1", "pay-1", "evt-1", cart());

    assertThat(statuses(flashsale.readOutcomes())).containsOnly(Map.entry("r-shoes", OutcomeStatus.CONFIRMED),
        Map.entry("r-hats", OutcomeStatus.CONFIRMED), Map.entry("r-socks", OutcomeStatus.CONFIRMED));
    StockLevel socksLevel = latestLevels().get("socks");
    assertThat(socksLevel.getConfirmed()).isEqualTo(1);
    assertThat(socksLevel.getAvailable()).isZero();
    assertThat(socksLevel.getRefundsDue()).isZero();
  }

  @Test
  void aHoldThatEndedFirstAndWhoseStockIsGoneIsRefundedAlone() {
    flashsale.advanceWallClock(Duration.ofSeconds(61));
    flashsale.purchase(request("r-bob", socks, "bob", 1)); // the one unit of socks goes to bob
    assertThat(statuses(flashsale.readOutcomes()))
        .containsOnly(Map.entry("r-socks", OutcomeStatus.EXPIRED), Map.entry("r-bob", OutcomeStatus.ACCEPTED));

    flashsale.payOrder("order-1", "pay-1", "evt-1", cart());

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    assertThat(statuses(outcomes)).containsOnly(Map.entry("r-shoes", OutcomeStatus.CONFIRMED),
        Map.entry("r-hats", OutcomeStatus.CONFIRMED), Map.entry("r-socks", OutcomeStatus.REFUND_DUE));
    PurchaseOutcome refund = outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.REFUND_DUE).findFirst()
        .orElseThrow();
    assertThat(refund.getAmountCents()).as("only the item is owed back").isEqualTo(700L);
    assertThat(refund.getPaymentId()).isEqualTo("pay-1");
    Map<String, StockLevel> levels = latestLevels();
    assertThat(levels.get("socks").getRefundsDue()).isEqualTo(1);
    assertThat(levels.get("socks").getReserved()).as("bob's hold is untouched").isEqualTo(1);
    assertThat(levels.get("shoes").getRefundsDue()).isZero();
  }

  @Test
  void theSamePaymentToldAgainChangesNothing() {
    flashsale.payOrder("order-1", "pay-1", "evt-1", cart());
    flashsale.readOutcomes();
    flashsale.readStockLevels();

    // The same webhook again, and another event of the same payment (Stripe tells of one payment twice).
    flashsale.payOrder("order-1", "pay-1", "evt-1", cart());
    flashsale.payOrder("order-1", "pay-1", "evt-2", cart());

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(flashsale.readStockLevels()).isEmpty();
  }

  @Test
  void aSecondOrderPayingTheSameHoldsIsOwedBackItemByItem() {
    flashsale.payOrder("order-1", "pay-1", "evt-1", cart());
    flashsale.readOutcomes();

    flashsale.payOrder("order-2", "pay-2", "evt-9", cart());

    List<PurchaseOutcome> second = flashsale.readOutcomes();
    assertThat(statuses(second)).containsOnly(Map.entry("r-shoes", OutcomeStatus.REFUND_DUE),
        Map.entry("r-hats", OutcomeStatus.REFUND_DUE), Map.entry("r-socks", OutcomeStatus.REFUND_DUE));
    assertThat(second).allSatisfy(o -> assertThat(o.getPaymentId()).isEqualTo("pay-2"));
    Map<String, StockLevel> levels = latestLevels();
    assertThat(levels.get("shoes").getConfirmed()).as("sold once").isEqualTo(2);
    assertThat(levels.get("socks").getConfirmed()).isEqualTo(1);
  }

  private Map<String, StockLevel> latestLevels() {
    return flashsale.readStockLevels().stream()
        .collect(Collectors.toMap(StockLevel::getSaleId, Function.identity(), (a, b) -> b));
  }

  private static Map<String, OutcomeStatus> statuses(List<PurchaseOutcome> outcomes) {
    return outcomes.stream().collect(Collectors.toMap(PurchaseOutcome::getRequestId, PurchaseOutcome::getStatus,
        (a, b) -> b));
  }
}
