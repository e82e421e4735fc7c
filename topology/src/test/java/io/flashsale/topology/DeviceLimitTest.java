package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.HOLD_SECONDS;
import static io.flashsale.topology.SaleTopologyDriver.cancellation;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.last;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-device limit, decided in the topology over every user of a device: retries do not count twice, a hold that
 * ends gives the device's units back, a request without a device is not device-limited, and the counts live in a
 * changelogged store, so that they hold across restarts and instances.
 */
class DeviceLimitTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();
  /** 10 units, 2 per user, 2 per device. */
  private final Sale sale = Sale.newBuilder(fcfsSale("d1", "SKU-D", 10, 2)).setPerDeviceLimit(2).build();

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void usersOfOneDeviceShareItsLimitAndARetryDoesNotCountTwice() {
    flashsale.define(sale);
    flashsale.purchase(onDevice("alice-1", "alice", "phone", 1));
    flashsale.purchase(onDevice("alice-1", "alice", "phone", 1)); // a retry: its first outcome stands
    flashsale.purchase(onDevice("bob-1", "bob", "phone", 1));
    flashsale.purchase(onDevice("carol-1", "carol", "phone", 1));
    flashsale.purchase(onDevice("dave-1", "dave", "tablet", 2));
    flashsale.purchase(request("erin-1", sale, "erin", 2)); // no device: not device-limited
    flashsale.purchase(onDevice("frank-1", "frank", "laptop", 3)); // over both limits: the user's is named

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes().stream().filter(o -> !o.getRepeat()).toList();
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId)
        .containsExactly("alice-1", "bob-1", "carol-1", "dave-1", "erin-1", "frank-1");
    assertThat(outcomes).extracting(PurchaseOutcome::getReason)
        .containsExactly(null, null, RejectReason.DEVICE_LIMIT_EXCEEDED, null, null, RejectReason.LIMIT_EXCEEDED);
    assertThat(last(flashsale.readStockLevels()).getRejected()).containsEntry("DEVICE_LIMIT_EXCEEDED", 1L);
    assertThat(outcomes.get(0).getDeviceId()).isEqualTo("phone");
  }

  @Test
  void aHoldThatEndsGivesTheDevicesUnitsBack() {
    flashsale.define(sale);
    flashsale.purchase(onDevice("alice-1", "alice", "phone", 2));
    flashsale.purchase(onDevice("bob-1", "bob", "phone", 1));
    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getReason)
        .containsExactly(null, RejectReason.DEVICE_LIMIT_EXCEEDED);

    flashsale.cancel(cancellation("alice-1", sale, "alice"));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.CANCELLED);
    flashsale.purchase(onDevice("bob-2", "bob", "phone", 2));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);

    flashsale.advanceWallClock(Duration.ofSeconds(HOLD_SECONDS + 2)); // bob's hold expires
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.EXPIRED);
    assertThat(flashsale.storeContents(SaleTopology.DEVICE_QUANTITIES_STORE)).isEmpty();
    flashsale.purchase(onDevice("carol-1", "carol", "phone", 2));
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
  }

  /**
   * A payment that comes after its hold ended is confirmed late only within the device's limit, as within the
   * user's: meanwhile another user of the same device took the device's units.
   */
  @Test
  void aLatePaymentHonoursTheDevicesLimit() {
    Sale onePerDevice = Sale.newBuilder(fcfsSale("d2", "SKU-D2", 10, 2)).setPerDeviceLimit(1).build();
    flashsale.define(onePerDevice);
    flashsale.purchase(onDevice(onePerDevice, "alice-1", "alice", "phone", 1));
    flashsale.advanceWallClock(Duration.ofSeconds(HOLD_SECONDS + 2)); // alice's hold expires
    flashsale.purchase(onDevice(onePerDevice, "bob-1", "bob", "phone", 1)); // the phone's one unit, again
    flashsale.pay(SaleTopologyDriver.payment("ev1", "pay1", "alice-1", onePerDevice, 1, PaymentEventType.SUCCEEDED));

    PurchaseOutcome late = last(flashsale.readOutcomes());
    assertThat(late.getRequestId()).isEqualTo("alice-1");
    assertThat(late.getStatus()).as("alice's limit allows it, the phone's does not").isEqualTo(OutcomeStatus.REFUND_DUE);
    assertThat(flashsale.<Integer>store(SaleTopology.DEVICE_QUANTITIES_STORE, StoreKeys.saleScoped("d2", "phone")))
        .isEqualTo(1);

    // Without another user of the phone, the same late payment is confirmed.
    flashsale.purchase(onDevice(onePerDevice, "carol-1", "carol", "tablet", 1));
    flashsale.advanceWallClock(Duration.ofSeconds(HOLD_SECONDS + 2));
    flashsale.pay(SaleTopologyDriver.payment("ev2", "pay2", "carol-1", onePerDevice, 1, PaymentEventType.SUCCEEDED));
    assertThat(last(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.CONFIRMED);
  }

  /**
   * The device's count is in a changelogged store: every change is in its changelog, from which a restarted or moved
   * task restores it, as it does the per-user count.
   */
  @Test
  void theDevicesCountIsChangelogged() {
    TestOutputTopic<String, byte[]> changelog = flashsale.changelog(SaleTopology.DEVICE_QUANTITIES_STORE);
    flashsale.define(sale);
    flashsale.purchase(onDevice("alice-1", "alice", "phone", 1));
    flashsale.purchase(onDevice("bob-1", "bob", "phone", 1));
    flashsale.cancel(cancellation("bob-1", sale, "bob"));

    List<TestRecord<String, byte[]>> records = changelog.readRecordsToList();
    assertThat(records).extracting(TestRecord::key).containsOnly(StoreKeys.saleScoped("d1", "phone"));
    assertThat(records).extracting(r -> r.value() == null ? null : org.apache.kafka.common.serialization.Serdes.Integer()
        .deserializer().deserialize("", r.value())).containsExactly(1, 2, 1);
  }

  private PurchaseRequest onDevice(String requestId, String userId, String deviceId, int quantity) {
    return onDevice(sale, requestId, userId, deviceId, quantity);
  }

  private static PurchaseRequest onDevice(Sale sale, String requestId, String userId, String deviceId, int quantity) {
    return PurchaseRequest.newBuilder(request(requestId, sale, userId, quantity)).setDeviceId(deviceId).build();
  }
}
