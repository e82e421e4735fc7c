package io.flashsale.local;

import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The request ids a topic holds, wherever a record carries them: every {@code requestId} field, at any depth, of
 * every record, read with the writer's schema from the registry. So a check that a request is in the log does not
 * depend on how many requests one record carries.
 */
final class LoggedRequestIds {
  private LoggedRequestIds() {}

  static Set<String> in(String bootstrapServers, String topic, SchemaRegistry registry) {
    Set<String> ids = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> record : TopicLog.readAll(bootstrapServers, topic,
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      collect(decode(record.value(), registry), ids);
    }
    return ids;
  }

  /** Confluent wire format: magic byte 0, the writer schema's id, Avro binary. */
  private static Object decode(byte[] value, SchemaRegistry registry) {
    ByteBuffer buffer = ByteBuffer.wrap(value);
    if (buffer.get() != 0) {
      throw new IllegalStateException("Not in the Confluent wire format");
    }
    Schema schema = registry.schemaById(buffer.getInt());
    try {
      return new GenericDatumReader<>(schema).read(null,
          DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collect(Object datum, Set<String> ids) {
    if (datum instanceof GenericRecord record) {
      for (Schema.Field field : record.getSchema().getFields()) {
        Object value = record.get(field.pos());
        if (field.name().equals("requestId") && value != null) {
          ids.add(value.toString());
        } else {
          collect(value, ids);
        }
      }
    } else if (datum instanceof Iterable<?> values) {
      values.forEach(v -> collect(v, ids));
    } else if (datum instanceof Map<?, ?> map) {
      map.values().forEach(v -> collect(v, ids));
    }
  }
}
