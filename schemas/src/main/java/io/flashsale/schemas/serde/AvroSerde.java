package io.flashsale.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro records in the Confluent wire format: magic byte 0, the writer schema's 4-byte
 * registry id, then Avro binary. Subjects follow the topic-name strategy ({@code <topic>-value}).
 * Readers resolve the writer's schema against their own, so old readers read evolved data.
 */
public final class AvroSerde<T extends IndexedRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  static final byte MAGIC_BYTE = 0;
  private static final int HEADER_BYTES = 5;

  private final Schema readerSchema;
  private final SchemaRegistry registry;
  private final SpecificDatumWriter<T> writer;
  private final Map<String, Integer> writerIdByTopic = new ConcurrentHashMap<>();
  private final Map<Integer, SpecificDatumReader<T>> readerByWriterId = new ConcurrentHashMap<>();
  // Encoders and buffers are reused per thread: the serializer sits on the hot path of every record.
  private final ThreadLocal<ByteArrayOutputStream> buffers = ThreadLocal.withInitial(() -> new ByteArrayOutputStream(256));
  private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  private AvroSerde(Schema readerSchema, SchemaRegistry registry) {
    this.readerSchema = readerSchema;
    this.registry = registry;
    this.writer = new SpecificDatumWriter<>(readerSchema);
  }

  /** Serde for record values of this generated class. */
  public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SchemaRegistry registry) {
    return new AvroSerde<>(SpecificData.get().getSchema(type), registry);
  }

  /** Serde that writes with the given schema (generic records too), for tests of schema evolution. */
  public static <T extends IndexedRecord> AvroSerde<T> withSchema(Schema schema, SchemaRegistry registry) {
    return new AvroSerde<>(schema, registry);
  }

  @Override
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    int schemaId = writerIdByTopic.computeIfAbsent(topic, t -> registry.register(t + "-value", readerSchema));
    ByteArrayOutputStream out = buffers.get();
    out.reset();
    out.write(MAGIC_BYTE);
    out.write(schemaId >>> 24);
    out.write(schemaId >>> 16);
    out.write(schemaId >>> 8);
    out.write(schemaId);
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, encoders.get());
      encoders.set(encoder);
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("Could not write " + readerSchema.getFullName() + " to " + topic, e);
    }
    return out.toByteArray();
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (data.length < HEADER_BYTES || data[0] != MAGIC_BYTE) {
      throw new SerializationException("Not in the Confluent wire format (topic " + topic + ")");
    }
    int writerId = ByteBuffer.wrap(data, 1, 4).getInt();
    try {
      SpecificDatumReader<T> reader = readerByWriterId.computeIfAbsent(writerId,
          id -> new SpecificDatumReader<>(registry.schemaById(id), readerSchema));
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, decoders.get());
      decoders.set(decoder);
      return reader.read(null, decoder);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("Could not read " + readerSchema.getFullName() + " from " + topic
          + " (writer schema id " + writerId + ")", e);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
