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

  /**
   * A reader built before DEVICE_LIMIT_EXCEEDED existed reads it as the enum's default, UNKNOWN, instead of failing:
   * new reasons are appended, never inserted, and RejectReason keeps its default.
   */
  @Test
  void aReaderWithoutANewRejectReasonReadsItsDefault() throws Exception {
    Schema current = io.flashsale.schemas.PurchaseOutcome.getClassSchema();
    Schema older = new Schema.Parser().parse(current.toString().replace(",\"DEVICE_LIMIT_EXCEEDED\"", ""));
    assertThat(older.toString()).doesNotContain("DEVICE_LIMIT_EXCEEDED");
    io.flashsale.schemas.PurchaseOutcome written = io.flashsale.schemas.PurchaseOutcome.newBuilder(Samples.purchaseOutcome())
        .setReason(io.flashsale.schemas.RejectReason.DEVICE_LIMIT_EXCEEDED).build();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.specific.SpecificDatumWriter<io.flashsale.schemas.PurchaseOutcome>(current).write(written, encoder);
    encoder.flush();

    GenericRecord read = new org.apache.avro.generic.GenericDatumReader<GenericRecord>(current, older)
        .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

    assertThat(read.get("reason").toString()).isEqualTo("UNKNOWN");
    assertThat(org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(older, current).getType())
        .isEqualTo(org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
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
