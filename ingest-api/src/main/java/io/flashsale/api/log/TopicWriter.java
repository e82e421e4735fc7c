package io.flashsale.api.log;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Topics.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records durably: idempotent producer, acks=all, and a future that completes only once every
 * in-sync replica has the record. A broker or registry that cannot be reached is UNAVAILABLE (503).
 */
public final class TopicWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicWriter.class);

  private final KafkaProducer<byte[], byte[]> producer;
  private final Executor callbacks;
  private final int maxRequestSize;

  /** {@code callbacks} runs what follows an ack, so that HTTP responses are never written on the producer's I/O thread. */
  public TopicWriter(KafkaSettings kafka, Duration produceTimeout, Executor callbacks) {
    this.callbacks = callbacks;
    Properties props = new Properties();
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "flashsale-api");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Requests of one SKU already travel together (PurchaseBatcher); linger gathers the records of other SKUs
    // of the same partition, compressed together, without a noticeable wait when idle.
    props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024); // room for a full purchase batch and its neighbours
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"); // ids and names repeat: cheap to pack, less to replicate
    // The request waits exactly as long as the producer retries (to the new leader once a dead broker is fenced):
    // no separate timer answers 503 while the record is still on its way. A 503 may still be a stored record whose
    // ack was lost; a retry with the same Idempotency-Key is the same request. With min ISR 2 an ack is two copies.
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) produceTimeout.toMillis());
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) produceTimeout.toMillis() / 2);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) produceTimeout.toMillis() / 2);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    Properties producerProps = kafka.producerProperties(props);
    this.maxRequestSize = (Integer) ProducerConfig.configDef().parse(producerProps).get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    this.producer = new KafkaProducer<>(producerProps);
  }

  /**
   * The most bytes one record written here may take, key and value as serialized: the producer's
   * {@code max.request.size} (1,048,576 by default) less 32 KiB. The producer refuses a record whose uncompressed
   * size with Kafka's framing (a batch header of 61 bytes, a record header of at most 21) exceeds its
   * {@code max.request.size}; the broker refuses a batch, as compressed, over its {@code message.max.bytes}
   * (1,048,588 by default). lz4 makes incompressible data larger by at most 1/255 and 16 bytes (4.1 KiB on a
   * MiB), so 32 KiB leaves room under both limits, for the framing too. Half the size where the setting is small.
   */
  int maxRecordBytes() {
    return Math.max(maxRequestSize / 2, maxRequestSize - 32 * 1024);
  }

  /** The producer's own meters (record rates, request latency, errors) on {@code registry}. */
  public void bindMetrics(MeterRegistry registry) {
    new KafkaClientMetrics(producer).bindTo(registry);
  }

  /** Completes with the record's place in the log once the broker acknowledged it, or with UNAVAILABLE. */
  public <K, V> CompletableFuture<RecordMetadata> write(Topic<K, V> topic, K key, V value) {
    CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
    try {
      byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
      byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
      producer.send(new ProducerRecord<>(topic.name(), keyBytes, valueBytes), (metadata, error) ->
          callbacks.execute(() -> {
            if (error != null) {
              acked.completeExceptionally(unavailable(topic, error));
            } else {
              acked.complete(metadata);
            }
          }));
    } catch (RuntimeException e) { // metadata timeout, registry unreachable: the record is not written
      acked.completeExceptionally(unavailable(topic, e));
    }
    return acked;
  }

  private static Problem unavailable(Topic<?, ?> topic, Throwable error) {
    log.warn("Could not write to {}: {}", topic.name(), error.toString());
    return new Problem(ErrorCode.UNAVAILABLE, "The request could not be stored, please retry",
        Map.of("Retry-After", "1"), Map.of());
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
