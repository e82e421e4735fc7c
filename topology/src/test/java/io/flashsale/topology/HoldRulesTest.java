package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.payment;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.topology.PaymentDecision.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pure rules of holds: what a payment decides, what an ended hold gives back, how the expiry index sorts. */
class HoldRulesTest {
  private final Sale sale = fcfsSale("s1", "SKU-1", 4, 2);
  private final StockLevel opening = PurchaseDecision.openingStock(sale, NOW);
  private final PurchaseOutcome accepted =
      PurchaseDecision.ACCEPTED.toOutcome(request("r1", sale, "alice", 2), sale, NOW, 0, 7, 0);
  private final StockLevel held = PurchaseDecision.ACCEPTED.applyTo(opening, 2, NOW);
  private final PaymentEvent paid = payment("ev1", "pay1", "r1", sale, 2, PaymentEventType.SUCCEEDED);

  @Test
  void aSuccessOfTheRightAmountConfirmsALiveHold() {
    PaymentDecision decision = PaymentDecision.decide(paid, accepted, sale, held, 2);
    StockLevel after = decision.applyTo(held, 2, NOW.plusSeconds(9));
    PurchaseOutcome outcome = decision.toOutcome(paid, accepted, NOW.plusSeconds(9));

    assertThat(decision.verdict()).isEqualTo(Verdict.CONFIRM);
    assertThat(after.getReserved()).isZero();
    assertThat(after.getConfirmed()).isEqualTo(2);
    assertThat(after.getAvailable()).isEqualTo(2);
    assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
    assertThat(outcome.getRequestOffset()).as("the request's own fields are kept").isEqualTo(7);
    assertThat(outcome.getHoldExpiresAt()).isEqualTo(accepted.getHoldExpiresAt());
    assertThat(outcome.getDecidedAt()).isEqualTo(NOW.plusSeconds(9));
    assertThat(outcome.getPaymentId()).isEqualTo("pay1");
  }

  @Test
  void onlyASuccessChangesAnything() {
    for (PaymentEventType type : List.of(PaymentEventType.FAILED, PaymentEventType.REFUNDED, PaymentEventType.UNKNOWN)) {
      PaymentEvent event = PaymentEvent.newBuilder(paid).setType(type).build();
      PaymentDecision decision = PaymentDecision.decide(event, accepted, sale, held, 2);
      assertThat(decision.verdict()).isEqualTo(Verdict.NOTHING);
      assertThat(decision.applyTo(held, 2, NOW.plusSeconds(1))).isSameAs(held);
    }
  }

  @Test
  void anEndedHoldIsConfirmedLateOnlyIfStockAndTheLimitAllow() {
    PurchaseOutcome expired = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.EXPIRED).build();
    StockLevel twoLeft = StockLevel.newBuilder(opening).setAvailable(2).setReserved(2).build();
    StockLevel oneLeft = StockLevel.newBuilder(opening).setAvailable(1).setReserved(3).build();

