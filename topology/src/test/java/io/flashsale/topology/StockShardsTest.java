package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.StockTransfer;
import io.flashsale.schemas.StockTransferKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * A sale spread over stock shards ({@link Shards}): each shard decides its own buyers, stock moves to the shards
 * that run low, and the sale as a whole sells exactly its stock, with per-user limits held.
 */
class StockShardsTest {
  private static final AtomicInteger TRIES = new AtomicInteger();
  /** The property's driver, kept across its tries. */
  private static SaleTopologyDriver shared;

  @AfterContainer
  static void closeDriver() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }

  @Test
  void allDemandOnOneShardStillSellsTheWholeStock() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("hot", "SKU-HOT", 10, 1)).setShards(3).build();
      List<Sale> shards = topology.defineSharded(sale);
      assertThat(shards).extracting(Sale::getStock).containsExactly(4, 3, 3);
      assertThat(topology.<Sale>store(SaleTopology.SALES_STORE, "hot")).as("the sale itself is not decided").isNull();

      // Half a second apart: the other shards, idle, give up their reserves too.
      for (String buyer : usersOfShard(0, 3, 20)) {
        topology.advanceWallClock(Duration.ofMillis(500));
        topology.purchaseLoggedAt(topology.wallClock(), requestTo(topology, shards.get(0), buyer, buyer, 1));
      }
      List<PurchaseOutcome> outcomes = topology.readOutcomes();

      assertThat(outcomes).filteredOn(o -> o.getStatus() == OutcomeStatus.ACCEPTED).hasSize(10)
          .allMatch(o -> o.getSaleId().equals("hot~0"));
      assertThat(outcomes).filteredOn(o -> o.getStatus() == OutcomeStatus.REJECTED)
          .extracting(PurchaseOutcome::getReason).containsOnly(RejectReason.SOLD_OUT);
      List<StockLevel> levels = shards.stream().map(s -> topology.<StockLevel>store(SaleTopology.STOCK_STORE, s.getSaleId())).toList();
      assertThat(levels).extracting(StockLevel::getAvailable).containsOnly(0);
      assertThat(levels).extracting(StockLevel::getStock).containsExactly(10, 0, 0);
    }
  }

  @Test
  void aShardWithStockGivesAndOneWithoutPassesTheRequestOn() {
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("s", "SKU", 12, 1)).setShards(3).build();
    List<Sale> shards = Shards.of(sale);
    StockLevel seven = StockLevel.newBuilder(PurchaseDecision.openingStock(shards.get(1), NOW)).setAvailable(7)
        .setDemandAt(NOW).build(); // its buyers took stock at NOW
    StockLevel none = StockLevel.newBuilder(seven).setAvailable(0).build();
    StockTransfer fromShard0 = new StockTransfer("s~1", StockTransferKind.REQUEST, 0, 0, 0, null);

    Instant idle = NOW.plus(ShardStock.BUSY);
    ShardStock.Send grant = ShardStock.answer(shards.get(1), seven, fromShard0, idle);
    assertThat(grant.sku()).isEqualTo("SKU~0");
    assertThat(grant.transfer()).as("an idle shard gives all it has")
        .isEqualTo(new StockTransfer("s~0", StockTransferKind.GRANT, 0, 7, 1, 1));
    assertThat(ShardStock.answer(shards.get(1), seven, fromShard0, NOW).transfer().getUnits())
        .as("a busy shard gives half beyond its reserve of %s", ShardStock.lowWater(shards.get(1))).isEqualTo(3);

    ShardStock.Send passedOn = ShardStock.answer(shards.get(1), none, fromShard0, idle);
    assertThat(passedOn.sku()).isEqualTo("SKU~2");
    assertThat(passedOn.transfer()).isEqualTo(new StockTransfer("s~2", StockTransferKind.REQUEST, 0, 0, 1, null));

    ShardStock.Send roundTheRing = ShardStock.answer(shards.get(2), none,
        new StockTransfer("s~2", StockTransferKind.REQUEST, 0, 0, 1, null), idle);
    assertThat(roundTheRing.transfer()).as("the next shard is the asker: nobody had any")
        .isEqualTo(new StockTransfer("s~0", StockTransferKind.GRANT, 0, 0, 2, null));
    StockLevel one = StockLevel.newBuilder(seven).setAvailable(1).build();
    assertThat(ShardStock.given(shards.get(1), one, idle)).as("a last unit moves too").isEqualTo(1);
  }

  /**
   * Clicks a shard rejects for a limit are no demand for its stock: one account hitting LIMIT_EXCEEDED on its shard
   * every half second does not keep the shard's reserve (a tenth of its share) from the other shard's buyers, who
   * take the whole stock once the limited shard's own buyers stopped taking any.
   */
  @Test
  void rejectedClicksDoNotPinAShardsReserve() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("pinned", "SKU-PINNED", 200, 1)).setShards(2)
          .setEndsAt(NOW.plus(Duration.ofDays(1))).build();
      List<Sale> shards = topology.defineSharded(sale);
      String greedy = usersOfShard(1, 2, 1).get(0);
      topology.purchaseLoggedAt(topology.wallClock(), requestTo(topology, shards.get(1), "greedy-0", greedy, 1));
      List<String> buyers = usersOfShard(0, 2, 260);
      for (int i = 0; i < buyers.size(); i++) {
        topology.advanceWallClock(Duration.ofMillis(250));
        topology.purchaseLoggedAt(topology.wallClock(),
            requestTo(topology, shards.get(0), "buyer-" + i, buyers.get(i), 1));
        if (i % 2 == 0) { // the greedy account clicks on, every half second, and is refused its limit
          topology.purchaseLoggedAt(topology.wallClock(),
              requestTo(topology, shards.get(1), "greedy-" + (i + 1), greedy, 1));
        }
      }

      List<PurchaseOutcome> outcomes = topology.readOutcomes();
      assertThat(outcomes).filteredOn(o -> o.getSaleId().equals("pinned~1") && o.getStatus() == OutcomeStatus.REJECTED)
          .hasSizeGreaterThan(100).extracting(PurchaseOutcome::getReason).containsOnly(RejectReason.LIMIT_EXCEEDED);
      int taken = shards.stream().mapToInt(shard -> {
        StockLevel level = topology.store(SaleTopology.STOCK_STORE, shard.getSaleId());
        return level.getReserved() + level.getConfirmed();
      }).sum();
      assertThat(taken).as("the whole stock, the limited shard's reserve included").isEqualTo(200);
      assertThat(outcomes).filteredOn(o -> o.getStatus() == OutcomeStatus.ACCEPTED && o.getSaleId().equals("pinned~0"))
          .hasSize(199);
    }
  }

  /**
   * A grant to a shard its task does not know (a cluster whose stock-transfers and purchase-requests counts differ:
   * the shard's definition went to another task) goes back to the shard that gave it, which had already subtracted
   * the units: they are never lost on the way.
   */
  @Test
  void aGrantToAShardItsTaskDoesNotKnowGoesBackToItsGiver() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("lost", "SKU-LOST", 12, 1)).setShards(3).build();
      List<Sale> shards = Shards.of(sale);
      topology.define(shards.get(0));
      topology.define(shards.get(1)); // shard 2's definition is not in this task
      topology.advanceWallClock(ShardStock.BUSY); // idle: shard 1 gives all it has

      topology.transfer("SKU-LOST~1", new StockTransfer("lost~1", StockTransferKind.REQUEST, 2, 0, 0, null));

      assertThat(topology.transfersSent.readValuesToList()).containsExactly(
          new StockTransfer("lost~2", StockTransferKind.GRANT, 2, 4, 1, 1),
          new StockTransfer("lost~1", StockTransferKind.GRANT, 2, 4, 2, 1));
      StockLevel giver = topology.store(SaleTopology.STOCK_STORE, "lost~1");
      assertThat(giver.getStock()).as("the units came back").isEqualTo(4);
      assertThat(giver.getAvailable()).isEqualTo(4);
      assertThat(topology.<Long>store(SaleTopology.STOCK_ASKS_STORE, "lost~1")).isNull();
    }
  }

  /** An ask that reaches a shard its task does not know is answered with nothing, so its asker may ask again. */
  @Test
  void anAskToAShardItsTaskDoesNotKnowIsAnsweredWithNothing() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("gap", "SKU-GAP", 12, 1)).setShards(3).build();
      List<Sale> shards = Shards.of(sale);
      topology.define(shards.get(0));
      topology.driver.<String, Long>getKeyValueStore(SaleTopology.STOCK_ASKS_STORE).put("gap~0", NOW.toEpochMilli());

      topology.transfer("SKU-GAP~1", new StockTransfer("gap~1", StockTransferKind.REQUEST, 0, 0, 0, null));

      assertThat(topology.transfersSent.readValuesToList()).containsExactly(
          new StockTransfer("gap~0", StockTransferKind.GRANT, 0, 0, 1, null));
      assertThat(topology.<Long>store(SaleTopology.STOCK_ASKS_STORE, "gap~0")).as("the ask is answered").isNull();
      assertThat(topology.<StockLevel>store(SaleTopology.STOCK_STORE, "gap~0").getStock()).isEqualTo(4);
    }
  }

  /**
   * An ask whose answer never comes (lost) is asked again once {@link ShardStock#ASK_TIMEOUT} has passed, and its
   * answer brings stock; an unanswered ask of a shard that no longer runs low is forgotten. No ask stays for ever.
   */
  @Test
  void anAskNeverAnsweredIsAskedAgain() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale("slow", "SKU-SLOW", 12, 1)).setShards(3)
          .setStartsAt(NOW.minusSeconds(1)).setEndsAt(NOW.plusSeconds(3600)).build();
      List<Sale> shards = topology.defineSharded(sale);
      var asks = topology.driver.<String, Long>getKeyValueStore(SaleTopology.STOCK_ASKS_STORE);
      asks.put("slow~0", NOW.toEpochMilli()); // an ask whose request was lost on its way
      asks.put("slow~1", NOW.toEpochMilli()); // and one of a shard that has plenty
      for (String buyer : usersOfShard(0, 3, 4)) {
        topology.purchase(requestTo(topology, shards.get(0), buyer, buyer, 1));
      }
      assertThat(topology.<StockLevel>store(SaleTopology.STOCK_STORE, "slow~0").getAvailable()).isZero();
      topology.advanceWallClock(ShardStock.ASK_TIMEOUT.minusSeconds(1));
      assertThat(topology.transfersSent.readValuesToList()).as("no second ask before the timeout").isEmpty();

      topology.advanceWallClock(Duration.ofSeconds(1));

      List<StockTransfer> sent = topology.transfersSent.readValuesToList();
      assertThat(sent).first().isEqualTo(new StockTransfer("slow~1", StockTransferKind.REQUEST, 0, 0, 0, null));
      assertThat(sent).last().satisfies(grant -> {
        assertThat(grant.getSaleId()).isEqualTo("slow~0");
        assertThat(grant.getKind()).isEqualTo(StockTransferKind.GRANT);
        assertThat(grant.getUnits()).isPositive();
      });
      assertThat(topology.<StockLevel>store(SaleTopology.STOCK_STORE, "slow~0").getAvailable()).isPositive();
      assertThat(topology.storeContents(SaleTopology.STOCK_ASKS_STORE)).as("answered, and forgotten").isEmpty();
    }
  }

  sealed interface Step permits Buy, Cancel, PassTime {}

  /** A buyer's request; the API sends it to the buyer's shard. */
  record Buy(int user, int quantity) implements Step {}

  record Cancel(int which) implements Step {}

  record PassTime(int seconds) implements Step {}

  /**
   * Random buys, cancellations and hold expiries over a sharded sale, then a rush of new buyers over all shards,
   * then buyers of one shard only: after every step the shards' stock adds up to the sale's, no shard goes below
   * zero, no user holds more than the limit, each shard numbers its outcomes 1..n without a gap; once buyers have
   * kept coming, the whole stock is taken, wherever it started.
   */
  @Property(tries = 80)
  void shardsNeverOversellHoldLimitsAndSellOutExactly(@ForAll("scenarios") Tuple.Tuple4<Integer, Integer, Integer,
      List<Step>> scenario) {
    if (shared == null) {
      shared = new SaleTopologyDriver();
    }
    sellOut(shared, scenario.get1(), scenario.get2(), scenario.get3(), scenario.get4());
    Statistics.label("shards").collect(scenario.get2());
  }

  /**
   * A sample the property once drew: holds of the first steps expire (after 5 minutes) while the last buyers come, and
   * the units they give back sell to the buyers who come after them.
   */
  @Test
  void unitsOfHoldsThatExpireAsTheLastBuyersComeSellToTheBuyersAfterThem() {
    try (SaleTopologyDriver topology = new SaleTopologyDriver()) {
      sellOut(topology, 36, 2, 2, List.of(new Buy(2, 2), new PassTime(2), new Cancel(22), new Buy(4, 3),
          new Buy(22, 2), new Buy(29, 2), new PassTime(13), new Buy(5, 2), new Cancel(23), new Cancel(7),
          new PassTime(184), new Cancel(999)));
    }
  }

  private static void sellOut(SaleTopologyDriver topology, int requestedStock, int shardCount, int limit,
      List<Step> steps) {
    topology.readOutcomes();
    int stock = Math.max(requestedStock, shardCount); // every shard starts with a unit at least
    String saleId = "shards-" + TRIES.incrementAndGet();
    Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale(saleId, "SKU-" + saleId, stock, limit))
        .setShards(shardCount).setStartsAt(topology.wallClock().minusSeconds(1))
        .setEndsAt(topology.wallClock().plusSeconds(86_400)).build();
    List<Sale> shards = topology.defineSharded(sale);
    Map<String, Integer> held = new HashMap<>();
    List<PurchaseOutcome> accepted = new ArrayList<>();
    Map<String, Long> numbered = new HashMap<>(); // the last saleSequence seen per shard of this sale
    shards.forEach(shard -> numbered.put(shard.getSaleId(), 0L));
    int[] requests = {0};

    for (Step step : steps) {
      if (step instanceof Buy buy) {
        String user = saleId + "-user-" + buy.user();
        Sale shard = shards.get(Shards.shardOf(user, shardCount));
        topology.purchase(requestTo(topology, shard, saleId + "-r" + requests[0]++, user, buy.quantity()));
      } else if (step instanceof Cancel cancel && !accepted.isEmpty()) {
        PurchaseOutcome hold = accepted.get(cancel.which() % accepted.size());
        topology.cancel(SaleTopologyDriver.cancellation(hold.getRequestId(),
            shards.get(Integer.parseInt(hold.getSaleId().substring(hold.getSaleId().lastIndexOf('~') + 1))),
            hold.getUserId()));
      } else if (step instanceof PassTime pass) {
        topology.advanceWallClock(Duration.ofSeconds(pass.seconds()));
      }
      tally(topology.readOutcomes(), held, accepted, numbered);
      assertShardsAddUp(topology, shards, stock);
      assertNumbered(topology, shards, numbered);
      held.forEach((user, units) -> assertThat(units).as("units of %s", user).isLessThanOrEqualTo(limit));
    }

    // The rush: three times as many new buyers as units, each for one, wherever their shard is, 200 ms apart.
    for (int rush = 0; rush < 3 * stock; rush++) {
      topology.advanceWallClock(Duration.ofMillis(200));
      String user = saleId + "-rush-" + rush;
      Sale shard = shards.get(Shards.shardOf(user, shardCount));
      topology.purchase(requestTo(topology, shard, saleId + "-rush-r" + rush, user, 1));
    }
    // Then buyers keep coming to one shard only: the others, idle, give up what they kept for their own buyers. They
    // come for at least 20 buyers (10 s) after the last hold that ended and gave its units back: a hold of the steps
    // above may expire while they come (holds last 5 minutes), and its units sell only to buyers who come later.
    tally(topology.readOutcomes(), held, accepted, numbered);
    int tail = stock % shardCount;
    for (int late = 0, sent = 0, sinceReturn = 0; sent < 4 * stock + 20 || sinceReturn < 20; late++) {
      String user = saleId + "-late-" + late;
      if (Shards.shardOf(user, shardCount) == tail) {
        topology.advanceWallClock(Duration.ofMillis(500));
        topology.purchase(requestTo(topology, shards.get(tail), saleId + "-late-r" + late, user, 1));
        sent++;
        List<PurchaseOutcome> outcomes = topology.readOutcomes();
        tally(outcomes, held, accepted, numbered);
        boolean returned = outcomes.stream().anyMatch(o -> numbered.containsKey(o.getSaleId())
            && (o.getStatus() == OutcomeStatus.EXPIRED || o.getStatus() == OutcomeStatus.CANCELLED));
        sinceReturn = returned ? 0 : sinceReturn + 1;
      }
    }
    assertShardsAddUp(topology, shards, stock);
    assertNumbered(topology, shards, numbered);
    int taken = shards.stream().map(s -> level(topology, s)).mapToInt(l -> l.getReserved() + l.getConfirmed()).sum();
    assertThat(taken).as("units taken once buyers kept coming").isEqualTo(stock);
  }

  /**
   * Counts the outcomes into what each user holds; each shard's outcomes must carry 1, 2, 3... in the order emitted,
   * whatever stock moved between the shards meanwhile.
   */
  private static void tally(List<PurchaseOutcome> outcomes, Map<String, Integer> held, List<PurchaseOutcome> accepted,
      Map<String, Long> numbered) {
    for (PurchaseOutcome outcome : outcomes) {
      Long last = numbered.get(outcome.getSaleId()); // null: a hold of an earlier try's sale ended
      if (last != null) {
        assertThat(outcome.getSaleSequence()).as("number of %s %s in %s", outcome.getStatus(), outcome.getRequestId(),
            outcome.getSaleId()).isEqualTo(last + 1);
        numbered.put(outcome.getSaleId(), last + 1);
      }
      int units = switch (outcome.getStatus()) {
        case ACCEPTED -> outcome.getQuantity();
        case EXPIRED, CANCELLED -> -outcome.getQuantity();
        default -> 0;
      };
      held.merge(outcome.getUserId(), units, Integer::sum);
      if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
        accepted.add(outcome);
      }
    }
  }

  /** Each shard counts as many outcomes as it emitted. */
  private static void assertNumbered(SaleTopologyDriver topology, List<Sale> shards, Map<String, Long> numbered) {
    for (Sale shard : shards) {
      assertThat(level(topology, shard).getOutcomes()).as("outcomes of %s", shard.getSaleId())
          .isEqualTo(numbered.getOrDefault(shard.getSaleId(), 0L));
    }
  }

  private static void assertShardsAddUp(SaleTopologyDriver topology, List<Sale> shards, int stock) {
    int total = 0;
    for (Sale shard : shards) {
      StockLevel level = level(topology, shard);
      assertThat(level.getAvailable()).as("available in %s", shard.getSaleId()).isNotNegative();
      assertThat(level.getAvailable() + level.getReserved() + level.getConfirmed()).as("units of %s", shard.getSaleId())
          .isEqualTo(level.getStock());
      total += level.getStock();
    }
    assertThat(total).as("the shards' stock").isEqualTo(stock);
  }

  private static StockLevel level(SaleTopologyDriver topology, Sale shard) {
    return topology.store(SaleTopology.STOCK_STORE, shard.getSaleId());
  }

  /** A request to {@code shard}, made at the wall clock of the driver that takes it. */
  private static PurchaseRequest requestTo(SaleTopologyDriver topology, Sale shard, String requestId, String userId,
      int quantity) {
    return SaleTopologyDriver.request(requestId, shard.getSaleId(), shard.getSku(), userId, quantity,
        topology.wallClock());
  }

  /** Users whom the API sends to {@code shard}. */
  private static List<String> usersOfShard(int shard, int shards, int count) {
    List<String> users = new ArrayList<>();
    for (int i = 0; users.size() < count; i++) {
      if (Shards.shardOf("user-" + i, shards) == shard) {
        users.add("user-" + i);
      }
    }
    return users;
  }

  @Provide
  Arbitrary<Tuple.Tuple4<Integer, Integer, Integer, List<Step>>> scenarios() {
    Arbitrary<Step> step = Arbitraries.frequencyOf(
        Tuple.of(8, Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.integers().between(1, 3))
            .as(Buy::new)),
        Tuple.of(2, Arbitraries.integers().between(0, 1000).map(Cancel::new)),
        Tuple.of(1, Arbitraries.integers().between(1, 400).map(PassTime::new)));
    return Combinators.combine(Arbitraries.integers().between(1, 40), Arbitraries.integers().between(2, 5),
        Arbitraries.integers().between(1, 3), step.list().ofMaxSize(60)).as(Tuple::of);
  }
}
