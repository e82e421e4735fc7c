package io.flashsale.reconciliation.nightly;

import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.schemas.Correction;
import io.flashsale.schemas.CorrectionKind;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * Hands records the sink set aside back to it, once their cause is fixed (a schema registered that was missing,
 * a column widened): each as a REPLAY_RECORD correction, which the sink applies at the record's own position in
 * the log, so at most once however often it is replayed. A record that still does not decode stays where it is.
 * The sink stays the only writer of the books; a replay that the database refuses again is set aside again, as a
 * record of the corrections topic, and the nightly job goes on reporting it.
 */
final class QuarantineReplay implements AutoCloseable {

  /** A quarantined record, as read. */
  public record Quarantined(String topic, int kafkaPartition, long kafkaOffset, byte[] recordValue) {
    String subject() {
      return topic + "-" + kafkaPartition + "-" + kafkaOffset;
    }
  }

  /** What a replay did: the records handed back, and those left with the reason. */
  record Result(List<String> replayed, List<String> left) {}

  interface Statements {
    @SqlQuery("""
        SELECT topic, kafka_partition, kafka_offset, record_value FROM sink_quarantine
        WHERE replayed_at IS NULL AND (CAST(:subject AS text) IS NULL
                                       OR topic || '-' || kafka_partition || '-' || kafka_offset = :subject)
        ORDER BY quarantined_at, topic, kafka_partition, kafka_offset""")
    @RegisterConstructorMapper(Quarantined.class)
    List<Quarantined> toReplay(@Bind("subject") String subject);

    @SqlUpdate("""
        UPDATE sink_quarantine SET replay_correction_id = :correction, replayed_at = now()
        WHERE topic = :topic AND kafka_partition = :partition AND kafka_offset = :offset""")
    void replayed(@Bind("topic") String topic, @Bind("partition") int partition, @Bind("offset") long offset,
                  @Bind("correction") String correctionId);
  }

  private final ReconciliationConfig config;
  private final Topics topics;
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final Clock clock;

  QuarantineReplay(ReconciliationConfig config, Clock clock) {
    this.config = config;
    this.topics = Topics.using(config.sink().kafka().schemaRegistry());
    this.dataSource = new HikariDataSource(config.sink().poolConfig());
    this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
    this.clock = clock;
    try {
      Flyway.configure().dataSource(dataSource).load().migrate();
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
  }

  /** Replays every record not replayed yet, or only the one named {@code topic-partition-offset} (null: all). */
  Result replay(String subject) {
    List<Quarantined> rows = jdbi.withExtension(Statements.class, sql -> sql.toReplay(subject));
    String runId = "replay-quarantine-" + UUID.randomUUID().toString().substring(0, 8);
    LocalDate day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<Correction> corrections = new ArrayList<>();
    List<Quarantined> handed = new ArrayList<>();
    List<String> left = new ArrayList<>();
    for (Quarantined q : rows) {
      Correction.Builder correction = Correction.newBuilder().setCorrectionId("replay-quarantine:" + q.subject())
          .setKind(CorrectionKind.REPLAY_RECORD).setDiscrepancy(DiscrepancyClass.SINK_QUARANTINED.name())
          .setDay(day).setRunId(runId).setSourceTopic(q.topic()).setSourcePartition(q.kafkaPartition())
          .setSourceOffset(q.kafkaOffset()).setCreatedAt(clock.instant());
      try {
        switch (q.topic()) {
          case Topics.PURCHASE_OUTCOMES -> correction.setOutcome(
              topics.purchaseOutcomes.valueSerde().deserializer().deserialize(q.topic(), q.recordValue()));
          case Topics.PAYMENT_EVENTS -> correction.setPayment(
              topics.paymentEvents.valueSerde().deserializer().deserialize(q.topic(), q.recordValue()));
          case Topics.CORRECTIONS -> {
            // A replay the sink set aside: the same correction again, applied at the same source position.
            corrections.add(topics.corrections.valueSerde().deserializer().deserialize(q.topic(), q.recordValue()));
            handed.add(q);
            continue;
          }
          default -> {
            left.add(q.subject() + ": a record of " + q.topic() + " cannot be handed back as a correction;"
                + " define it again through its own topic");
            continue;
          }
        }
      } catch (SerializationException e) {
        if (SchemaRegistry.isUnavailable(e)) {
          throw e; // says nothing about the record: run the replay again once the registry answers
        }
        left.add(q.subject() + ": still not a value of its topic (" + e.getMessage() + ")");
        continue;
      }
      corrections.add(correction.build());
      handed.add(q);
    }
    publish(corrections);
    jdbi.useExtension(Statements.class, sql -> {
      for (int i = 0; i < handed.size(); i++) {
        Quarantined q = handed.get(i);
        sql.replayed(q.topic(), q.kafkaPartition(), q.kafkaOffset(), corrections.get(i).getCorrectionId());
      }
    });
    return new Result(handed.stream().map(Quarantined::subject).toList(), left);
  }

  private void publish(List<Correction> corrections) {
    if (corrections.isEmpty()) {
      return;
    }
    var props = config.producerProperties();
    // Its own producer id: a nightly run at the same moment is not fenced off by a replay, nor the reverse.
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, props.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG) + "-replay");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
        new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      for (Correction c : corrections) {
        producer.send(new ProducerRecord<>(Topics.CORRECTIONS, c.getCorrectionId(),
            topics.corrections.valueSerde().serializer().serialize(Topics.CORRECTIONS, c)));
      }
      producer.commitTransaction();
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
