package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.last;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An admin ends a sale now: decided by the sale's task at the broker's time of the end record. */
class SaleEndTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void requestsLoggedFromTheEndOnAreRejectedAndHoldsRunOn() {
    Sale sale = fcfsSale("s1", "SKU-1", 10, 1);
    flashsale.define(sale);
    flashsale.purchaseLoggedAt(NOW, request("before", sale, "u1", 1));
    Instant endedAt = NOW.plusSeconds(10);
    flashsale.end(sale, endedAt);
    flashsale.purchaseLoggedAt(endedAt.minusMillis(1), request("just-before", sale, "u2", 1));
    flashsale.purchaseLoggedAt(endedAt, request("at-end", sale, "u3", 1));
    flashsale.purchaseLoggedAt(endedAt.plusSeconds(5), request("after", sale, "u4", 1));

    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "before", "ACCEPTED", "just-before", "ACCEPTED", "at-end", "REJECTED/SALE_NOT_LIVE",
        "after", "REJECTED/SALE_NOT_LIVE"));
    StockLevel level = last(flashsale.readStockLevels());
    assertThat(level.getEndedAt()).isEqualTo(endedAt);
    assertThat(level.getReserved()).isEqualTo(2);

    // The holds taken before the end still expire (and give the stock back) as usual.
    flashsale.advanceWallClock(Duration.ofSeconds(SaleTopologyDriver.HOLD_SECONDS + 2));
    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getStatus)
        .containsOnly(OutcomeStatus.EXPIRED).hasSize(2);
    StockLevel afterExpiry = last(flashsale.readStockLevels());
    assertThat(afterExpiry.getAvailable()).isEqualTo(10);
    assertThat(afterExpiry.getEndedAt()).isEqualTo(endedAt);
  }

  @Test
  void aRepeatedOrLateEndOrAnUnknownSaleChangesNothing() {
    Sale sale = fcfsSale("s1", "SKU-1", 10, 1);
    flashsale.define(sale);
    flashsale.readStockLevels();
    Instant endedAt = NOW.plusSeconds(10);
    flashsale.end(sale, endedAt);
    assertThat(flashsale.readStockLevels()).extracting(StockLevel::getEndedAt).containsExactly(endedAt);

    flashsale.end(sale, endedAt.plusSeconds(5)); // a second end: the first stands
    flashsale.end(fcfsSale("nope", "SKU-1", 10, 1), endedAt);
    flashsale.end(fcfsSale("s1", "SKU-OTHER", 10, 1), endedAt); // wrong SKU: not this sale
    flashsale.end(sale, sale.getEndsAt().plusSeconds(1)); // after its own end
    assertThat(flashsale.readStockLevels()).isEmpty();
    assertThat(flashsale.<StockLevel>store(SaleTopology.STOCK_STORE, "s1").getEndedAt()).isEqualTo(endedAt);
  }

  @Test
  void anInvalidEndGoesToTheDeadLetterTopicAndEndsNothing() {
    Sale sale = fcfsSale("s1", "SKU-1", 10, 1);
    flashsale.define(sale);
    flashsale.readStockLevels();
    flashsale.saleEnds.pipeInput("SKU-OTHER", new SaleEnd("s1", "SKU-1", NOW), NOW); // keyed by another SKU
    flashsale.saleEnds.pipeInput("SKU-1", new SaleEnd("s1\u0000", "SKU-1", NOW), NOW); // a control character

    assertThat(flashsale.deadLetters.readRecordsToList()).hasSize(2);
    assertThat(flashsale.readStockLevels()).isEmpty();
    assertThat(flashsale.<StockLevel>store(SaleTopology.STOCK_STORE, "s1").getEndedAt()).isNull();
  }

  @Test
  void aLotteryEndedEarlyIsDrawnFromItsEnd() {
    Sale lottery = sale("lot", "SKU-L", 1, 1, Allocation.LOTTERY);
    flashsale.define(lottery);
    flashsale.purchaseLoggedAt(NOW, request("entry", lottery, "u1", 1));
    Instant endedAt = NOW.plusSeconds(1);
    flashsale.end(lottery, endedAt);
    assertThat(flashsale.<Long>store(SaleTopology.LOTTERY_DRAWS_DUE_STORE, "lot")).isEqualTo(endedAt.toEpochMilli());

    flashsale.advanceWallClockTo(endedAt.plus(SaleTopology.LOTTERY_DRAW_GRACE).plusSeconds(2));
    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyEntriesOf(Map.of("entry", "ACCEPTED"));
  }

  private static Map<String, String> statusByRequest(List<PurchaseOutcome> outcomes) {
    return outcomes.stream().collect(Collectors.toMap(PurchaseOutcome::getRequestId,
        o -> o.getStatus() + (o.getReason() == null ? "" : "/" + o.getReason())));
  }
}
