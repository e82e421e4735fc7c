package io.flashsale.reconciliation.sink;

import io.flashsale.reconciliation.sink.RecordDecoder.OutcomeDecided;
import io.flashsale.reconciliation.sink.SequenceStatements.Pending;
import io.flashsale.reconciliation.sink.SequenceStatements.StoredRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jdbi.v3.core.Handle;

/**
 * The in-order gate of one transaction: a sale's (or stock shard's) outcomes are applied in the order the topology
 * decided them ({@code saleSequence} 1, 2, 3...), whatever the partitions of purchase-outcomes they arrive on,
 * so that the books' counts move exactly as the topology's did and the no-oversell guard judges only states the
 * topology was in. An outcome read ahead of a gap waits, as read, until the ones before it are in.
 *
 * <p>Nothing is written before {@link #flush()}, within the caller's transaction: the last applied sequence per
 * sale and the outcomes still waiting commit with the rows and positions they go with, or vanish with them. An
 * outcome that arrives ahead of a gap and sees it filled in the same transaction is never written at all.
 *
 * <p>Where its sales stand after a transaction is kept in a {@link Memory} that the caller carries to the next
 * transaction once this one committed, so that a sink going on from its own last commit neither asks where its
 * sales stand nor reads back the outcomes it set aside itself: of the 16 round trips of a poll of 500, 7 were
 * those reads ({@code SinkThroughput}, pg_stat_statements). The sink is the only writer of both tables, and its
 * positions, moved in the same transaction, fail any transaction after another sink wrote; after any failure the
 * caller forgets the memory and the gate reads the database again.
 */
final class SequenceGate {

  /**
   * Where sales stood after the transactions committed so far, as this sink wrote them: the last applied sequence,
   * the sequences waiting in the database, and the records of those it still holds (at most {@link #READ_AHEAD} per
   * sale; the others are read from the database when their turn comes). Only the sink's thread uses it.
   */
  static final class Memory {
    private final Map<String, Remembered> sales = new HashMap<>();

    /** A transaction that {@link #flush flushed} this gate committed: its sales stand where it left them. */
    void committed(Map<String, Remembered> after) {
      sales.putAll(after);
    }

    /** After a failure, or before a poll is written again: nothing is assumed, the database is asked. */
    void forget() {
      sales.clear();
    }
  }

  /** A sale as a committed transaction left it. */
  record Remembered(long applied, NavigableSet<Long> stored, Map<Long, ConsumerRecord<byte[], byte[]>> read) {}

  /** Where an outcome stands against its sale's last applied one. */
  enum Place {
    /** At or before the last applied: it was applied (or set aside) before, and is read again (a replay). */
    BEHIND,
    /** The one after the last applied: apply it now. */
    NEXT,
    /** Beyond a gap: it waits. */
    AHEAD
  }

  /** A sale's state in this transaction. */
  private static final class Sequence {
    long applied;
    boolean moved;
    /** Waiting in the database when the transaction first met the sale. */
    final NavigableSet<Long> stored;
    /** Read ahead of a gap in this transaction, not written yet. */
    final NavigableMap<Long, Waiting> here = new TreeMap<>();
    /** Waiting in the database and read from it, by sequence. */
    final Map<Long, ConsumerRecord<byte[], byte[]>> read = new HashMap<>();

    Sequence(long applied, NavigableSet<Long> stored) {
      this.applied = applied;
      this.stored = stored;
    }

    /** A copy of what a committed transaction left: this transaction may still roll back. */
    Sequence(Remembered remembered) {
      this(remembered.applied(), new TreeSet<>(remembered.stored()));
      read.putAll(remembered.read());
    }

    /** Where the sale stands once the transaction that flushed it commits. */
    Remembered after() {
      NavigableSet<Long> waiting = new TreeSet<>(stored.tailSet(applied, false));
      Map<Long, ConsumerRecord<byte[], byte[]>> records = new HashMap<>();
      read.forEach((at, record) -> {
        if (at > applied) {
          records.put(at, record);
        }
      });
      here.forEach((at, w) -> {
        waiting.add(at);
        records.put(at, w.record());
      });
      if (records.size() > READ_AHEAD) {
        // A sale stalled behind a gap: its records stay in the database, the first ones are kept.
        records.keySet().retainAll(new TreeSet<>(records.keySet()).headSet(waiting.first() + READ_AHEAD));
      }
      return new Remembered(applied, waiting, records);
    }
  }

  private record Waiting(OutcomeDecided entry, ConsumerRecord<byte[], byte[]> record) {}

  /** Waiting outcomes of a sale read from the database in one query, and kept in the memory at most. */
  private static final int READ_AHEAD = 500;

  private final SequenceStatements sql;
  private final Memory memory;
  private final Map<String, Sequence> sequences = new HashMap<>();
  /** Where {@link #flush()} left the sales: for {@link Memory#committed} once the transaction committed. */
  private final Map<String, Remembered> after = new HashMap<>();

  /** A gate that asks the database where every sale stands. */
  SequenceGate(Handle handle) {
    this(handle, new Memory());
  }

  /** A gate that takes where sales stand from {@code memory}, where it knows, and from the database otherwise. */
  SequenceGate(Handle handle, Memory memory) {
    this.sql = handle.attach(SequenceStatements.class);
    this.memory = memory;
  }

  Place place(OutcomeDecided outcome) {
    long applied = sequence(outcome.sequenceKey()).applied;
    long at = outcome.saleSequence();
    return at <= applied ? Place.BEHIND : at == applied + 1 ? Place.NEXT : Place.AHEAD;
  }

