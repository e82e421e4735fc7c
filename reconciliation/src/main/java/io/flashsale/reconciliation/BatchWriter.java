package io.flashsale.reconciliation;

import io.flashsale.reconciliation.Ledger.Recorded;
import io.flashsale.reconciliation.RecordDecoder.Entry;
import io.flashsale.reconciliation.RecordDecoder.OutcomeDecided;
import io.flashsale.reconciliation.RecordDecoder.PaymentReceived;
import io.flashsale.reconciliation.RecordDecoder.SaleDefined;
import io.flashsale.schemas.Topics;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one poll's records into rows of the books within the caller's transaction, together with the
 * positions after them, so that rows and positions commit or vanish together. A record that cannot be written
 * because of what it holds ({@link FailureKind#RECORD}) is set aside in {@code sink_quarantine} in the same
 * transaction, so it too is handled exactly once.
 *
 * <p>Sales go first, as outcomes refer to them. An outcome whose sale is not in the books yet (its partition of
 * the sales topic was read less far) stops its partition there: the partition is read again from it, after the
 * sales caught up.
 */
final class BatchWriter {
  private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
  private static final String RECORD_SAVEPOINT = "record";
  private static final int MAX_MESSAGE_CHARS = 4_000;

  /** How a batch is written. */
  enum Mode {
    /** All rows in one go, the fast way: a row the database refuses fails the whole transaction. */
    WHOLE,
    /**
     * Each record under a savepoint with its own stock moves, so that a row the database refuses is rolled back
     * alone and set aside, and the other records of the batch still land.
     */
    ONE_BY_ONE
  }

  /** What a transaction wrote: positions after it, where partitions wait for a sale, records, new sales, set aside. */
  record Batch(Map<TopicPartition, Long> written, Map<TopicPartition, Long> heldAt, int count, Set<String> salesAdded,
               Map<String, Integer> quarantinedByTopic) {}

  private final String group;
  private final RecordDecoder decoder;
  private final SinkPositions positions;
  private final Consumer<byte[], byte[]> consumer;
  private final List<TopicPartition> salesPartitions;

  BatchWriter(String group, RecordDecoder decoder, SinkPositions positions, Consumer<byte[], byte[]> consumer,
              List<TopicPartition> salesPartitions) {
    this.group = group;
    this.decoder = decoder;
    this.positions = positions;
    this.consumer = consumer;
    this.salesPartitions = salesPartitions;
  }

  /** Writes the records and moves the positions past them; the caller commits. */
  Batch write(Handle handle, ConsumerRecords<byte[], byte[]> records, Set<String> knownSales, Mode mode) {
    Ledger ledger = new Ledger(handle, knownSales);
    SalesCaughtUp salesCaughtUp = new SalesCaughtUp();
    Map<TopicPartition, Long> written = new HashMap<>();
    Map<TopicPartition, Long> heldAt = new HashMap<>();
    Map<String, Integer> quarantined = new HashMap<>();
    int count = 0;
    for (TopicPartition partition : ordered(records)) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        Outcome outcome = mode == Mode.WHOLE ? writeInBatch(handle, ledger, record, salesCaughtUp)
            : writeAlone(handle, ledger, record, salesCaughtUp);
        if (outcome == Outcome.HELD) {
          heldAt.put(partition, record.offset());
          break;
        }
        if (outcome == Outcome.QUARANTINED) {
          quarantined.merge(record.topic(), 1, Integer::sum);
        } else {
          count++;
        }
        written.put(partition, record.offset() + 1);
      }
      if (!heldAt.containsKey(partition)) {
        // All of the partition's records are written: go on from the consumer's position, which is past the
        // transaction markers after them too, so that a caught-up sink stands exactly at the log's end.
        written.put(partition, consumer.position(partition));
      }
    }
    ledger.flush();
    positions.move(handle, written);
    return new Batch(written, heldAt, count, ledger.salesAdded(), quarantined);
  }

  private enum Outcome { WRITTEN, HELD, QUARANTINED }

  private Outcome writeInBatch(Handle handle, Ledger ledger, ConsumerRecord<byte[], byte[]> record,
                               SalesCaughtUp salesCaughtUp) {
    Entry entry;
    try {
      entry = decoder.decode(record);
    } catch (RuntimeException e) {
      return quarantineOrThrow(handle, record, e);
    }
    return apply(ledger, entry, salesCaughtUp) ? Outcome.WRITTEN : Outcome.HELD;
  }

  private Outcome writeAlone(Handle handle, Ledger ledger, ConsumerRecord<byte[], byte[]> record,
                             SalesCaughtUp salesCaughtUp) {
    handle.savepoint(RECORD_SAVEPOINT);
    try {
      boolean applied = apply(ledger, decoder.decode(record), salesCaughtUp);
      ledger.flush(); // the record's own stock moves, so that a broken guard is blamed on it
      handle.releaseSavepoint(RECORD_SAVEPOINT);
      return applied ? Outcome.WRITTEN : Outcome.HELD;
    } catch (RuntimeException e) {
      if (FailureKind.of(e) != FailureKind.RECORD) {
        throw e;
      }
      handle.rollbackToSavepoint(RECORD_SAVEPOINT);
      ledger.discard();
      return quarantineOrThrow(handle, record, e);
    }
  }

  private Outcome quarantineOrThrow(Handle handle, ConsumerRecord<byte[], byte[]> record, RuntimeException failure) {
    if (FailureKind.of(failure) != FailureKind.RECORD) {
      throw failure;
    }
    Throwable blamed = blamed(failure);
    String sqlState = blamed instanceof SQLException sql ? sql.getSQLState() : null;
    log.warn("Setting {}-{}@{} aside in sink_quarantine: {}", record.topic(), record.partition(), record.offset(),
        describe(blamed));
    handle.attach(LedgerStatements.class).quarantine(record.topic(), record.partition(), record.offset(), group,
        record.key(), record.value(), record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp()),
        blamed.getClass().getName(), sqlState, describe(blamed));
    return Outcome.QUARANTINED;
  }

  /**
   * The exception that names the fault: the database's own, or the decoder's. Jdbi's wrapper is left out, as
   * its message repeats the bound values, which may hold the very bytes the database refused.
   */
  private static Throwable blamed(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        return t;
      }
    }
    return failure;
  }

  /** The messages of the cause chain, made storable: a NUL is what the database may have refused. */
  private static String describe(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null && text.length() < MAX_MESSAGE_CHARS; t = t.getCause()) {
      if (!text.isEmpty()) {
        text.append("; caused by ").append(t.getClass().getName()).append(": ");
      }
      text.append(t.getMessage());
    }
    String clean = text.toString().replace("\u0000", "\\u0000");
    return clean.length() > MAX_MESSAGE_CHARS ? clean.substring(0, MAX_MESSAGE_CHARS) : clean;
  }

  /** Applies one record; false if it must wait for its sale. */
  private static boolean apply(Ledger ledger, Entry entry, SalesCaughtUp salesCaughtUp) {
    if (entry instanceof SaleDefined sale) {
      ledger.recordSale(sale.sale());
    } else if (entry instanceof PaymentReceived payment) {
      ledger.recordPayment(payment.event());
    } else if (entry instanceof OutcomeDecided decided
        && ledger.recordOutcome(decided.outcome(), decided.partition(), decided.offset()) == Recorded.SALE_UNKNOWN) {
      if (!salesCaughtUp.get()) {
        return false;
      }
      ledger.recordOrphan(decided.outcome(), decided.partition(), decided.offset());
    }
    return true;
  }

  /**
   * Whether every sales partition has been read to its end, asked of the broker once per batch and only
   * when needed. The topology decides about a sale only after its definition was committed, so once the
   * sales are read to the end a sale still unknown was never defined.
   */
  private final class SalesCaughtUp {
    private Boolean answer;

    boolean get() {
      if (answer == null) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(salesPartitions);
        answer = salesPartitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
      }
      return answer;
    }
  }

  /** Sales first, then the rest, each in partition order. */
  private static List<TopicPartition> ordered(ConsumerRecords<byte[], byte[]> records) {
    List<TopicPartition> partitions = new ArrayList<>(records.partitions());
    partitions.sort((a, b) -> {
      boolean aSales = a.topic().equals(Topics.SALES);
      boolean bSales = b.topic().equals(Topics.SALES);
      return aSales != bSales ? (aSales ? -1 : 1) : a.toString().compareTo(b.toString());
    });
    return partitions;
  }
}
