package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
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
    assertThat(PurchaseDecision.draw(lottery, 0, 0, request("r", lottery, "u", 1)).reason())
        .isEqualTo(RejectReason.LOTTERY_LOST);
    assertThat(PurchaseDecision.draw(lottery, 1, 0, request("r", lottery, "u", 1)).accepted()).isTrue();
  }

  @Test
  void aDeviceOverItsLimitIsRejectedAfterTheUserLimitAndARequestWithoutDeviceIsNot() {
    Sale limited = Sale.newBuilder(fcfsSale("d1", "SKU-1", 10, 2)).setPerDeviceLimit(3).build();
    var fromPhone = io.flashsale.schemas.PurchaseRequest.newBuilder(request("r", limited, "u", 2)).setDeviceId("phone")
        .build();
    var withoutDevice = request("r", limited, "u", 2);

    assertThat(PurchaseDecision.decideFromAvailable(limited, 10, 0, 1, fromPhone, NOW).accepted()).isTrue();
    assertThat(PurchaseDecision.decideFromAvailable(limited, 10, 0, 2, fromPhone, NOW).reason())
        .isEqualTo(RejectReason.DEVICE_LIMIT_EXCEEDED);
    assertThat(PurchaseDecision.decideFromAvailable(limited, 10, 1, 2, fromPhone, NOW).reason())
        .as("the user's own limit is checked first").isEqualTo(RejectReason.LIMIT_EXCEEDED);
    assertThat(PurchaseDecision.decideFromAvailable(limited, 10, 0, 99, withoutDevice, NOW).accepted()).isTrue();
    assertThat(PurchaseDecision.decideFromAvailable(fcfsSale("d2", "SKU-1", 10, 2), 10, 0, 99, fromPhone, NOW)
        .accepted()).as("a sale without a device limit").isTrue();
    assertThat(PurchaseDecision.draw(limited, 10, 2, fromPhone).reason()).isEqualTo(RejectReason.DEVICE_LIMIT_EXCEEDED);
    assertThat(PurchaseDecision.ACCEPTED.toOutcome(fromPhone, limited, NOW, 0, 0, 0).getDeviceId()).isEqualTo("phone");
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
  void theSeedHashAndTheScoresAreTheDocumentedDigests() throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    String seed = "ab".repeat(32);

    assertThat(LotteryRules.seedHash(seed)).isEqualTo(HexFormat.of().formatHex(sha256.digest(seed.getBytes(UTF_8))));
    assertThat(LotteryRules.score(seed, "alice"))
        .isEqualTo(HexFormat.of().formatHex(sha256.digest((seed + ":alice").getBytes(UTF_8))))
        .hasSize(64).isNotEqualTo(LotteryRules.score(seed, "bob"));
  }

  @Test
  void theDrawOrderIsByScoreAndDoesNotDependOnTheOrderOfTheLog() {
    Sale lottery = sale("l1", "SKU-1", 5, 1, Allocation.LOTTERY);
    List<LotteryRules.LoggedRequest> log = IntStream.range(0, 30)
        .mapToObj(i -> new LotteryRules.LoggedRequest(request("r" + i, lottery, "u" + i, 1), 0, i / 3, i % 3, NOW))
        .toList();
    List<LotteryRules.LoggedRequest> reversed = new ArrayList<>(log);
    Collections.reverse(reversed);
    String seed = "cd".repeat(32);

    LotteryRules.Recomputed draw = LotteryRules.recompute(lottery, seed, log, 0, 9, 2);

    assertThat(draw.tickets()).extracting(LotteryRules.Ticket::score).isSorted().hasSize(30);
    assertThat(draw.winningRequestIds()).hasSize(5);
    assertThat(LotteryRules.recompute(lottery, seed, reversed, 0, 9, 2)).isEqualTo(draw);
    assertThat(LotteryRules.recompute(lottery, "ef".repeat(32), log, 0, 9, 2).winningRequestIds())
        .as("another seed, another draw").isNotEqualTo(draw.winningRequestIds());
    assertThat(LotteryRules.recompute(lottery, seed, log, 0, 8, 2).tickets())
        .as("requests after the last entry are not in the draw").hasSize(27);
  }
}
