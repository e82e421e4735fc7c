package io.flashsale.reconciliation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The SQL of {@link SequenceGate}: each sale's last applied sequence, and the outcomes read ahead of a gap. */
interface SequenceStatements {

  /** An outcome read ahead of a gap, as it was read. */
  record StoredRecord(String topic, int kafkaPartition, long kafkaOffset, byte[] recordKey, byte[] recordValue,
                      Instant recordTimestamp) {}

  /** An outcome to set aside until the outcomes before it are in. */
  record Pending(String sequenceKey, long saleSequence, String saleId, String requestId, String status,
                 int outcomePartition, long outcomeOffset, String topic, int kafkaPartition, long kafkaOffset,
                 byte[] recordKey, byte[] recordValue, Instant recordTimestamp) {}

  @SqlQuery("SELECT applied FROM sink_sale_sequences WHERE sequence_key = :key")
  Optional<Long> applied(@Bind("key") String sequenceKey);

  @SqlQuery("SELECT sale_sequence FROM sink_pending_outcomes WHERE sequence_key = :key ORDER BY sale_sequence")
  List<Long> pendingSequences(@Bind("key") String sequenceKey);

  @SqlQuery("""
      SELECT topic, kafka_partition, kafka_offset, record_key, record_value, record_timestamp
      FROM sink_pending_outcomes WHERE sequence_key = :key AND sale_sequence = :sequence""")
  @RegisterConstructorMapper(StoredRecord.class)
  StoredRecord pending(@Bind("key") String sequenceKey, @Bind("sequence") long saleSequence);

  @SqlUpdate("""
      INSERT INTO sink_sale_sequences (sequence_key, applied) VALUES (:key, :applied)
      ON CONFLICT (sequence_key) DO UPDATE SET applied = excluded.applied""")
  void setApplied(@Bind("key") String sequenceKey, @Bind("applied") long applied);

  @SqlUpdate("DELETE FROM sink_pending_outcomes WHERE sequence_key = :key AND sale_sequence <= :applied")
  int dropApplied(@Bind("key") String sequenceKey, @Bind("applied") long applied);

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
