package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.embedded.StrandedTransactions.Marker;
import io.flashsale.embedded.StrandedTransactions.Open;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.Test;

/** Which open transactions get a marker: only those whose own transaction the coordinator records as complete. */
class StrandedTransactionsTest {
  private static final TopicPartition STOCK = new TopicPartition("stock-levels", 1);
  private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 0);

  private static TransactionDescription last(long producerId, int epoch, TransactionState state) {
    return new TransactionDescription(1, state, producerId, epoch, 10_000, OptionalLong.empty(), Set.of());
  }

  @Test
  void aCompleteTransactionGetsTheOutcomeItsCoordinatorRecordedWithTheEpochItEndedWith() {
    List<Open> open = List.of(new Open(STOCK, 7, 4, 0), new Open(OFFSETS, 7, 4, 0), new Open(STOCK, 8, 2, 3));
    Map<Long, TransactionDescription> last = Map.of(
        7L, last(7, 5, TransactionState.COMPLETE_COMMIT), 8L, last(8, 3, TransactionState.COMPLETE_ABORT));

    assertThat(StrandedTransactions.markers(open, last)).containsExactly(
        new Marker(STOCK, 7, (short) 5, 0, TransactionResult.COMMIT),
        new Marker(OFFSETS, 7, (short) 5, 0, TransactionResult.COMMIT),
        new Marker(STOCK, 8, (short) 3, 3, TransactionResult.ABORT));
    assertThat(StrandedTransactions.unsettled(open, last)).isEmpty();
  }

  @Test
  void aTransactionInProgressOrOfAnotherEpochOrNotListedYetGetsNoMarker() {
    List<Open> open = List.of(new Open(STOCK, 1, 0, 0), new Open(STOCK, 2, 0, 0), new Open(STOCK, 3, 0, 0),
        new Open(STOCK, 4, 0, 0), new Open(STOCK, 5, 0, 0));
    Map<Long, TransactionDescription> last = Map.of(
        1L, last(1, 0, TransactionState.ONGOING),
        2L, last(2, 1, TransactionState.PREPARE_COMMIT),
        3L, last(3, 1, TransactionState.PREPARE_ABORT),
        // the coordinator completed a later transaction of this producer: which way the open one went is unknown
        4L, last(4, 3, TransactionState.COMPLETE_COMMIT));

    assertThat(StrandedTransactions.markers(open, last)).isEmpty();
    assertThat(StrandedTransactions.unsettled(open, last)).as("looked at again: being ended, or not listed yet")
        .extracting(Open::producerId).containsExactly(2L, 3L, 5L);
  }
}
