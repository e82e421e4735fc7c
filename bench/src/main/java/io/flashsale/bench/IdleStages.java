package io.flashsale.bench;

import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Where an idle click's time goes: for each click, when its request reached the log (the broker's append time),
 * when its outcome was appended (seen by a read_uncommitted reader), when the outcome became visible to
 * read_committed readers (a reader polling every few milliseconds, so the broker's delayed fetch plays no part),
 * and when the long-poll answered, all on this JVM's clock. The stack runs in this JVM, so one clock serves all.
 */
final class IdleStages implements AutoCloseable {
  /** The stages of one click, in milliseconds from its POST being sent; -1 where not seen. */
  record Click(double answered202, double requestLogged, double outcomeAppended, double outcomeCommitted,
      double outcomeCommittedDefaultFetch, double decided) {}

  private final Map<String, Long> requestLoggedMs = new ConcurrentHashMap<>();
  private final Map<String, Long> outcomeAppendedMs = new ConcurrentHashMap<>();
  private final Map<String, Long> outcomeCommittedMs = new ConcurrentHashMap<>();
  private final Map<String, Long> outcomeCommittedDefaultMs = new ConcurrentHashMap<>();
  private final List<Thread> readers = new ArrayList<>();
  private volatile boolean running = true;

  IdleStages(String bootstrap, String registryUrl) {
    Topics topics = Topics.using(SchemaRegistry.forUrl(registryUrl));
    readers.add(reader(bootstrap, Topics.PURCHASE_REQUESTS, "read_uncommitted", 5, record -> {
      PurchaseBatch batch = topics.purchaseRequests.valueSerde().deserializer().deserialize(record.topic(), record.value());
      for (PurchaseRequest request : batch.getRequests()) {
        requestLoggedMs.putIfAbsent(request.getRequestId(), record.timestamp()); // LogAppendTime: the broker's clock
      }
    }));
    readers.add(reader(bootstrap, Topics.PURCHASE_OUTCOMES, "read_uncommitted", 5,
        record -> outcomeAppendedMs.putIfAbsent(key(record), System.currentTimeMillis())));
    readers.add(reader(bootstrap, Topics.PURCHASE_OUTCOMES, "read_committed", 5,
        record -> outcomeCommittedMs.putIfAbsent(key(record), System.currentTimeMillis())));
    readers.add(reader(bootstrap, Topics.PURCHASE_OUTCOMES, "read_committed", 500,
        record -> outcomeCommittedDefaultMs.putIfAbsent(key(record), System.currentTimeMillis())));
    readers.forEach(Thread::start);
  }

  Click click(String requestId, long sentMs, long answered202Ms, long decidedMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && !(requestLoggedMs.containsKey(requestId)
        && outcomeAppendedMs.containsKey(requestId) && outcomeCommittedMs.containsKey(requestId)
        && outcomeCommittedDefaultMs.containsKey(requestId))) {
      Thread.sleep(5);
    }
    return new Click(answered202Ms - sentMs, since(requestLoggedMs, requestId, sentMs),
        since(outcomeAppendedMs, requestId, sentMs), since(outcomeCommittedMs, requestId, sentMs),
        since(outcomeCommittedDefaultMs, requestId, sentMs), decidedMs - sentMs);
  }

  private static double since(Map<String, Long> times, String id, long sentMs) {
    Long at = times.get(id);
    return at == null ? -1 : at - sentMs;
  }

  private static String key(ConsumerRecord<byte[], byte[]> record) {
    return Serdes.String().deserializer().deserialize(record.topic(), record.key());
  }

  private Thread reader(String bootstrap, String topic, String isolation, int fetchMaxWaitMs,
      java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
    Thread thread = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
          ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, fetchMaxWaitMs,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        while (running) {
          consumer.poll(Duration.ofMillis(50)).forEach(onRecord);
        }
      }
    }, "idle-stages-" + topic + "-" + isolation + "-" + fetchMaxWaitMs);
    thread.setDaemon(true);
    return thread;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread reader : readers) {
      reader.join(5_000);
    }
  }
}
