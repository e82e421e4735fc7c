package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.HOLD_SECONDS;
import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.cancellation;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.inFlow;
import static io.flashsale.topology.SaleTopologyDriver.payment;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static io.flashsale.topology.SaleTopologyDriver.seed;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The buyer's flow id travels from the request onto every outcome of it: the decision, the hold's end, the payment's
 * confirmation or refund, a lottery's draw; a payment for no known purchase keeps the flow its own metadata named.
 */
class FlowIdTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();
  /** Two units, at most one per buyer. */
  private final Sale sale = fcfsSale("s1", "SKU-1", 2, 1);

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void everyOutcomeOfARequestCarriesItsFlow() {
    flashsale.define(sale);
    flashsale.purchase(inFlow("flow-alice", request("r1", sale, "alice", 1)));
    flashsale.purchase(inFlow("flow-bob", request("r2", sale, "bob", 1)));
    flashsale.purchase(inFlow("flow-carol", request("r3", sale, "carol", 1)));
    flashsale.purchase(inFlow("flow-alice", request("r4", sale, "alice", 1))); // over her limit
    flashsale.purchase(inFlow("flow-dave", request("r5", sale, "dave", 1))); // sold out
    List<PurchaseOutcome> decided = flashsale.readOutcomes();

    flashsale.pay(payment("evt-1", "pay-1", "r1", sale, 1, PaymentEventType.SUCCEEDED)); // metadata without a flow
    flashsale.cancel(cancellation("r2", sale, "bob"));
    flashsale.pay(payment("evt-2", "pay-2", "r2", sale, 1, PaymentEventType.SUCCEEDED)); // paid after its end
    List<PurchaseOutcome> paid = flashsale.readOutcomes();

    assertThat(decided).extracting(PurchaseOutcome::getRequestId, PurchaseOutcome::getStatus,
        PurchaseOutcome::getFlowId).containsExactly(
        tuple("r1", OutcomeStatus.ACCEPTED, "flow-alice"),
        tuple("r2", OutcomeStatus.ACCEPTED, "flow-bob"),
        tuple("r3", OutcomeStatus.REJECTED, "flow-carol"),
        tuple("r4", OutcomeStatus.REJECTED, "flow-alice"),
        tuple("r5", OutcomeStatus.REJECTED, "flow-dave"));
    assertThat(paid).extracting(PurchaseOutcome::getRequestId, PurchaseOutcome::getStatus,
        PurchaseOutcome::getFlowId).containsExactly(
        tuple("r1", OutcomeStatus.CONFIRMED, "flow-alice"),
        tuple("r2", OutcomeStatus.CANCELLED, "flow-bob"),
        tuple("r2", OutcomeStatus.CONFIRMED, "flow-bob"));
  }

  @Test
  void anExpiredHoldAndItsLatePaymentKeepTheFlow() {
    flashsale.define(sale);
    flashsale.purchase(inFlow("flow-alice", request("r1", sale, "alice", 1)));
    flashsale.readOutcomes();

    flashsale.advanceWallClock(Duration.ofSeconds(HOLD_SECONDS + 1));
    PurchaseOutcome expired = single(flashsale.readOutcomes());
    flashsale.pay(inFlow("flow-other-tab", payment("evt-1", "pay-1", "r1", sale, 1, PaymentEventType.SUCCEEDED)));
    PurchaseOutcome late = single(flashsale.readOutcomes());

    assertThat(expired.getStatus()).isEqualTo(OutcomeStatus.EXPIRED);
    assertThat(expired.getFlowId()).isEqualTo("flow-alice");
    assertThat(late.getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
    assertThat(late.getFlowId()).as("the purchase's flow, not the one a payment names").isEqualTo("flow-alice");
  }

  @Test
  void aPaymentForNoKnownPurchaseKeepsTheFlowOfItsMetadata() {
    flashsale.define(sale);

    flashsale.pay(inFlow("flow-lost", payment("evt-1", "pay-1", "nobody", sale, 1, PaymentEventType.SUCCEEDED)));

    PurchaseOutcome refund = single(flashsale.readOutcomes());
    assertThat(refund.getStatus()).isEqualTo(OutcomeStatus.REFUND_DUE);
    assertThat(refund.getFlowId()).isEqualTo("flow-lost");
  }

  @Test
  void aRequestWithoutAFlowDecidesAsBefore() {
    flashsale.define(sale);

    flashsale.purchase(request("r1", sale, "alice", 1));

    PurchaseOutcome accepted = single(flashsale.readOutcomes());
    assertThat(accepted.getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(accepted.getFlowId()).isNull();
  }

  @Test
  void aLotteryWinnerAndLoserHearTheirDrawInTheirFlows() {
    Sale lottery = flashsale.defineLottery(sale("lot-1", "SKU-L", 1, 1, Allocation.LOTTERY), seed("flows"));
    flashsale.purchase(inFlow("flow-alice", request("a", lottery, "alice", 1)));
    flashsale.purchase(inFlow("flow-bob", request("b", lottery, "bob", 1)));

    flashsale.advanceWallClock(Duration.ofHours(2));

    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getRequestId, PurchaseOutcome::getFlowId)
        .containsExactlyInAnyOrder(tuple("a", "flow-alice"),
            tuple("b", "flow-bob"));
  }

  @Test
  void aJoinInAFlowIsPlacedAndARequestWithAMalformedFlowIsSetAside() {
    Sale withRoom = Sale.newBuilder(fcfsSale("room-1", "SKU-R", 5, 1))
        .setWaitingRoom(new WaitingRoom(100, 120, 900, 0, 3_600)).build();
    flashsale.define(withRoom);
    assertThat(flashsale.joinInFlow(withRoom, "alice", "flow-alice", NOW).getPlace()).isZero();

    PurchaseRequest malformed = inFlow("f\u0000", request("bad", sale, "mallory", 1));
    flashsale.define(sale);
    flashsale.purchase(malformed);

    assertThat(flashsale.readOutcomes()).isEmpty();
    assertThat(flashsale.deadLetters.readRecordsToList()).hasSize(1);
  }
}
