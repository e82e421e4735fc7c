package io.flashsale.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry.IncompatibleSchemaException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Field;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * Producers upgrade before consumers: a service still built with today's PurchaseRequest class must read
 * what an upgraded producer writes, and the registry must stop a change that would break it.
 */
class SchemaEvolutionTest {
  private static final String SUBJECT = Topics.PURCHASE_REQUESTS + "-value";
  private static final Schema CURRENT = PurchaseRequest.getClassSchema();

  private final SchemaRegistry registry = SchemaRegistry.forUrl("mock://test-" + UUID.randomUUID());

  @Test
  void aReaderWithTheGeneratedClassReadsRecordsWithAnAddedOptionalField() {
    registry.register(SUBJECT, CURRENT);
    Schema evolved = withField(CURRENT, new Field("channel", Schema.create(Schema.Type.STRING), "Where the click came from.", "web"));
    PurchaseRequest original = Samples.purchaseRequest();
    GenericRecord written = new GenericData.Record(evolved);
    CURRENT.getFields().forEach(field -> written.put(field.name(), original.get(field.pos())));
    written.put("channel", "app");

    byte[] bytes = AvroSerde.<GenericRecord>withSchema(evolved, registry).serialize(Topics.PURCHASE_REQUESTS, written);
    PurchaseRequest read = AvroSerde.forValues(PurchaseRequest.class, registry).deserialize(Topics.PURCHASE_REQUESTS, bytes);

    assertThat(registry.schemaById(writerId(bytes))).isEqualTo(evolved);
    assertThat(read).isEqualTo(original);
  }

  @Test
  void aNewRequiredFieldWithoutDefaultIsRefused() {
    registry.register(SUBJECT, CURRENT);
    Schema evolved = withField(CURRENT, new Field("campaignId", Schema.create(Schema.Type.STRING)));

    assertThatThrownBy(() -> registry.register(SUBJECT, evolved))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("campaignId");
  }

  @Test
  void changingAFieldFromIntToStringIsRefused() {
    registry.register(SUBJECT, CURRENT);
    List<Field> fields = new ArrayList<>();
    for (Field field : CURRENT.getFields()) {
      Schema type = field.name().equals("quantity") ? Schema.create(Schema.Type.STRING) : field.schema();
      fields.add(new Field(field, type));
    }
    Schema quantityAsText = record(CURRENT, fields);

    assertThatThrownBy(() -> registry.register(SUBJECT, quantityAsText))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("quantity");
  }

  private static Schema withField(Schema schema, Field added) {
    List<Field> fields = new ArrayList<>();
    schema.getFields().forEach(field -> fields.add(new Field(field, field.schema())));
    fields.add(added);
    return record(schema, fields);
  }

  private static Schema record(Schema like, List<Field> fields) {
    return Schema.createRecord(like.getName(), like.getDoc(), like.getNamespace(), false, fields);
  }

  private static int writerId(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }
}
