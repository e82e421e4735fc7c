package io.flashsale.api.purchase;

import io.flashsale.api.sale.SaleView;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.common.TopicPartition;

/** Where a starting purchase view begins reading; see {@link StartSeek}. */
public interface PurchaseViewStart {
  /** The topology's committed position on each partition of the request topic; absent where it has none. */
  Map<TopicPartition, Long> decidedUpTo() throws Exception;

  /** The longest hold of any sale; empty until the sales are known. */
  Optional<Duration> longestHold();

  /** The topology's committed positions, asked of the broker, and the sales as the sale view knows them. */
  static PurchaseViewStart of(Admin admin, String topologyApplicationId, SaleView sales) {
    return new PurchaseViewStart() {
      @Override
      public Map<TopicPartition, Long> decidedUpTo() throws Exception {
        // requireStable: offsets still inside an open transaction are waited for, not read stale.
        return admin.listConsumerGroupOffsets(topologyApplicationId,
                new ListConsumerGroupOffsetsOptions().requireStable(true))
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).entrySet().stream()
            .filter(e -> e.getKey().topic().equals(Topics.PURCHASE_REQUESTS) && e.getValue() != null)
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      }

      @Override
      public Optional<Duration> longestHold() {
        return sales.caughtUp() ? Optional.of(sales.longestHold()) : Optional.empty();
      }
    };
  }
}
