package io.flashsale.reconciliation;

import io.flashsale.schemas.Correction;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes sales, outcomes and payment events to the broker in transactions, as the topology and the API do,
 * so that the sink's read_committed reading is what is tested. Keys follow the catalogue: SKU for sales and
 * payments, requestId for outcomes.
 */
public final class LogWriter implements AutoCloseable {
  public static final int PARTITIONS = 4;

  private final Topics topics;
  private final KafkaProducer<String, byte[]> producer;
  /** The time the next records are stamped with; null: the producer's clock. */
  private Long timestamp;

  public LogWriter(String bootstrapServers, String schemaRegistryUrl) {
    topics = Topics.using(SchemaRegistry.forUrl(schemaRegistryUrl));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      TopicAdmin.ensureTopics(admin, topics, PARTITIONS, (short) 1);
    }
    producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sink-test-" + UUID.randomUUID()),
        new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
  }

  /** Stamps the records sent from now on with {@code time}, as if they had been written then. */
  public LogWriter at(java.time.Instant time) {
    timestamp = time.toEpochMilli();
    return this;
  }

  public void begin() {
    producer.beginTransaction();
  }

  public void commit() {
    producer.commitTransaction();
  }

  public void abort() {
    producer.abortTransaction();
  }

  public void send(Sale sale) {
    send(topics.sales, sale.getSku(), sale);
  }

  public void send(PurchaseOutcome outcome) {
    send(topics.purchaseOutcomes, outcome.getRequestId(), outcome);
  }

  public void send(PaymentEvent event) {
    send(topics.paymentEvents, event.getSku(), event);
  }

  public void send(StockLevel level) {
    send(topics.stockLevels, level.getSaleId(), level);
  }

  public void send(Correction correction) {
    send(topics.corrections, correction.getCorrectionId(), correction);
  }

  /** Bytes as they are, whether or not they are a value of the topic. */
  public void sendRaw(String topic, String key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, null, timestamp, key, value));
  }

  private <V> void send(Topics.Topic<String, V> topic, String key, V value) {
    producer.send(new ProducerRecord<>(topic.name(), null, timestamp, key,
        topic.valueSerde().serializer().serialize(topic.name(), value)));
  }

  @Override
  public void close() {
    producer.close();
  }
}
