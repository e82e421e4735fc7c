package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Random interleavings of sale definitions, purchases (with and without an Idempotency-Key, gathered into
 * batches of random size per SKU as the API writes them), retries (inside a batch and across batches),
 * payments (successes and failures, right and wrong amounts, second charges, redeliveries), cancellations and
 * the passing of time against the whole topology: the guarantees hold after every record, whatever the order, and
 * every sale's outcomes are numbered 1..n in the order emitted, without a gap or a number twice (the order in which
 * the books apply them), a retry hearing its request's latest outcome again as a repeat.
 *
 * <p>All tries share one driver (starting one costs more than a whole try): each try names its own sales
 * and requests and looks only at those. Holds of earlier tries may still end meanwhile; they touch no
 * sale of this try.
 */
class PurchaseInvariantsTest {
  private static final AtomicInteger TRIES = new AtomicInteger();
  private static SaleTopologyDriver flashsale;

  private static final List<String> SALE_IDS = List.of("sale-a", "sale-b", "sale-c");
  // Two sales share a SKU, so they share a partition and a task, as they would in production.
  private static final List<String> SKUS = List.of("SKU-1", "SKU-2", "SKU-1");
  private static final Set<OutcomeStatus> DECISIONS = EnumSet.of(OutcomeStatus.ACCEPTED, OutcomeStatus.REJECTED);
  private static final Set<OutcomeStatus> UNPAID_ENDS = EnumSet.of(OutcomeStatus.EXPIRED, OutcomeStatus.CANCELLED);

  sealed interface Step permits DefineSale, Purchase, Retry, Pay, Redeliver, Cancel, PassTime {}

  record DefineSale(int sale, int stock, int perUserLimit) implements Step {}

  /**
   * A click; it waits in its SKU's batch, which leaves with it when {@code endsBatch}, or before any other kind
   * of step. Only a keyed click ({@code keyed}) can be retried: without a key the API makes a random id once.
   */
  record Purchase(int sale, int user, int quantity, boolean inWindow, boolean keyed, boolean endsBatch)
      implements Step {}

  /** Sends an earlier keyed request again, byte for byte: {@code which} picks one of those sent so far. */
  record Retry(int which, boolean endsBatch) implements Step {}

  enum Payment { SUCCEEDED, WRONG_AMOUNT, FAILED, UNKNOWN_REQUEST }

  /** A payment event for an earlier request; {@code charge} picks one of two payments, so a request may be charged twice. */
  record Pay(int which, int charge, Payment payment) implements Step {}

  /** Delivers an earlier payment event again, same eventId. */
  record Redeliver(int which) implements Step {}

  record Cancel(int which, boolean byBuyer) implements Step {}

  record PassTime(int millis) implements Step {}

  @AfterContainer
  static void closeDriver() {
    if (flashsale != null) {
      flashsale.close();
      flashsale = null;
    }
  }

