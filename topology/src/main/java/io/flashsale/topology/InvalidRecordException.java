package io.flashsale.topology;

/**
 * An input record that is well-formed Avro but makes no sense as a sale or a purchase (blank ids,
 * quantity below one, a window that ends before it starts). Thrown before any store is touched, so
 * the processing exception handler can send the record to the dead-letter topic and move on.
 */
public final class InvalidRecordException extends RuntimeException {
  public InvalidRecordException(String message) {
    super(message);
  }
}
