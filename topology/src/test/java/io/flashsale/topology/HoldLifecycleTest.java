package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.HOLD_SECONDS;
import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.cancellation;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.last;
import static io.flashsale.topology.SaleTopologyDriver.payment;
import static io.flashsale.topology.SaleTopologyDriver.paymentEvent;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How holds end: expiry on the wall clock, cancellation by the buyer, and payments, each exactly once. */
class HoldLifecycleTest {
  private static final Instant EXPIRES = NOW.plusSeconds(HOLD_SECONDS);

  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();
  /** Two units, at most two per buyer. */
  private final Sale sale = fcfsSale("s1", "SKU-1", 2, 2);

  @BeforeEach
  void openSale() {
    flashsale.define(sale);
    flashsale.readStockLevels();
  }

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void aHoldExpiresAtItsHoldExpiresAtAndNotAMomentBefore() {
    hold("r1", "alice", 1); // expires exactly on a tick of the expiry punctuator
    flashsale.advanceWallClock(Duration.ofMillis(1));
    hold("r2", "bob", 1); // expires 1 ms after that tick

    flashsale.advanceWallClockTo(EXPIRES.minusMillis(1));
    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(stored().getReserved()).isEqualTo(2);

    flashsale.advanceWallClockTo(EXPIRES);
    PurchaseOutcome expired = single(flashsale.readOutcomes());
    assertThat(expired.getRequestId()).isEqualTo("r1");
    assertThat(expired.getStatus()).isEqualTo(OutcomeStatus.EXPIRED);
    assertThat(expired.getDecidedAt()).isEqualTo(EXPIRES);
    assertThat(expired.getHoldExpiresAt()).isEqualTo(EXPIRES);
    assertThat(expired.getUserId()).isEqualTo("alice");
    assertThat(expired.getQuantity()).isEqualTo(1);
    assertThat(expired.getPaymentId()).isNull();
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getAvailable()).isEqualTo(1);
    assertThat(level.getReserved()).isEqualTo(1);
    assertThat(level.getExpired()).isEqualTo(1);
    assertThat(level.getUpdatedAt()).isEqualTo(EXPIRES);