  @Property(tries = 150)
  void noOversellEveryHoldEndsOnceLimitsHold(@ForAll("scenarios") List<Step> steps) {
    if (flashsale == null) {
      flashsale = new SaleTopologyDriver();
    }
    String run = "try" + TRIES.incrementAndGet() + "-";
    flashsale.readOutcomes(); // what earlier tries left behind
    flashsale.readStockLevels();
    KeyValueStore<String, StockLevel> stock = flashsale.driver.getKeyValueStore(SaleTopology.STOCK_STORE);
    Map<String, Sale> firstDefinitions = new HashMap<>();
    List<PurchaseRequest> sent = new ArrayList<>();
    List<PurchaseRequest> retriable = new ArrayList<>();
    Map<String, List<PurchaseRequest>> batches = new HashMap<>(); // by SKU, not sent yet
    List<PaymentEvent> payments = new ArrayList<>();
    Set<String> requestIds = new LinkedHashSet<>();
    Map<String, List<PurchaseOutcome>> history = new HashMap<>();
    Map<String, Long> numbered = new HashMap<>(); // the last saleSequence seen per sale
    int counter = 0;

    for (Step step : steps) {
      if (!(step instanceof Purchase) && !(step instanceof Retry)) {
        sendBatches(batches);
      }
      if (step instanceof DefineSale define) {
        Sale sale = SaleTopologyDriver.fcfsSale(run + SALE_IDS.get(define.sale()), SKUS.get(define.sale()),
            define.stock(), define.perUserLimit());
        firstDefinitions.putIfAbsent(sale.getSaleId(), sale);
        flashsale.define(sale);
      } else if (step instanceof Purchase purchase) {
        PurchaseRequest request = SaleTopologyDriver.request(run + "req-" + counter++, run + SALE_IDS.get(purchase.sale()),
            SKUS.get(purchase.sale()), "user-" + purchase.user(), purchase.quantity(),
            purchase.inWindow() ? NOW : NOW.minusSeconds(7200));
        if (!purchase.keyed()) {
          request = PurchaseRequest.newBuilder(request).setIdempotencyKey(null).build();
        } else {
          retriable.add(request);
        }
        sent.add(request);
        requestIds.add(request.getRequestId());
        batch(batches, request, purchase.endsBatch());
      } else if (step instanceof PassTime time) {
        flashsale.advanceWallClock(Duration.ofMillis(time.millis()));
      } else if (sent.isEmpty()) {
        continue; // a retry, payment or cancellation before anything was sent
      } else if (step instanceof Retry retry) {
        if (!retriable.isEmpty()) {
          batch(batches, retriable.get(retry.which() % retriable.size()), retry.endsBatch());
        }
      } else if (step instanceof Pay pay) {
        PaymentEvent event = payment(run + "ev-" + counter++, pay, sent.get(pay.which() % sent.size()));
        payments.add(event);
        flashsale.pay(event);
      } else if (step instanceof Redeliver again && !payments.isEmpty()) {
        flashsale.pay(payments.get(again.which() % payments.size()));
      } else if (step instanceof Cancel cancel) {
        PurchaseRequest request = sent.get(cancel.which() % sent.size());
        flashsale.cancel(HoldCancellation.newBuilder()
            .setRequestId(request.getRequestId())
            .setSaleId(request.getSaleId())
            .setSku(request.getSku())
            .setUserId(cancel.byBuyer() ? request.getUserId() : "someone-else")
            .setRequestedAt(flashsale.wallClock())
            .build());
      }

      for (PurchaseOutcome outcome : flashsale.readOutcomes()) {
        if (!outcome.getRequestId().contains(run)) {
          continue; // a hold of an earlier try ended
        }
        record(outcome, history, numbered);
      }
      history.forEach(PurchaseInvariantsTest::assertOneDecisionAndOneEnd);
      for (Sale sale : firstDefinitions.values()) {
        assertThat(stock.get(sale.getSaleId()).getOutcomes()).as("outcomes of %s counted", sale.getSaleId())
            .isEqualTo(numbered.getOrDefault(sale.getSaleId(), 0L));
      }
      Map<String, OutcomeStatus> state = stateOfEachRequest(history);
      for (Sale sale : firstDefinitions.values()) {
        StockLevel level = stock.get(sale.getSaleId());
        assertThat(level.getStock()).isEqualTo(sale.getStock());
        assertThat(level.getAvailable()).isNotNegative();
        assertThat(level.getReserved()).isNotNegative();
        assertThat(level.getConfirmed()).isNotNegative().isLessThanOrEqualTo(sale.getStock());
        assertThat(level.getAvailable() + level.getReserved() + level.getConfirmed()).isEqualTo(sale.getStock());
        assertThat(quantity(history, state, sale.getSaleId(), null, EnumSet.of(OutcomeStatus.ACCEPTED)))
            .as("reserved = live holds").isEqualTo(level.getReserved());
        assertThat(quantity(history, state, sale.getSaleId(), null, EnumSet.of(OutcomeStatus.CONFIRMED)))
            .as("confirmed = confirmed purchases").isEqualTo(level.getConfirmed());
        for (int user = 0; user < 3; user++) {
          assertThat(quantity(history, state, sale.getSaleId(), "user-" + user,
              EnumSet.of(OutcomeStatus.ACCEPTED, OutcomeStatus.CONFIRMED)))
              .as("user-%d holds and bought within the limit", user).isLessThanOrEqualTo(sale.getPerUserLimit());
        }
      }
      // The punctuator runs every interval: no hold outlives its expiry by more than that.
      history.values().forEach(outcomes -> {
        PurchaseOutcome latest = outcomes.get(outcomes.size() - 1);
        if (state.get(latest.getRequestId()) == OutcomeStatus.ACCEPTED) {
          assertThat(latest.getHoldExpiresAt())
              .isAfter(flashsale.wallClock().minus(SaleTopology.HOLD_EXPIRY_INTERVAL));
        }
      });
    }

    sendBatches(batches);
    for (PurchaseOutcome outcome : flashsale.readOutcomes()) {
      if (outcome.getRequestId().contains(run)) {
        record(outcome, history, numbered);
      }
    }
    history.forEach(PurchaseInvariantsTest::assertOneDecisionAndOneEnd);
    assertThat(history.keySet()).as("every request decided").containsAll(requestIds);
  }

