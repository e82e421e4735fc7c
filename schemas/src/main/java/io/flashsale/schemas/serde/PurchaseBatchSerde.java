package io.flashsale.schemas.serde;

import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Values of {@code purchase-requests}: written as {@link PurchaseBatch} under its topic-record-name subject;
 * read as a batch whichever of the topic's two record types wrote them, a single {@link PurchaseRequest}
 * being a batch of one. So records written before batching, still in the log, are decided like any other.
 */
public final class PurchaseBatchSerde implements Serde<PurchaseBatch>, Serializer<PurchaseBatch>, Deserializer<PurchaseBatch> {
  private static final String SINGLE = PurchaseRequest.getClassSchema().getFullName();

  private final SchemaRegistry registry;
  private final AvroSerde<PurchaseBatch> batches;
  private final AvroSerde<PurchaseRequest> singles;
  private final Map<Integer, Boolean> singleByWriterId = new ConcurrentHashMap<>();

  public PurchaseBatchSerde(SchemaRegistry registry) {
    this.registry = registry;
    this.batches = AvroSerde.forRecordsOf(PurchaseBatch.class, registry);
    this.singles = AvroSerde.forValues(PurchaseRequest.class, registry);
  }

  /** The topic's record types: the one written first, then the one only read. */
  public List<Schema> schemas() {
    return List.of(batches.schema(), singles.schema());
  }

  @Override
  public byte[] serialize(String topic, PurchaseBatch batch) {
    return batches.serialize(topic, batch);
  }

  @Override
  public PurchaseBatch deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    int writerId = AvroSerde.writerId(topic, data);
    boolean single;
    try {
      single = singleByWriterId.computeIfAbsent(writerId, id -> registry.schemaById(id).getFullName().equals(SINGLE));
    } catch (RuntimeException e) {
      throw new SerializationException("Unknown writer schema id " + writerId + " on " + topic, e);
    }
    if (!single) {
      return batches.deserialize(topic, data);
    }
    PurchaseRequest request = singles.deserialize(topic, data);
    return new PurchaseBatch(request.getSku(), List.of(request));
  }

  @Override
  public Serializer<PurchaseBatch> serializer() {
    return this;
  }

  @Override
  public Deserializer<PurchaseBatch> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
