package io.flashsale.api.log;

import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>No record is passed over because something else failed. A record whose decoding meets an unavailable or
 * refusing schema registry (a 5xx, 401/403, a timeout, no connection) is tried again, with a growing pause, until
 * it decodes: the view stops at it, counts as not caught up meanwhile (readiness says so), and goes on in order
 * afterwards. Only a record that is not a value of its topic (not the wire format, an unknown schema id, bytes
 * Avro cannot read) is skipped, logged, and counted in {@value #SKIPPED_METER}.
 */
public abstract class TopicView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicView.class);
  private static final Duration POLL = Duration.ofMillis(100);
  /** Records skipped because they are not values of their topic, tagged view. */
  static final String SKIPPED_METER = "flashsale.api.view.skipped.records";
  /** 1 while a view waits for the schema registry to decode its next record, tagged view. */
  static final String STALLED_METER = "flashsale.api.view.stalled";
  /**
   * Pauses between tries of a record the registry could not decode: from 100 ms, doubled, at most 5 s, so a blip
   * costs a fraction of a second and an outage one registry request per view every 5 s.
   */
  private static final Duration FIRST_RETRY = Duration.ofMillis(100);
  private static final Duration LAST_RETRY = Duration.ofSeconds(5);

  private final String name;
  private final List<String> topics;
  private final Properties consumerProps;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean caughtUp;
  private volatile boolean stalled;
  private final AtomicLong skipped = new AtomicLong();
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  public TopicView(String name, KafkaSettings kafka, List<String> topics) {
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

  public final void start() {
    thread.start();
  }

  /**
   * True once everything that was committed when the view started has been applied, and the view is not held up
   * by the schema registry.
   */
  public final boolean caughtUp() {
    return caughtUp && !stalled;
  }

  /** Records skipped since start because they are not values of their topic. */
  public final long skippedRecords() {
    return skipped.get();
  }

  /** The views' {@value #SKIPPED_METER} and {@value #STALLED_METER} on {@code registry}. */
  public static void bindMeters(MeterRegistry registry, TopicView... views) {
    for (TopicView view : views) {
      FunctionCounter.builder(SKIPPED_METER, view, TopicView::skippedRecords)
          .description("Records an API view skipped because they are not values of their topic")
          .tag("view", view.name).register(registry);
      Gauge.builder(STALLED_METER, view, v -> v.stalled ? 1 : 0)
          .description("1 while an API view waits for the schema registry to decode its next record")
          .tag("view", view.name).register(registry);
    }
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
          applyInOrder(record);
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

  /** Applies the record, retrying while the registry fails it; skips it only if it is not a value of its topic. */
  private void applyInOrder(ConsumerRecord<byte[], byte[]> record) {
    Duration pause = FIRST_RETRY;
    for (int attempt = 1; running; attempt++) {
      try {
        apply(record);
        if (stalled) {
          stalled = false;
          log.info("View {} decodes again from {}-{}@{} after {} tries", name, record.topic(), record.partition(),
              record.offset(), attempt);
        }
        return;
      } catch (RuntimeException e) {
        if (!SchemaRegistry.isUnavailable(e)) { // the record itself: one unreadable record must not blind the view
          skipped.incrementAndGet();
          log.warn("View {} skipped {}-{}@{}, not a value of its topic: {}", name, record.topic(), record.partition(),
              record.offset(), causes(e));
          return;
        }
        stalled = true;
        if (Integer.bitCount(attempt) == 1) { // 1st, 2nd, 4th, 8th... try: an outage is told, not shouted
          log.warn("View {} waits for the schema registry to read {}-{}@{} (try {}): {}", name, record.topic(),
              record.partition(), record.offset(), attempt, causes(e));
        }
        pauseWhileRunning(pause);
        pause = pause.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : pause.multipliedBy(2);
      }
    }
  }

  private void pauseWhileRunning(Duration pause) {
    long until = System.nanoTime() + pause.toNanos();
    try {
      while (running && System.nanoTime() < until) {
        Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  private static String causes(Throwable error) {
    StringBuilder text = new StringBuilder(error.toString());
    for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      text.append(" <- ").append(cause);
    }
    return text.toString();
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
