package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.fcfsSale;
import static io.flashsale.topology.SaleTopologyDriver.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import java.util.Set;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/**
 * A store that fails in the middle of a batch fails the task: the record is neither dead-lettered nor passed
 * over. The test driver has no transactions to abort, so what the failed record left behind is shown on the
 * broker, where exactly-once aborts it ({@link StoreFaultBrokerTest}).
 */
class StoreFaultTest {
  @Test
  void aStoreWriteThatFailsFailsTheTaskAndDeadLettersNothing() {
    FailingStores stores = new FailingStores(SaleTopology.DECIDED_REQUESTS_STORE, Set.of(3));
    try (SaleTopologyDriver topology = new SaleTopologyDriver(stores)) {
      Sale sale = fcfsSale("sale-1", "SKU-1", 10, 1);
      topology.define(sale);
      topology.purchaseTogether(request("a", sale, "ann", 1), request("b", sale, "bob", 1));
      assertThat(topology.readOutcomes()).extracting(PurchaseOutcome::getStatus)
          .containsExactly(OutcomeStatus.ACCEPTED, OutcomeStatus.ACCEPTED);

      assertThatThrownBy(() -> topology.purchaseTogether(request("c", sale, "cid", 1), request("d", sale, "dan", 1)))
          .isInstanceOf(StreamsException.class)
          .hasRootCauseInstanceOf(ProcessorStateException.class);

      assertThat(stores.struck()).isOne();
      assertThat(topology.deadLetters.isEmpty()).as("a valid request is never dead-lettered").isTrue();
    }
  }
}
