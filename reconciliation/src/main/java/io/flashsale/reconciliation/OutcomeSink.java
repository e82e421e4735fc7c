package io.flashsale.reconciliation;

import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.reconciliation.BatchWriter.Batch;
import io.flashsale.reconciliation.SinkPositions.AnotherSinkMoved;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.metrics.ProcessMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
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
  /** Each sale's units by state as the books have them (sale, state = stock, reserved, confirmed). */
  public static final String BOOKS_METER = "flashsale.books.sale.units";
  /** How often the books' counts are read for {@link #BOOKS_METER}. */
  private static final Duration BOOKS_REFRESH = Duration.ofSeconds(10);
  /** The exit code of {@link #main} when another sink writes the same books. */
  public static final int FENCED_EXIT_CODE = 3;
  private static final Logger log = LoggerFactory.getLogger(OutcomeSink.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How far the sink is: records written into the books since it started, batches committed, records still to
   * read (summed over all partitions; -1 before the first poll tells), writes that failed and were retried,
   * records set aside in sink_quarantine, and whether it stopped because another sink writes its books.
   */
  public record Progress(long recordsWritten, long batchesWritten, long lag, long failedBatches,
                         long recordsQuarantined, boolean fenced) {}

  private final SinkConfig config;
  private final HikariDataSource pool;
  private final Jdbi jdbi;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> allPartitions;
  private final SinkPositions positions;
  private final PollWriter pollWriter;
  private final MeterRegistry meters;
  private final Map<String, Counter> quarantinedByTopic = new ConcurrentHashMap<>();
  private final MultiGauge books;
  /** When the books' counts were last read (System.nanoTime); only the sink thread touches it. */
  private long booksReadAt;
  private boolean booksRead;
  private final AtomicLong recordsWritten = new AtomicLong();
  private final AtomicLong batchesWritten = new AtomicLong();
  private final AtomicLong failedBatches = new AtomicLong();
  private final AtomicLong recordsQuarantined = new AtomicLong();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final Thread thread;
  private volatile long lag = -1;
  private volatile long waiting;
  /** System.nanoTime of the first failure of the current run of failures; 0 while writes succeed. */
  private volatile long failingSince;
  private final Counter retries;
  private volatile boolean running = true;
  private volatile boolean fenced;
  private boolean closed;

  private OutcomeSink(SinkConfig config, Topics topics, HikariDataSource pool, DataSource connections,
                      KafkaConsumer<byte[], byte[]> consumer, MeterRegistry meters) {
    this.config = config;
    this.pool = pool;
    this.jdbi = Jdbi.create(connections).installPlugin(new SqlObjectPlugin());
    this.consumer = consumer;
    this.meters = meters;
    List<TopicPartition> salesPartitions = partitions(consumer, Topics.SALES);
    this.allPartitions = new ArrayList<>(salesPartitions);
    allPartitions.addAll(partitions(consumer, Topics.PURCHASE_OUTCOMES));
    allPartitions.addAll(partitions(consumer, Topics.PAYMENT_EVENTS));
    allPartitions.addAll(partitions(consumer, Topics.CORRECTIONS));
    this.positions = new SinkPositions(config.sinkGroup());
    this.pollWriter = new PollWriter(jdbi, new BatchWriter(config.sinkGroup(), new RecordDecoder(topics), positions,
        consumer, salesPartitions), positions);
    List.of(Topics.SALES, Topics.PURCHASE_OUTCOMES, Topics.PAYMENT_EVENTS, Topics.CORRECTIONS)
        .forEach(this::quarantinedCounter); // shown at zero from the start, so that an alert can watch them
    Gauge.builder(LAG_METER, this, sink -> sink.lag < 0 ? Double.NaN : sink.lag)
        .description("Records of the sink's topics not yet written into the books").register(meters);
    Gauge.builder(FAILING_METER, this, sink -> sink.failingSince == 0 ? 0 : (System.nanoTime() - sink.failingSince) / 1e9)
        .description("Seconds the sink has been failing to write (the database or the schema registry away)")
        .baseUnit("seconds").register(meters);
    Gauge.builder(WAITING_METER, this, sink -> sink.waiting)
        .description("Outcomes waiting in the sink behind a gap in their sale's sequence").register(meters);
    this.retries = Counter.builder(RETRIES_METER)
        .description("Writes that failed for the database's or the registry's sake and were retried").register(meters);
    this.books = MultiGauge.builder(BOOKS_METER).description("Units of each sale by state, as the books count them")
        .baseUnit("units").register(meters);
    new KafkaClientMetrics(consumer).bindTo(meters);
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
      TopicAdmin.ensureTopics(admin, readTopics(topics), config.partitions(), config.replicationFactor());
    }
    HikariDataSource pool = new HikariDataSource(config.poolConfig());
    KafkaConsumer<byte[], byte[]> consumer = null;
    try {
      Flyway.configure().dataSource(pool).load().migrate();
      consumer = new KafkaConsumer<>(config.consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      OutcomeSink sink = new OutcomeSink(config, topics, pool, connections.apply(pool), consumer, meters);
      sink.consumer.assign(sink.allPartitions);
      sink.positions.load(sink.jdbi);
      sink.rewind();
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

  public Progress progress() {
    return new Progress(recordsWritten.get(), batchesWritten.get(), lag, failedBatches.get(),
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
          lag = currentLag();
          failuresInARow = 0;
          failingSince = 0;
          readBooksIfDue();
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
          retries.increment();
          if (failingSince == 0) {
            failingSince = System.nanoTime();
          }
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
    rewind();
  }

  private void counted(Batch batch) {
    recordsWritten.addAndGet(batch.count());
    batchesWritten.incrementAndGet();
    batch.quarantinedByTopic().forEach((topic, count) -> {
      quarantinedCounter(topic).increment(count);
      recordsQuarantined.addAndGet(count);
    });
  }

  /** Each sale's counts from the books for {@link #BOOKS_METER}, at most once per {@link #BOOKS_REFRESH}. */
  private void readBooksIfDue() {
    long now = System.nanoTime();
    if (booksRead && now - booksReadAt < BOOKS_REFRESH.toNanos()) {
      return;
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    jdbi.useHandle(handle -> handle.createQuery("SELECT sale_id, stock, reserved, confirmed FROM sales")
        .map((rs, ctx) -> {
          String sale = rs.getString("sale_id");
          for (String state : List.of("stock", "reserved", "confirmed")) {
            rows.add(MultiGauge.Row.of(Tags.of("sale", sale, "state", state), rs.getInt(state)));
          }
          return sale;
        }).list());
    books.register(rows, true);
    waiting = jdbi.withHandle(handle -> handle.createQuery("SELECT count(*) FROM sink_pending_outcomes")
        .mapTo(Long.class).one());
    booksRead = true;
    booksReadAt = now;
  }

  private Counter quarantinedCounter(String topic) {
    return quarantinedByTopic.computeIfAbsent(topic, t -> Counter.builder(QUARANTINED_METER)
        .description("Records the sink set aside in sink_quarantine because they cannot be written")
        .tag("topic", t)
        .register(meters));
  }

  private Duration backoff(int failuresInARow) {
    long base = config.retryBackoff().toMillis();
    long doubled = base << Math.min(failuresInARow - 1, 20);
    return Duration.ofMillis(Math.min(config.retryBackoffMax().toMillis(), doubled));
  }

  /** Every partition back to where the database says the sink is. */
  private void rewind() {
    for (TopicPartition partition : allPartitions) {
      Long next = positions.next(partition);
      if (next == null) {
        consumer.seekToBeginning(List.of(partition));
      } else {
        consumer.seek(partition, next);
      }
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
      sleep(POLL_TIMEOUT);
    }
  }

  /** Waits, or less if the sink is closed meanwhile. */
  private void pause(Duration duration) {
    try {
      stopRequested.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(Duration duration) {
    try {
      TimeUnit.MILLISECONDS.sleep(duration.toMillis());
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
    if (sink.progress().fenced()) {
      System.exit(FENCED_EXIT_CODE); // a supervisor must not take this for a clean stop
    }
  }
}
