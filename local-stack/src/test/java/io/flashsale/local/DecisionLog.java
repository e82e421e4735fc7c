package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The topics downstream teams read, checked against what buyers were told. */
record DecisionLog(String bootstrapServers, Topics topics) {

  /** One decision per request the API took, the same one the buyer saw, and stock levels that add up. */
  void assertAgreesWith(String saleId, Rush rush) {
    List<PurchaseOutcome> decisions = decisions(saleId);
    Map<String, Long> decisionsPerRequest = decisions.stream()
        .collect(Collectors.groupingBy(PurchaseOutcome::getRequestId, Collectors.counting()));
    assertThat(decisionsPerRequest.keySet()).isEqualTo(rush.acceptedForProcessing.keySet());
    assertThat(decisionsPerRequest.values()).containsOnly(1L);
    Map<String, String> statusOnTopic = decisions.stream()
        .collect(Collectors.toMap(PurchaseOutcome::getRequestId, o -> o.getStatus().name()));
    assertThat(statusOnTopic).isEqualTo(rush.finalStatusByRequestId);

    StockLevel last = latestStockLevel(saleId);
    int acceptedOnTopic = decisions.stream().filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED)
        .mapToInt(PurchaseOutcome::getQuantity).sum();
    assertThat(last.getReserved()).isEqualTo(acceptedOnTopic);
    assertThat(last.getAvailable() + last.getReserved() + last.getConfirmed()).isEqualTo(last.getStock());
    assertThat(last.getRequests()).isEqualTo(decisions.size());
  }

  List<PurchaseOutcome> decisions(String saleId) {
    return TopicLog.readAll(bootstrapServers, topics.purchaseOutcomes).stream()
        .map(ConsumerRecord::value)
        .filter(o -> o.getSaleId().equals(saleId))
        .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED || o.getStatus() == OutcomeStatus.REJECTED)
        .toList();
  }

  StockLevel latestStockLevel(String saleId) {
    return TopicLog.readAll(bootstrapServers, topics.stockLevels).stream()
        .filter(r -> r.key().equals(saleId))
        .map(ConsumerRecord::value)
        .reduce((first, second) -> second)
        .orElseThrow();
  }
}
