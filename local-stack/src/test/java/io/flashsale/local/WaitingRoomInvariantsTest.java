package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.http.Problem;
import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.waitingroom.Admission;
import io.flashsale.api.waitingroom.PassCheck;
import io.flashsale.api.waitingroom.QueueOrder;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.WaitingRoom;
import io.flashsale.topology.SaleTopologyDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

/**
 * Random interleavings of joins (before and after the start), polls, purchases with the buyer's own pass, none,
 * another buyer's, a forged one or another sale's, and the admin's changes of the admission rate, through the
 * API's waiting-room decisions ({@link ApiDecisions}) and the whole topology. After every step: no purchase
 * gets past the pass check without a valid pass issued to its buyer, nothing is accepted beyond the stock, no
 * position grows and an admitted buyer stays admitted, no more buyers are admitted than the rates allow, and
 * once the stock is gone the waiting are told SOLD_OUT.
 *
 * <p>All tries share one driver (starting one costs more than a try); each try has its own sale and SKU.
 */
class WaitingRoomInvariantsTest {
  private static final AtomicInteger TRIES = new AtomicInteger();
  private static SaleTopologyDriver flashsale;

  sealed interface Step permits Join, Poll, Buy, ChangeRate {}

  record Join(int user) implements Step {}

  record Poll(int user) implements Step {}

  enum PassChoice { OWN, NONE, ANOTHER_BUYERS, FORGED, OTHER_SALES, TAMPERED }

  record Buy(int user, int quantity, PassChoice pass) implements Step {}

  record ChangeRate(int admitPerSecond) implements Step {}

  /** A step and the time that passes before it. */
  record Timed(int delayMillis, Step step) {}

  record Scenario(int startsInSeconds, int stock, int perUserLimit, int admitPerSecond, int passSeconds,
                  List<Timed> steps) {}

  /** An admission rate from a time on, as the test itself keeps them. */
  record Rate(Instant from, int perSecond) {}

  @AfterContainer
  static void closeDriver() {
    if (flashsale != null) {
      flashsale.close();
      flashsale = null;
    }
  }

  @Property(tries = 100)
  void noPurchaseWithoutAPassNoOversellPositionsNeverGrow(@ForAll("scenarios") Scenario scenario) {
    if (flashsale == null) {
      flashsale = new SaleTopologyDriver();
    }
    flashsale.readOutcomes(); // what earlier tries left behind
    flashsale.readStockLevels();
    flashsale.queueStats.readValuesToList();
    Room room = new Room(scenario, "room-try" + TRIES.incrementAndGet());
    for (Timed timed : scenario.steps()) {
      flashsale.advanceWallClock(Duration.ofMillis(timed.delayMillis()));
      room.take(timed.step(), flashsale.wallClock());
    }
    // What the tries reached, printed by jqwik: a property that never sells out or admits proves little.
    Statistics.label("stock").collect(room.accepted == scenario.stock() ? "sold out" : room.accepted > 0 ? "some sold" : "none sold");
    Statistics.label("admitted").collect(room.passes.isEmpty() ? "none" : room.passes.size() < 5 ? "1-4" : "5+");
  }

  /** One try's sale, what the API has told its buyers, and what the topology has said. */
  private static final class Room {
    private final Scenario scenario;
    private final Sale sale;
    private final ApiDecisions api;
    private final ApiDecisions forger;
    private final ApiDecisions otherSale;
    private final Map<Integer, String> tokens = new HashMap<>();
    private final Map<Integer, String> passes = new java.util.TreeMap<>();
    private final Map<Integer, Instant> passExpiry = new HashMap<>();
    private final Map<Integer, Long> positions = new HashMap<>();
    private final List<Rate> rates = new ArrayList<>();
    private QueueStats stats;
    private StockLevel level;
    private int accepted;
    private int requests;

    Room(Scenario scenario, String saleId) {
      this.scenario = scenario;
      Instant now = flashsale.wallClock();
      sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale(saleId, "SKU-" + saleId, scenario.stock(),
              scenario.perUserLimit()))
          .setCreatedAt(now).setStartsAt(now.plusSeconds(scenario.startsInSeconds())).setEndsAt(now.plusSeconds(3600))
          .setHoldSeconds(3600) // no hold ends within a try: what is accepted stays taken
          .setWaitingRoom(new WaitingRoom(scenario.admitPerSecond(), scenario.passSeconds(), 900, 0, 3_600)).build();
      flashsale.define(sale);
      api = new ApiDecisions("room-secret", sale);
      forger = new ApiDecisions("not-the-secret", sale);
      otherSale = new ApiDecisions("room-secret", Sale.newBuilder(sale).setSaleId(saleId + "-other").build());
      rates.add(new Rate(Instant.EPOCH, scenario.admitPerSecond()));
    }