    flashsale.advanceWallClock(SaleTopology.HOLD_EXPIRY_INTERVAL);
    assertThat(single(flashsale.readOutcomes()).getRequestId()).as("the next tick ends bob's hold").isEqualTo("r2");
    assertThat(single(flashsale.readStockLevels()).getAvailable()).isEqualTo(2);
  }

  /**
   * One punctuation ends at most its bound of holds, earliest first; the rest end in the next punctuations, a
   * second apart, where the last one stopped, and holds that run out later still end on time.
   */
  @Test
  void aPunctuationEndsAtMostItsBoundOfHoldsAndTheRestFollow() {
    try (SaleTopologyDriver bounded = SaleTopologyDriver.endingAtMost(3)) {
      Sale big = fcfsSale("big", "SKU-BIG", 100, 1);
      bounded.define(big);
      for (int i = 0; i < 8; i++) {
        bounded.purchase(request("wave-" + i, big, "buyer-" + i, 1));
      }
      bounded.advanceWallClock(Duration.ofMillis(500));
      bounded.purchase(request("later", big, "buyer-later", 1)); // runs out half a second after the wave
      bounded.readOutcomes();

      List<List<String>> perPunctuation = new java.util.ArrayList<>();
      bounded.advanceWallClockTo(EXPIRES);
      for (int run = 0; run < 4; run++) {
        perPunctuation.add(bounded.readOutcomes().stream()
            .map(o -> o.getRequestId() + (o.getStatus() == OutcomeStatus.EXPIRED ? "" : " " + o.getStatus())).toList());
        bounded.advanceWallClock(SaleTopology.HOLD_EXPIRY_INTERVAL);
      }

      assertThat(perPunctuation).as("at most three a punctuation, earliest first").containsExactly(
          List.of("wave-0", "wave-1", "wave-2"), List.of("wave-3", "wave-4", "wave-5"),
          List.of("wave-6", "wave-7", "later"), List.of());
      StockLevel level = bounded.store(SaleTopology.STOCK_STORE, "big");
      assertThat(level.getReserved()).isZero();
      assertThat(level.getExpired()).isEqualTo(9);
      assertThat(bounded.storeContents(SaleTopology.HOLD_EXPIRIES_STORE)).isEmpty();
    }
  }

  @Test
  void afterExpiryTheBuyerMayBuyAgainUpToTheLimit() {
    hold("r1", "alice", 2);
    flashsale.purchase(request("r2", sale, "alice", 1));
    assertThat(single(flashsale.readOutcomes()).getReason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);

    flashsale.advanceWallClockTo(EXPIRES);
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.EXPIRED);

    flashsale.purchase(request("r3", sale, "alice", 2));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
  }

  /**
   * Every outcome of the sale is numbered in decision order, whichever processor or punctuation emits it; a request
   * logged again after its hold ended (a retry the API forgot) hears the hold's latest outcome again, marked as a
   * repeat with its number, and nothing changes.
   */
  @Test
  void outcomesAreNumberedAndALateRetryHearsItsLatestOutcomeAgain() {
    flashsale.purchase(request("r1", sale, "alice", 1));
    flashsale.purchase(request("r2", sale, "bob", 2)); // one unit left: sold out
    flashsale.cancel(cancellation("r1", sale, "alice"));
    flashsale.purchase(request("r3", sale, "carol", 1));
    flashsale.pay(payment("ev3", "pay3", "r3", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.purchase(request("r4", sale, "dave", 1));
    flashsale.advanceWallClockTo(EXPIRES);
    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    assertThat(outcomes).extracting(o -> o.getRequestId() + " " + o.getStatus() + " #" + o.getSaleSequence())
        .containsExactly("r1 ACCEPTED #1", "r2 REJECTED #2", "r1 CANCELLED #3", "r3 ACCEPTED #4", "r3 CONFIRMED #5",
            "r4 ACCEPTED #6", "r4 EXPIRED #7");
    assertThat(outcomes).noneMatch(PurchaseOutcome::getRepeat);
    assertThat(stored().getOutcomes()).isEqualTo(7);
    flashsale.readStockLevels();
    StockLevel before = stored();

    flashsale.purchase(request("r4", sale, "dave", 1)); // dave's click again, byte for byte
    flashsale.purchase(request("r1", sale, "alice", 1));
    List<PurchaseOutcome> repeats = flashsale.readOutcomes();

    PurchaseOutcome expired = outcomes.get(6);
    assertThat(repeats).containsExactly(PurchaseOutcome.newBuilder(expired).setRepeat(true).build(),
        PurchaseOutcome.newBuilder(outcomes.get(2)).setRepeat(true).build());
    assertThat(stored()).as("a repeat changes no stock and no counter").isEqualTo(before);
    assertThat(flashsale.readStockLevels()).isEmpty();
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "r4")).isEqualTo(expired);
  }

  @Test
  void theBuyerCancelsTheirHoldOnceAndTheStockReturns() {
    hold("r1", "alice", 2);

    flashsale.cancel(cancellation("r1", sale, "alice"));

    PurchaseOutcome cancelled = single(flashsale.readOutcomes());
    assertThat(cancelled.getStatus()).isEqualTo(OutcomeStatus.CANCELLED);
    assertThat(cancelled.getDecidedAt()).isEqualTo(NOW);
    assertThat(cancelled.getHoldExpiresAt()).isEqualTo(EXPIRES);
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getAvailable()).isEqualTo(2);
    assertThat(level.getReserved()).isZero();
    assertThat(level.getCancelled()).isEqualTo(1);

    flashsale.cancel(cancellation("r1", sale, "alice"));
    flashsale.advanceWallClockTo(EXPIRES.plusSeconds(1));
    assertThat(flashsale.readOutcomes()).as("a second cancel and the expiry find the hold ended").isEmpty();
    assertThat(flashsale.readStockLevels()).isEmpty();
    assertThat(stored().getAvailable()).isEqualTo(2);
    flashsale.purchase(request("r2", sale, "alice", 2));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
  }

  @Test
  void nobodyElseCancelsAHold() {
    hold("r1", "alice", 1);

    flashsale.cancel(cancellation("r1", sale, "mallory"));
    flashsale.cancel(HoldCancellation.newBuilder(cancellation("r1", sale, "alice")).setSaleId("other-sale").build());
    flashsale.cancel(cancellation("no-such-request", sale, "alice"));

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(flashsale.readStockLevels()).isEmpty();
    flashsale.advanceWallClockTo(EXPIRES);
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.EXPIRED);
  }

  @Test
  void aCancellationAfterExpiryChangesNothing() {
    hold("r1", "alice", 1);
    flashsale.advanceWallClockTo(EXPIRES);
    flashsale.readOutcomes();
    StockLevel afterExpiry = last(flashsale.readStockLevels());

    flashsale.cancel(cancellation("r1", sale, "alice"));

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(flashsale.readStockLevels()).isEmpty();
    assertThat(stored()).isEqualTo(afterExpiry);
  }

  @Test
  void aPaymentBeforeExpiryConfirmsTheHold() {
    hold("r1", "alice", 2);
    flashsale.advanceWallClock(Duration.ofSeconds(30));

    flashsale.pay(payment("ev1", "pay1", "r1", sale, 2, PaymentEventType.SUCCEEDED));

    PurchaseOutcome confirmed = single(flashsale.readOutcomes());
    assertThat(confirmed.getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
    assertThat(confirmed.getRequestId()).isEqualTo("r1");
    assertThat(confirmed.getUserId()).isEqualTo("alice");
    assertThat(confirmed.getQuantity()).isEqualTo(2);
    assertThat(confirmed.getDecidedAt()).isEqualTo(NOW.plusSeconds(30));
    assertThat(confirmed.getHoldExpiresAt()).isEqualTo(EXPIRES);
    assertThat(confirmed.getPaymentId()).isEqualTo("pay1");
    assertThat(confirmed.getAmountCents()).isEqualTo(2 * sale.getPriceCents());
    assertThat(confirmed.getCurrency()).isEqualTo("USD");
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getAvailable()).isZero();
    assertThat(level.getReserved()).isZero();
    assertThat(level.getConfirmed()).isEqualTo(2);
    assertThat(level.getOrders()).as("one purchase of two units is one order").isEqualTo(1);

    flashsale.advanceWallClockTo(EXPIRES.plusSeconds(5));
    flashsale.cancel(cancellation("r1", sale, "alice"));
    assertThat(flashsale.readOutcomes()).as("a confirmed purchase neither expires nor cancels").isEmpty();
    assertThat(stored().getConfirmed()).isEqualTo(2);
  }

  @Test
  void aPaymentAfterExpiryIsConfirmedFromAvailableStock() {
    hold("r1", "alice", 2);
    flashsale.advanceWallClockTo(EXPIRES);
    flashsale.readOutcomes();
    flashsale.readStockLevels();

    flashsale.pay(payment("ev1", "pay1", "r1", sale, 2, PaymentEventType.SUCCEEDED));

    PurchaseOutcome late = single(flashsale.readOutcomes());
    assertThat(late.getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
    assertThat(late.getPaymentId()).isEqualTo("pay1");
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getAvailable()).isZero();
    assertThat(level.getReserved()).isZero();
    assertThat(level.getConfirmed()).isEqualTo(2);
    assertThat(level.getOrders()).isEqualTo(1);
    assertThat(level.getExpired()).isEqualTo(1);
    // The confirmed units count against the buyer's limit again.
    flashsale.define(fcfsSale("s2", "SKU-1", 5, 2));
    flashsale.purchase(request("r2", sale, "alice", 1));
    assertThat(single(flashsale.readOutcomes()).getReason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
  }

  @Test
  void aPaymentAfterExpiryWhenTheStockIsGoneIsARefundDue() {
    hold("r1", "alice", 2);
    flashsale.advanceWallClockTo(EXPIRES);
    flashsale.readOutcomes();
    hold("r2", "bob", 2);

    flashsale.pay(payment("ev1", "pay1", "r1", sale, 2, PaymentEventType.SUCCEEDED));

    PurchaseOutcome refund = single(flashsale.readOutcomes());
    assertThat(refund.getStatus()).isEqualTo(OutcomeStatus.REFUND_DUE);
    assertThat(refund.getRequestId()).isEqualTo("r1");
    assertThat(refund.getUserId()).isEqualTo("alice");
    assertThat(refund.getPaymentId()).isEqualTo("pay1");
    assertThat(refund.getAmountCents()).isEqualTo(2 * sale.getPriceCents());
    assertThat(refund.getHoldExpiresAt()).isEqualTo(EXPIRES);
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getRefundsDue()).isEqualTo(1);
    assertThat(level.getReserved()).isEqualTo(2);
    assertThat(level.getConfirmed()).isZero();
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "r1").getStatus())
        .as("the purchase stays expired").isEqualTo(OutcomeStatus.EXPIRED);
  }

  @Test
  void aLatePaymentDoesNotTakeTheBuyerOverTheLimit() {
    Sale onePerBuyer = fcfsSale("s2", "SKU-1", 5, 1);
    flashsale.define(onePerBuyer);
    flashsale.purchase(request("r1", onePerBuyer, "alice", 1));
    flashsale.advanceWallClockTo(EXPIRES);
    flashsale.purchase(request("r2", onePerBuyer, "alice", 1)); // the limit is free again: a new hold
    flashsale.readOutcomes();
    flashsale.readStockLevels();

    flashsale.pay(payment("ev1", "pay1", "r1", onePerBuyer, 1, PaymentEventType.SUCCEEDED));

    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.REFUND_DUE);
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getConfirmed()).isZero();
    assertThat(level.getReserved()).isEqualTo(1);
  }

  @Test
  void aSecondChargeForOnePurchaseIsARefundDue() {
    hold("r1", "alice", 1);
    flashsale.pay(payment("ev1", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.readOutcomes();
    flashsale.readStockLevels();

    flashsale.pay(payment("ev2", "pay2", "r1", sale, 1, PaymentEventType.SUCCEEDED));

    PurchaseOutcome refund = single(flashsale.readOutcomes());
    assertThat(refund.getStatus()).isEqualTo(OutcomeStatus.REFUND_DUE);
    assertThat(refund.getPaymentId()).isEqualTo("pay2");
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getConfirmed()).isEqualTo(1);
    assertThat(level.getRefundsDue()).isEqualTo(1);
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "r1").getPaymentId())
        .isEqualTo("pay1");
  }

  @Test
  void aPaymentOfTheWrongAmountOrCurrencyIsARefundDueAndTheHoldLivesOn() {
    hold("r1", "alice", 2);

    flashsale.pay(paymentEvent("ev1", "pay1", "r1", sale, sale.getPriceCents(), PaymentEventType.SUCCEEDED));
    flashsale.pay(PaymentEvent.newBuilder(payment("ev2", "pay2", "r1", sale, 2, PaymentEventType.SUCCEEDED))
        .setCurrency("EUR").build());

    List<PurchaseOutcome> refunds = flashsale.readOutcomes();
    assertThat(refunds).extracting(PurchaseOutcome::getStatus)
        .containsExactly(OutcomeStatus.REFUND_DUE, OutcomeStatus.REFUND_DUE);
    assertThat(refunds).extracting(PurchaseOutcome::getAmountCents).containsExactly(4999L, 9998L);
    assertThat(refunds).extracting(PurchaseOutcome::getCurrency).containsExactly("USD", "EUR");
    assertThat(last(flashsale.readStockLevels()).getRefundsDue()).isEqualTo(2);
    assertThat(stored().getReserved()).isEqualTo(2);

    flashsale.pay(payment("ev3", "pay3", "r1", sale, 2, PaymentEventType.SUCCEEDED));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
  }

  /**
   * One payment, one fate. The provider tells of one payment in two success events (Stripe:
   * checkout.session.completed and payment_intent.succeeded, different event ids). The first comes after the hold
   * expired and its unit was sold again: the money is owed back. A unit comes back before the second: it must not
   * confirm the purchase too, or the buyer would be refunded and keep the unit.
   */
  @Test
  void twoSuccessEventsOfOnePaymentAroundAUnitComingBackGiveOneFate() {
    Sale one = fcfsSale("s-one", "SKU-ONE", 1, 1);
    flashsale.define(one);
    flashsale.purchase(request("late", one, "alice", 1));
    flashsale.advanceWallClockTo(EXPIRES);
    flashsale.purchase(request("resold", one, "bob", 1));
    flashsale.pay(payment("evt-session-completed", "pi_1", "late", one, 1, PaymentEventType.SUCCEEDED));
    flashsale.cancel(cancellation("resold", one, "bob")); // the unit comes back
    flashsale.pay(payment("evt-intent-succeeded", "pi_1", "late", one, 1, PaymentEventType.SUCCEEDED));

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes().stream()
        .filter(o -> o.getSaleId().equals("s-one")).toList();
    assertThat(outcomes).extracting(o -> o.getRequestId() + " " + o.getStatus())
        .containsExactly("late ACCEPTED", "late EXPIRED", "resold ACCEPTED", "late REFUND_DUE", "resold CANCELLED");
    StockLevel level = flashsale.store(SaleTopology.STOCK_STORE, "s-one");
    assertThat(level.getConfirmed()).isZero();
    assertThat(level.getAvailable()).isEqualTo(1);
    assertThat(level.getRefundsDue()).isEqualTo(1);
  }

  /** A payment that confirmed its purchase stays confirmed: its later events change nothing, even once the purchase
   * itself is no longer remembered (its sale's dedup entries purged), where they would otherwise look like money for
   * no known purchase. */
  @Test
  void aPaymentThatConfirmedIsNeverAlsoARefundDue() {
    hold("r1", "alice", 1);
    flashsale.pay(payment("evt-session-completed", "pi_1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);

    flashsale.pay(payment("evt-intent-succeeded", "pi_1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.advanceWallClockTo(sale.getEndsAt().plusSeconds(HOLD_SECONDS).plus(SaleTopologyDriver.DEDUP_GRACE)
        .plus(SaleTopology.PURGE_INTERVAL));
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "r1")).as("purged").isNull();
    flashsale.pay(payment("evt-replayed", "pi_1", "r1", sale, 1, PaymentEventType.SUCCEEDED));

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(stored().getConfirmed()).isEqualTo(1);
    assertThat(stored().getRefundsDue()).isZero();
  }

  @Test
  void aPaymentForNoKnownPurchaseIsARefundDue() {
    flashsale.purchase(request("rejected", sale, "bob", 3));
    flashsale.readOutcomes();
    flashsale.readStockLevels();

    flashsale.pay(payment("ev1", "pay1", "no-such-request", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.pay(payment("ev2", "pay2", "rejected", sale, 3, PaymentEventType.SUCCEEDED));

    List<PurchaseOutcome> refunds = flashsale.readOutcomes();
    assertThat(refunds).extracting(PurchaseOutcome::getRequestId).containsExactly("no-such-request", "rejected");
    assertThat(refunds).extracting(PurchaseOutcome::getStatus).containsOnly(OutcomeStatus.REFUND_DUE);
    assertThat(refunds).extracting(PurchaseOutcome::getPaymentId).containsExactly("pay1", "pay2");
    assertThat(refunds.get(0).getUserId()).isEmpty();
    assertThat(refunds.get(0).getQuantity()).isZero();
    assertThat(refunds.get(0).getSaleId()).isEqualTo("s1");
    assertThat(refunds.get(1).getUserId()).isEqualTo("bob");
    assertThat(refunds.get(1).getReason()).isNull();
    assertThat(last(flashsale.readStockLevels()).getRefundsDue()).isEqualTo(2);
    assertThat(stored().getAvailable()).isEqualTo(2);
  }

  @Test
  void aFailedOrRefundedPaymentChangesNothingAndTheHoldStillExpires() {
    hold("r1", "alice", 1);

    flashsale.pay(payment("ev1", "pay1", "r1", sale, 1, PaymentEventType.FAILED));
    flashsale.pay(payment("ev2", "pay1", "r1", sale, 1, PaymentEventType.REFUNDED));
    flashsale.pay(payment("ev3", "pay1", "r1", sale, 1, PaymentEventType.UNKNOWN));

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(flashsale.readStockLevels()).isEmpty();
    flashsale.advanceWallClockTo(EXPIRES);
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.EXPIRED);
  }

  @Test
  void everyEventDeliveredAgainChangesNothing() {
    hold("r1", "alice", 1);
    hold("r2", "bob", 1);
    PaymentEvent paid = payment("ev1", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED);
    PaymentEvent wrongAmount = paymentEvent("ev2", "pay2", "r2", sale, 1, PaymentEventType.SUCCEEDED);

    flashsale.pay(paid);
    flashsale.pay(wrongAmount);
    flashsale.cancel(cancellation("r2", sale, "bob"));
    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getStatus)
        .containsExactly(OutcomeStatus.CONFIRMED, OutcomeStatus.REFUND_DUE, OutcomeStatus.CANCELLED);
    StockLevel settled = last(flashsale.readStockLevels());

    flashsale.pay(paid);
    flashsale.pay(wrongAmount);
    // The provider may report one payment in a second event: it counts once as well.
    flashsale.pay(payment("ev1-again", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.cancel(cancellation("r2", sale, "bob"));
    flashsale.advanceWallClockTo(EXPIRES.plusSeconds(1)); // the expiry of both, racing the confirm and the cancel

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(flashsale.readStockLevels()).isEmpty();
    assertThat(stored()).isEqualTo(settled);
    assertThat(settled.getConfirmed()).isEqualTo(1);
    assertThat(settled.getAvailable()).isEqualTo(1);
    assertThat(settled.getRefundsDue()).isEqualTo(1);
  }

  @Test
  void aConfirmAfterTheExpiryRanIsALateConfirmNotASecondEnd() {
    hold("r1", "alice", 1);
    flashsale.advanceWallClockTo(EXPIRES);
    flashsale.pay(payment("ev1", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.advanceWallClockTo(EXPIRES.plusSeconds(2));

    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getStatus)
        .containsExactly(OutcomeStatus.EXPIRED, OutcomeStatus.CONFIRMED);
    StockLevel level = stored();
    assertThat(level.getExpired()).isEqualTo(1);
    assertThat(level.getConfirmed()).isEqualTo(1);
    assertThat(level.getAvailable() + level.getReserved() + level.getConfirmed()).isEqualTo(2);
  }

  @Test
  void theExpiryIndexHoldsOnlyLiveHolds() {
    hold("r1", "alice", 1);
    hold("r2", "bob", 1);
    assertThat(expiryIndexSize()).isEqualTo(2);

    flashsale.pay(payment("ev1", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.cancel(cancellation("r2", sale, "bob"));

    assertThat(expiryIndexSize()).isZero();
  }

  @Test
  void invalidPaymentEventsAndCancellationsGoToTheDeadLetterTopic() {
    hold("r1", "alice", 1);

    flashsale.pay(payment(" ", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.pay(paymentEvent("ev-negative", "pay1", "r1", sale, -4999, PaymentEventType.SUCCEEDED));
    flashsale.paymentEvents.pipeInput("SKU-OTHER", payment("ev-key", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    flashsale.cancel(cancellation("r1", sale, ""));
    flashsale.cancellations.pipeInput("SKU-OTHER", cancellation("r1", sale, "alice"));
    flashsale.pay(payment("ev-ok", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));

    List<TestRecord<byte[], byte[]>> dead = flashsale.deadLetters.readRecordsToList();
    assertThat(dead).hasSize(5).allSatisfy(record -> assertThat(
        new String(record.headers().lastHeader("__streams.errors.exception").value(), StandardCharsets.UTF_8))
        .isEqualTo(InvalidRecordException.class.getName()));
    assertThat(flashsale.topics.paymentEvents.valueSerde().deserializer().deserialize(Topics.PAYMENT_EVENTS,
        dead.get(1).value()).getEventId()).isEqualTo("ev-negative");
    PurchaseOutcome confirmed = single(flashsale.readOutcomes());
    assertThat(confirmed.getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
    assertThat(flashsale.<Long>store(SaleTopology.PROCESSED_PAYMENT_EVENTS_STORE, "ev-key")).isNull();
  }

  private void hold(String requestId, String userId, int quantity) {
    flashsale.purchase(request(requestId, sale, userId, quantity));
    PurchaseOutcome accepted = single(flashsale.readOutcomes());
    assertThat(accepted.getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    flashsale.readStockLevels();
  }

  private StockLevel stored() {
    return flashsale.store(SaleTopology.STOCK_STORE, sale.getSaleId());
  }

  private long expiryIndexSize() {
    return flashsale.driver.<String, String>getKeyValueStore(SaleTopology.HOLD_EXPIRIES_STORE).approximateNumEntries();
  }
}
