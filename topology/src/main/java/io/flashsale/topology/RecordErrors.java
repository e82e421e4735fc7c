package io.flashsale.topology;

import io.flashsale.schemas.serde.SchemaRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which failures a record may be dead-lettered for: only its own. A record that cannot be read, or that
 * makes no sense ({@link InvalidRecordException}), goes to the dead-letter topic and processing goes on.
 * Anything else (a store, the registry, a serializer of an output failing) fails the task: exactly-once
 * aborts the transaction, so no half decision is committed, and the record is processed again once the
 * thread is replaced. A request that got its 202 is never dropped for a fault of the infrastructure.
 */
public final class RecordErrors {
  private static final Logger log = LoggerFactory.getLogger(RecordErrors.class);

  private RecordErrors() {}

  /** Errors while processing: dead-letter an invalid record, fail on anything else. */
  public static final class Processing extends LogAndContinueProcessingExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, org.apache.kafka.streams.processor.api.Record<?, ?> record,
        Exception exception) {
      if (isInvalidRecord(exception)) {
        return super.handleError(context, record, exception);
      }
      log.error("Processing {}-{}@{} failed for a reason other than the record itself; failing the task so that it "
          + "is processed again", context.topic(), context.partition(), context.offset(), exception);
      return Response.fail();
    }
  }

  /** Errors while reading: dead-letter bytes that are not a record, fail while the registry cannot be asked. */
  public static final class Deserialization extends LogAndContinueExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      if (SchemaRegistry.isUnavailable(exception)) {
        log.error("Cannot read {}-{}@{} while the schema registry is unavailable; failing the task to retry",
            context.topic(), context.partition(), context.offset(), exception);
        return Response.fail();
      }
      return super.handleError(context, record, exception);
    }
  }

  static boolean isInvalidRecord(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof InvalidRecordException) {
        return true;
      }
    }
    return false;
  }
}
