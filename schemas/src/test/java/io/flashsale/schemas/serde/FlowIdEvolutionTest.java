package io.flashsale.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Field;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code flowId} came to four records (and the batch that holds requests) after records without it were in the log:
 * a record written before it still reads, with no flow; the registry takes the new schema over the old one; and a
 * reader still built without the field reads what the new writers write.
 */
class FlowIdEvolutionTest {
  private static final String TOPIC = "flow-evolution";

  private final SchemaRegistry registry = SchemaRegistry.forUrl("mock://flow-" + UUID.randomUUID());

  static Stream<Arguments> records() {
    PurchaseRequest request = Samples.purchaseRequest();
    return Stream.of(
        Arguments.of(request),
        Arguments.of(Samples.purchaseOutcome()),
        Arguments.of(Samples.queueJoin()),
        Arguments.of(Samples.paymentEvent()),
        Arguments.of(PurchaseBatch.newBuilder().setSku(request.getSku()).setRequests(List.of(request)).build()));
  }

  @ParameterizedTest
  @MethodSource("records")
  <T extends SpecificRecord> void aRecordWrittenBeforeTheFlowIdReadsWithoutOne(T sample) throws IOException {
    Schema current = sample.getSchema();
    Schema older = withoutFlowId(current);
    assertThat(older.toString()).doesNotContain("flowId");
    assertThat(current.toString()).contains("flowId");
    registry.register(TOPIC + "-value", older);

    GenericRecord old = convert(sample, current, older);
    byte[] bytes = AvroSerde.<GenericRecord>withSchema(older, registry).serialize(TOPIC, old);
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) sample.getClass();
    T read = AvroSerde.forValues(type, registry).deserialize(TOPIC, bytes);

    assertThat(read).isEqualTo(withoutFlow(sample));
    assertThat(flowIds(read)).containsOnlyNulls().isNotEmpty();
    assertThatCode(() -> registry.register(TOPIC + "-value", current)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @MethodSource("records")
  <T extends SpecificRecord> void aReaderWithoutTheFieldReadsTheNewRecords(T sample) throws IOException {
    Schema current = sample.getSchema();
    Schema older = withoutFlowId(current);

    GenericRecord read = convert(sample, current, older);

    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(older, current).getType())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, older).getType())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    assertThat(read.getSchema().getFields()).extracting(Field::name)
        .containsExactlyElementsOf(older.getFields().stream().map(Field::name).toList());
    assertThat(flowIds(sample)).containsOnly("flow-1");
  }

  /** The record written in {@code writer} and read as {@code reader}. */
  private static GenericRecord convert(SpecificRecord record, Schema writer, Schema reader) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecord>(writer).write(record, encoder);
    encoder.flush();
    return new GenericDatumReader<GenericRecord>(writer, reader)
        .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
  }

  /** The schema as it was before the field: every record in it (a batch's requests too) without flowId. */
  private static Schema withoutFlowId(Schema schema) {
    return switch (schema.getType()) {
      case RECORD -> {
        List<Field> fields = new ArrayList<>();
        for (Field field : schema.getFields()) {
          if (!field.name().equals("flowId")) {
            fields.add(new Field(field, withoutFlowId(field.schema())));
          }
        }
        yield Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
      }
      case ARRAY -> Schema.createArray(withoutFlowId(schema.getElementType()));
      case UNION -> Schema.createUnion(schema.getTypes().stream().map(FlowIdEvolutionTest::withoutFlowId).toList());
      default -> schema;
    };
  }

  private static SpecificRecord withoutFlow(SpecificRecord record) {
    if (record instanceof PurchaseRequest r) {
      return PurchaseRequest.newBuilder(r).setFlowId(null).build();
    } else if (record instanceof PurchaseOutcome r) {
      return PurchaseOutcome.newBuilder(r).setFlowId(null).build();
    } else if (record instanceof QueueJoin r) {
      return QueueJoin.newBuilder(r).setFlowId(null).build();
    } else if (record instanceof PaymentEvent r) {
      return PaymentEvent.newBuilder(r).setFlowId(null).build();
    } else if (record instanceof PurchaseBatch r) {
      return PurchaseBatch.newBuilder(r).setRequests(r.getRequests().stream()
          .map(q -> PurchaseRequest.newBuilder(q).setFlowId(null).build()).toList()).build();
    }
    throw new IllegalArgumentException(record.getClass().getName());
  }

  private static List<String> flowIds(SpecificRecord record) {
    if (record instanceof PurchaseBatch batch) {
      return batch.getRequests().stream().map(PurchaseRequest::getFlowId).toList();
    }
    Object flow = record.get(record.getSchema().getField("flowId").pos());
    List<String> ids = new ArrayList<>();
    ids.add(flow == null ? null : flow.toString());
    return ids;
  }
}