  /**
   * Adds an emitted outcome to its request's history. A sale's outcomes carry 1, 2, 3... in the order emitted, with
   * no gap and no repeat of a number, every status counted; -1 only before the sale had stock (an unknown sale). A
   * repeat is a copy of its request's latest outcome (as the dedup store keeps it: refunds change no purchase), with
   * its number, and is no outcome of its own.
   */
  private static void record(PurchaseOutcome outcome, Map<String, List<PurchaseOutcome>> history,
      Map<String, Long> numbered) {
    String saleId = outcome.getSaleId();
    if (outcome.getRepeat()) {
      List<PurchaseOutcome> before = history.getOrDefault(outcome.getRequestId(), List.of()).stream()
          .filter(o -> o.getStatus() != OutcomeStatus.REFUND_DUE).toList();
      assertThat(before).as("a repeat of %s follows its outcome", outcome.getRequestId()).isNotEmpty();
      assertThat(outcome).as("a repeat is a copy of the latest outcome")
          .isEqualTo(PurchaseOutcome.newBuilder(before.get(before.size() - 1)).setRepeat(true).build());
      return;
    }
    long last = numbered.getOrDefault(saleId, 0L);
    if (outcome.getSaleSequence() == OutcomeSequence.NONE) {
      assertThat(last).as("%s of %s unnumbered after the sale numbered %s", outcome.getStatus(), saleId, last)
          .isZero();
    } else {
      assertThat(outcome.getSaleSequence()).as("the next number of %s (%s %s)", saleId, outcome.getStatus(),
          outcome.getRequestId()).isEqualTo(last + 1);
      numbered.put(saleId, last + 1);
    }
    history.computeIfAbsent(outcome.getRequestId(), id -> new ArrayList<>()).add(outcome);
  }

  private static void batch(Map<String, List<PurchaseRequest>> batches, PurchaseRequest request, boolean send) {
    List<PurchaseRequest> batch = batches.computeIfAbsent(request.getSku(), sku -> new ArrayList<>());
    batch.add(request);
    if (send) {
      flashsale.purchaseTogether(batch.toArray(PurchaseRequest[]::new));
      batches.remove(request.getSku());
    }
  }

  private static void sendBatches(Map<String, List<PurchaseRequest>> batches) {
    batches.values().forEach(batch -> flashsale.purchaseTogether(batch.toArray(PurchaseRequest[]::new)));
    batches.clear();
  }

