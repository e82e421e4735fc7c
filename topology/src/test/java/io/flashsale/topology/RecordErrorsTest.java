package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** Only a record's own fault sends it to the dead-letter topic; the infrastructure's faults fail the task. */
class RecordErrorsTest {
  private static final Map<String, String> CONFIG = Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
      "flashsale-dead-letters");
  private static final byte[] RAW = "raw".getBytes(StandardCharsets.UTF_8);

  @Test
  void anInvalidRecordIsDeadLetteredAndProcessingGoesOn() {
    ProcessingExceptionHandler.Response response = processing().handleError(context(), record(),
        new InvalidRecordException("quantity 0"));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).singleElement()
        .satisfies(dead -> assertThat(dead.topic()).isEqualTo("flashsale-dead-letters"));
  }

  @Test
  void aFailingStoreOrSerializerFailsTheTaskAndDeadLettersNothing() {
    for (Exception infrastructure : new Exception[] {new IllegalStateException("RocksDB write failed"),
        new SerializationException("could not register the outcome schema")}) {
      ProcessingExceptionHandler.Response response = processing().handleError(context(), record(), infrastructure);

      assertThat(response.result()).as("%s", infrastructure).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
      assertThat(response.deadLetterQueueRecords()).isEmpty();
    }
  }

  @Test
  void bytesThatAreNoRecordAreDeadLettered() {
    DeserializationExceptionHandler.Response response = deserialization().handleError(context(), consumed(),
        new SerializationException("Not in the Confluent wire format"));

    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
  }

  @Test
  void aRecordThatCannotBeReadWhileTheRegistryIsDownFailsTheTask() {
    SerializationException unreadable = new SerializationException("Could not read PurchaseBatch",
        new SchemaRegistry.UnavailableException("Schema registry at http://registry:8081/ unreachable", null));

    DeserializationExceptionHandler.Response response = deserialization().handleError(context(), consumed(), unreadable);

    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
  }

  private static RecordErrors.Processing processing() {
    RecordErrors.Processing handler = new RecordErrors.Processing();
    handler.configure(CONFIG);
    return handler;
  }

  private static RecordErrors.Deserialization deserialization() {
    RecordErrors.Deserialization handler = new RecordErrors.Deserialization();
    handler.configure(CONFIG);
    return handler;
  }

  private static Record<String, String> record() {
    return new Record<>("SKU-1", "value", 0L);
  }

  private static ConsumerRecord<byte[], byte[]> consumed() {
    return new ConsumerRecord<>("purchase-requests", 0, 7L, RAW, RAW);
  }

  private static ErrorHandlerContext context() {
    return new ErrorHandlerContext() {
      @Override public String topic() { return "purchase-requests"; }
      @Override public int partition() { return 0; }
      @Override public long offset() { return 7L; }
      @Override public Headers headers() { return new RecordHeaders(); }
      @Override public String processorNodeId() { return SaleTopology.PURCHASE_DECISION; }
      @Override public TaskId taskId() { return new TaskId(0, 0); }
      @Override public long timestamp() { return 0L; }
      @Override public byte[] sourceRawKey() { return RAW; }
      @Override public byte[] sourceRawValue() { return RAW; }
    };
  }
}
