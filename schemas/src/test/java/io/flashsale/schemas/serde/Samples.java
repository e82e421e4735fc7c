package io.flashsale.schemas.serde;

import io.flashsale.schemas.AdminAction;
import io.flashsale.schemas.AdminAuditEvent;
import io.flashsale.schemas.AdminRole;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Correction;
import io.flashsale.schemas.CorrectionKind;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Order;
import io.flashsale.schemas.OrderItem;
import io.flashsale.schemas.StockTransfer;
import io.flashsale.schemas.StockTransferKind;
import io.flashsale.schemas.WaitingRoom;
import io.flashsale.schemas.WaitingRoomChange;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One filled-in record of each generated type; optional fields are set so that they travel too. */
final class Samples {
  // Whole milliseconds: timestamp-millis drops anything finer.
  static final Instant OPENING = Instant.ofEpochMilli(1_767_261_600_000L);

  private Samples() {}

  static Sale sale() {
    return Sale.newBuilder()
        .setSaleId("sale-1").setSku("sku-42").setName("Espresso machine at half price")
        .setStock(100).setPerUserLimit(2).setPriceCents(19_900).setCurrency("EUR")
        .setStartsAt(OPENING).setEndsAt(OPENING.plusSeconds(3_600)).setHoldSeconds(600)
        .setAllocation(Allocation.LOTTERY).setCreatedAt(OPENING.minusSeconds(86_400))
        .build();
  }

  static PurchaseRequest purchaseRequest() {
    return PurchaseRequest.newBuilder()
        .setRequestId("req-1").setSaleId("sale-1").setSku("sku-42").setUserId("user-7")
        .setDeviceId("phone-3").setQuantity(2).setIdempotencyKey("click-1")
        .setRequestedAt(OPENING.plusMillis(15)).setFlowId("flow-1")
        .build();
  }

  static PurchaseOutcome purchaseOutcome() {
    return PurchaseOutcome.newBuilder()
        .setRequestId("req-1").setSaleId("sale-1").setSku("sku-42").setUserId("user-7").setQuantity(2)
        .setStatus(OutcomeStatus.REJECTED).setReason(RejectReason.LIMIT_EXCEEDED)
        .setHoldExpiresAt(OPENING.plusSeconds(600)).setDecidedAt(OPENING.plusMillis(20))
        .setRequestPartition(3).setRequestOffset(12_345L).setFlowId("flow-1")
        .build();
  }

  static StockLevel stockLevel() {
    return StockLevel.newBuilder()
        .setSaleId("sale-1").setSku("sku-42").setStock(100).setAvailable(90).setReserved(7).setConfirmed(3)
        .setRequests(40).setAccepted(10).setRejected(Map.of("SOLD_OUT", 25L, "LIMIT_EXCEEDED", 5L))
        .setExpired(1).setCancelled(0).setOrders(2).setUpdatedAt(OPENING.plusSeconds(1))
        .setEndedAt(OPENING.plusSeconds(1800))
        .build();
  }

  /** A sale with every field of the second stage set. */
  static Sale saleWithWaitingRoom() {
    return Sale.newBuilder(sale()).setPerDeviceLimit(1).setRequireDevice(true).setOriginalPriceCents(39_900L)
        .setDescription("Barista grade").setWaitingRoom(new WaitingRoom(200, 120, 900, 16, 3_600))
        .setDrawSeedHash("0".repeat(64)).build();
  }

  static QueueJoin queueJoin() {
    return new QueueJoin("sale-1", "user-7", "phone-3", null, "flow-1");
  }

  static QueuePlace queuePlace() {
    return new QueuePlace("sale-1", "user-7", 41L, true);
  }

  static QueueStats queueStats() {
    return new QueueStats("sale-1", 1_000L, 800L, true, OPENING.plusMillis(3));
  }

  static WaitingRoomChange waitingRoomChange() {
    return new WaitingRoomChange("sale-1", 500, 18, 2000);
  }

  static StockTransfer stockTransfer() {
    return new StockTransfer("sale-1~2", StockTransferKind.GRANT, 2, 17, 3, 0);
  }

