package io.flashsale.reconciliation.sink;

import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.metrics.ProcessMeters;
import io.flashsale.reconciliation.BooksDatabase;
import io.flashsale.reconciliation.sink.BatchWriter.Batch;
import io.flashsale.reconciliation.sink.SinkPositions.AnotherSinkMoved;
import io.flashsale.schemas.Topics;


import io.micrometer.core.instrument.MeterRegistry;



import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

import java.util.List;



import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;


import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jdbi.v3.core.Jdbi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads sales, purchase outcomes, payment events and the records the reconciliation replays (committed
 * transactions only) into PostgreSQL, exactly once: each poll's records are written in one database transaction
 * together with the position after them in every partition they came from, and on start the sink goes on from
 * those positions. A crash at any point loses the uncommitted transaction and its positions alike, so the
 * records are simply read again.
 *
 * <p>Failures are of two kinds ({@link FailureKind}). A record that cannot be written because of what it holds
 * is set aside in {@code sink_quarantine} by {@link BatchWriter}, counted in
 * {@value #QUARANTINED_METER} (exported to Prometheus as {@code flashsale_sink_quarantined_records_total}) and
 * passed. Any other failure rolls the batch back; the sink waits, doubling the wait up to a bound, reads its
 * positions again from the database ({@link SinkPositions#resync}, which also finds out whether a COMMIT that
 * went unanswered did land) and goes on from there, for as long as the database is away.
 *
 * <p>It is the only writer of the books: it assigns itself every partition (no consumer group), and a second
 * sink on the same group is noticed through the positions it moved, upon which this one stops.
 */
public final class OutcomeSink implements AutoCloseable {
  /** Printed once the sink reads; launchers and tests wait for this line. */
  public static final String RUNNING_LINE = "flashsale sink RUNNING";
  /** Records set aside in sink_quarantine, tagged by topic. */
  public static final String QUARANTINED_METER = "flashsale.sink.quarantined.records";
  /** Records of the sink's topics not yet in the books (summed over partitions; absent before the first poll). */
  public static final String LAG_METER = "flashsale.sink.lag.records";
  /**
   * How long the sink has been failing to write, in seconds (0 while it writes): the database or the schema
   * registry away, refusing the sink, or timing out. The sink retries with backoff meanwhile; an alert watches it.
   */
  public static final String FAILING_METER = "flashsale.sink.failing.seconds";
  /** Writes that failed for the infrastructure's sake and were retried. */
  public static final String RETRIES_METER = "flashsale.sink.retries";
  /**
   * Outcomes waiting in sink_pending_outcomes behind a gap in their sale's sequence, read with the books: a
   * moment's worth while partitions are read unevenly, and a number that stays up names a sale stalled (see the
   * nightly job's OUTCOME_STALLED).
   */
  public static final String WAITING_METER = "flashsale.sink.waiting.outcomes";
  /** Each sale's units by state as the books have them (sale, state = stock, reserved, confirmed), read every 10 s. */
  public static final String BOOKS_METER = "flashsale.books.sale.units";
  /** The exit code of {@link #main} when another sink writes the same books. */
  public static final int FENCED_EXIT_CODE = 3;
  private static final Logger log = LoggerFactory.getLogger(OutcomeSink.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The sink's state: records written into the books since it started, batches committed, records still to
   * read (summed over all partitions; -1 before the first poll tells), writes that failed and were retried,
   * records set aside in sink_quarantine, and whether it stopped because another sink writes its books.
   */
  public record Status(long recordsWritten, long batchesWritten, long lag, long failedBatches,
                       long recordsQuarantined, boolean fenced) {}

  private final SinkConfig config;
  private final HikariDataSource pool;
  private final Jdbi jdbi;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final SinkPartitions partitions;
  private final SinkPositions positions;
  private final PollWriter pollWriter;
  private final SinkMeters meters;
  private final AtomicLong recordsWritten = new AtomicLong();
  private final AtomicLong batchesWritten = new AtomicLong();
  private final AtomicLong failedBatches = new AtomicLong();
  private final AtomicLong recordsQuarantined = new AtomicLong();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean fenced;
  private boolean closed;

  private OutcomeSink(SinkConfig config, Topics topics, HikariDataSource pool, DataSource connections,
                      KafkaConsumer<byte[], byte[]> consumer, MeterRegistry meters) {
    this.config = config;
    this.pool = pool;
    this.jdbi = BooksDatabase.jdbi(connections);
    this.consumer = consumer;
    this.meters = new SinkMeters(meters, consumer);
    this.partitions = SinkPartitions.of(consumer);
    this.positions = new SinkPositions(config.sinkGroup());
    this.pollWriter = new PollWriter(jdbi, new BatchWriter(config.sinkGroup(), new RecordDecoder(topics), positions,
        consumer, partitions.sales()), positions);
    this.thread = new Thread(this::run, "flashsale-sink");
  }

  /** {@link #start(SinkConfig, MeterRegistry)} with meters nobody reads. */
  public static OutcomeSink start(SinkConfig config) {
    return start(config, new SimpleMeterRegistry());
  }

  /**
   * Creates missing topics and tables, then starts reading on its own thread, counting on {@code meters}. The
   * caller closes the result.
   */
  public static OutcomeSink start(SinkConfig config, MeterRegistry meters) {
    return start(config, meters, UnaryOperator.identity());
  }

  /** The same, with the sink's connections to the books passed through {@code connections} (tests lose some). */
  static OutcomeSink start(SinkConfig config, MeterRegistry meters, UnaryOperator<DataSource> connections) {
    Topics topics = Topics.using(config.kafka().schemaRegistry());
    try (Admin admin = config.kafka().connectAdmin("flashsale-sink-admin")) {
      config.topics().ensure(admin, readTopics(topics));
    }
    HikariDataSource pool = new HikariDataSource(config.poolConfig());
    KafkaConsumer<byte[], byte[]> consumer = null;
    try {
      BooksDatabase.migrate(pool);
      consumer = new KafkaConsumer<>(config.consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      OutcomeSink sink = new OutcomeSink(config, topics, pool, connections.apply(pool), consumer, meters);
      sink.partitions.assign();
      sink.positions.load(sink.jdbi);
      sink.partitions.rewind(sink.positions);
      sink.thread.start();
      return sink;
    } catch (RuntimeException e) {
      if (consumer != null) {
        consumer.close();
      }
      pool.close();
      throw e;
    }
  }

  /** The topics the sink reads: the only ones it creates where missing. */
  static List<Topics.Topic<?, ?>> readTopics(Topics topics) {
    return List.of(topics.sales, topics.purchaseOutcomes, topics.paymentEvents, topics.corrections);
  }

  public Status status() {
    return new Status(recordsWritten.get(), batchesWritten.get(), meters.lag(), failedBatches.get(),
        recordsQuarantined.get(), fenced);
  }

  /** Stops after the batch being written, if any, and closes the consumer and the pool. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    stopRequested.countDown();
    consumer.wakeup();
    try {
      thread.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.close();
  }

  /** Waits until the sink's thread ended: after {@link #close()}, after it was fenced off, or never. */
  public void awaitTermination() throws InterruptedException {
    thread.join();
  }

  private void run() {
    boolean resyncFirst = false;
    int failuresInARow = 0;
    try {
      while (running) {
        try {
          if (resyncFirst) {
            resync();
            resyncFirst = false;
          }
          ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
          if (!records.isEmpty()) {
            write(records);
          }
          meters.written(partitions.lag());
          failuresInARow = 0;
          meters.readBooksIfDue(jdbi);
        } catch (WakeupException e) {
          // close() wants the loop to end
        } catch (AnotherSinkMoved e) {
          log.error("{}", e.getMessage());
          fenced = true;
          return;
        } catch (RuntimeException e) {
          if (!running) {
            break;
          }
          // Nothing is known to be committed: after a pause, which spares a database that is away, the
          // positions are read again from it and the batch is read again from them.
          failedBatches.incrementAndGet();
          meters.failed();
          Duration wait = backoff(++failuresInARow);
          log.warn("Writing to the books failed ({} in a row); trying again in {} ms: {}", failuresInARow,
              wait.toMillis(), PollWriter.brief(e));
          log.debug("The failure", e);
          resyncFirst = true;
          pause(wait);
        }
      }
    } finally {
      consumer.close(CLOSE_TIMEOUT);
    }
  }

  private void write(ConsumerRecords<byte[], byte[]> records) {
    Batch batch = pollWriter.write(records);
    counted(batch);
    batch.heldAt().forEach(consumer::seek);
  }

  /** After a failure: the positions as the database has them, the last batch counted if it did commit. */
  private void resync() {
    Batch last = pollWriter.inDoubt();
    boolean landed = positions.resync(jdbi, last == null ? null : last.written());
    if (landed) {
      log.info("The last COMMIT went unanswered but did land; going on after it");
      counted(last);
    }
    pollWriter.resynced(landed);
    partitions.rewind(positions);
  }

  private void counted(Batch batch) {
    recordsWritten.addAndGet(batch.count());
    batchesWritten.incrementAndGet();
    batch.quarantinedByTopic().forEach((topic, count) -> {
      meters.quarantined(topic, count);
      recordsQuarantined.addAndGet(count);
    });
  }

  private Duration backoff(int failuresInARow) {
    long base = config.retryBackoff().toMillis();
    long doubled = base << Math.min(failuresInARow - 1, 20);
    return Duration.ofMillis(Math.min(config.retryBackoffMax().toMillis(), doubled));
  }

  /** Waits, or less if the sink is closed meanwhile. */
  private void pause(Duration duration) {
    try {
      stopRequested.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    SinkConfig config = SinkConfig.fromEnv(System.getenv());
    PrometheusMeterRegistry meters = ProcessMeters.create("sink");
    OutcomeSink sink = start(config, meters);
    if (config.metrics().enabled()) {
      MetricsServer.start(config.metrics(), meters); // lives as long as the process
    }
    Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "flashsale-sink-shutdown"));
    System.out.println(RUNNING_LINE);
    sink.awaitTermination();
    if (sink.status().fenced()) {
      System.exit(FENCED_EXIT_CODE); // a supervisor must not take this for a clean stop
    }
  }
}
