package io.flashsale.reconciliation.sink;

import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Every partition of the sink's topics, which it assigns itself (no consumer group: it is the only writer of
 * the books): where each goes on after a start or a failure, and how far the sink is behind over all of them.
 */
final class SinkPartitions {
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration METADATA_RETRY = Duration.ofMillis(500);

  private final KafkaConsumer<?, ?> consumer;
  private final List<TopicPartition> sales;
  private final List<TopicPartition> all;

  private SinkPartitions(KafkaConsumer<?, ?> consumer, List<TopicPartition> sales, List<TopicPartition> all) {
    this.consumer = consumer;
    this.sales = sales;
    this.all = all;
  }

  /** The partitions of the sink's topics as the consumer's metadata has them (waiting for a topic just made). */
  static SinkPartitions of(KafkaConsumer<?, ?> consumer) {
    List<TopicPartition> sales = partitions(consumer, Topics.SALES);
    List<TopicPartition> all = new ArrayList<>(sales);
    all.addAll(partitions(consumer, Topics.PURCHASE_OUTCOMES));
    all.addAll(partitions(consumer, Topics.PAYMENT_EVENTS));
    all.addAll(partitions(consumer, Topics.CORRECTIONS));
    return new SinkPartitions(consumer, sales, List.copyOf(all));
  }

  List<TopicPartition> sales() {
    return sales;
  }

  void assign() {
    consumer.assign(all);
  }

  /** Every partition back to where the database says the sink is. */
  void rewind(SinkPositions positions) {
    for (TopicPartition partition : all) {
      Long next = positions.next(partition);
      if (next == null) {
        consumer.seekToBeginning(List.of(partition));
      } else {
        consumer.seek(partition, next);
      }
    }
  }

  /** Records still to read, summed over every partition; -1 while the consumer does not know one's. */
  long lag() {
    long total = 0;
    for (TopicPartition partition : all) {
      OptionalLong partitionLag = consumer.currentLag(partition);
      if (partitionLag.isEmpty()) {
        return -1;
      }
      total += partitionLag.getAsLong();
    }
    return total;
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    long deadline = System.nanoTime() + METADATA_TIMEOUT.toNanos();
    // A topic created a moment ago may not be in every broker's metadata yet.
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      if (!infos.isEmpty()) {
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Topic " + topic + " has no partitions after " + METADATA_TIMEOUT);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(METADATA_RETRY.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
