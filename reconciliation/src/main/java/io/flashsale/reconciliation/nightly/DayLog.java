package io.flashsale.reconciliation.nightly;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the log for the reconciliation: the records a topic stamped with a time in a window, found through
 * the broker's time index, and single records by their position. Committed transactions only, as the sink
 * reads; positions are never committed.
 */
final class DayLog implements AutoCloseable {
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

  private final KafkaConsumer<String, byte[]> consumer;

  DayLog(Properties consumerProperties) {
    consumer = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Where each partition of a topic ends now (for read_committed: before any open transaction). */
  Map<TopicPartition, Long> endOffsets(String topic) {
    return consumer.endOffsets(assigned(topic));
  }

  /** How many records {@link #read} of the window would pass at most, to show progress against. */
  long size(String topic, Instant from, Instant to) {
    return ranges(topic, from, to).values().stream().mapToLong(Range::size).sum();
  }

  /**
   * Hands every record of {@code topic} stamped in [from, to) to {@code each}, partition by partition in log
   * order. Records stamped outside the window (producers may stamp out of order) are skipped.
   */
  void read(String topic, Instant from, Instant to, Consumer<ConsumerRecord<String, byte[]>> each) {
    Map<TopicPartition, Range> ranges = ranges(topic, from, to);
    ranges.forEach((partition, range) -> consumer.seek(partition, range.start())); // every assigned one needs a position
    ranges.values().removeIf(range -> range.size() == 0);
    consumer.resume(ranges.keySet());
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    while (!ranges.isEmpty()) {
      ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
      for (ConsumerRecord<String, byte[]> record : records) {
        Range range = ranges.get(new TopicPartition(record.topic(), record.partition()));
        if (range != null && record.offset() < range.end()
            && record.timestamp() >= from.toEpochMilli() && record.timestamp() < to.toEpochMilli()) {
          each.accept(record);
        }
      }
      // Transaction markers take offsets too, so a partition is done once its position passed the end.
      List<TopicPartition> done = ranges.keySet().stream()
          .filter(partition -> consumer.position(partition) >= ranges.get(partition).end()).toList();
      consumer.pause(done);
      done.forEach(ranges::remove);
      if (!records.isEmpty()) {
        deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      } else if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Reading " + topic + " made no progress for " + READ_TIMEOUT + "; left: " + ranges);
      }
    }
  }

  /** The record at a position, read again, or null if it is gone (or was part of an aborted transaction). */
  ConsumerRecord<String, byte[]> recordAt(String topic, int partition, long offset) {
    TopicPartition position = new TopicPartition(topic, partition);
    consumer.assign(List.of(position));
    consumer.seek(position, offset);
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL_TIMEOUT)) {
        if (record.offset() == offset) {
          return record;
        }
        if (record.offset() > offset) {
          return null;
        }
      }
      if (consumer.position(position) > offset) {
        return null;
      }
    }
    throw new IllegalStateException("Could not read " + position + " at " + offset + " within " + READ_TIMEOUT);
  }

  /**
   * The record at a position the partition still holds, or null without reading: a position retention deleted, or
   * one never written (the job's consumer has no offset reset, so reading there would fail the run).
   */
  ConsumerRecord<String, byte[]> heldRecordAt(String topic, int partition, long offset) {
    TopicPartition position = new TopicPartition(topic, partition);
    boolean exists = consumer.partitionsFor(topic).stream().anyMatch(info -> info.partition() == partition);
    if (!exists) {
      return null;
    }
    List<TopicPartition> one = List.of(position);
    consumer.assign(one);
    Long start = consumer.beginningOffsets(one).get(position);
    Long end = consumer.endOffsets(one).get(position);
    if (start == null || end == null || offset < start || offset >= end) {
      return null;
    }
    try {
      return recordAt(topic, partition, offset);
    } catch (OffsetOutOfRangeException e) {
      return null; // deleted by retention since the look above
    }
  }

  private Map<TopicPartition, Range> ranges(String topic, Instant from, Instant to) {
    List<TopicPartition> partitions = assigned(topic);
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    Map<TopicPartition, OffsetAndTimestamp> firsts = consumer.offsetsForTimes(at(partitions, from));
    Map<TopicPartition, OffsetAndTimestamp> afters = consumer.offsetsForTimes(at(partitions, to));
    Map<TopicPartition, Range> ranges = new HashMap<>();
    for (TopicPartition partition : partitions) {
      long end = ends.get(partition);
      // No record at or after the time: the window starts (or ends) at the end of the partition.
      long start = firsts.get(partition) == null ? end : firsts.get(partition).offset();
      long stop = afters.get(partition) == null ? end : Math.min(end, afters.get(partition).offset());
      ranges.put(partition, new Range(start, Math.max(start, stop)));
    }
    return ranges;
  }

  private static Map<TopicPartition, Long> at(List<TopicPartition> partitions, Instant time) {
    return partitions.stream().collect(Collectors.toMap(Function.identity(), p -> time.toEpochMilli()));
  }

  /** The topic's partitions, assigned: the consumer warns about offsets it is told of partitions it does not hold. */
  private List<TopicPartition> assigned(String topic) {
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(info -> new TopicPartition(topic, info.partition())).toList();
    consumer.assign(partitions);
    consumer.pause(partitions); // nothing is fetched until read() says from where
    return partitions;
  }

  private record Range(long start, long end) {
    long size() {
      return end - start;
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
