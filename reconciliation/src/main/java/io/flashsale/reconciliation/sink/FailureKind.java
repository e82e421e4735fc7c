package io.flashsale.reconciliation.sink;

import io.flashsale.schemas.serde.SchemaRegistry;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;
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
   * Anything else: the connection lost or refused (class 08), too many connections (53), refused credentials
   * (28), the server shutting down (57), a serialization failure or deadlock (40), a timeout, a schema registry
   * that cannot be reached, answers 5xx or refuses the sink's credentials (401/403), a bug. Rolled back and
   * retried with backoff.
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
      } else if (isNetwork(t) || isTimeout(t) || t instanceof InterruptedException
          || t instanceof SchemaRegistry.UnavailableException) {
        // The registry client's UnavailableException covers an unreachable registry, a 5xx and (as its
        // subclass Refused) a 401/403: none of them says anything about the record being read.
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

  /** A wait that ran out: the JDK's, or any Kafka client's (a broker, a metadata fetch). */
  private static boolean isTimeout(Throwable t) {
    return t instanceof TimeoutException || t instanceof org.apache.kafka.common.errors.TimeoutException
        || t instanceof RetriableException;
  }
}
