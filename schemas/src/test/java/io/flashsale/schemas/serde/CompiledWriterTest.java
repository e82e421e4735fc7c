package io.flashsale.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The compiled writer writes exactly the bytes of Avro's own writer, for every record type the topics carry. */
class CompiledWriterTest {

  private static final String ONE_RECORD_PER_TOPIC = "io.flashsale.schemas.serde.AvroSerdeTest#oneRecordPerTopic";

  @ParameterizedTest(name = "{0}")
  @MethodSource(ONE_RECORD_PER_TOPIC)
  void everyRecordTypeIsCompiledAndWrittenAsAvroWritesIt(String topic, SpecificRecord record) throws IOException {
    assertThat(CompiledWriter.of(record.getSchema(), SpecificData.getForClass(record.getClass()))).isPresent();
    assertSameBytes(record);
  }

  /** The other branch of every optional field: each sample with all of them empty. */
  @ParameterizedTest(name = "{0}")
  @MethodSource(ONE_RECORD_PER_TOPIC)
  void everyOptionalFieldLeftEmptyIsWrittenAsAvroWritesIt(String topic, SpecificRecord sample) throws IOException {
    SpecificRecord record = SpecificData.get().deepCopy(sample.getSchema(), sample);
    for (Schema.Field field : record.getSchema().getFields()) {
      if (field.schema().isNullable()) {
        record.put(field.pos(), null);
      }
    }

    assertSameBytes(record);
  }

  /** The serdes of the catalogue's topics write by the plan, not by Avro's writer. */
  @Test
  void theGeneratedClassesSerdesUseIt() {
    assertThat(AvroSerde.forValues(PurchaseOutcome.class, SchemaRegistry.forUrl("mock://compiled")).compiled()).isTrue();
    assertThat(AvroSerde.forRecordsOf(PurchaseBatch.class, SchemaRegistry.forUrl("mock://compiled")).compiled()).isTrue();
  }

  @Test
  void aSchemaWithAUnionOfSeveralTypesKeepsAvrosWriter() {
    Schema schema = SchemaBuilder.record("Several").fields()
        .name("value").type().unionOf().nullType().and().intType().and().stringType().endUnion().nullDefault()
        .endRecord();

    assertThat(CompiledWriter.of(schema, SpecificData.get())).isEmpty();
    assertThat(AvroSerde.withSchema(schema, SchemaRegistry.forUrl("mock://compiled")).compiled()).isFalse();
  }

  @Test
  void aRecursiveSchemaKeepsAvrosWriter() {
    Schema schema = new Schema.Parser().parse("""
        {"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"], "default": null}]}""");

    assertThat(CompiledWriter.of(schema, SpecificData.get())).isEmpty();
  }

  @Property(tries = 500)
  void anyOutcomeIsWrittenAsAvroWritesIt(@ForAll("outcomes") PurchaseOutcome outcome) throws IOException {
    assertSameBytes(outcome);
  }

  @Property(tries = 200)
  void anyBatchIsWrittenAsAvroWritesIt(@ForAll("batches") PurchaseBatch batch) throws IOException {
    assertSameBytes(batch);
  }

  @Provide
  Arbitrary<PurchaseOutcome> outcomes() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<Instant> instant = Arbitraries.longs().between(-62_135_596_800_000L, 253_402_300_799_999L).map(Instant::ofEpochMilli);
    return Builders.withBuilder(PurchaseOutcome::newBuilder)
        .use(text).in(PurchaseOutcome.Builder::setRequestId)
        .use(text).in(PurchaseOutcome.Builder::setSaleId)
        .use(text).in(PurchaseOutcome.Builder::setSku)
        .use(text).in(PurchaseOutcome.Builder::setUserId)
        .use(Arbitraries.integers()).in(PurchaseOutcome.Builder::setQuantity)
        .use(Arbitraries.of(OutcomeStatus.class)).in(PurchaseOutcome.Builder::setStatus)
        .use(Arbitraries.of(RejectReason.class).injectNull(0.5)).in(PurchaseOutcome.Builder::setReason)
        .use(instant.injectNull(0.5)).in(PurchaseOutcome.Builder::setHoldExpiresAt)
        .use(instant).in(PurchaseOutcome.Builder::setDecidedAt)
        .use(Arbitraries.integers()).in(PurchaseOutcome.Builder::setRequestPartition)
        .use(Arbitraries.longs()).in(PurchaseOutcome.Builder::setRequestOffset)
        .use(Arbitraries.integers()).in(PurchaseOutcome.Builder::setRequestIndex)
        .use(text.injectNull(0.5)).in(PurchaseOutcome.Builder::setPaymentId)
        .use(Arbitraries.longs().injectNull(0.5)).in(PurchaseOutcome.Builder::setAmountCents)
        .use(text.injectNull(0.5)).in(PurchaseOutcome.Builder::setCurrency)
        .use(text.injectNull(0.5)).in(PurchaseOutcome.Builder::setDeviceId)
        .use(Arbitraries.longs()).in(PurchaseOutcome.Builder::setSaleSequence)
        .use(Arbitraries.of(true, false)).in(PurchaseOutcome.Builder::setRepeat)
        .use(text.injectNull(0.5)).in(PurchaseOutcome.Builder::setFlowId)
        .build(PurchaseOutcome.Builder::build);
  }

  @Provide
  Arbitrary<PurchaseBatch> batches() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<PurchaseRequest> requests = Builders.withBuilder(PurchaseRequest::newBuilder)
        .use(text).in(PurchaseRequest.Builder::setRequestId)
        .use(text).in(PurchaseRequest.Builder::setSaleId)
        .use(text).in(PurchaseRequest.Builder::setSku)
        .use(text).in(PurchaseRequest.Builder::setUserId)
        .use(text.injectNull(0.5)).in(PurchaseRequest.Builder::setDeviceId)
        .use(Arbitraries.integers()).in(PurchaseRequest.Builder::setQuantity)
        .use(text.injectNull(0.5)).in(PurchaseRequest.Builder::setIdempotencyKey)
        .use(Arbitraries.longs().between(0, 253_402_300_799_999L).map(Instant::ofEpochMilli)).in(PurchaseRequest.Builder::setRequestedAt)
        .use(text.injectNull(0.5)).in(PurchaseRequest.Builder::setFlowId)
        .build(PurchaseRequest.Builder::build);
    return Builders.withBuilder(PurchaseBatch::newBuilder)
        .use(text).in(PurchaseBatch.Builder::setSku)
        .use(requests.list().ofMaxSize(150)).in((builder, list) -> builder.setRequests(List.copyOf(list)))
        .build(PurchaseBatch.Builder::build);
  }

  private static void assertSameBytes(SpecificRecord record) throws IOException {
    Schema schema = record.getSchema();
    CompiledWriter compiled = CompiledWriter.of(schema, SpecificData.getForClass(record.getClass())).orElseThrow();

    byte[] planned = write(encoder -> compiled.write(record, encoder));
    byte[] avro = write(encoder -> new SpecificDatumWriter<SpecificRecord>(schema).write(record, encoder));

    assertThat(planned).isEqualTo(avro);
  }

  private interface Writing {
    void to(BinaryEncoder encoder) throws IOException;
  }

  private static byte[] write(Writing writing) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    writing.to(encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