    PaymentDecision late = PaymentDecision.decide(paid, expired, sale, twoLeft, 0);
    assertThat(late.verdict()).isEqualTo(Verdict.CONFIRM_LATE);
    StockLevel after = late.applyTo(twoLeft, 2, NOW);
    assertThat(after.getAvailable()).isZero();
    assertThat(after.getReserved()).isEqualTo(2);
    assertThat(after.getConfirmed()).isEqualTo(2);
    assertThat(PaymentDecision.decide(paid, expired, sale, oneLeft, 0).verdict()).isEqualTo(Verdict.REFUND_DUE);
    assertThat(PaymentDecision.decide(paid, expired, sale, twoLeft, 1).verdict()).as("the buyer's limit")
        .isEqualTo(Verdict.REFUND_DUE);
    PurchaseOutcome cancelled = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.CANCELLED).build();
    assertThat(PaymentDecision.decide(paid, cancelled, sale, twoLeft, 0).verdict()).isEqualTo(Verdict.CONFIRM_LATE);
  }

  /** A payment's earlier fate decides every later event of it, whatever the purchase and the stock say now. */
  @Test
  void aPaymentThatHadItsFateChangesNothingMore() {
    PurchaseOutcome expired = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.EXPIRED).build();
    StockLevel plenty = StockLevel.newBuilder(held).setAvailable(5).build();
    PurchaseOutcome owedBack = PaymentDecision.refundDue("the stock was gone").toOutcome(paid, expired, NOW);
    PurchaseOutcome kept = new PaymentDecision(Verdict.CONFIRM, "the hold is live").toOutcome(paid, accepted, NOW);

    assertThat(PaymentDecision.decide(paid, null, expired, sale, plenty, 0, 0).verdict())
        .as("without its fate, a late payment with stock back is confirmed").isEqualTo(Verdict.CONFIRM_LATE);
    assertThat(PaymentDecision.decide(paid, owedBack, expired, sale, plenty, 0, 0).verdict()).isEqualTo(Verdict.NOTHING);
    assertThat(PaymentDecision.decide(paid, kept, null, sale, plenty, 0, 0).verdict())
        .as("not a refund for a purchase no longer known").isEqualTo(Verdict.NOTHING);
  }

  /** A late payment stays within the device's limit too, counted over every user of the device. */
  @Test
  void aLatePaymentStaysWithinTheDevicesLimit() {
    Sale perDevice = Sale.newBuilder(sale).setPerDeviceLimit(2).build();
    PurchaseOutcome expired = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.EXPIRED)
        .setDeviceId("phone").build();
    StockLevel plenty = StockLevel.newBuilder(held).setAvailable(5).build();

    assertThat(PaymentDecision.decide(paid, null, expired, perDevice, plenty, 0, 0).verdict())
        .isEqualTo(Verdict.CONFIRM_LATE);
    assertThat(PaymentDecision.decide(paid, null, expired, perDevice, plenty, 0, 1).verdict())
        .as("another user of the phone holds one").isEqualTo(Verdict.REFUND_DUE);
    PurchaseOutcome noDevice = PurchaseOutcome.newBuilder(expired).setDeviceId(null).build();
    assertThat(PaymentDecision.decide(paid, null, noDevice, perDevice, plenty, 0, 1).verdict())
        .as("a purchase without a device is not device-limited").isEqualTo(Verdict.CONFIRM_LATE);
  }

  @Test
  void everyOtherSuccessIsARefundDue() {
    PurchaseOutcome confirmed = PaymentDecision.decide(paid, accepted, sale, held, 2).toOutcome(paid, accepted, NOW);
    PurchaseOutcome rejected = PurchaseOutcome.newBuilder(accepted).setStatus(OutcomeStatus.REJECTED).build();
    PaymentEvent secondCharge = payment("ev2", "pay2", "r1", sale, 2, PaymentEventType.SUCCEEDED);
    PaymentEvent sameChargeAgain = payment("ev3", "pay1", "r1", sale, 2, PaymentEventType.SUCCEEDED);
    PaymentEvent tooLittle = payment("ev4", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED);
    PaymentEvent otherCurrency = PaymentEvent.newBuilder(paid).setCurrency("EUR").build();
    PaymentEvent otherSale = PaymentEvent.newBuilder(paid).setSaleId("s2").build();

    assertThat(PaymentDecision.decide(secondCharge, confirmed, sale, held, 2).verdict()).isEqualTo(Verdict.REFUND_DUE);
    assertThat(PaymentDecision.decide(sameChargeAgain, confirmed, sale, held, 2).verdict()).isEqualTo(Verdict.NOTHING);
    assertThat(PaymentDecision.decide(paid, null, sale, held, 0).verdict()).isEqualTo(Verdict.REFUND_DUE);
    assertThat(PaymentDecision.decide(paid, rejected, sale, held, 0).verdict()).isEqualTo(Verdict.REFUND_DUE);
    assertThat(PaymentDecision.decide(tooLittle, accepted, sale, held, 2).verdict()).isEqualTo(Verdict.REFUND_DUE);
    assertThat(PaymentDecision.decide(otherCurrency, accepted, sale, held, 2).verdict()).isEqualTo(Verdict.REFUND_DUE);
    assertThat(PaymentDecision.decide(otherSale, accepted, null, null, 2).verdict()).isEqualTo(Verdict.REFUND_DUE);

    PaymentDecision refund = PaymentDecision.decide(otherSale, accepted, null, null, 2);
    PurchaseOutcome unknown = refund.toOutcome(otherSale, accepted, NOW);
    assertThat(unknown.getStatus()).isEqualTo(OutcomeStatus.REFUND_DUE);
    assertThat(unknown.getSaleId()).as("only what the event says").isEqualTo("s2");
    assertThat(unknown.getUserId()).isEmpty();
    assertThat(unknown.getQuantity()).isZero();
    assertThat(refund.applyTo(held, 0, NOW).getRefundsDue()).isEqualTo(1);
    assertThat(refund.applyTo(held, 0, NOW).getReserved()).isEqualTo(held.getReserved());
  }

  @Test
  void anEndedHoldGivesItsUnitsBack() {
    StockLevel expired = Holds.released(held, 2, OutcomeStatus.EXPIRED, NOW.plusSeconds(300));
    StockLevel cancelled = Holds.released(held, 2, OutcomeStatus.CANCELLED, NOW);

    assertThat(expired.getAvailable()).isEqualTo(4);
    assertThat(expired.getReserved()).isZero();
    assertThat(expired.getExpired()).isEqualTo(1);
    assertThat(expired.getCancelled()).isZero();
    assertThat(expired.getUpdatedAt()).isEqualTo(NOW.plusSeconds(300));
    assertThat(cancelled.getCancelled()).isEqualTo(1);
    assertThat(cancelled.getExpired()).isZero();
  }

  @Test
  void expiryIndexKeysSortByTimeThenRequest() {
    List<Long> millis = new ArrayList<>(List.of(0L, 9L, 10L, 999L, 1_000L, NOW.toEpochMilli(), 9_999_999_999_998L)); // 13 digits: up to the year 2286
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      millis.add(Math.floorMod(random.nextLong(), 9_999_999_999_999L));
    }
    List<String> keys = new ArrayList<>(millis.stream()
        .map(ms -> StoreKeys.holdExpiry(java.time.Instant.ofEpochMilli(ms), "r-" + ms)).toList());
    keys.sort(null);

    assertThat(keys).extracting(k -> Long.parseLong(k.substring(0, 13))).isSorted();
    for (long ms : millis) {
      String key = StoreKeys.holdExpiry(java.time.Instant.ofEpochMilli(ms), "request");
      assertThat(key.compareTo(StoreKeys.holdExpiriesAfter(ms))).as("due at %d", ms).isNegative();
      assertThat(key.compareTo(StoreKeys.holdExpiriesAfter(ms - 1))).as("not due before %d", ms).isPositive();
      assertThat(key.compareTo(StoreKeys.FIRST_HOLD_EXPIRY)).isPositive();
    }
  }
}
