package io.flashsale.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry.NotRegisteredException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Field;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Producers without the right to register (FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER=false) write with the latest
 * version registered under their subject, as Confluent's serializers with use.latest.version, and fail clearly when
 * there is none or it cannot hold their records; nothing is ever registered by them.
 */
class AutoRegistrationOffTest {
  private static final String SUBJECT = Topics.PURCHASE_REQUESTS + "-value";
  private static final Schema CURRENT = PurchaseRequest.getClassSchema();

  private final String name = "auto-register-off-" + UUID.randomUUID();
  /** What the deployment registered beforehand, with its own rights. */
  private final MockSchemaRegistry deployment = MockSchemaRegistry.named(name);
  private final SchemaRegistry producerRegistry = RegistrySettings.fromEnv(Map.of(
      "FLASHSALE_SCHEMA_REGISTRY_URL", "mock://" + name, "FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER", "false")).connect();

  @Test
  void withNothingRegisteredTheFirstRecordFailsSayingSoAndNothingIsRegistered() {
    AvroSerde<PurchaseRequest> serde = AvroSerde.forValues(PurchaseRequest.class, producerRegistry);

    assertThatThrownBy(() -> serde.serialize(Topics.PURCHASE_REQUESTS, Samples.purchaseRequest()))
        .isInstanceOf(NotRegisteredException.class)
        .hasMessageContaining("No schema is registered under '" + SUBJECT + "'")
        .hasMessageContaining("FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER=false")
        .hasMessageContaining("io.flashsale.schemas.PurchaseRequest");
    assertThatThrownBy(() -> deployment.latest(SUBJECT)).isInstanceOf(NotRegisteredException.class);
    assertThatThrownBy(() -> producerRegistry.register(SUBJECT, CURRENT)).hasMessageContaining("Not registering");
  }

  @Test
  void aProducerWritesWithTheRegisteredSchemasId() {
    int registered = deployment.register(SUBJECT, CURRENT);
    AvroSerde<PurchaseRequest> serde = AvroSerde.forValues(PurchaseRequest.class, producerRegistry);

    byte[] bytes = serde.serialize(Topics.PURCHASE_REQUESTS, Samples.purchaseRequest());

    assertThat(writerId(bytes)).isEqualTo(registered);
    assertThat(serde.deserialize(Topics.PURCHASE_REQUESTS, bytes)).isEqualTo(Samples.purchaseRequest());
  }

  /** The latest version has a field this build does not know: records are written in it, with its default. */
  @Test
  void aProducerWritesInTheLatestVersionWhenItIsNewerThanItsOwnSchema() throws Exception {
    deployment.register(SUBJECT, CURRENT);
    Schema evolved = withField(CURRENT, new Field("channel", Schema.create(Schema.Type.STRING), "Where the click came from.",
        "web"));
    int latest = deployment.register(SUBJECT, evolved);
    AvroSerde<PurchaseRequest> serde = AvroSerde.forValues(PurchaseRequest.class, producerRegistry);

    byte[] bytes = serde.serialize(Topics.PURCHASE_REQUESTS, Samples.purchaseRequest());

    assertThat(writerId(bytes)).isEqualTo(latest);
    GenericRecord asWritten = new GenericDatumReader<GenericRecord>(evolved).read(null,
        DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    assertThat(asWritten.get("channel")).hasToString("web");
    assertThat(asWritten.get("requestId")).hasToString(Samples.purchaseRequest().getRequestId());
    assertThat(serde.deserialize(Topics.PURCHASE_REQUESTS, bytes)).as("read back by today's class")
        .isEqualTo(Samples.purchaseRequest());
  }

  @Test
  void aLatestVersionThatCannotHoldTheRecordsIsRefusedClearly() {
    Schema unrelated = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"PurchaseRequest\","
        + "\"namespace\":\"io.flashsale.schemas\",\"fields\":[{\"name\":\"campaignId\",\"type\":\"string\"}]}");
    deployment.register(SUBJECT, unrelated);
    AvroSerde<PurchaseRequest> serde = AvroSerde.forValues(PurchaseRequest.class, producerRegistry);

    assertThatThrownBy(() -> serde.serialize(Topics.PURCHASE_REQUESTS, Samples.purchaseRequest()))
        .hasMessageContaining("The latest schema under '" + SUBJECT + "'").hasMessageContaining("cannot hold")
        .hasMessageContaining("campaignId");
  }

  @Test
  void theSettingIsTrueOrFalse() {
    assertThat(RegistrySettings.fromEnv(Map.of()).autoRegister()).isTrue();
    assertThat(RegistrySettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER", "false")).autoRegister())
        .isFalse();
    assertThat(RegistrySettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER", "false")).toString())
        .contains("autoRegister=false");
    assertThatThrownBy(() -> RegistrySettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER", "no")))
        .hasMessageContaining("FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER must be true or false");
  }

  private static int writerId(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }

  private static Schema withField(Schema schema, Field added) {
    List<Field> fields = new ArrayList<>();
    for (Field field : schema.getFields()) {
      fields.add(new Field(field, field.schema()));
    }
    fields.add(added);
    Schema evolved = Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    schema.getObjectProps().forEach(evolved::addProp);
    return evolved;
  }
}
