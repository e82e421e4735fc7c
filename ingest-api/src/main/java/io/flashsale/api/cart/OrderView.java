package io.flashsale.api.cart;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.api.log.TopicView;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Order;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Buyers' orders, read from {@code orders} on every instance, so any instance shows an order whichever took it; and
 * what each order's payment did to each of its items, from the purchase outcomes the purchase view reads
 * ({@link #outcomeSeen}): CONFIRMED or REFUND_DUE carrying the order's payment id.
 *
 * <p>Bounded as the purchase view is: orders and fates of the view's retention, at most {@code maxOrders} orders and
 * as many fates per item, the oldest forgotten first; the view starts reading the retention back from now.
 */
public final class OrderView extends TopicView {
  private final Topics topics;
  private final Duration retention;
  private final Clock clock;
  private final Cache<String, Order> orders;
  /** CONFIRMED or REFUND_DUE by "paymentId|requestId": what a payment did to a purchase. */
  private final Cache<String, OutcomeStatus> fates;

  public OrderView(KafkaSettings kafka, Topics topics, Duration retention, long maxOrders, Clock clock) {
    super("orders", kafka, List.of(Topics.ORDERS));
    this.topics = topics;
    this.retention = retention;
    this.clock = clock;
    this.orders = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxOrders).executor(Runnable::run)
        .build();
    this.fates = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxOrders * 4).executor(Runnable::run)
        .build();
  }

  public Optional<Order> order(String orderId) {
    return Optional.ofNullable(orders.getIfPresent(orderId));
  }

  /** What {@code paymentId} did to the purchase {@code requestId}: CONFIRMED, REFUND_DUE, or null (nothing yet). */
  public OutcomeStatus fate(String paymentId, String requestId) {
    return fates.getIfPresent(paymentId + "|" + requestId);
  }

  /** An order this instance just wrote, so that the buyer's next read here finds it. */
  void written(Order order) {
    orders.put(order.getOrderId(), order);
  }

  /** Every outcome the purchase view reads: a payment's confirmation or refund of a purchase is remembered. */
  public void outcomeSeen(PurchaseOutcome outcome) {
    if (outcome.getPaymentId() != null
        && (outcome.getStatus() == OutcomeStatus.CONFIRMED || outcome.getStatus() == OutcomeStatus.REFUND_DUE)) {
      fates.put(outcome.getPaymentId() + "|" + outcome.getRequestId(), outcome.getStatus());
    }
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return; // a tombstone: nothing to show
    }
    Order order = topics.orders.valueSerde().deserializer().deserialize(record.topic(), record.value());
    orders.put(order.getOrderId(), order);
  }

  /** The retention back from now: an older order is no longer shown, as an older purchase is not. */
  @Override
  protected void seekStart(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> since = new HashMap<>();
    partitions.forEach(p -> since.put(p, clock.instant().minus(retention).toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> byTime = kafka.offsetsForTimes(since);
    Map<TopicPartition, Long> ends = kafka.endOffsets(partitions);
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp first = byTime.get(p);
      kafka.seek(p, first != null ? first.offset() : ends.get(p));
    }
  }
}