    void take(Step step, Instant now) {
      if (step instanceof Join join) {
        tokens.computeIfAbsent(join.user(), user -> api.token(flashsale.join(sale, user(user), now)));
      } else if (step instanceof Poll poll && tokens.containsKey(poll.user())) {
        poll(poll.user(), now);
      } else if (step instanceof Buy buy) {
        buy(buy, now);
      } else if (step instanceof ChangeRate change) {
        api.rateChanged(now, change.admitPerSecond());
        rates.add(new Rate(now, change.admitPerSecond()));
      }
      flashsale.readStockLevels().stream().filter(l -> l.getSaleId().equals(sale.getSaleId()))
          .reduce((a, b) -> b).ifPresent(latest -> level = latest);
      flashsale.queueStats.readValuesToList().stream().filter(s -> s.getSaleId().equals(sale.getSaleId()))
          .reduce((a, b) -> b).ifPresent(latest -> stats = latest);
      assertThat(accepted).as("units accepted").isLessThanOrEqualTo(sale.getStock());
      if (level != null) {
        assertThat(level.getAvailable()).as("units left").isEqualTo(sale.getStock() - accepted);
      }
    }

    private void poll(int user, Instant now) {
      int available = level == null ? sale.getStock() : level.getAvailable();
      ApiDecisions.Answer answer = api.poll(tokens.get(user), available, stats, now);
      if (available == 0) {
        assertThat(answer.status()).as("admission stops once the stock is gone").isEqualTo("SOLD_OUT");
      }
      if (answer.status().equals("WAITING")) {
        assertThat(passes).as("user %s was admitted, and is told to wait again at %s", user, now).doesNotContainKey(user);
        if (answer.position() != null) {
          Long before = positions.put(user, answer.position());
          assertThat(answer.position()).as("the position of user %s at %s", user, now)
              .isPositive().isLessThanOrEqualTo(before == null ? Long.MAX_VALUE : before);
        }
      }
      if (answer.status().equals("ADMITTED")) {
        assertThat(answer.pass()).isNotNull();
        passes.put(user, answer.pass());
        passExpiry.put(user, now.plusSeconds(scenario.passSeconds()));
        assertThat(stats).as("admitted before the pre-queue closed").isNotNull();
        assertThat((double) passes.size()).as("buyers admitted by %s", now).isLessThanOrEqualTo(allowed(now));
      }
    }

