package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.testing.Sales;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random interleavings of queue joins, purchases, cancellations, winners claiming (or not) and the passing of time,
 * across a sell-out and the sale's end, against a last-draw sale: nobody wins twice, the units held, bought and
 * reserved never exceed the stock, and the closed draw recomputes from the seed, the queue-joins log and the sale's
 * outcomes.
 *
 * <p>All tries share one driver (starting one costs more than a whole try); each names its own sale.
 */
class LastDrawPropertiesTest {
  private static final AtomicInteger TRIES = new AtomicInteger();
  private static final int PASS_SECONDS = 30;
  private static final int HOLD_SECONDS = 120;
  private static SaleTopologyDriver flashsale;

  sealed interface Step permits Join, Buy, Cancel, ClaimAll, PassTime {}

  record Join(int user) implements Step {}

  record Buy(int user) implements Step {}

  /** The user gives back its latest hold, if it has one. */
  record Cancel(int user) implements Step {}

  /** Every winner whose unit is still reserved buys it. */
  record ClaimAll() implements Step {}

  record PassTime(int seconds) implements Step {}

  @AfterContainer
  static void closeDriver() {
    if (flashsale != null) {
      flashsale.close();
      flashsale = null;
    }
  }

  @Property(tries = 60)
  void nobodyWinsTwiceStockIsNeverExceededAndTheDrawRecomputes(@ForAll("scenarios") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 4) int stock) {
    if (flashsale == null) {
      flashsale = new SaleTopologyDriver();
    }
    String saleId = "last-try-" + TRIES.incrementAndGet();
    flashsale.readOutcomes();
    flashsale.readStockLevels();
    flashsale.readLastDrawRounds();
    flashsale.readDraws();
    Instant opened = flashsale.wallClock();
    // The sale ends ten minutes in: a try's passing time crosses the end about half the time.
    Sale sale = flashsale.defineLastDraw(Sales.live(saleId, "SKU-" + saleId, stock, 1, opened)
        .setEndsAt(opened.plus(Duration.ofMinutes(10))).setHoldSeconds(HOLD_SECONDS).setAllocation(Allocation.FCFS)
        .build(), SaleTopologyDriver.seed(saleId), PASS_SECONDS);
    Run run = new Run(sale);
    for (Step step : steps) {
      Instant now = flashsale.wallClock();
      if (step instanceof Join join) {
        run.join("user-" + join.user(), now);
      } else if (step instanceof Buy buy) {
        run.buy("user-" + buy.user(), now);
      } else if (step instanceof Cancel cancel) {
        run.cancel("user-" + cancel.user());
      } else if (step instanceof ClaimAll) {
        run.reserved(now).forEach(winner -> run.buy(winner, now));
      } else if (step instanceof PassTime pass) {
        flashsale.advanceWallClock(Duration.ofSeconds(pass.seconds()));
      }
      run.check();
    }
    // What is left at the end is drawn; half the tries' winners claim it.
    Instant drawAtEnd = sale.getEndsAt().plus(SaleTopology.LOTTERY_DRAW_GRACE).plusSeconds(1);
    if (flashsale.wallClock().isBefore(drawAtEnd)) {
      flashsale.advanceWallClockTo(drawAtEnd);
    }
    run.check();
    if (stock % 2 == 0) {
      run.reserved(flashsale.wallClock()).forEach(winner -> run.buy(winner, flashsale.wallClock()));
      run.check();
    }
    flashsale.advanceWallClockTo(LastDrawRules.closeAt(sale, null).plusSeconds(PASS_SECONDS + 10));
    flashsale.advanceWallClock(Duration.ofSeconds(PASS_SECONDS + 10));
    run.check();

    Statistics.label("rounds").collect(run.rounds.isEmpty() ? "none" : run.rounds.size() == 1 ? "one" : "several");
    List<DrawResult> closed = flashsale.readDraws().stream().filter(d -> d.getSaleId().equals(saleId)).toList();
    assertThat(closed).as("the draw closes once, with its seed").hasSize(1);
    assertThat(closed.get(0).getSeed()).isEqualTo(SaleTopologyDriver.seed(saleId));
    assertThat(LastDrawRules.verify(sale, closed.get(0).getSeed(), run.joins, run.outcomes, run.rounds, closed.get(0)))
        .as("the draw recomputes from the log").isEmpty();
  }

  /** One try's sale and what it saw. */
  private static final class Run {
    final Sale sale;
    final List<QueueJoin> joins = new ArrayList<>();
    final List<PurchaseOutcome> outcomes = new ArrayList<>();
    final List<LastDrawRound> rounds = new ArrayList<>();
    final Map<String, PurchaseOutcome> latest = new HashMap<>();
    final Map<String, String> heldBy = new HashMap<>(); // user -> request of its latest accepted purchase
    final Set<String> winners = new HashSet<>();
    int requests;

    Run(Sale sale) {
      this.sale = sale;
    }

    void join(String user, Instant at) {
      QueueJoin join = new QueueJoin(sale.getSaleId(), user, null, null, null);
      joins.add(join);
      flashsale.queueJoins.pipeInput(sale.getSku(), join, at);
      flashsale.queuePlaces.readValuesToList();
    }

    void buy(String user, Instant at) {
      String id = sale.getSaleId() + "-r" + ++requests;
      flashsale.purchaseLoggedAt(at, SaleTopologyDriver.request(id, sale.getSaleId(), sale.getSku(), user, 1, at));
    }

    void cancel(String user) {
      String requestId = heldBy.get(user);
      if (requestId != null) {
        flashsale.cancel(SaleTopologyDriver.cancellation(requestId, sale, user));
      }
    }

    /** Winners whose unit is still reserved at {@code now}, by the rounds published. */
    List<String> reserved(Instant now) {
      Set<String> claimed = new HashSet<>(heldBy.keySet());
      List<String> waiting = new ArrayList<>();
      for (LastDrawRound round : rounds) {
        if (now.isBefore(round.getClaimUntil())) {
          round.getWinners().stream().filter(w -> !claimed.contains(w)).forEach(waiting::add);
        }
      }
      return waiting;
    }

    void check() {
      for (PurchaseOutcome outcome : flashsale.readOutcomes()) {
        if (!outcome.getSaleId().equals(sale.getSaleId())) {
          continue;
        }
        outcomes.add(outcome);
        if (outcome.getStatus() != OutcomeStatus.REJECTED) {
          latest.put(outcome.getRequestId(), outcome);
        }
        if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
          heldBy.put(outcome.getUserId(), outcome.getRequestId());
        }
      }
      for (LastDrawRound round : flashsale.readLastDrawRounds()) {
        if (!round.getSaleId().equals(sale.getSaleId())) {
          continue;
        }
        rounds.add(round);
        for (String winner : round.getWinners()) {
          assertThat(winners.add(winner)).as("%s won twice", winner).isTrue();
        }
      }
      int allocated = latest.values().stream()
          .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED || o.getStatus() == OutcomeStatus.CONFIRMED)
          .mapToInt(PurchaseOutcome::getQuantity).sum();
      assertThat(allocated).as("units held or bought").isLessThanOrEqualTo(sale.getStock());
      for (StockLevel level : flashsale.readStockLevels()) {
        if (!level.getSaleId().equals(sale.getSaleId())) {
          continue;
        }
        assertThat(level.getAvailable()).isNotNegative();
        assertThat(level.getReserved()).isNotNegative();
        assertThat(level.getAvailable() + level.getReserved() + level.getConfirmed()).isEqualTo(sale.getStock());
      }
      StockLevel now = flashsale.store(SaleTopology.STOCK_STORE, sale.getSaleId());
      long reservedForWinners = rounds.stream().flatMap(r -> r.getWinners().stream())
          .filter(w -> flashsale.<Long>store(SaleTopology.LAST_DRAW_WINNERS_STORE,
              StoreKeys.saleScoped(sale.getSaleId(), w)) > LastDraws.SETTLED).count();
      assertThat(allocated + reservedForWinners).as("held, bought and reserved for winners")
          .isLessThanOrEqualTo(sale.getStock()).isEqualTo(now.getReserved() + now.getConfirmed());
      assertThat(now.getDrawReserved()).as("the level counts the winners' units apart").isEqualTo(reservedForWinners);
    }
  }

  @Provide
  Arbitrary<List<Step>> scenarios() {
    Arbitrary<Integer> users = Arbitraries.integers().between(0, 9);
    Arbitrary<Step> step = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, users.map(Join::new)),
        net.jqwik.api.Tuple.of(4, users.map(Buy::new)),
        net.jqwik.api.Tuple.of(2, users.map(Cancel::new)),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(new ClaimAll())),
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 90).map(PassTime::new)));
    return step.list().ofMinSize(5).ofMaxSize(40);
  }
}
