package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.HOLD_SECONDS;
import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.last;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.sale;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SaleTopologyTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void aSaleOpensWithAllItsStockAvailable() {
    Sale sale = fcfsSale("s1", "SKU-1", 5, 1);
    flashsale.define(sale);

    var levels = flashsale.stockLevels.readRecordsToList();
    assertThat(levels).hasSize(1);
    assertThat(levels.get(0).key()).isEqualTo("s1");
    StockLevel opening = levels.get(0).value();
    assertThat(opening.getStock()).isEqualTo(5);
    assertThat(opening.getAvailable()).isEqualTo(5);
    assertThat(opening.getReserved()).isZero();
    assertThat(opening.getConfirmed()).isZero();
    assertThat(opening.getRequests()).isZero();
    assertThat(opening.getRejected()).isEmpty();
  }

  @Test
  void anAcceptedRequestReservesStockAndStartsAHold() {
    Sale sale = fcfsSale("s1", "SKU-1", 3, 2);
    flashsale.define(sale);
    flashsale.readStockLevels();

    flashsale.purchase(request("r1", sale, "alice", 2));

    List<TestRecord<String, PurchaseOutcome>> outcomes = flashsale.outcomes.readRecordsToList();
    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0).key()).isEqualTo("r1");
    PurchaseOutcome outcome = outcomes.get(0).value();
    assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(outcome.getReason()).isNull();
    assertThat(outcome.getUserId()).isEqualTo("alice");
    assertThat(outcome.getQuantity()).isEqualTo(2);
    assertThat(outcome.getDecidedAt()).isEqualTo(NOW);
    assertThat(outcome.getHoldExpiresAt()).isEqualTo(NOW.plusSeconds(HOLD_SECONDS));
    assertThat(outcome.getRequestPartition()).isZero();
    assertThat(outcome.getRequestOffset()).isZero();

    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getAvailable()).isEqualTo(1);
    assertThat(level.getReserved()).isEqualTo(2);
    assertThat(level.getConfirmed()).isZero();
    assertThat(level.getRequests()).isEqualTo(1);
    assertThat(level.getAccepted()).isEqualTo(1);
    assertThat(level.getRejected()).isEmpty();
  }

  @Test
  void whenTheStockIsGoneLaterBuyersAreSoldOut() {
    Sale sale = fcfsSale("s1", "SKU-1", 3, 2);
    flashsale.define(sale);
    flashsale.readStockLevels();

    flashsale.purchase(request("r1", sale, "alice", 2));
    flashsale.purchase(request("r2", sale, "bob", 2)); // more than the one left
    flashsale.purchase(request("r3", sale, "carol", 1)); // still fits
    flashsale.purchase(request("r4", sale, "dave", 1));

    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "r1", "ACCEPTED", "r2", "REJECTED/SOLD_OUT", "r3", "ACCEPTED", "r4", "REJECTED/SOLD_OUT"));
    List<StockLevel> levels = flashsale.readStockLevels();
    assertThat(levels).hasSize(4);
    StockLevel last = levels.get(3);
    assertThat(last.getAvailable()).isZero();
    assertThat(last.getReserved()).isEqualTo(3);
    assertThat(last.getRequests()).isEqualTo(4);
    assertThat(last.getAccepted()).isEqualTo(2);
    assertThat(last.getRejected()).containsExactlyEntriesOf(Map.of("SOLD_OUT", 2L));
  }

  @Test
  void theLimitPerUserHoldsForOneRequestAndAcrossSeveral() {
    Sale sale = fcfsSale("s1", "SKU-1", 100, 2);
    flashsale.define(sale);

    flashsale.purchase(request("r1", sale, "alice", 3)); // alone above the limit
    flashsale.purchase(request("r2", sale, "alice", 1));
    flashsale.purchase(request("r3", sale, "alice", 1));
    flashsale.purchase(request("r4", sale, "alice", 1)); // would make 3
    flashsale.purchase(request("r5", sale, "bob", 2)); // another user has their own limit

    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "r1", "REJECTED/LIMIT_EXCEEDED", "r2", "ACCEPTED", "r3", "ACCEPTED", "r4", "REJECTED/LIMIT_EXCEEDED",
        "r5", "ACCEPTED"));
    StockLevel last = last(flashsale.readStockLevels());
    assertThat(last.getReserved()).isEqualTo(4);
    assertThat(last.getRejected()).containsExactlyEntriesOf(Map.of("LIMIT_EXCEEDED", 2L));
  }

  @Test
  void theSaleWindowIsJudgedByTheRecordTime() {
    Sale sale = fcfsSale("s1", "SKU-1", 100, 10);
    flashsale.define(sale);

    flashsale.purchase(request("early", "s1", "SKU-1", "u1", 1, sale.getStartsAt().minusMillis(1)));
    flashsale.purchase(request("first-moment", "s1", "SKU-1", "u2", 1, sale.getStartsAt()));
    flashsale.purchase(request("last-moment", "s1", "SKU-1", "u3", 1, sale.getEndsAt().minusMillis(1)));
    flashsale.purchase(request("at-end", "s1", "SKU-1", "u4", 1, sale.getEndsAt()));
    flashsale.purchase(request("late", "s1", "SKU-1", "u5", 1, sale.getEndsAt().plusSeconds(60)));
    flashsale.purchase(request("unknown", "no-such-sale", "SKU-1", "u6", 1, NOW));
    flashsale.purchase(request("other-sku", "s1", "SKU-2", "u7", 1, NOW));

    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "early", "REJECTED/SALE_NOT_LIVE", "first-moment", "ACCEPTED", "last-moment", "ACCEPTED",
        "at-end", "REJECTED/SALE_NOT_LIVE", "late", "REJECTED/SALE_NOT_LIVE", "unknown", "REJECTED/SALE_NOT_LIVE",
        "other-sku", "REJECTED/SALE_NOT_LIVE"));
    // Requests for unknown sales have no stock to count against; the others count for sale s1.
    StockLevel last = last(flashsale.readStockLevels());
    assertThat(last.getRequests()).isEqualTo(5);
    assertThat(last.getRejected()).containsExactlyEntriesOf(Map.of("SALE_NOT_LIVE", 3L));
  }

  /**
   * One clock for the window: the record's timestamp (the broker's append time), not the requestedAt of an API
   * instance whose clock is off.
   */
  @Test
  void aSkewedRequestedAtNeitherOpensTheSaleEarlyNorClosesItForABuyer() {
    Sale sale = fcfsSale("s1", "SKU-1", 100, 10);
    flashsale.define(sale);

    // An instance running fast: its click says the sale is open, the broker says it is not yet.
    flashsale.purchaseLoggedAt(sale.getStartsAt().minusMillis(1),
        request("fast-clock", "s1", "SKU-1", "u1", 1, sale.getStartsAt().plusSeconds(30)));
    // An instance running slow: its click says the sale has not opened, the broker says it has.
    flashsale.purchaseLoggedAt(sale.getStartsAt(),
        request("slow-clock", "s1", "SKU-1", "u2", 1, sale.getStartsAt().minusSeconds(30)));
    // And at the end: inside the window by requestedAt, logged at the end; outside by requestedAt, logged inside.
    flashsale.purchaseLoggedAt(sale.getEndsAt(),
        request("logged-at-end", "s1", "SKU-1", "u3", 1, sale.getEndsAt().minusSeconds(30)));
    flashsale.purchaseLoggedAt(sale.getEndsAt().minusMillis(1),
        request("logged-before-end", "s1", "SKU-1", "u4", 1, sale.getEndsAt().plusSeconds(30)));

    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "fast-clock", "REJECTED/SALE_NOT_LIVE", "slow-clock", "ACCEPTED",
        "logged-at-end", "REJECTED/SALE_NOT_LIVE", "logged-before-end", "ACCEPTED"));
    assertThat(last(flashsale.readStockLevels()).getAvailable()).isEqualTo(98);
  }

  @Test
  void aRetriedRequestKeepsItsFirstOutcomeAndReservesNothingMore() {
    Sale sale = fcfsSale("s1", "SKU-1", 5, 2);
    flashsale.define(sale);
    flashsale.readStockLevels();

    PurchaseRequest request = request("r1", sale, "alice", 1);
    flashsale.purchase(request);
    flashsale.purchase(request);
    flashsale.purchase(request);
    PurchaseRequest rejected = request("r2", sale, "bob", 3);
    flashsale.purchase(rejected);
    flashsale.purchase(rejected);

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    assertThat(outcomes).filteredOn(o -> !o.getRepeat()).extracting(PurchaseOutcome::getRequestId)
        .containsExactly("r1", "r2");
    // Each retry gets its first outcome again, marked as a repeat, with its number: a copy, no new decision.
    PurchaseOutcome first = outcomes.get(0);
    PurchaseOutcome firstRejection = outcomes.get(3);
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId).containsExactly("r1", "r1", "r1", "r2", "r2");
    assertThat(List.of(outcomes.get(1), outcomes.get(2))).allSatisfy(repeat ->
        assertThat(repeat).isEqualTo(PurchaseOutcome.newBuilder(first).setRepeat(true).build()));
    assertThat(outcomes.get(4)).isEqualTo(PurchaseOutcome.newBuilder(firstRejection).setRepeat(true).build());
    assertThat(outcomes).extracting(PurchaseOutcome::getSaleSequence).containsExactly(1L, 1L, 1L, 2L, 2L);
    assertThat(flashsale.readStockLevels()).hasSize(2);
    StockLevel stored = flashsale.driver.<String, StockLevel>getKeyValueStore(SaleTopology.STOCK_STORE).get("s1");
    assertThat(stored.getReserved()).isEqualTo(1);
    assertThat(stored.getAvailable()).isEqualTo(4);
    assertThat(stored.getRequests()).isEqualTo(2);
  }

  @Test
  void theFirstDefinitionOfASaleWins() {
    flashsale.define(fcfsSale("s1", "SKU-1", 1, 1));
    Sale redefined = fcfsSale("s1", "SKU-1", 100, 5);
    flashsale.define(redefined);

    assertThat(flashsale.readStockLevels()).extracting(StockLevel::getStock).containsExactly(1);
    flashsale.purchase(request("r1", redefined, "alice", 1));
    flashsale.purchase(request("r2", redefined, "bob", 1));
    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "r1", "ACCEPTED", "r2", "REJECTED/SOLD_OUT"));
  }

  @Test
  void invalidRequestsGoToTheDeadLetterTopicAndTheNextRequestIsDecided() {
    Sale sale = fcfsSale("s1", "SKU-1", 5, 2);
    flashsale.define(sale);
    flashsale.readStockLevels();

    flashsale.purchase(request("zero", sale, "alice", 0));
    flashsale.purchase(request(" ", sale, "alice", 1));
    flashsale.requests.pipeInput("SKU-OTHER", SaleTopologyDriver.batchOf(request("wrong-key", sale, "alice", 1)));
    flashsale.purchase(request("r1", sale, "alice", 1));

    List<TestRecord<byte[], byte[]>> dead = flashsale.deadLetters.readRecordsToList();
    assertThat(dead).hasSize(3).allSatisfy(record -> assertThat(
        new String(record.headers().lastHeader("__streams.errors.exception").value(), StandardCharsets.UTF_8))
        .isEqualTo(InvalidRecordException.class.getName()));
    assertThat(flashsale.topics.purchaseRequest.deserializer().deserialize(Topics.PURCHASE_REQUESTS,
        dead.get(0).value()).getRequestId()).isEqualTo("zero");
    assertThat(statusByRequest(flashsale.readOutcomes())).containsExactlyEntriesOf(Map.of("r1", "ACCEPTED"));
    StockLevel level = single(flashsale.readStockLevels());
    assertThat(level.getRequests()).isEqualTo(1);
    assertThat(level.getReserved()).isEqualTo(1);
  }

  @Test
  void anInvalidSaleGoesToTheDeadLetterTopicAndOpensNothing() {
    Sale noStock = fcfsSale("s1", "SKU-1", 0, 1);
    flashsale.define(noStock);
    Sale backwards = Sale.newBuilder(fcfsSale("s2", "SKU-1", 5, 1)).setEndsAt(NOW.minusSeconds(3600)).build();
    flashsale.define(backwards);

    assertThat(flashsale.deadLetters.readRecordsToList()).hasSize(2);
    assertThat(flashsale.readStockLevels()).isEmpty();
  }

  @Test
  void aLotteryDrawsAtTheEndWithinStockAndLimits() {
    Sale sale = lotterySale("lottery-1");
    flashsale.define(sale);
    flashsale.readStockLevels();
    List<PurchaseRequest> entries = lotteryEntries(sale, 12);
    entries.forEach(flashsale::purchase);
    flashsale.purchase(entries.get(0)); // a retry does not enter twice
    flashsale.purchase(request("greedy", sale, "user-greedy", 2)); // above the limit: rejected at once

    assertThat(statusByRequest(flashsale.readOutcomes()))
        .containsExactlyEntriesOf(Map.of("greedy", "REJECTED/LIMIT_EXCEEDED"));
    flashsale.advanceWallClock(Duration.ofMinutes(30));
    assertThat(flashsale.readOutcomes()).as("no draw before the sale ends").isEmpty();

    flashsale.advanceWallClock(Duration.ofMinutes(31));

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId)
        .containsExactlyInAnyOrderElementsOf(entries.stream().map(PurchaseRequest::getRequestId).toList());
    assertThat(outcomes).extracting(PurchaseOutcome::getSaleSequence).as("the draw's outcomes follow the rejection")
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(2, 13).boxed().toList());
    List<PurchaseOutcome> winners = outcomes.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED).toList();
    assertThat(winners).hasSize(3); // stock 3, one unit each
    assertThat(winners).extracting(PurchaseOutcome::getUserId).doesNotHaveDuplicates();
    assertThat(outcomes).filteredOn(o -> o.getStatus() == OutcomeStatus.REJECTED)
        .hasSize(9).allSatisfy(o -> assertThat(o.getReason()).isEqualTo(RejectReason.LOTTERY_LOST));
    StockLevel last = last(flashsale.readStockLevels());
    assertThat(last.getAvailable()).isZero();
    assertThat(last.getReserved()).isEqualTo(3);
    assertThat(last.getRejected()).containsEntry("LOTTERY_LOST", 9L);

    flashsale.advanceWallClock(Duration.ofMinutes(4)); // within the winners' holds, which would end at 5 minutes
    assertThat(flashsale.readOutcomes()).as("a sale is drawn once").isEmpty();
    flashsale.purchase(entries.get(1));
    PurchaseOutcome drawn = outcomes.stream().filter(o -> o.getRequestId().equals(entries.get(1).getRequestId()))
        .findFirst().orElseThrow();
    assertThat(single(flashsale.readOutcomes())).as("a retry after the draw changes nothing, and hears its outcome again")
        .isEqualTo(PurchaseOutcome.newBuilder(drawn).setRepeat(true).build());
    assertThat(flashsale.readStockLevels()).as("nor any stock").isEmpty();
  }

  @Test
  void theDrawIsTheSameEveryTimeForTheSameSale() {
    List<String> first = lotteryWinners("lottery-repeat");
    List<String> second = lotteryWinners("lottery-repeat");

    assertThat(first).hasSize(3).isEqualTo(second);
  }

  @Test
  void aUserHasOneTicketHoweverManyRequestsOrKeys() {
    Sale sale = sale("lottery-2", "SKU-L", 10, 1, Allocation.LOTTERY);
    flashsale.define(sale);
    IntStream.range(0, 5).forEach(i -> flashsale.purchase(request("alice-" + i, sale, "alice", 1)));
    flashsale.purchase(unkeyedRequest("alice-unkeyed", sale, "alice"));
    flashsale.purchase(request("bob-0", sale, "bob", 1));

    assertThat(statusByRequest(flashsale.readOutcomes())).as("further requests are refused at once")
        .containsOnlyKeys("alice-1", "alice-2", "alice-3", "alice-4", "alice-unkeyed")
        .allSatisfy((id, status) -> assertThat(status).isEqualTo("REJECTED/LIMIT_EXCEEDED"));
    flashsale.advanceWallClock(Duration.ofHours(2));

    assertThat(statusByRequest(flashsale.readOutcomes()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("alice-0", "ACCEPTED", "bob-0", "ACCEPTED"));
    assertThat(single(flashsale.readDraws()).getEntries()).isEqualTo(2);
  }

  @Test
  void anEntryProcessedAfterTheDrawLoses() {
    Sale sale = sale("lottery-3", "SKU-L", 10, 1, Allocation.LOTTERY);
    flashsale.define(sale);
    flashsale.advanceWallClock(Duration.ofHours(2));

    // Made inside the window, but the task only reads it after the draw.
    flashsale.purchase(request("laggard", sale, "alice", 1));

    assertThat(statusByRequest(flashsale.readOutcomes()))
        .containsExactlyEntriesOf(Map.of("laggard", "REJECTED/LOTTERY_LOST"));
  }

  private static List<String> lotteryWinners(String saleId) {
    try (SaleTopologyDriver fresh = new SaleTopologyDriver()) {
      Sale sale = lotterySale(saleId);
      fresh.define(sale);
      lotteryEntries(sale, 12).forEach(fresh::purchase);
      fresh.advanceWallClock(Duration.ofHours(2));
      return fresh.readOutcomes().stream()
          .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
          .map(PurchaseOutcome::getRequestId)
          .toList();
    }
  }

  private static Sale lotterySale(String saleId) {
    return sale(saleId, "SKU-L", 3, 1, Allocation.LOTTERY);
  }

  private static List<PurchaseRequest> lotteryEntries(Sale sale, int count) {
    List<PurchaseRequest> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(request("entry-" + i, sale, "user-" + i, 1));
    }
    return entries;
  }

  private static PurchaseRequest unkeyedRequest(String requestId, Sale sale, String userId) {
    return SaleTopologyDriver.unkeyed(requestId, sale, userId);
  }

  private static Map<String, String> statusByRequest(List<PurchaseOutcome> outcomes) {
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId).doesNotHaveDuplicates();
    return outcomes.stream().collect(Collectors.toMap(PurchaseOutcome::getRequestId,
        o -> o.getReason() == null ? o.getStatus().name() : o.getStatus() + "/" + o.getReason()));
  }
}