  /**
   * A request's outcomes: exactly one ACCEPTED or REJECTED first; then, for an accepted one, at most one
   * hold end (CONFIRMED, EXPIRED or CANCELLED), after an unpaid end at most one late CONFIRMED, and any
   * number of REFUND_DUE. A payment for no known request yields REFUND_DUE only.
   */
  private static void assertOneDecisionAndOneEnd(String requestId, List<PurchaseOutcome> outcomes) {
    List<OutcomeStatus> statuses = outcomes.stream().map(PurchaseOutcome::getStatus)
        .filter(s -> s != OutcomeStatus.REFUND_DUE).toList();
    if (requestId.startsWith("ghost-")) {
      assertThat(statuses).as("%s is no purchase", requestId).isEmpty();
      return;
    }
    assertThat(statuses.stream().filter(DECISIONS::contains).count()).as("decisions of %s", requestId).isLessThanOrEqualTo(1);
    if (statuses.isEmpty()) {
      return; // only refunds so far: paid before the request was decided is not possible, but unknown sales are
    }
    assertThat(DECISIONS).as("%s starts with its decision: %s", requestId, statuses).contains(statuses.get(0));
    List<OutcomeStatus> after = statuses.subList(1, statuses.size());
    if (statuses.get(0) == OutcomeStatus.REJECTED) {
      assertThat(after).as("a rejected request holds nothing").isEmpty();
      return;
    }
    assertThat(after.stream().filter(UNPAID_ENDS::contains).count()).as("unpaid ends of %s", requestId).isLessThanOrEqualTo(1);
    assertThat(after.stream().filter(s -> s == OutcomeStatus.CONFIRMED).count()).as("confirmations of %s", requestId)
        .isLessThanOrEqualTo(1);
    if (after.size() == 2) {
      assertThat(after).as("only a late payment follows an unpaid end").endsWith(OutcomeStatus.CONFIRMED);
      assertThat(UNPAID_ENDS).contains(after.get(0));
    }
    assertThat(after).hasSizeLessThanOrEqualTo(2);
    outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.EXPIRED).forEach(expired ->
        assertThat(expired.getDecidedAt()).as("expired no earlier than its time").isAfterOrEqualTo(expired.getHoldExpiresAt()));
  }

  /** Each request's latest status apart from refunds, which change no purchase. */
  private static Map<String, OutcomeStatus> stateOfEachRequest(Map<String, List<PurchaseOutcome>> history) {
    Map<String, OutcomeStatus> state = new HashMap<>();
    history.forEach((requestId, outcomes) -> outcomes.stream().map(PurchaseOutcome::getStatus)
        .filter(s -> s != OutcomeStatus.REFUND_DUE).reduce((first, second) -> second)
        .ifPresent(status -> state.put(requestId, status)));
    return state;
  }

  private static int quantity(Map<String, List<PurchaseOutcome>> history, Map<String, OutcomeStatus> state,
      String saleId, String userIdOrAll, Set<OutcomeStatus> statuses) {
    return history.values().stream()
        .map(outcomes -> outcomes.get(0))
        .filter(first -> first.getSaleId().equals(saleId) && statuses.contains(state.get(first.getRequestId())))
        .filter(first -> userIdOrAll == null || first.getUserId().equals(userIdOrAll))
        .mapToInt(PurchaseOutcome::getQuantity)
        .sum();
  }

  private static PaymentEvent payment(String eventId, Pay pay, PurchaseRequest request) {
    long price = SaleTopologyDriver.fcfsSale("any", "any", 1, 1).getPriceCents();
    return PaymentEvent.newBuilder()
        .setEventId(eventId)
        .setPaymentId("pay-" + request.getRequestId() + "-" + pay.charge())
        .setRequestId(pay.payment() == Payment.UNKNOWN_REQUEST ? "ghost-" + eventId : request.getRequestId())
        .setSaleId(request.getSaleId())
        .setSku(request.getSku())
        .setType(pay.payment() == Payment.FAILED ? PaymentEventType.FAILED : PaymentEventType.SUCCEEDED)
        .setAmountCents(price * request.getQuantity() + (pay.payment() == Payment.WRONG_AMOUNT ? 1 : 0))
        .setCurrency("USD")
        .setOccurredAt(NOW)
        .setReceivedAt(NOW)
        .build();
  }

  @Provide
  Arbitrary<List<Step>> scenarios() {
    Arbitrary<Integer> sale = Arbitraries.integers().between(0, SALE_IDS.size() - 1);
    Arbitrary<Integer> which = Arbitraries.integers().between(0, 1000);
    Arbitrary<Step> define = Combinators.combine(sale, Arbitraries.integers().between(1, 8),
        Arbitraries.integers().between(1, 3)).as(DefineSale::new);
    // Few users, so that they run into their limits across holds, expiries and late payments.
    // Batches of one to a few: a batch ends after a click with a probability of one in three.
    Arbitrary<Boolean> endsBatch = Arbitraries.of(true, false, false);
    Arbitrary<Step> purchase = Combinators.combine(sale, Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(1, 3), Arbitraries.of(true, true, true, false), Arbitraries.of(true, true, false),
        endsBatch).as(Purchase::new);
    Arbitrary<Step> retry = Combinators.combine(which, endsBatch).as(Retry::new);
    Arbitrary<Step> pay = Combinators.combine(which, Arbitraries.of(0, 0, 0, 1),
        Arbitraries.of(Payment.SUCCEEDED, Payment.SUCCEEDED, Payment.SUCCEEDED, Payment.WRONG_AMOUNT, Payment.FAILED,
            Payment.UNKNOWN_REQUEST)).as(Pay::new);
    Arbitrary<Step> redeliver = which.map(Redeliver::new);
    Arbitrary<Step> cancel = Combinators.combine(which, Arbitraries.of(true, true, false)).as(Cancel::new);
    // Mostly short steps, sometimes past a whole hold (the sales hold for 300 s).
    Arbitrary<Step> passTime = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.integers().between(1, 5_000)),
        Tuple.of(1, Arbitraries.integers().between(50_000, 200_000)),
        Tuple.of(2, Arbitraries.integers().between(299_000, 301_000))).map(PassTime::new);
    Arbitrary<List<Step>> steps = Arbitraries.frequencyOf(Tuple.of(1, define), Tuple.of(6, purchase),
            Tuple.of(2, retry), Tuple.of(3, pay), Tuple.of(1, redeliver), Tuple.of(2, cancel), Tuple.of(2, passTime))
        .list().ofMinSize(1).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    // Most scenarios open their sales first, so that most purchases meet a sale and holds get going.
    Arbitrary<List<Step>> openings = define.list().ofMaxSize(SALE_IDS.size());
    return Combinators.combine(openings, steps).as((first, then) -> {
      List<Step> scenario = new ArrayList<>(first);
      scenario.addAll(then);
      return scenario;
    });
  }
}
