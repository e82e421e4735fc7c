package io.flashsale.reconciliation;

import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.reconciliation.Ledger.Recorded;
import io.flashsale.reconciliation.LedgerStatements.StoredOffset;
import io.flashsale.schemas.Correction;
import io.flashsale.schemas.CorrectionKind;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads sales, purchase outcomes, payment events and the records the reconciliation replays (committed transactions only) into PostgreSQL, exactly
 * once: each poll's records are written in one database transaction together with the position after them
 * in every partition they came from, and on start the sink goes on from those positions. A crash at any
 * point loses the uncommitted transaction and its positions alike, so the records are simply read again.
 *
 * <p>It is the only writer of the books: it assigns itself every partition (no consumer group), and a
 * second sink on the same group fails its batch because positions only move from where the writer left them.
 */
public final class OutcomeSink implements AutoCloseable {
  /** Printed once the sink reads; launchers and tests wait for this line. */
  public static final String RUNNING_LINE = "flashsale sink RUNNING";
  private static final Logger log = LoggerFactory.getLogger(OutcomeSink.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How far the sink is: records written since it started, batches committed, records still to read
   * (summed over all partitions; -1 before the first poll tells), and batches that failed and were retried.
   */
  public record Progress(long recordsWritten, long batchesWritten, long lag, long failedBatches) {}

  private final SinkConfig config;
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<TopicPartition> salesPartitions;
  private final List<TopicPartition> allPartitions;
  private final Deserializer<Sale> sales;
  private final Deserializer<PurchaseOutcome> outcomes;
  private final Deserializer<PaymentEvent> payments;
  private final Deserializer<Correction> corrections;
  /** The next offset per partition as committed in the database; only the sink thread touches it. */
  private final Map<TopicPartition, Long> stored = new HashMap<>();
  /** Sales committed in the books, so that outcomes need not ask; only the sink thread touches it. */
  private final Set<String> knownSales = new HashSet<>();
  private final AtomicLong recordsWritten = new AtomicLong();
  private final AtomicLong batchesWritten = new AtomicLong();
  private final AtomicLong failedBatches = new AtomicLong();
  private final Thread thread;
  private volatile long lag = -1;
  private volatile boolean running = true;
  private boolean closed;

  private OutcomeSink(SinkConfig config, Topics topics, HikariDataSource dataSource, KafkaConsumer<String, byte[]> consumer) {
    this.config = config;
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
    this.consumer = consumer;
    this.salesPartitions = partitions(consumer, Topics.SALES);
    this.allPartitions = new ArrayList<>(salesPartitions);
    allPartitions.addAll(partitions(consumer, Topics.PURCHASE_OUTCOMES));
    allPartitions.addAll(partitions(consumer, Topics.PAYMENT_EVENTS));
    allPartitions.addAll(partitions(consumer, Topics.CORRECTIONS));
    this.sales = topics.sales.valueSerde().deserializer();
    this.outcomes = topics.purchaseOutcomes.valueSerde().deserializer();
    this.payments = topics.paymentEvents.valueSerde().deserializer();
    this.corrections = topics.corrections.valueSerde().deserializer();
    this.thread = new Thread(this::run, "flashsale-sink");
  }

  /** Creates missing topics and tables, then starts reading on its own thread. The caller closes the result. */
  public static OutcomeSink start(SinkConfig config) {
    Topics topics = Topics.using(SchemaRegistry.forUrl(config.schemaRegistryUrl()));
    try (Admin admin = Admin.create(config.adminProperties())) {
      TopicAdmin.ensureTopics(admin, topics, config.partitions(), config.replicationFactor());
    }
    HikariDataSource dataSource = new HikariDataSource(config.poolConfig());
    KafkaConsumer<String, byte[]> consumer = null;
    try {
      Flyway.configure().dataSource(dataSource).load().migrate();
      consumer = new KafkaConsumer<>(config.consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
      OutcomeSink sink = new OutcomeSink(config, topics, dataSource, consumer);
      sink.consumer.assign(sink.allPartitions);
      sink.loadPositions();
      sink.rewind();
      sink.thread.start();
      return sink;
    } catch (RuntimeException e) {
      if (consumer != null) {
        consumer.close();
      }
      dataSource.close();
      throw e;
    }
  }

  public Progress progress() {
    return new Progress(recordsWritten.get(), batchesWritten.get(), lag, failedBatches.get());
  }

  /** Stops after the batch being written, if any, and closes the consumer and the pool. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    consumer.wakeup();
    try {
      thread.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dataSource.close();
  }

  /** Waits until the sink's thread ended: after {@link #close()}, or never while it runs. */
  public void awaitTermination() throws InterruptedException {
    thread.join();
  }

  private void run() {
    try {
      while (running) {
        try {
          ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
          if (!records.isEmpty()) {
            write(records);
          }
          lag = currentLag();
        } catch (WakeupException e) {
          // close() wants the loop to end
        } catch (RuntimeException e) {
          if (!running) {
            break;
          }
          // Nothing of the batch was committed: read it again from the database's positions, after a pause,
          // so that a database that is away for a while is not hammered.
          failedBatches.incrementAndGet();
          log.error("Writing a batch failed; reading it again in {} ms", config.retryBackoff().toMillis(), e);
          rewind();
          pause(config.retryBackoff());
        }
      }
    } finally {
      consumer.close(CLOSE_TIMEOUT);
    }
  }

  /**
   * Writes one poll's records and their positions in one transaction. Sales go first, as outcomes refer
   * to them. An outcome whose sale is not in the books yet (its partition of the sales topic was read less
   * far) stops its partition there: the partition is read again from it, after the sales caught up.
   */
  private void write(ConsumerRecords<String, byte[]> records) {
    Batch batch = jdbi.inTransaction(handle -> {
      Ledger ledger = new Ledger(handle, knownSales);
      SalesCaughtUp salesCaughtUp = new SalesCaughtUp();
      Map<TopicPartition, Long> written = new HashMap<>();
      Map<TopicPartition, Long> heldAt = new HashMap<>();
      int count = 0;
      for (TopicPartition partition : ordered(records)) {
        for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
          if (!apply(ledger, record, salesCaughtUp)) {
            heldAt.put(partition, record.offset());
            break;
          }
          written.put(partition, record.offset() + 1);
          count++;
        }
        if (!heldAt.containsKey(partition)) {
          // All of the partition's records are written: go on from the consumer's position, which is past the
          // transaction markers after them too, so that a caught-up sink stands exactly at the log's end.
          written.put(partition, consumer.position(partition));
        }
      }
      ledger.close();
      moveOffsets(handle, written);
      return new Batch(written, heldAt, count, ledger.salesAdded());
    });
    stored.putAll(batch.written());
    knownSales.addAll(batch.salesAdded());
    batch.heldAt().forEach(consumer::seek);
    recordsWritten.addAndGet(batch.count());
    batchesWritten.incrementAndGet();
  }

  /** What a committed transaction wrote: positions after it, where partitions wait for a sale, records, new sales. */
  private record Batch(Map<TopicPartition, Long> written, Map<TopicPartition, Long> heldAt, int count,
                       Set<String> salesAdded) {}

  /** Applies one record; false if it must wait for its sale. */
  private boolean apply(Ledger ledger, ConsumerRecord<String, byte[]> record, SalesCaughtUp salesCaughtUp) {
    switch (record.topic()) {
      case Topics.SALES -> {
        Sale sale = sales.deserialize(record.topic(), record.headers(), record.value());
        if (sale != null) {
          ledger.recordSale(sale);
        }
      }
      case Topics.PAYMENT_EVENTS -> {
        PaymentEvent event = payments.deserialize(record.topic(), record.headers(), record.value());
        if (event != null) {
          ledger.recordPayment(event);
        }
      }
      case Topics.PURCHASE_OUTCOMES -> {
        PurchaseOutcome outcome = outcomes.deserialize(record.topic(), record.headers(), record.value());
        if (outcome != null) {
          return applyOutcome(ledger, outcome, record.partition(), record.offset(), salesCaughtUp);
        }
      }
      case Topics.CORRECTIONS -> {
        // The reconciliation found a record of the log missing here: it is applied at its own position, so once.
        Correction correction = corrections.deserialize(record.topic(), record.headers(), record.value());
        if (correction != null && correction.getKind() == CorrectionKind.REPLAY_RECORD) {
          if (correction.getOutcome() != null) {
            return applyOutcome(ledger, correction.getOutcome(), correction.getSourcePartition(),
                correction.getSourceOffset(), salesCaughtUp);
          }
          if (correction.getPayment() != null) {
            ledger.recordPayment(correction.getPayment());
          }
        }
      }
      default -> throw new IllegalStateException("Not a topic of the sink: " + record.topic());
    }
    return true;
  }

  private static boolean applyOutcome(Ledger ledger, PurchaseOutcome outcome, int partition, long offset,
                                      SalesCaughtUp salesCaughtUp) {
    if (ledger.recordOutcome(outcome, partition, offset) == Recorded.SALE_UNKNOWN) {
      if (!salesCaughtUp.get()) {
        return false;
      }
      ledger.recordOrphan(outcome, partition, offset);
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

  private void moveOffsets(Handle handle, Map<TopicPartition, Long> positions) {
    LedgerStatements sql = handle.attach(LedgerStatements.class);
    positions.forEach((partition, nextOffset) -> {
      Long expected = stored.get(partition);
      if (sql.moveOffset(config.sinkGroup(), partition.topic(), partition.partition(), nextOffset, expected) == 0) {
        throw new IllegalStateException("Another sink moved " + partition + " of group " + config.sinkGroup()
            + " away from " + expected + "; this one stops writing it");
      }
    });
  }

  private void loadPositions() {
    List<StoredOffset> offsets = jdbi.withExtension(LedgerStatements.class, sql -> sql.offsets(config.sinkGroup()));
    for (StoredOffset offset : offsets) {
      stored.put(new TopicPartition(offset.topic(), offset.partition()), offset.nextOffset());
    }
    log.info("Sink {} goes on from {} stored positions", config.sinkGroup(), offsets.size());
  }

  /** Every partition back to where the database says the sink is. */
  private void rewind() {
    allPartitions.forEach(this::seekToStored);
  }

  private void seekToStored(TopicPartition partition) {
    Long next = stored.get(partition);
    if (next == null) {
      consumer.seekToBeginning(List.of(partition));
    } else {
      consumer.seek(partition, next);
    }
  }

  private long currentLag() {
    long total = 0;
    for (TopicPartition partition : allPartitions) {
      OptionalLong partitionLag = consumer.currentLag(partition);
      if (partitionLag.isEmpty()) {
        return -1;
      }
      total += partitionLag.getAsLong();
    }
    return total;
  }

  /** Sales first, then the rest, each in partition order. */
  private static List<TopicPartition> ordered(ConsumerRecords<String, byte[]> records) {
    List<TopicPartition> partitions = new ArrayList<>(records.partitions());
    partitions.sort((a, b) -> {
      boolean aSales = a.topic().equals(Topics.SALES);
      boolean bSales = b.topic().equals(Topics.SALES);
      return aSales != bSales ? (aSales ? -1 : 1) : a.toString().compareTo(b.toString());
    });
    return partitions;
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    long deadline = System.nanoTime() + METADATA_TIMEOUT.toNanos();
    // A topic created a moment ago may not be in every broker's metadata yet.
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      if (!infos.isEmpty()) {
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Topic " + topic + " has no partitions after " + METADATA_TIMEOUT);
      }
      pause(POLL_TIMEOUT);
    }
  }

  private static void pause(Duration duration) {
    try {
      TimeUnit.MILLISECONDS.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    OutcomeSink sink = start(SinkConfig.fromEnv(System.getenv()));
    Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "flashsale-sink-shutdown"));
    System.out.println(RUNNING_LINE);
    sink.awaitTermination();
  }
}
