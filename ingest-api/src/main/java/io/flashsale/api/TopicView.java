package io.flashsale.api;

import io.flashsale.schemas.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads whole topics into a local view on its own thread. It assigns every partition instead of joining a
 * group, so every instance sees everything and can answer any request. It reads committed records only,
 * from where {@link #seekStart} puts it (the beginning unless a view says otherwise), and counts as caught up
 * once it has reached the end offsets of its start.
 */
abstract class TopicView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicView.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final String name;
  private final List<String> topics;
  private final Properties consumerProps;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean caughtUp;
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  TopicView(String name, KafkaSettings kafka, List<String> topics) {
    this.name = name;
    this.topics = topics;
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "flashsale-api-" + name);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumerProps = kafka.consumerProperties(consumerProps);
    this.thread = new Thread(this::run, "flashsale-view-" + name);
    thread.setDaemon(true);
  }

  /** Applies one record to the view. Runs on the view's thread only. */
  protected abstract void apply(ConsumerRecord<byte[], byte[]> record);

  /** Positions the consumer where the view starts reading: by default the beginning of every partition. */
  protected void seekStart(KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions) {
    kafka.seekToBeginning(partitions);
  }

  /** False once the view is closing; a long start may check it. */
  protected final boolean running() {
    return running;
  }

  final void start() {
    thread.start();
  }

  /** True once everything that was committed when the view started has been applied. */
  final boolean caughtUp() {
    return caughtUp;
  }

  private void run() {
    try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(consumerProps)) {
      consumer = kafka;
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        kafka.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      kafka.assign(partitions);
      seekStart(kafka, partitions);
      Map<TopicPartition, Long> startEnd = new HashMap<>(kafka.endOffsets(partitions));
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : kafka.poll(POLL)) {
          applySafely(record);
        }
        if (!caughtUp) {
          startEnd.entrySet().removeIf(e -> kafka.position(e.getKey()) >= e.getValue());
          caughtUp = startEnd.isEmpty();
          if (caughtUp) {
            log.info("View {} caught up with {}", name, topics);
          }
        }
      }
    } catch (WakeupException e) {
      if (running) {
        log.error("View {} woken up unexpectedly", name, e);
      }
    } catch (RuntimeException e) {
      log.error("View {} stopped: it no longer follows {}", name, topics, e);
      caughtUp = false; // readiness reports the dead view
    }
  }

  private void applySafely(ConsumerRecord<byte[], byte[]> record) {
    try {
      apply(record);
    } catch (RuntimeException e) { // one unreadable record must not blind the view to all later ones
      log.warn("View {} skipped {}-{}@{}: {}", name, record.topic(), record.partition(), record.offset(), e.toString());
    }
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<byte[], byte[]> kafka = consumer;
    if (kafka != null) {
      kafka.wakeup();
    }
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
