package io.flashsale.reconciliation;

import java.sql.SQLException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Whose fault a failure to write a record is. Only a fault proven to be the record's own may set the record
 * aside: anything else is retried until it passes, because a record set aside for the database's sake would be
 * a good record missing from the books.
 */
enum FailureKind {
  /**
   * The record cannot be written however often it is tried: its bytes do not decode, or the database refuses
   * its row (SQLSTATE class 22, data exception, such as a NUL in a text; class 23, integrity violation, such as
   * a broken CHECK).
   */
  RECORD,
  /**
   * Anything else: the connection lost (class 08), the server shutting down (57), a serialization failure or
   * deadlock (40), a timeout, an unreachable schema registry, a bug. Rolled back and retried.
   */
  INFRASTRUCTURE;

  /**
   * Classifies a failure by its whole cause chain. A sign of infrastructure anywhere in it wins over a sign of
   * the record, and a failure with neither is infrastructure.
   */
  static FailureKind of(Throwable failure) {
    boolean record = false;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state == null || !(state.startsWith("22") || state.startsWith("23"))) {
          return INFRASTRUCTURE;
        }
        record = true;
      } else if (t instanceof SerializationException) {
        record = true;
      } else if (isNetwork(t) || t instanceof InterruptedException || isRegistryServerError(t)) {
        return INFRASTRUCTURE;
      }
    }
    return record ? RECORD : INFRASTRUCTURE;
  }

  /** java.net's I/O failures: a schema registry or a database that cannot be reached. */
  private static boolean isNetwork(Throwable t) {
    String type = t.getClass().getName();
    return type.startsWith("java.net.") || type.startsWith("java.nio.channels.");
  }

  /** The registry client reports a 5xx answer only in its message: the registry failed, not the record. */
  private static boolean isRegistryServerError(Throwable t) {
    return t instanceof IllegalStateException && t.getMessage() != null
        && t.getMessage().startsWith("Schema registry answered 5");
  }
}
