package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.serde.AvroSerde;
import io.flashsale.schemas.serde.RegistrySettings;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.schemas.serde.SchemaRegistry.IncompatibleSchemaException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the registry through the project's own REST client, as the serdes of every module do. */
class EmbeddedSchemaRegistryTest {
  private static final Schema HOLD_V1 = SchemaBuilder.record("Hold").namespace("test").fields()
      .requiredString("holdId").requiredInt("quantity").endRecord();
  private static final Schema HOLD_V2_OPTIONAL_FIELD = SchemaBuilder.record("Hold").namespace("test").fields()
      .requiredString("holdId").requiredInt("quantity").optionalString("note").endRecord();
  private static final Schema HOLD_V2_REQUIRED_FIELD = SchemaBuilder.record("Hold").namespace("test").fields()
      .requiredString("holdId").requiredInt("quantity").requiredLong("expiresAt").endRecord();

  @Test
  void aRegisteredSchemaIsFetchedByItsId() {
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(null, 0)) {
      SchemaRegistry registry = SchemaRegistry.forUrl(server.url());

      int saleId = registry.register("sales-value", Sale.getClassSchema());
      int requestId = registry.register("purchase-requests-value", PurchaseRequest.getClassSchema());

      assertThat(saleId).isNotEqualTo(requestId);
      assertThat(registry.schemaById(saleId)).isEqualTo(Sale.getClassSchema());
      assertThat(registry.schemaById(requestId)).isEqualTo(PurchaseRequest.getClassSchema());
    }
  }

  /**
   * The REST client without the right to register (FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER=false): a producer writes
   * with the id of the latest version registered beforehand, and with none fails naming the subject.
   */
  @Test
  void aProducerWithAutoRegistrationOffWritesWithTheLatestRegisteredVersionOverRest() {
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(null, 0)) {
      SchemaRegistry readOnly = RegistrySettings.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_URL", server.url(),
          "FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER", "false")).connect();
      AvroSerde<PurchaseRequest> serde = AvroSerde.forValues(PurchaseRequest.class, readOnly);
      PurchaseRequest request = PurchaseRequest.newBuilder().setRequestId("r-1").setSaleId("s-1").setSku("SKU-1")
          .setUserId("u-1").setQuantity(1).setRequestedAt(java.time.Instant.ofEpochMilli(1_700_000_000_000L)).build();

      assertThatThrownBy(() -> serde.serialize("purchase-requests", request))
          .isInstanceOf(SchemaRegistry.NotRegisteredException.class)
          .hasMessageContaining("purchase-requests-value").hasMessageContaining("AUTO_REGISTER=false");

      int registered = SchemaRegistry.forUrl(server.url()).register("purchase-requests-value",
          PurchaseRequest.getClassSchema());
      byte[] bytes = serde.serialize("purchase-requests", request);
      assertThat(java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registered);
      assertThat(serde.deserialize("purchase-requests", bytes)).isEqualTo(request);
    }
  }

  @Test
  void theSameSchemaKeepsItsId() {
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(null, 0)) {
      SchemaRegistry registry = SchemaRegistry.forUrl(server.url());

      int first = registry.register("sales-value", Sale.getClassSchema());

      assertThat(registry.register("sales-value", Sale.getClassSchema())).isEqualTo(first);
      // Ids are global, as in Confluent's registry: another subject with the same schema shares it.
      assertThat(registry.register("sales-archive-value", Sale.getClassSchema())).isEqualTo(first);
    }
  }

  @Test
  void aCompatibleChangeBecomesTheNextVersionAndAnIncompatibleOneIsRefused() throws Exception {
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(null, 0)) {
      SchemaRegistry registry = SchemaRegistry.forUrl(server.url());
      int v1 = registry.register("holds-value", HOLD_V1);

      int v2 = registry.register("holds-value", HOLD_V2_OPTIONAL_FIELD);

      assertThat(v2).isNotEqualTo(v1);
      assertThatThrownBy(() -> registry.register("holds-value", HOLD_V2_REQUIRED_FIELD))
          .isInstanceOf(IncompatibleSchemaException.class)
          .hasMessageContaining("expiresAt");
      assertThat(get(server, "/subjects/holds-value/versions")).containsExactly(intNode(1), intNode(2));
    }
  }

  @Test
  void subjectsAreListed() throws Exception {
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(null, 0)) {
      SchemaRegistry registry = SchemaRegistry.forUrl(server.url());
      registry.register("sales-value", Sale.getClassSchema());
      registry.register("holds-value", HOLD_V1);

      assertThat(get(server, "/subjects")).extracting(JsonNode::asText)
          .containsExactlyInAnyOrder("sales-value", "holds-value");
    }
  }

  /** Records on disk carry schema ids, so a restarted registry must give every schema its old id. */
  @Test
  void idsSurviveARestartOnTheSameDirectory(@TempDir Path dataDir) {
    int saleId;
    int holdV2Id;
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(dataDir, 0)) {
      SchemaRegistry registry = SchemaRegistry.forUrl(server.url());
      saleId = registry.register("sales-value", Sale.getClassSchema());
      registry.register("holds-value", HOLD_V1);
      holdV2Id = registry.register("holds-value", HOLD_V2_OPTIONAL_FIELD);
    }

    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(dataDir, 0)) {
      SchemaRegistry registry = SchemaRegistry.forUrl(server.url());

      assertThat(registry.schemaById(saleId)).isEqualTo(Sale.getClassSchema());
      assertThat(registry.schemaById(holdV2Id)).isEqualTo(HOLD_V2_OPTIONAL_FIELD);
      assertThat(registry.register("holds-value", HOLD_V2_OPTIONAL_FIELD)).isEqualTo(holdV2Id);
      int requestId = registry.register("purchase-requests-value", PurchaseRequest.getClassSchema());
      assertThat(requestId).isNotIn(saleId, holdV2Id);
      // The compatibility history came back too: the latest version still guards the subject.
      assertThatThrownBy(() -> registry.register("holds-value", HOLD_V2_REQUIRED_FIELD))
          .isInstanceOf(IncompatibleSchemaException.class);
    }
  }

  @Test
  void anUnknownIdIsNotFound() throws Exception {
    try (EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start(null, 0)) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(server.url() + "/schemas/ids/4711")).GET().build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(new ObjectMapper().readTree(response.body()).get("error_code").asInt()).isEqualTo(40403);
    }
  }

  private static JsonNode get(EmbeddedSchemaRegistry server, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.url() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.schemaregistry.v1+json");
    return new ObjectMapper().readTree(response.body());
  }

  private static JsonNode intNode(int value) {
    return new ObjectMapper().getNodeFactory().numberNode(value);
  }
}
