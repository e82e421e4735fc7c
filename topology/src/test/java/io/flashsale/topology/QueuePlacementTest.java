package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The topology's part of a waiting room: one place per user and sale, and the pre-queue closed by the start. */
class QueuePlacementTest {
  private static final Sale SALE = Sale.newBuilder(fcfsSale("room-1", "SKU-ROOM", 10, 1))
      .setStartsAt(NOW.plusSeconds(60)).setEndsAt(NOW.plusSeconds(3600))
      .setWaitingRoom(new WaitingRoom(100, 120, 900, 0, 3_600)).build();

  @Test
  void eachUserHasOnePlaceAndThePreQueueEndsAtTheStart() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      topology.define(SALE);
      QueuePlace ann = topology.join(SALE, "ann", NOW);
      QueuePlace bob = topology.join(SALE, "bob", NOW.plusSeconds(1));
      QueuePlace annAgain = topology.join(SALE, "ann", NOW.plusSeconds(2));
      QueuePlace cid = topology.join(SALE, "cid", SALE.getStartsAt()); // at the start: behind the pre-queue
      QueuePlace bobAfterTheStart = topology.join(SALE, "bob", SALE.getStartsAt().plusSeconds(1));
      QueuePlace dan = topology.join(SALE, "dan", SALE.getStartsAt().plusSeconds(2));

      assertThat(List.of(ann, bob, cid, dan)).extracting(QueuePlace::getPlace).containsExactly(0L, 1L, 2L, 3L);
      assertThat(List.of(ann, bob, cid, dan)).extracting(QueuePlace::getPreQueue).containsExactly(true, true, false, false);
      assertThat(annAgain).as("a repeated join keeps the place").isEqualTo(ann);
      assertThat(bobAfterTheStart).as("even after the start").isEqualTo(bob);
      // The close is sent at once; the later counts once per interval of wall clock.
      assertThat(topology.queueStats.readValuesToList()).containsExactly(new QueueStats("room-1", 3L, 2L, true, SALE.getStartsAt()));
      topology.advanceWallClock(SaleTopology.QUEUE_STATS_INTERVAL);
      assertThat(topology.queueStats.readValuesToList()).containsExactly(new QueueStats("room-1", 4L, 2L, true, SALE.getStartsAt()));
    }
  }

  /** The API checked that ann's place was lost for idleness: her join again gets a new place at the back, once. */
  @Test
  void aJoinReplacingALostPlaceGoesToTheBackOnce() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      topology.define(SALE);
      Instant after = SALE.getStartsAt().plusSeconds(1);
      QueuePlace ann = topology.join(SALE, "ann", after);
      QueuePlace bob = topology.join(SALE, "bob", after);
      QueuePlace stale = topology.rejoin(SALE, "bob", 7L, after.plusSeconds(1)); // not bob's place: nothing changes
      QueuePlace annBack = topology.rejoin(SALE, "ann", ann.getPlace(), after.plusSeconds(2));
      QueuePlace annRetry = topology.rejoin(SALE, "ann", ann.getPlace(), after.plusSeconds(3));
      QueuePlace annPlain = topology.join(SALE, "ann", after.plusSeconds(4));

      assertThat(stale).isEqualTo(bob);
      assertThat(annBack.getPlace()).as("behind bob").isEqualTo(2L);
      assertThat(annBack.getPreQueue()).isFalse();
      assertThat(annRetry).as("a retried join again keeps the new place").isEqualTo(annBack);
      assertThat(annPlain).isEqualTo(annBack);
      topology.advanceWallClock(SaleTopology.QUEUE_STATS_INTERVAL);
      assertThat(SaleTopologyDriver.last(topology.queueStats.readValuesToList()).getJoined()).isEqualTo(3L);
    }
  }

  @Test
  void aStartWithoutJoinsClosesThePreQueueByTheClock() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      topology.define(SALE);
      topology.join(SALE, "ann", NOW);
      topology.advanceWallClock(SaleTopology.QUEUE_STATS_INTERVAL);
      assertThat(topology.queueStats.readValuesToList()).containsExactly(new QueueStats("room-1", 1L, 1L, false, null));

      topology.advanceWallClockTo(SALE.getStartsAt().plus(SaleTopology.PRE_QUEUE_CLOSE_GRACE));
      assertThat(SaleTopologyDriver.last(topology.queueStats.readValuesToList()))
          .isEqualTo(new QueueStats("room-1", 1L, 1L, true, SALE.getStartsAt().plus(SaleTopology.PRE_QUEUE_CLOSE_GRACE)));
      // A join still unread past the grace, appended before the start, queues behind the pre-queue.
      assertThat(topology.join(SALE, "bob", NOW.plusSeconds(30)).getPreQueue()).isFalse();
    }
  }

  @Test
  void aJoinToASaleWithoutAWaitingRoomGetsNoPlace() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      Sale plain = fcfsSale("plain", "SKU-PLAIN", 10, 1);
      topology.define(plain);
      topology.queueJoins.pipeInput(plain.getSku(), new QueueJoin("plain", "ann", null, null, null), NOW);

      assertThat(topology.queuePlaces.isEmpty()).isTrue();
      assertThat(topology.deadLetters.isEmpty()).isTrue();
    }
  }
}
