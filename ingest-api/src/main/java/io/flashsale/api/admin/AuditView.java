package io.flashsale.api.admin;

import io.flashsale.api.log.TopicView;
import io.flashsale.schemas.AdminAuditEvent;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The most recent admin actions, for the dashboard: a starting view reads only the last {@link #KEPT} records of
 * each partition of {@code admin-audit} (a year of it is for the log, not for memory), then follows the topic,
 * keeping the {@link #KEPT} newest by broker time.
 */
public final class AuditView extends TopicView {
  /** Most records kept, and most one answer lists. */
  static final int KEPT = 1_000;

  /** One audited action and when the broker appended it. */
  record Entry(Instant at, int partition, long offset, AdminAuditEvent event) {}

  private static final Comparator<Entry> NEWEST_LAST = Comparator.comparing(Entry::at)
      .thenComparingInt(Entry::partition).thenComparingLong(Entry::offset);

  private final Topics topics;
  private final NavigableMap<Entry, Boolean> entries = new ConcurrentSkipListMap<>(NEWEST_LAST);

  public AuditView(KafkaSettings kafka, Topics topics) {
    super("admin-audit", kafka, List.of(Topics.ADMIN_AUDIT));
    this.topics = topics;
  }

  @Override
  protected void seekStart(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> beginning = kafka.beginningOffsets(partitions);
    Map<TopicPartition, Long> end = kafka.endOffsets(partitions);
    for (TopicPartition partition : partitions) {
      kafka.seek(partition, Math.max(beginning.get(partition), end.get(partition) - KEPT));
    }
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    AdminAuditEvent event = topics.adminAudit.valueSerde().deserializer().deserialize(record.topic(), record.value());
    entries.put(new Entry(Instant.ofEpochMilli(record.timestamp()), record.partition(), record.offset(), event), true);
    while (entries.size() > KEPT) {
      entries.pollFirstEntry();
    }
  }

  /** The {@code limit} newest entries, newest first. */
  List<Entry> newest(int limit) {
    List<Entry> newest = new ArrayList<>(Math.min(limit, KEPT));
    for (Entry entry : entries.descendingKeySet()) {
      if (newest.size() == limit) {
        break;
      }
      newest.add(entry);
    }
    return newest;
  }
}
