package io.flashsale.reconciliation.sink;

import io.flashsale.reconciliation.sink.LedgerStatements.StoredOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's positions as committed in {@code sink_offsets}: where each partition goes on. Positions move only
 * from where this sink instance left them and under its own name, which tells two things apart after a failure:
 * a position moved under this instance's name is its own commit that landed although its answer was lost; one
 * moved under another name is another sink writing the same books, and this one must stop.
 */
public final class SinkPositions {
  private static final Logger log = LoggerFactory.getLogger(SinkPositions.class);

  /** Another sink moved a position of this sink's group: this one must not write any more. */
  static final class AnotherSinkMoved extends RuntimeException {
    AnotherSinkMoved(String message) {
      super(message);
    }
  }

  /** A position did not move because it was not where this sink left it; who moved it is told by {@link #resync}. */
  static final class PositionConflict extends RuntimeException {
    PositionConflict(String message) {
      super(message);
    }
  }

  private final String group;
  /** This instance's name in sink_offsets.written_by. */
  private final String writer = UUID.randomUUID().toString();
  /** The next offset per partition as committed; only the sink thread touches it. */
  private final Map<TopicPartition, Long> stored = new HashMap<>();

  SinkPositions(String group) {
    this.group = group;
  }

  /** The next offset per partition as the sink group {@code group} committed it: what the nightly job checks the log against. */
  public static Map<TopicPartition, Long> committed(Jdbi jdbi, String group) {
    Map<TopicPartition, Long> positions = new HashMap<>();
    jdbi.withExtension(LedgerStatements.class, sql -> sql.offsets(group))
        .forEach(o -> positions.put(new TopicPartition(o.topic(), o.partition()), o.nextOffset()));
    return positions;
  }

  /** Takes the positions in the database as they are: the start of a sink instance. */
  void load(Jdbi jdbi) {
    List<StoredOffset> offsets = jdbi.withExtension(LedgerStatements.class, sql -> sql.offsets(group));
    stored.clear();
    offsets.forEach(o -> stored.put(new TopicPartition(o.topic(), o.partition()), o.nextOffset()));
    log.info("Sink {} goes on from {} stored positions (writing as {})", group, offsets.size(), writer);
  }

  /** The next offset to write in a partition, or null if this group never wrote it. */
  Long next(TopicPartition partition) {
    return stored.get(partition);
  }

  /**
   * Moves positions within the caller's transaction, in one statement for those this sink wrote before (and one
   * per partition it never wrote); a position someone else moved fails the transaction.
   */
  void move(Handle handle, Map<TopicPartition, Long> positions) {
    LedgerStatements sql = handle.attach(LedgerStatements.class);
    List<TopicPartition> known = new ArrayList<>();
    positions.forEach((partition, nextOffset) -> {
      Long expected = stored.get(partition);
      if (expected == null) {
        if (sql.moveOffset(group, partition.topic(), partition.partition(), nextOffset, null, writer) == 0) {
          throw new PositionConflict(partition + " of group " + group + " was written by another sink");
        }
      } else {
        known.add(partition);
      }
    });
    if (!known.isEmpty()) {
      int moved = sql.moveOffsets(group, known.stream().map(TopicPartition::topic).toArray(String[]::new),
          known.stream().map(TopicPartition::partition).toArray(Integer[]::new),
          known.stream().map(positions::get).toArray(Long[]::new), known.stream().map(stored::get).toArray(Long[]::new),
          writer);
      if (moved != known.size()) {
        throw new PositionConflict("Positions of group " + group + " are no longer where this sink left them ("
            + moved + " of " + known.size() + " moved)");
      }
    }
  }

  /** The transaction that moved {@code positions} committed. */
  void committed(Map<TopicPartition, Long> positions) {
    stored.putAll(positions);
  }

  /**
   * Reads the positions again after a failed write. The only transaction of this instance whose fate is unknown
   * is the last one, which tried to move to {@code inDoubt} (null: none got as far as committing). Answers
   * whether it committed.
   *
   * @throws AnotherSinkMoved if a position is neither where this sink left it nor where its last transaction
   *     put it under its own name
   */
  boolean resync(Jdbi jdbi, Map<TopicPartition, Long> inDoubt) {
    List<StoredOffset> offsets = jdbi.withExtension(LedgerStatements.class, sql -> sql.offsets(group));
    Map<TopicPartition, Long> landed = new HashMap<>();
    Set<TopicPartition> seen = new HashSet<>();
    for (StoredOffset offset : offsets) {
      TopicPartition partition = new TopicPartition(offset.topic(), offset.partition());
      seen.add(partition);
      Long mine = stored.get(partition);
      if (Objects.equals(mine, offset.nextOffset())) {
        continue;
      }
      if (!writer.equals(offset.writtenBy()) || inDoubt == null
          || !Objects.equals(inDoubt.get(partition), offset.nextOffset())) {
        throw new AnotherSinkMoved("Another sink (" + offset.writtenBy() + ") moved " + partition + " of group "
            + group + " from " + mine + " to " + offset.nextOffset() + "; this one (" + writer + ") stops writing");
      }
      landed.put(partition, offset.nextOffset());
    }
    for (TopicPartition partition : stored.keySet()) {
      if (!seen.contains(partition)) {
        throw new AnotherSinkMoved("The position of " + partition + " of group " + group
            + " was removed from sink_offsets; this sink stops writing");
      }
    }
    if (!landed.isEmpty() && !landed.keySet().equals(inDoubt.keySet())) {
      // One transaction moves all its positions or none.
      throw new IllegalStateException("Only part of the last transaction's positions are in sink_offsets: " + landed);
    }
    stored.putAll(landed);
    return !landed.isEmpty();
  }
}
