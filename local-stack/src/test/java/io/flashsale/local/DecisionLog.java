package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Shards;
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
        .filter(o -> Shards.parentSaleId(o.getSaleId()).equals(saleId)) // a sharded sale's shards decide for it
        .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED || o.getStatus() == OutcomeStatus.REJECTED)
        .filter(o -> !o.getRepeat()) // a retry logged again after its decision hears it again: not a second decision
        .toList();
  }

  /** The sale's latest stock level; a sharded sale's is its shards' latest, summed. */
  StockLevel latestStockLevel(String saleId) {
    Map<String, StockLevel> latest = new java.util.TreeMap<>();
    TopicLog.readAll(bootstrapServers, topics.stockLevels).stream()
        .filter(r -> Shards.parentSaleId(r.key()).equals(saleId))
        .forEach(r -> latest.put(r.key(), r.value()));
    return latest.values().stream().reduce((a, b) -> StockLevel.newBuilder(a).setStock(a.getStock() + b.getStock())
        .setAvailable(a.getAvailable() + b.getAvailable()).setReserved(a.getReserved() + b.getReserved())
        .setConfirmed(a.getConfirmed() + b.getConfirmed()).setRequests(a.getRequests() + b.getRequests()).build())
        .orElseThrow();
  }
}
