package io.flashsale.topology;

/**
 * An input record that is well-formed Avro but makes no sense as a sale, a purchase, a payment event
 * or a cancellation (blank ids, quantity below one, a window that ends before it starts, a negative
 * amount, a key that is not the SKU). Thrown before any store is touched, so the processing exception
 * handler can send the record to the dead-letter topic and move on.
 */
public final class InvalidRecordException extends RuntimeException {
  public InvalidRecordException(String message) {
    super(message);
  }
}
