package io.flashsale.reconciliation.sink;

import io.flashsale.reconciliation.sink.BatchWriter.Batch;
import io.flashsale.reconciliation.sink.BatchWriter.Mode;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.extension.ExtensionFactory;
import org.jdbi.v3.core.extension.Extensions;
import org.jdbi.v3.sqlobject.SqlObjectFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one poll's records and their positions into the books in one transaction: the whole poll at once, or,
 * if a record of it cannot be written because of what it holds, record by record, which sets that record aside
 * and writes the others. Only the sink's thread uses it.
 */
final class PollWriter {
  private static final Logger log = LoggerFactory.getLogger(PollWriter.class);

  private final Jdbi jdbi;
  private final BatchWriter writer;
  private final SinkPositions positions;
  /** Sales committed in the books, so that outcomes need not ask. */
  private final Set<String> knownSales = new HashSet<>();
  /** Where the in-order gate's sales stand after the last commit, so that the gate need not ask. */
  private final SequenceGate.Memory sequences = new SequenceGate.Memory();
  /** The batch whose COMMIT was sent last and not answered yet. */
  private Batch inDoubt;

  PollWriter(Jdbi jdbi, BatchWriter writer, SinkPositions positions) {
    this.jdbi = jdbi;
    this.writer = writer;
    this.positions = positions;
    describeStatements(jdbi);
  }

  /**
   * Has Jdbi describe the sink's statement interfaces once, in its own configuration. Otherwise every transaction's
   * handle describes them again in its copy of the configuration when they are attached (reflection over their
   * methods and annotations): 14 % of the sink thread's samples at polls of 500 (JFR, {@code SinkThroughput}).
   */
  private static void describeStatements(Jdbi jdbi) {
    Extensions extensions = jdbi.getConfig(Extensions.class);
    ExtensionFactory sqlObjects = extensions.findFactory(SqlObjectFactory.class).orElseThrow(
        () -> new IllegalStateException("Jdbi without the SqlObject plugin"));
    for (Class<?> statements : List.of(LedgerStatements.class, BatchStatements.class, SequenceStatements.class)) {
      extensions.findMetadata(statements, sqlObjects);
    }
  }

  /**
   * Writes the records and returns what committed. The caches are dropped before the record-by-record pass, so
   * that a record is never blamed for a cache that no longer matches the books (a sale removed by hand or by a
   * restored backup, whose record the reconciliation replays).
   */
  Batch write(ConsumerRecords<byte[], byte[]> records) {
    Batch batch;
    try {
      batch = writeInTransaction(records, Mode.WHOLE);
    } catch (RuntimeException e) {
      if (FailureKind.of(e) != FailureKind.RECORD) {
        throw e;
      }
      log.info("A record of a batch of {} cannot be written; writing them one by one to find it: {}",
          records.count(), brief(e));
      knownSales.clear();
      sequences.forget();
      batch = writeInTransaction(records, Mode.ONE_BY_ONE);
    }
    committed(batch);
    return batch;
  }

  /** The batch whose COMMIT went unanswered, if the last write failed there; null if none. */
  Batch inDoubt() {
    return inDoubt;
  }

  /** After a failure: the batch in doubt did commit (true) or did not; the caches start again. */
  void resynced(boolean inDoubtLanded) {
    if (inDoubtLanded && inDoubt != null) {
      committed(inDoubt);
    }
    inDoubt = null;
    knownSales.clear();
    sequences.forget();
  }

  private Batch writeInTransaction(ConsumerRecords<byte[], byte[]> records, Mode mode) {
    inDoubt = null;
    return jdbi.inTransaction(handle -> {
      Batch batch = writer.write(handle, records, knownSales, sequences, mode);
      inDoubt = batch; // the COMMIT is next
      return batch;
    });
  }

  private void committed(Batch batch) {
    inDoubt = null;
    positions.committed(batch.written());
    knownSales.addAll(batch.salesAdded());
    sequences.committed(batch.sequences());
  }

  /** The database's own words if it spoke, without Jdbi's repetition of the statement and its values. */
  static String brief(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return t.getClass().getSimpleName() + " (" + sql.getSQLState() + "): " + t.getMessage();
      }
    }
    return failure.toString();
  }
}
