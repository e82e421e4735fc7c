package io.flashsale.reconciliation.sink;

import io.flashsale.reconciliation.sink.Ledger.Recorded;
import io.flashsale.reconciliation.sink.RecordDecoder.Entry;
import io.flashsale.reconciliation.sink.RecordDecoder.OutcomeDecided;
import io.flashsale.reconciliation.sink.RecordDecoder.PaymentReceived;
import io.flashsale.reconciliation.sink.RecordDecoder.SaleDefined;
import io.flashsale.schemas.Topics;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /**
   * What a transaction wrote: positions after it, where partitions wait for a sale, records, new sales, set aside,
   * and where the sales of the in-order gate stand once it committed.
   */
  record Batch(Map<TopicPartition, Long> written, Map<TopicPartition, Long> heldAt, int count, Set<String> salesAdded,
               Map<String, Integer> quarantinedByTopic, Map<String, SequenceGate.Remembered> sequences) {}

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

  /** Writes the records and moves the positions past them, asking the database where the sales stand. */
  Batch write(Handle handle, ConsumerRecords<byte[], byte[]> records, Set<String> knownSales, Mode mode) {
    return write(handle, records, knownSales, new SequenceGate.Memory(), mode);
  }

  /**
   * Writes the records and moves the positions past them; the caller commits, then hands {@link Batch#sequences()}
   * to {@code sequences}, which says where the sales stood after the transactions before.
   */
  Batch write(Handle handle, ConsumerRecords<byte[], byte[]> records, Set<String> knownSales,
              SequenceGate.Memory sequences, Mode mode) {
    // The whole poll is written in one statement per table; record by record, each record's own statements.
    Ledger ledger = mode == Mode.WHOLE ? new BatchedLedger(handle, knownSales) : new Ledger(handle, knownSales);
    Transaction tx = new Transaction(handle, ledger, new SequenceGate(handle, sequences), mode);
    // Every record decoded first, so that where its sales stand is read in one query; a failure to decode is
    // kept and met in the record's turn.
    Set<String> sequenceKeys = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        Entry entry = decoder.decode(record);
        tx.decoded.put(record, entry);
        if (entry instanceof OutcomeDecided outcome && outcome.sequenced() && !outcome.repeat()) {
          sequenceKeys.add(outcome.sequenceKey());
        }
      } catch (RuntimeException e) {
        tx.decoded.put(record, e);
      }
    }
    tx.gate.prefetch(sequenceKeys);
    Map<TopicPartition, Long> written = new HashMap<>();
    Map<TopicPartition, Long> heldAt = new HashMap<>();
    for (TopicPartition partition : ordered(records)) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        if (tx.write(record) == Outcome.HELD) {
          heldAt.put(partition, record.offset());
          break;
        }
        written.put(partition, record.offset() + 1);
      }
      if (!heldAt.containsKey(partition)) {
        // All of the partition's records are written: go on from the consumer's position, which is past the
        // transaction markers after them too, so that a caught-up sink stands exactly at the log's end.
        written.put(partition, consumer.position(partition));
      }
    }
    tx.ledger.flush();
    tx.gate.flush();
    positions.move(handle, written);
    return new Batch(written, heldAt, tx.count, tx.ledger.salesAdded(), tx.quarantined, tx.gate.after());
  }

  private enum Outcome { WRITTEN, HELD, QUARANTINED }

  /** One transaction's writing: the ledger, the in-order gate, and what was written or set aside. */
  private final class Transaction {
    final Handle handle;
    final Ledger ledger;
    final SequenceGate gate;
    final Mode mode;
    final SalesCaughtUp salesCaughtUp = new SalesCaughtUp();
    final Map<String, Integer> quarantined = new HashMap<>();
    /** Each record of the poll: its entry, or why it did not decode. */
    final Map<ConsumerRecord<byte[], byte[]>, Object> decoded = new IdentityHashMap<>();
    int count;

    Transaction(Handle handle, Ledger ledger, SequenceGate gate, Mode mode) {
      this.handle = handle;
      this.ledger = ledger;
      this.gate = gate;
      this.mode = mode;
    }

    /**
     * One record as read. A sequenced outcome goes through the gate: the next of its sale is applied, then any
     * read ahead of it that it lets through; one beyond a gap waits in the gate; one already passed (a replay)
     * is applied as an unsequenced one, which its position in order_events makes happen once. A repeat changes
     * nothing.
     */
    Outcome write(ConsumerRecord<byte[], byte[]> record) {
      Object decodedOrFailure = decoded.get(record);
      if (decodedOrFailure instanceof RuntimeException failure) {
        return counted(record, quarantineOrThrow(handle, record, failure));
      }
      Entry entry = (Entry) decodedOrFailure;
      if (!(entry instanceof OutcomeDecided outcome) || !outcome.sequenced() || outcome.repeat()) {
        return entry instanceof OutcomeDecided outcome && outcome.repeat() ? counted(record, Outcome.WRITTEN)
            : counted(record, apply(record, entry));
      }
      return switch (gate.place(outcome)) {
        case BEHIND -> counted(record, apply(record, entry));
        case AHEAD -> {
          gate.hold(outcome, record);
          yield counted(record, Outcome.WRITTEN);
        }
        case NEXT -> {
          Outcome applied = apply(record, entry);
          if (applied != Outcome.HELD) {
            gate.passed(outcome.sequenceKey(), outcome.saleSequence());
            release(outcome.sequenceKey());
          }
          yield counted(record, applied);
        }
      };
    }

    /** Applies the outcomes that waited for the one just passed, as long as they follow without a gap. */
    private void release(String sequenceKey) {
      for (Optional<ConsumerRecord<byte[], byte[]>> next; (next = gate.next(sequenceKey)).isPresent(); ) {
        ConsumerRecord<byte[], byte[]> record = next.get();
        Outcome applied;
        try {
          applied = apply(record, decoder.decode(record));
        } catch (RuntimeException e) {
          if (mode == Mode.WHOLE) {
            throw e;
          }
          applied = quarantineOrThrow(handle, record, e); // no longer decodes (a schema gone from the registry)
        }
        if (applied == Outcome.HELD) {
          // Its sale left the books since the outcome before it was applied (removed by hand): it waits on.
          log.warn("{}-{}@{} of sale {} waits for its sale", record.topic(), record.partition(), record.offset(),
              sequenceKey);
          return;
        }
        if (applied == Outcome.QUARANTINED) {
          quarantined.merge(record.topic(), 1, Integer::sum);
        }
        gate.passNext(sequenceKey); // applied, or set aside: either way its place is passed
      }
    }

    /** Applies one decoded record: in a batch, or alone under a savepoint that sets it aside if refused. */
    private Outcome apply(ConsumerRecord<byte[], byte[]> record, Entry entry) {
      if (mode == Mode.WHOLE) {
        return BatchWriter.apply(ledger, entry, salesCaughtUp) ? Outcome.WRITTEN : Outcome.HELD;
      }
      handle.savepoint(RECORD_SAVEPOINT);
      try {
        boolean applied = BatchWriter.apply(ledger, entry, salesCaughtUp);
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

    private Outcome counted(ConsumerRecord<byte[], byte[]> record, Outcome outcome) {
      if (outcome == Outcome.QUARANTINED) {
        quarantined.merge(record.topic(), 1, Integer::sum);
      } else if (outcome == Outcome.WRITTEN) {
        count++;
      }
      return outcome;
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
