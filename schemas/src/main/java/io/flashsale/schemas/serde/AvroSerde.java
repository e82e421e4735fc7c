package io.flashsale.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro records in the Confluent wire format: magic byte 0, the writer schema's 4-byte
 * registry id, then Avro binary. Subjects follow the topic-name strategy ({@code <topic>-value}), or for a
 * topic that holds several record types the topic-record-name strategy ({@code <topic>-<record full name>}).
 * Readers resolve the writer's schema against their own, so old readers read evolved data.
 */
public final class AvroSerde<T extends IndexedRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  static final byte MAGIC_BYTE = 0;
  private static final int HEADER_BYTES = 5;

  private final Schema readerSchema;
  private final SchemaRegistry registry;
  private final String subjectSuffix;
  private final SpecificDatumWriter<T> writer;
  private final CompiledWriter compiled; // null: written by Avro's writer (a schema without a generated class)
  private final Map<String, Target> targetByTopic = new ConcurrentHashMap<>();
  private final Map<Integer, SpecificDatumReader<T>> readerByWriterId = new ConcurrentHashMap<>();
  // Encoders and buffers are reused per thread: the serializer sits on the hot path of every record.
  private final ThreadLocal<ByteArrayOutputStream> buffers = ThreadLocal.withInitial(() -> new ByteArrayOutputStream(256));
  private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  private static final AtomicBoolean GENERATED_CLASSES_TRUSTED = new AtomicBoolean();
  /** The classes Avro may load by name for this project: its generated records, enums and fixed types. */
  static final ClassSecurityValidator.ClassSecurityPredicate GENERATED_CLASSES =
      type -> type.getName().startsWith("io.flashsale.schemas.") && !type.getName().startsWith("io.flashsale.schemas.serde.");

  static {
    trustGeneratedClasses();
  }

  /**
   * Since Avro 1.12.1 a reader resolving a writer's schema loads generated classes by name only when they are
   * trusted: without this, every record written before a compatible schema change fails to read. Every serde
   * trusts them when loaded; code writing Avro without a serde calls this first.
   */
  public static void trustGeneratedClasses() {
    if (GENERATED_CLASSES_TRUSTED.compareAndSet(false, true)) {
      ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), GENERATED_CLASSES));
    }
  }

  private AvroSerde(Schema readerSchema, SchemaRegistry registry, String subjectSuffix, CompiledWriter compiled) {
    this.readerSchema = readerSchema;
    this.registry = registry;
    this.subjectSuffix = subjectSuffix;
    this.writer = new SpecificDatumWriter<>(readerSchema);
    this.compiled = compiled;
  }

  /** Serde for record values of this generated class. */
  public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SchemaRegistry registry) {
    return generated(type, registry, "-value");
  }

  /** Serde for values of this class on a topic that holds other record types too (topic-record-name subjects). */
  public static <T extends SpecificRecord> AvroSerde<T> forRecordsOf(Class<T> type, SchemaRegistry registry) {
    return generated(type, registry, "-" + SpecificData.get().getSchema(type).getFullName());
  }

  private static <T extends SpecificRecord> AvroSerde<T> generated(Class<T> type, SchemaRegistry registry, String subjectSuffix) {
    Schema schema = SpecificData.get().getSchema(type);
    return new AvroSerde<>(schema, registry, subjectSuffix,
        CompiledWriter.of(schema, SpecificData.getForClass(type)).orElse(null));
  }

  /** Serde that writes with the given schema (generic records too), for tests of schema evolution. */
  public static <T extends IndexedRecord> AvroSerde<T> withSchema(Schema schema, SchemaRegistry registry) {
    return new AvroSerde<>(schema, registry, "-value", null);
  }

  /** Whether this serde writes by a plan made from its schema ({@link CompiledWriter}) rather than Avro's writer. */
  boolean compiled() {
    return compiled != null;
  }

  /**
   * What a topic's records are written as: the registered schema's id, and a converter when that schema is not this
   * serde's own (a producer without the right to register writes in the subject's latest version).
   */
  private record Target(int id, Schema schema, GenericDatumReader<Object> fromOwn, GenericDatumWriter<Object> writer) {}

  private Target target(String topic) {
    SchemaRegistry.Registered registered = registry.writerFor(topic + subjectSuffix, readerSchema);
    return registered.schema().equals(readerSchema) ? new Target(registered.id(), readerSchema, null, null)
        : new Target(registered.id(), registered.schema(), new GenericDatumReader<>(readerSchema, registered.schema()),
            new GenericDatumWriter<>(registered.schema()));
  }

  /** The schema this serde writes with and resolves writers' schemas to. */
  public Schema schema() {
    return readerSchema;
  }

  @Override
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    Target target = targetByTopic.computeIfAbsent(topic, this::target);
    int schemaId = target.id();
    ByteArrayOutputStream out = buffers.get();
    out.reset();
    out.write(MAGIC_BYTE);
    out.write(schemaId >>> 24);
    out.write(schemaId >>> 16);
    out.write(schemaId >>> 8);
    out.write(schemaId);
    try {
      // Buffered: the record reaches the stream in one write, not one (synchronized) write per field.
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, encoders.get());
      encoders.set(encoder);
      if (target.writer() == null && compiled != null) {
        compiled.write(record, encoder);
      } else if (target.writer() == null) {
        writer.write(record, encoder);
      } else { // written in this serde's schema, read as the registered one, and written so
        ByteArrayOutputStream own = new ByteArrayOutputStream(256);
        BinaryEncoder ownEncoder = EncoderFactory.get().directBinaryEncoder(own, null);
        writer.write(record, ownEncoder);
        ownEncoder.flush();
        Object converted = target.fromOwn().read(null, DecoderFactory.get().binaryDecoder(own.toByteArray(), null));
        target.writer().write(converted, encoder);
      }
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("Could not write " + readerSchema.getFullName() + " to " + topic, e);
    }
    return out.toByteArray();
  }

  /** The registry id of the schema {@code data} was written with; SerializationException if it is not in the wire format. */
  static int writerId(String topic, byte[] data) {
    if (data.length < HEADER_BYTES || data[0] != MAGIC_BYTE) {
      throw new SerializationException("Not in the Confluent wire format (topic " + topic + ")");
    }
    return ByteBuffer.wrap(data, 1, 4).getInt();
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    int writerId = writerId(topic, data);
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
