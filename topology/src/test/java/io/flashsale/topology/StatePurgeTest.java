package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.DEDUP_GRACE;
import static io.flashsale.topology.SaleTopologyDriver.HOLD_SECONDS;
import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.PAYMENT_DEDUP_RETENTION;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.last;
import static io.flashsale.topology.SaleTopologyDriver.payment;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static io.flashsale.topology.SaleTopologyDriver.unkeyed;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Purging what no retry can reach any more: a sale's dedup entries and per-user state go at its end plus its
 * hold plus the grace, not a moment before, never while a hold is live, and a retry after that changes no stock.
 */
class StatePurgeTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();
  /** Two units, at most two per buyer; ends an hour after NOW. */
  private final Sale sale = fcfsSale("s1", "SKU-1", 2, 2);
  private final Instant purgeAt = sale.getEndsAt().plusSeconds(HOLD_SECONDS).plus(DEDUP_GRACE);
  private final PurchaseRequest paid =
      PurchaseRequest.newBuilder(request("r1", sale, "alice", 1)).setDeviceId("alice-phone").build();
  private TestOutputTopic<String, byte[]> decidedChangelog;

  @BeforeEach
  void sellAndDecide() {
    decidedChangelog = flashsale.changelog(SaleTopology.DECIDED_REQUESTS_STORE);
    flashsale.define(sale);
    flashsale.purchaseTogether(paid, request("r2", sale, "bob", 5), unkeyed("u3", sale, "carol"));
    flashsale.pay(payment("ev1", "pay1", "r1", sale, 1, PaymentEventType.SUCCEEDED));
    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getStatus)
        .containsExactly(OutcomeStatus.ACCEPTED, OutcomeStatus.REJECTED, OutcomeStatus.ACCEPTED,
            OutcomeStatus.CONFIRMED);
  }

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void anEndedSalesEntriesStayUntilItsPurgeTimeThenGoWithTombstonesInTheChangelog() {
    flashsale.advanceWallClockTo(purgeAt.minusMillis(1));
    assertThat(flashsale.<PurchaseOutcome>storeContents(SaleTopology.DECIDED_REQUESTS_STORE))
        .containsOnlyKeys("r1", "r2", "u3")
        .hasEntrySatisfying("u3", o -> assertThat(o.getStatus()).isEqualTo(OutcomeStatus.EXPIRED));
    assertThat(flashsale.<Integer>store(SaleTopology.USER_QUANTITIES_STORE, StoreKeys.saleScoped("s1", "alice")))
        .isEqualTo(1);
    assertThat(flashsale.<Integer>store(SaleTopology.DEVICE_QUANTITIES_STORE, StoreKeys.saleScoped("s1", "alice-phone")))
        .isEqualTo(1);
    decidedChangelog.readRecordsToList(); // what the decisions and the hold's end wrote

    flashsale.advanceWallClockTo(purgeAt);
    assertThat(flashsale.storeContents(SaleTopology.DECIDED_REQUESTS_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.DECIDED_REQUEST_PURGES_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.USER_QUANTITIES_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.DEVICE_QUANTITIES_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.SALE_PURGES_STORE)).isEmpty();
    // The changelog gets a tombstone per purged entry, so compaction shrinks it (and any restore) as well.
    List<TestRecord<String, byte[]>> purged = decidedChangelog.readRecordsToList();
    assertThat(purged).extracting(TestRecord::key).containsExactlyInAnyOrder("r1", "r2", "u3");
    assertThat(purged).allSatisfy(tombstone -> assertThat(tombstone.value()).isNull());
    // The sale itself stays: it is small, and it is what rejects a late retry.
    assertThat(flashsale.<Sale>store(SaleTopology.SALES_STORE, "s1")).isEqualTo(sale);
  }

  @Test
  void aRetryAfterThePurgeIsRejectedSaleNotLiveAndChangesNoStock() {
    flashsale.advanceWallClockTo(purgeAt);
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "r1")).isNull();
    StockLevel before = flashsale.<StockLevel>store(SaleTopology.STOCK_STORE, "s1");
    flashsale.readOutcomes();
    flashsale.readStockLevels();

    flashsale.purchaseLoggedAt(purgeAt.plusSeconds(1), paid); // the same click, retried a day late
    PurchaseOutcome retry = single(flashsale.readOutcomes());
    assertThat(retry.getStatus()).isEqualTo(OutcomeStatus.REJECTED);
    assertThat(retry.getReason()).isEqualTo(RejectReason.SALE_NOT_LIVE);
    StockLevel after = last(flashsale.readStockLevels());
    assertThat(after.getAvailable()).isEqualTo(before.getAvailable());
    assertThat(after.getReserved()).isEqualTo(before.getReserved());
    assertThat(after.getConfirmed()).isEqualTo(before.getConfirmed()).isEqualTo(1);
    // Its own entry is already due, and goes with the next purge.
    flashsale.advanceWallClock(SaleTopology.PURGE_INTERVAL);
    assertThat(flashsale.storeContents(SaleTopology.DECIDED_REQUESTS_STORE)).isEmpty();
  }

  @Test
  void aLiveHoldIsNeverPurgedAndGoesAfterItEnds() {
    // A task lagging behind: a request logged just before the sale's end is decided just before the purge time,
    // so its hold runs four minutes past it.
    flashsale.advanceWallClockTo(purgeAt.minus(Duration.ofMinutes(1)));
    assertThat(single(flashsale.readOutcomes()).getStatus()).as("carol's hold ran out").isEqualTo(OutcomeStatus.EXPIRED);
    flashsale.purchaseLoggedAt(sale.getEndsAt().minusMillis(1), request("late", sale, "dave", 1));
    PurchaseOutcome hold = single(flashsale.readOutcomes());
    assertThat(hold.getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(hold.getHoldExpiresAt()).isAfter(purgeAt);

    flashsale.advanceWallClockTo(purgeAt);
    assertThat(flashsale.<PurchaseOutcome>storeContents(SaleTopology.DECIDED_REQUESTS_STORE)).containsOnlyKeys("late");
    flashsale.advanceWallClockTo(hold.getHoldExpiresAt().minusMillis(1));
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "late").getStatus())
        .isEqualTo(OutcomeStatus.ACCEPTED);

    flashsale.advanceWallClockTo(hold.getHoldExpiresAt());
    assertThat(single(flashsale.readOutcomes()).getStatus()).isEqualTo(OutcomeStatus.EXPIRED);
    flashsale.advanceWallClock(SaleTopology.PURGE_INTERVAL.multipliedBy(2));
    assertThat(flashsale.storeContents(SaleTopology.DECIDED_REQUESTS_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.DECIDED_REQUEST_PURGES_STORE)).isEmpty();
    // The hold ended after its sale's per-user state was purged, and left no entry behind.
    assertThat(flashsale.storeContents(SaleTopology.USER_QUANTITIES_STORE)).isEmpty();
  }

  @Test
  void aProcessedPaymentEventIsRememberedForItsRetentionThenGoes() {
    Instant forgetAt = NOW.plus(PAYMENT_DEDUP_RETENTION);
    TestOutputTopic<String, byte[]> changelog = flashsale.changelog(SaleTopology.PROCESSED_PAYMENT_EVENTS_STORE);
    changelog.readRecordsToList();

    flashsale.advanceWallClockTo(forgetAt.minusMillis(1));
    assertThat(flashsale.<Long>store(SaleTopology.PROCESSED_PAYMENT_EVENTS_STORE, "ev1")).isEqualTo(NOW.toEpochMilli());
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.PAYMENT_FATES_STORE, "pay1").getStatus())
        .as("the payment's fate is kept as long as its events").isEqualTo(OutcomeStatus.CONFIRMED);
    flashsale.advanceWallClockTo(forgetAt);
    assertThat(flashsale.storeContents(SaleTopology.PROCESSED_PAYMENT_EVENTS_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.PROCESSED_PAYMENT_PURGES_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.PAYMENT_FATES_STORE)).isEmpty();
    assertThat(flashsale.storeContents(SaleTopology.PAYMENT_FATE_PURGES_STORE)).isEmpty();
    assertThat(changelog.readRecordsToList()).singleElement()
        .satisfies(tombstone -> assertThat(Set.of(tombstone.key())).containsExactly("ev1"))
        .satisfies(tombstone -> assertThat(tombstone.value()).isNull());
  }
}