  /** Sets an outcome ahead of a gap aside until the gap is filled. */
  void hold(OutcomeDecided outcome, ConsumerRecord<byte[], byte[]> record) {
    Sequence sequence = sequence(outcome.sequenceKey());
    if (!sequence.stored.contains(outcome.saleSequence())) {
      sequence.here.putIfAbsent(outcome.saleSequence(), new Waiting(outcome, record));
    }
  }

  /** The sale's outcome at {@code saleSequence} is in the books (or set aside in the quarantine). */
  void passed(String sequenceKey, long saleSequence) {
    Sequence sequence = sequence(sequenceKey);
    if (saleSequence != sequence.applied + 1) {
      throw new IllegalStateException("Sale " + sequenceKey + " passes " + saleSequence + " after " + sequence.applied);
    }
    sequence.applied = saleSequence;
    sequence.moved = true;
  }

  /** The outcome {@link #next} gave is in the books (or set aside). */
  void passNext(String sequenceKey) {
    passed(sequenceKey, sequence(sequenceKey).applied + 1);
  }

  /** The record that waits for the outcome just passed, if it was read: the next to apply. */
  Optional<ConsumerRecord<byte[], byte[]>> next(String sequenceKey) {
    Sequence sequence = sequence(sequenceKey);
    long wanted = sequence.applied + 1;
    Waiting waiting = sequence.here.remove(wanted);
    if (waiting != null) {
      return Optional.of(waiting.record());
    }
    if (sequence.stored.contains(wanted)) {
      if (!sequence.read.containsKey(wanted)) {
        // The ones after it are likely let through too: read a run of them at once.
        sql.pending(sequenceKey, wanted, READ_AHEAD).forEach(r -> sequence.read.put(r.saleSequence(), asRead(r)));
      }
      return Optional.of(sequence.read.remove(wanted)); // removed from the table by flush()
    }
    return Optional.empty();
  }

  /** Reads where the sales of a poll stand, in one query, before their outcomes are met one by one. */
  void prefetch(Collection<String> sequenceKeys) {
    for (String key : sequenceKeys) {
      Remembered remembered = memory.sales.get(key);
      if (remembered != null && !sequences.containsKey(key)) {
        sequences.put(key, new Sequence(remembered));
      }
    }
    String[] unknown = sequenceKeys.stream().filter(k -> !sequences.containsKey(k)).distinct().toArray(String[]::new);
    if (unknown.length > 0) {
      sql.states(unknown).forEach(state -> sequences.put(state.sequenceKey(),
          new Sequence(state.applied(), new TreeSet<>(Arrays.asList(state.waiting())))));
    }
  }

  /**
   * Writes the sales' last applied sequences and the outcomes still waiting, a statement each; the caller commits,
   * then hands {@link #after()} to the memory.
   */
  void flush() {
    List<Pending> waiting = new ArrayList<>();
    List<String> moved = new ArrayList<>();
    List<Long> applied = new ArrayList<>();
    List<String> drained = new ArrayList<>();
    List<Long> drainedTo = new ArrayList<>();
    sequences.forEach((key, sequence) -> {
      if (sequence.moved) {
        moved.add(key);
        applied.add(sequence.applied);
        if (!sequence.stored.isEmpty() && sequence.stored.first() <= sequence.applied) {
          drained.add(key);
          drainedTo.add(sequence.applied);
        }
      }
      sequence.here.values().forEach(w -> waiting.add(pending(w)));
      after.put(key, sequence.after());
    });
    if (!moved.isEmpty()) {
      sql.setApplied(moved.toArray(String[]::new), applied.toArray(Long[]::new));
    }
    if (!drained.isEmpty()) {
      sql.dropApplied(drained.toArray(String[]::new), drainedTo.toArray(Long[]::new));
    }
    if (!waiting.isEmpty()) {
      sql.stage(waiting);
    }
    sequences.clear();
  }

  /** Where the sales this gate met stand once its transaction commits (after {@link #flush()}). */
  Map<String, Remembered> after() {
    return after;
  }

  private Sequence sequence(String key) {
    Sequence sequence = sequences.get(key);
    if (sequence == null) {
      prefetch(List.of(key));
      sequence = sequences.get(key);
    }
    return sequence;
  }

  private static Pending pending(Waiting w) {
    OutcomeDecided o = w.entry();
    ConsumerRecord<byte[], byte[]> r = w.record();
    return new Pending(o.sequenceKey(), o.saleSequence(), o.outcome().getSaleId(), o.outcome().getRequestId(),
        o.outcome().getStatus().name(), o.partition(), o.offset(), r.topic(), r.partition(), r.offset(), r.key(),
        r.value(), r.timestamp() < 0 ? null : Instant.ofEpochMilli(r.timestamp()));
  }

  private static ConsumerRecord<byte[], byte[]> asRead(StoredRecord r) {
    long timestamp = r.recordTimestamp() == null ? ConsumerRecord.NO_TIMESTAMP : r.recordTimestamp().toEpochMilli();
    return new ConsumerRecord<>(r.topic(), r.kafkaPartition(), r.kafkaOffset(), timestamp, TimestampType.CREATE_TIME,
        r.recordKey() == null ? -1 : r.recordKey().length, r.recordValue() == null ? -1 : r.recordValue().length,
        r.recordKey(), r.recordValue(), new RecordHeaders(), Optional.empty());
  }
}
