package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static io.flashsale.topology.SaleTopologyDriver.single;
import static io.flashsale.topology.SaleTopologyDriver.unkeyed;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many requests in one record: decided one by one in order, the stock read and written once per record. */
class PurchaseBatchTest {
  private final SaleTopologyDriver flashsale = new SaleTopologyDriver();

  @AfterEach
  void close() {
    flashsale.close();
  }

  @Test
  void aBatchIsDecidedInOrderWithOneStockLevelPerRecord() {
    Sale sale = fcfsSale("s1", "SKU-1", 2, 1);
    flashsale.define(sale);
    flashsale.readStockLevels();

    flashsale.purchaseTogether(request("r0", sale, "u0", 1), request("r1", sale, "u1", 1), request("r2", sale, "u2", 1),
        request("r3", sale, "u3", 1));

    List<PurchaseOutcome> outcomes = flashsale.readOutcomes();
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestId).containsExactly("r0", "r1", "r2", "r3");
    assertThat(outcomes).extracting(o -> o.getStatus().name())
        .containsExactly("ACCEPTED", "ACCEPTED", "REJECTED", "REJECTED");
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestIndex).containsExactly(0, 1, 2, 3);
    assertThat(outcomes).extracting(PurchaseOutcome::getRequestOffset).containsOnly(outcomes.get(0).getRequestOffset());
    StockLevel level = single(flashsale.readStockLevels()); // one per record, not one per request
    assertThat(level.getRequests()).isEqualTo(4);
    assertThat(level.getAvailable()).isZero();
    assertThat(level.getReserved()).isEqualTo(2);
    assertThat(level.getRejected()).containsExactlyEntriesOf(Map.of("SOLD_OUT", 2L));
  }

  @Test
  void aRetriedIdIsDecidedOnceWithinABatchAndAcrossBatches() {
    Sale sale = fcfsSale("s1", "SKU-1", 5, 2);
    flashsale.define(sale);
    PurchaseRequest click = request("r1", sale, "alice", 1);

    flashsale.purchaseTogether(click, request("r2", sale, "bob", 1), click, click);
    flashsale.purchaseTogether(click, request("r3", sale, "alice", 1), click);

    Map<String, Long> outcomesPerRequest = flashsale.readOutcomes().stream().filter(o -> !o.getRepeat())
        .collect(Collectors.groupingBy(PurchaseOutcome::getRequestId, Collectors.counting()));
    assertThat(outcomesPerRequest).containsExactlyInAnyOrderEntriesOf(Map.of("r1", 1L, "r2", 1L, "r3", 1L));
    StockLevel stock = flashsale.store(SaleTopology.STOCK_STORE, "s1");
    assertThat(stock.getReserved()).as("alice holds r1 and r3, bob r2").isEqualTo(3);
    assertThat(stock.getRequests()).isEqualTo(3);
  }

  @Test
  void aPerUserLimitHoldsWithinOneBatch() {
    Sale sale = fcfsSale("s1", "SKU-1", 10, 2);
    flashsale.define(sale);

    flashsale.purchaseTogether(request("r1", sale, "alice", 1), request("r2", sale, "alice", 1),
        request("r3", sale, "alice", 1), request("r4", sale, "bob", 2));

    assertThat(flashsale.readOutcomes()).extracting(o -> o.getRequestId() + "=" + o.getStatus()
            + (o.getReason() == null ? "" : "/" + o.getReason()))
        .containsExactly("r1=ACCEPTED", "r2=ACCEPTED", "r3=REJECTED/LIMIT_EXCEEDED", "r4=ACCEPTED");
  }

  @Test
  void aBadRequestIsDeadLetteredAloneAndTheRestOfItsBatchIsDecided() {
    Sale sale = fcfsSale("s1", "SKU-1", 5, 1);
    flashsale.define(sale);
    flashsale.readStockLevels();

    flashsale.purchaseTogether(request("r0", sale, "u0", 1), request("bad", sale, "u1", 0), request("r2", sale, "u2", 1));

    assertThat(flashsale.readOutcomes()).extracting(PurchaseOutcome::getRequestId).containsExactly("r0", "r2");
    TestRecord<byte[], byte[]> dead = single(flashsale.deadLetters.readRecordsToList());
    assertThat(flashsale.topics.purchaseRequest.deserializer().deserialize(Topics.DEAD_LETTERS, dead.value())
        .getRequestId()).isEqualTo("bad");
    assertThat(header(dead, PurchaseProcessor.DEAD_LETTER_EXCEPTION_HEADER))
        .isEqualTo(InvalidRecordException.class.getName());
    assertThat(header(dead, PurchaseProcessor.DEAD_LETTER_MESSAGE_HEADER)).contains("quantity");
    assertThat(header(dead, PurchaseProcessor.DEAD_LETTER_TOPIC_HEADER)).isEqualTo(Topics.PURCHASE_REQUESTS);
    assertThat(header(dead, PurchaseProcessor.DEAD_LETTER_INDEX_HEADER)).isEqualTo("1");
    assertThat(single(flashsale.readStockLevels()).getReserved()).isEqualTo(2);
  }

  /** A rejection is stored only where a retry can come: a click without a key has an id made once. */
  @Test
  void onlyRequestsThatCanComeAgainLeaveADedupEntryWhenRejected() {
    Sale sale = fcfsSale("s1", "SKU-1", 1, 1);
    flashsale.define(sale);

    flashsale.purchaseTogether(unkeyed("winner", sale, "u0"), unkeyed("loser", sale, "u1"),
        request("keyed-loser", sale, "u2", 1));

    assertThat(flashsale.readOutcomes()).extracting(o -> o.getStatus().name())
        .containsExactly("ACCEPTED", "REJECTED", "REJECTED");
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "winner").getStatus())
        .as("an accepted request's hold lives there").isEqualTo(OutcomeStatus.ACCEPTED);
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "loser")).isNull();
    assertThat(flashsale.<PurchaseOutcome>store(SaleTopology.DECIDED_REQUESTS_STORE, "keyed-loser")).isNotNull();
    assertThat(flashsale.<Integer>store(SaleTopology.USER_QUANTITIES_STORE, StoreKeys.saleScoped("s1", "u1"))).isNull();
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
