package io.flashsale.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.Topics.Topic;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {
  private final SchemaRegistry registry = SchemaRegistry.forUrl("mock://test-" + UUID.randomUUID());
  private final Topics topics = Topics.using(registry);

  /** Confluent's format: magic byte 0, the registry id big-endian in bytes 1 to 4, then plain Avro binary. */
  @Test
  void writesTheConfluentWireFormat() throws Exception {
    // Push the id past one byte so that the byte order matters.
    for (int i = 0; i < 300; i++) {
      registry.register("filler-" + i, SchemaBuilder.record("Filler" + i).fields().requiredInt("n").endRecord());
    }
    PurchaseRequest request = Samples.purchaseRequest();

    byte[] bytes = topics.purchaseRequest.serializer().serialize(Topics.PURCHASE_REQUESTS, request);

    int registeredId = registry.register(Topics.PURCHASE_REQUESTS + "-value", PurchaseRequest.getClassSchema());
    assertThat(registeredId).isGreaterThan(255);
    assertThat(bytes[0]).isEqualTo((byte) 0);
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registeredId);
    assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(plainAvro(request));
  }

  static Stream<Arguments> oneRecordPerTopic() {
    return Stream.of(
        arguments(Topics.SALE_CLAIMS, Samples.sale()),
        arguments(Topics.SALES, Samples.sale()),
        arguments(Topics.SALES, Samples.saleWithWaitingRoom()),
        arguments(Topics.PURCHASE_REQUESTS, new PurchaseBatch("SKU-1", List.of(Samples.purchaseRequest(), Samples.purchaseRequest()))),
        arguments(Topics.PURCHASE_OUTCOMES, Samples.purchaseOutcome()),
        arguments(Topics.PAYMENT_EVENTS, Samples.paymentEvent()),
        arguments(Topics.HOLD_CANCELLATIONS, Samples.holdCancellation()),
        arguments(Topics.SALE_ENDS, Samples.saleEnd()),
        arguments(Topics.STOCK_LEVELS, Samples.stockLevel()),
        arguments(Topics.CORRECTIONS, Samples.correction()),
        arguments(Topics.QUEUE_JOINS, Samples.queueJoin()),
        arguments(Topics.QUEUE_PLACES, Samples.queuePlace()),
        arguments(Topics.QUEUE_STATS, Samples.queueStats()),
        arguments(Topics.WAITING_ROOM_CHANGES, Samples.waitingRoomChange()),
        arguments(Topics.DRAW_SEEDS, Samples.drawSeed()),
        arguments(Topics.LOTTERY_DRAWS, Samples.drawResult()),
        arguments(Topics.ADMIN_AUDIT, Samples.adminAuditEvent()),
        arguments(Topics.STOCK_TRANSFERS, Samples.stockTransfer()),
        arguments(Topics.ORDERS, Samples.order()),
        arguments(Topics.LAST_DRAWS, Samples.lastDrawRound()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oneRecordPerTopic")
  void everyRecordTypeSurvivesARoundTripThroughItsTopicsSerde(String topicName, Object record) {
    Serde<Object> serde = valueSerde(topicName);

    byte[] bytes = serde.serializer().serialize(topicName, record);

    assertThat(serde.deserializer().deserialize(topicName, bytes)).isEqualTo(record);
  }

  /** A topic added to the catalogue with an Avro value needs a sample above, else its serde goes untested. */
  @Test
  void theRoundTripCoversEveryAvroTopicOfTheCatalogue() {
    var avroTopics = topics.all().stream()
        .filter(t -> t.valueSerde() instanceof AvroSerde || t.valueSerde() instanceof PurchaseBatchSerde).map(Topic::name);
    var sampledTopics = oneRecordPerTopic().map(arguments -> (String) arguments.get()[0]).distinct().toList();

    assertThat(avroTopics).containsExactlyInAnyOrderElementsOf(sampledTopics);
  }

  /** Batches share their topic with single requests, so each type has a subject of its own (topic and record name). */
  @Test
  void aBatchIsRegisteredUnderItsTopicAndRecordName() {
    PurchaseBatch batch = new PurchaseBatch("SKU-1", List.of(Samples.purchaseRequest()));

    byte[] bytes = topics.purchaseRequests.valueSerde().serializer().serialize(Topics.PURCHASE_REQUESTS, batch);

    int registeredId = registry.register(Topics.PURCHASE_REQUESTS + "-io.flashsale.schemas.PurchaseBatch",
        PurchaseBatch.getClassSchema());
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registeredId);
  }

  /** A single request written before batching, still in the log, reads as a batch of one. */
  @Test
  void aSingleRequestOnTheTopicReadsAsABatchOfOne() {
    PurchaseRequest request = Samples.purchaseRequest();
    byte[] single = AvroSerde.forValues(PurchaseRequest.class, registry).serialize(Topics.PURCHASE_REQUESTS, request);

    PurchaseBatch read = topics.purchaseRequests.valueSerde().deserializer().deserialize(Topics.PURCHASE_REQUESTS, single);

    assertThat(read).isEqualTo(new PurchaseBatch(request.getSku(), List.of(request)));
  }

  @Test
  void aBatchWithAnUnknownWriterSchemaIsRefused() {
    byte[] unknownId = {0, 0x7f, 0, 0, 1, 2, 3};

    assertThatThrownBy(() -> topics.purchaseRequests.valueSerde().deserializer()
        .deserialize(Topics.PURCHASE_REQUESTS, unknownId)).isInstanceOf(SerializationException.class);
  }

  /** Compacted topics delete a key with a null value; that must stay null on the wire. */
  @Test
  void aTombstoneStaysNull() {
    Serde<?> serde = topics.stockLevels.valueSerde();

    assertThat(serde.serializer().serialize(Topics.STOCK_LEVELS, null)).isNull();
    assertThat(serde.deserializer().deserialize(Topics.STOCK_LEVELS, null)).isNull();
  }

  @Test
  void bytesWithoutTheMagicByteAreRefused() {
    byte[] notConfluent = {1, 0, 0, 0, 1, 2, 3};

    assertThatThrownBy(() -> topics.sales.valueSerde().deserializer().deserialize(Topics.SALES, notConfluent))
        .isInstanceOf(SerializationException.class);
  }

  @SuppressWarnings("unchecked")
  private Serde<Object> valueSerde(String topicName) {
    return (Serde<Object>) topics.all().stream()
        .filter(t -> t.name().equals(topicName))
        .findFirst().orElseThrow()
        .valueSerde();
  }

  private static byte[] plainAvro(PurchaseRequest request) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    Schema schema = PurchaseRequest.getClassSchema();
    new SpecificDatumWriter<PurchaseRequest>(schema).write(request, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /** Avro loads by name only what it is told to trust: the project's generated types, nothing else. */
  @Test
  void onlyTheGeneratedTypesAreTrustedToBeLoadedByName() {
    assertThat(AvroSerde.GENERATED_CLASSES.isTrusted(io.flashsale.schemas.Allocation.class)).isTrue();
    assertThat(AvroSerde.GENERATED_CLASSES.isTrusted(io.flashsale.schemas.PurchaseOutcome.class)).isTrue();
    assertThat(AvroSerde.GENERATED_CLASSES.isTrusted(Runtime.class)).isFalse();
    assertThat(AvroSerde.GENERATED_CLASSES.isTrusted(AvroSerde.class)).isFalse();
  }
}
