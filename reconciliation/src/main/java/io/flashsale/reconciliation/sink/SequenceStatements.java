package io.flashsale.reconciliation.sink;

import java.time.Instant;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The SQL of {@link SequenceGate}: each sale's last applied sequence, and the outcomes read ahead of a gap. */
interface SequenceStatements {

  /** An outcome read ahead of a gap, as it was read. */
  record StoredRecord(long saleSequence, String topic, int kafkaPartition, long kafkaOffset, byte[] recordKey, byte[] recordValue,
                      Instant recordTimestamp) {}

  /** An outcome to set aside until the outcomes before it are in. */
  record Pending(String sequenceKey, long saleSequence, String saleId, String requestId, String status,
                 int outcomePartition, long outcomeOffset, String topic, int kafkaPartition, long kafkaOffset,
                 byte[] recordKey, byte[] recordValue, Instant recordTimestamp) {}

  /** Where a sale stands: its last applied sequence (0: none yet), and the sequences waiting. */
  record State(String sequenceKey, long applied, Long[] waiting) {}

  @SqlQuery("""
      SELECT k.key AS sequence_key, coalesce(s.applied, 0) AS applied,
             coalesce((SELECT array_agg(w.sale_sequence ORDER BY w.sale_sequence) FROM sink_pending_outcomes w
                       WHERE w.sequence_key = k.key), '{}') AS waiting
      FROM unnest(:keys) AS k(key) LEFT JOIN sink_sale_sequences s ON s.sequence_key = k.key""")
  @RegisterConstructorMapper(State.class)
  List<State> states(@Bind("keys") String[] sequenceKeys);

  /** The waiting outcomes of a sale from {@code from} on, in sequence order. */
  @SqlQuery("""
      SELECT sale_sequence, topic, kafka_partition, kafka_offset, record_key, record_value, record_timestamp
      FROM sink_pending_outcomes WHERE sequence_key = :key AND sale_sequence >= :from
      ORDER BY sale_sequence LIMIT :limit""")
  @RegisterConstructorMapper(StoredRecord.class)
  List<StoredRecord> pending(@Bind("key") String sequenceKey, @Bind("from") long fromSequence,
                             @Bind("limit") int limit);

  @SqlUpdate("""
      INSERT INTO sink_sale_sequences (sequence_key, applied)
      SELECT k, a FROM unnest(:keys, :applied) AS u(k, a)
      ON CONFLICT (sequence_key) DO UPDATE SET applied = excluded.applied""")
  void setApplied(@Bind("keys") String[] sequenceKeys, @Bind("applied") Long[] applied);

  @SqlUpdate("""
      DELETE FROM sink_pending_outcomes w USING unnest(:keys, :applied) AS u(k, a)
      WHERE w.sequence_key = u.k AND w.sale_sequence <= u.a""")
  int dropApplied(@Bind("keys") String[] sequenceKeys, @Bind("applied") Long[] applied);

  // A record read twice (a replay of one still waiting) is kept once.
  @SqlBatch("""
      INSERT INTO sink_pending_outcomes (sequence_key, sale_sequence, sale_id, request_id, status, outcome_partition,
                                         outcome_offset, topic, kafka_partition, kafka_offset, record_key,
                                         record_value, record_timestamp)
      VALUES (:sequenceKey, :saleSequence, :saleId, :requestId, :status, :outcomePartition, :outcomeOffset, :topic,
              :kafkaPartition, :kafkaOffset, :recordKey, :recordValue, :recordTimestamp)
      ON CONFLICT (sequence_key, sale_sequence) DO NOTHING""")
  void stage(@BindMethods List<Pending> pending);
}
