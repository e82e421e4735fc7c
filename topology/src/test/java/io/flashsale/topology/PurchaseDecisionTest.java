package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PurchaseDecisionTest {
  private final Sale sale = fcfsSale("s1", "SKU-1", 3, 2);
  private final StockLevel opening = PurchaseDecision.openingStock(sale, NOW);

  @Test
  void checksTheWindowBeforeTheLimitAndTheLimitBeforeTheStock() {
    StockLevel soldOut = StockLevel.newBuilder(opening).setAvailable(0).setReserved(3).build();
    var tooManyTooLate = request("r", "s1", "SKU-1", "u", 5, sale.getEndsAt());

    assertThat(PurchaseDecision.decide(sale, soldOut, 2, tooManyTooLate, sale.getEndsAt()).reason())
        .isEqualTo(RejectReason.SALE_NOT_LIVE);
    assertThat(PurchaseDecision.decide(sale, soldOut, 2, request("r", sale, "u", 1), NOW).reason())
        .isEqualTo(RejectReason.LIMIT_EXCEEDED);
    assertThat(PurchaseDecision.decide(sale, soldOut, 0, request("r", sale, "u", 1), NOW).reason())
        .isEqualTo(RejectReason.SOLD_OUT);
    assertThat(PurchaseDecision.decide(sale, opening, 1, request("r", sale, "u", 1), NOW).accepted()).isTrue();
    assertThat(PurchaseDecision.decide(null, null, 0, request("r", sale, "u", 1), NOW).reason())
        .isEqualTo(RejectReason.SALE_NOT_LIVE);
  }

  @Test
  void aLotterySaleTakesEntriesWithoutLookingAtStock() {
    Sale lottery = sale("l1", "SKU-1", 1, 1, Allocation.LOTTERY);
    StockLevel empty = StockLevel.newBuilder(PurchaseDecision.openingStock(lottery, NOW)).setAvailable(0)
        .setReserved(1).build();

    assertThat(PurchaseDecision.decide(lottery, empty, 0, request("r", lottery, "u", 1), NOW).verdict())
        .isEqualTo(PurchaseDecision.Verdict.ENTER_LOTTERY);
    assertThat(PurchaseDecision.decide(lottery, empty, 0, request("r", lottery, "u", 2), NOW).reason())
        .isEqualTo(RejectReason.LIMIT_EXCEEDED);
    assertThat(PurchaseDecision.draw(lottery, empty, 0, request("r", lottery, "u", 1)).reason())
        .isEqualTo(RejectReason.LOTTERY_LOST);
  }

  @Test
  void applyingADecisionMovesStockAndCounts() {
    StockLevel afterAccept = PurchaseDecision.ACCEPTED.applyTo(opening, 2, NOW.plusSeconds(1));
    StockLevel afterReject = PurchaseDecision.rejected(RejectReason.SOLD_OUT).applyTo(afterAccept, 2, NOW);

    assertThat(afterAccept.getAvailable()).isEqualTo(1);
    assertThat(afterAccept.getReserved()).isEqualTo(2);
    assertThat(afterAccept.getAccepted()).isEqualTo(1);
    assertThat(afterAccept.getUpdatedAt()).isEqualTo(NOW.plusSeconds(1));
    assertThat(afterReject.getAvailable()).isEqualTo(1);
    assertThat(afterReject.getRequests()).isEqualTo(2);
    assertThat(afterReject.getRejected()).containsExactlyEntriesOf(java.util.Map.of("SOLD_OUT", 1L));
    assertThat(opening.getAvailable()).as("the input is not changed").isEqualTo(3);
  }

  @Test
  void theDrawSeedIsTheDocumentedDigestOfTheSaleId() throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest("bf-2026".getBytes(StandardCharsets.UTF_8));

    assertThat(LotteryDraw.seed("bf-2026")).isEqualTo(ByteBuffer.wrap(digest).getLong());
  }

  @Test
  void theDrawOrderDependsOnTheLogNotOnTheOrderEntriesAreFound() {
    List<LotteryEntry> entries = IntStream.range(0, 30)
        .mapToObj(i -> new LotteryEntry(request("r" + i, sale, "u" + i, 1), 0, i / 3, i % 3)).toList();
    List<LotteryEntry> reversed = new ArrayList<>(entries);
    Collections.reverse(reversed);

    assertThat(LotteryDraw.drawOrder("s1", reversed)).isEqualTo(LotteryDraw.drawOrder("s1", entries))
        .isNotEqualTo(entries);
  }
}