    private void buy(Buy chosen, Instant now) {
      // Mostly buyers who were admitted, so that stock sells: an own-pass buy picks among them.
      List<Integer> admitted = List.copyOf(passes.keySet());
      Buy buy = chosen.pass() == PassChoice.OWN && !admitted.isEmpty()
          ? new Buy(admitted.get(chosen.user() % admitted.size()), chosen.quantity(), chosen.pass()) : chosen;
      String own = passes.get(buy.user());
      String pass = switch (buy.pass()) {
        case OWN -> own;
        case NONE -> null;
        case ANOTHER_BUYERS -> passes.entrySet().stream().filter(e -> e.getKey() != buy.user())
            .map(Map.Entry::getValue).findFirst().orElse(null);
        case FORGED -> forger.pass(user(buy.user()), now.plusSeconds(60));
        case OTHER_SALES -> otherSale.pass(user(buy.user()), now.plusSeconds(60));
        case TAMPERED -> own == null ? null : own.substring(0, own.length() - 1) + (own.endsWith("A") ? "B" : "A");
      };
      if (api.refusal(pass, user(buy.user()), now).isPresent()) {
        return; // nothing is written
      }
      assertThat(buy.pass()).as("only the buyer's own pass lets a purchase through").isEqualTo(PassChoice.OWN);
      assertThat(passExpiry.get(buy.user())).as("a pass issued to user %s, valid at %s", buy.user(), now).isAfter(now);
      flashsale.purchaseLoggedAt(now, SaleTopologyDriver.request(sale.getSaleId() + "-r" + (++requests),
          sale.getSaleId(), sale.getSku(), user(buy.user()), buy.quantity(), now));
      for (PurchaseOutcome outcome : flashsale.readOutcomes()) {
        if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
          assertThat(passes).as("accepted for an admitted buyer").containsKey(index(outcome.getUserId()));
          accepted += outcome.getQuantity();
        }
      }
    }

    /**
     * How many buyers the rates admit by {@code now}, computed here: each rate times its stretch, from the
     * admission's start (a lead after the pre-queue's close) on.
     */
    private double allowed(Instant now) {
      Instant closed = stats.getClosedAt() != null && stats.getClosedAt().isAfter(sale.getStartsAt())
          ? stats.getClosedAt() : sale.getStartsAt();
      Instant start = closed.plus(ApiDecisions.admissionLead());
      double total = 0;
      for (int i = 0; i < rates.size(); i++) {
        Instant from = rates.get(i).from().isAfter(start) ? rates.get(i).from() : start;
        Instant to = i + 1 < rates.size() && rates.get(i + 1).from().isBefore(now) ? rates.get(i + 1).from() : now;
        if (to.isAfter(from)) {
          total += rates.get(i).perSecond() * (Duration.between(from, to).toNanos() / 1e9);
        }
      }
      return Math.floor(total + 1e-6);
    }
  }

  private static String user(int index) {
    return "buyer-" + index;
  }

  private static int index(String userId) {
    return Integer.parseInt(userId.substring("buyer-".length()));
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<Integer> users = Arbitraries.integers().between(0, 11);
    // Mostly the buyer's own pass (so that stock sells), each wrong kind now and then.
    Arbitrary<PassChoice> passChoices = Arbitraries.frequency(Tuple.of(10, PassChoice.OWN), Tuple.of(1, PassChoice.NONE),
        Tuple.of(1, PassChoice.ANOTHER_BUYERS), Tuple.of(1, PassChoice.FORGED), Tuple.of(1, PassChoice.OTHER_SALES),
        Tuple.of(1, PassChoice.TAMPERED));
    Arbitrary<Step> step = Arbitraries.frequencyOf(
        Tuple.of(4, users.map(Join::new)),
        Tuple.of(6, users.map(Poll::new)),
        Tuple.of(5, Combinators.combine(users, Arbitraries.integers().between(1, 3), passChoices).as(Buy::new)),
        Tuple.of(1, Arbitraries.integers().between(1, 20).map(ChangeRate::new)));
    // Many steps at once, most within a second or so, a few after longer pauses (past the start, past passes).
    Arbitrary<Integer> delays = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)),
        Tuple.of(6, Arbitraries.integers().between(1, 1500)), Tuple.of(1, Arbitraries.integers().between(1500, 8000)));
    return Combinators.combine(Arbitraries.integers().between(1, 15), Arbitraries.integers().between(1, 12),
        Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 10), Arbitraries.integers().between(10, 30),
        Combinators.combine(delays, step).as(Timed::new).list().ofMinSize(40).ofMaxSize(150)).as(Scenario::new);
  }

  /**
   * The API's public waiting-room decisions for one sale (the queue token, {@link Admission}, the pass and its
   * check, {@link PassCheck}), as the routes combine them.
   */
  static final class ApiDecisions {
    /** What a poll of the queue answers: {@code position} and {@code pass} as the route gives them. */
    public record Answer(String status, Long position, String pass) {}

    private final WaitingRoomSigner signer;
    private final Sale sale;
    private final List<QueueOrder.Rate> rates = new ArrayList<>();

    public ApiDecisions(String secret, Sale sale) {
      this.signer = new WaitingRoomSigner(secret);
      this.sale = sale;
      rates.add(new QueueOrder.Rate(Instant.EPOCH, sale.getWaitingRoom().getAdmitPerSecond()));
    }

    /** How long after the pre-queue's close admission starts. */
    public static Duration admissionLead() {
      return Admission.LEAD;
    }

    /** The admin changed the admission rate; the broker appended the change at {@code at}. */
    public void rateChanged(Instant at, int admitPerSecond) {
      rates.add(new QueueOrder.Rate(at, admitPerSecond));
    }

    /** The queue token a join answers with, for the place the topology gave. */
    public String token(QueuePlace place) {
      return signer.token(new QueueToken(place.getSaleId(), place.getUserId(), place.getPlace(), place.getPreQueue()));
    }

    /** What {@code GET /api/queue/{token}} answers at {@code now}, with the topology's latest stock and queue stats. */
    public Answer poll(String token, int available, QueueStats stats, Instant now) {
      QueueToken place = signer.token(token).orElseThrow();
      Admission admission = Admission.of(sale, SaleStatus.of(sale, available, now), place, stats, rates,
          signer.shuffle(sale.getSaleId()), now);
      String pass = admission.state() == Admission.State.ADMITTED
          ? signer.pass(sale.getSaleId(), place.userId(), now.plusSeconds(sale.getWaitingRoom().getPassSeconds())) : null;
      return new Answer(admission.state().name(), admission.position(), pass);
    }

    /** A pass for {@code userId} as this edge's signer makes one, expiring at {@code expiresAt}. */
    public String pass(String userId, Instant expiresAt) {
      return signer.pass(sale.getSaleId(), userId, expiresAt);
    }

    /** Why the purchase route refuses a purchase of {@code userId} with header {@code pass} at {@code now}, if it does. */
    public Optional<String> refusal(String pass, String userId, Instant now) {
      try {
        PassCheck.require(signer, pass, sale, userId, now);
        return Optional.empty();
      } catch (Problem refused) {
        return Optional.of(refused.code.name());
      }
    }
  }
}