  /** An order of two purchases of two sales, one payment for both. */
  static Order order() {
    return Order.newBuilder().setOrderId("order-1").setUserId("user-7").setPaymentId("pay-9").setAmountCents(41_300)
        .setCurrency("EUR").setCreatedAt(OPENING.plusSeconds(90))
        .setItems(List.of(new OrderItem("req-1", "sale-1", "sku-42", 2, 39_800L),
            new OrderItem("req-2", "sale-2~1", "sku-7~1", 1, 1_500L)))
        .build();
  }

  static SaleEnd saleEnd() {
    return SaleEnd.newBuilder().setSaleId("sale-1").setSku("sku-42").setRequestedAt(OPENING.plusSeconds(1800)).build();
  }

  static PaymentEvent paymentEvent() {
    return PaymentEvent.newBuilder()
        .setEventId("evt-1").setPaymentId("pay-1").setRequestId("req-1").setSaleId("sale-1").setSku("sku-42")
        .setType(PaymentEventType.SUCCEEDED).setAmountCents(39_800).setCurrency("EUR")
        .setOccurredAt(OPENING.plusSeconds(60)).setReceivedAt(OPENING.plusSeconds(61)).setFlowId("flow-1")
        .setOrderId("order-1")
        .build();
  }

  static HoldCancellation holdCancellation() {
    return HoldCancellation.newBuilder()
        .setRequestId("req-1").setSaleId("sale-1").setSku("sku-42").setUserId("user-7")
        .setRequestedAt(OPENING.plusSeconds(30))
        .build();
  }

  static Correction correction() {
    return Correction.newBuilder()
        .setCorrectionId("replay-record:purchase-outcomes-3-17").setKind(CorrectionKind.REPLAY_RECORD)
        .setDiscrepancy("MISSING_IN_DATABASE").setDay(java.time.LocalDate.of(2026, 1, 1)).setRunId("run-1")
        .setSaleId("sale-1").setRequestId("req-1").setSourceTopic("purchase-outcomes").setSourcePartition(3)
        .setSourceOffset(17L).setOutcome(purchaseOutcome()).setCreatedAt(OPENING.plusSeconds(86_400))
        .build();
  }

  static DrawSeed drawSeed() {
    return new DrawSeed("sale-1", "ab".repeat(32));
  }

  static DrawResult drawResult() {
    return DrawResult.newBuilder()
        .setSaleId("sale-1").setSku("SKU-1").setSeed("ab".repeat(32)).setSeedHash("cd".repeat(32)).setEntries(5000)
        .setWinners(100).setEntriesDigest("ef".repeat(32)).setAlgorithm("in words").setLastEntryPartition(2)
        .setLastEntryOffset(41L).setLastEntryIndex(3).setDrawnAt(OPENING.plusSeconds(3600))
        .build();
  }

  static LastDrawRound lastDrawRound() {
    return LastDrawRound.newBuilder()
        .setSaleId("sale-1").setSku("SKU-1").setRound(2).setSeedHash("cd".repeat(32)).setUnits(3).setCandidates(250)
        .setWinners(List.of("user-7", "user-42")).setPlacesUpTo(300).setOutcomesUpTo(120)
        .setClaimUntil(OPENING.plusSeconds(3720)).setDigest("ef".repeat(32)).setDrawnAt(OPENING.plusSeconds(3600))
        .build();
  }

  static AdminAuditEvent adminAuditEvent() {
    return AdminAuditEvent.newBuilder()
        .setActor("alice@example.com").setIssuer("https://idp.example.com/").setRole(AdminRole.OPERATOR)
        .setAction(AdminAction.CHANGE_WAITING_ROOM).setMethod("PATCH").setPath("/api/admin/sales/sale-1/waiting-room")
        .setSaleId("sale-1").setBodySha256("ab".repeat(32)).setChanges(Map.of("admitPerSecond", "500"))
        .setClientAddress("203.0.113.7").setUserAgent("curl/8").setStatus(200).setRequestedAt(OPENING)
        .build();
  }
}
