package io.flashsale.reconciliation.sink;

import static io.flashsale.reconciliation.sink.OutcomeSink.BOOKS_METER;
import static io.flashsale.reconciliation.sink.OutcomeSink.FAILING_METER;
import static io.flashsale.reconciliation.sink.OutcomeSink.LAG_METER;
import static io.flashsale.reconciliation.sink.OutcomeSink.QUARANTINED_METER;
import static io.flashsale.reconciliation.sink.OutcomeSink.RETRIES_METER;
import static io.flashsale.reconciliation.sink.OutcomeSink.WAITING_METER;

import io.flashsale.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * What the sink shows on its meters (the names are {@link OutcomeSink}'s): how far behind it is, how long it has
 * been failing, what it set aside, and each sale's units as the books count them. The sink's thread sets them;
 * the gauges are read from the scraper's.
 */
final class SinkMeters {
  /** How often the books' counts are read for {@link OutcomeSink#BOOKS_METER}. */
  private static final Duration BOOKS_REFRESH = Duration.ofSeconds(10);

  private final MeterRegistry meters;
  private final Map<String, Counter> quarantinedByTopic = new ConcurrentHashMap<>();
  private final MultiGauge books;
  private final Counter retries;
  /** When the books' counts were last read (System.nanoTime); only the sink thread touches it. */
  private long booksReadAt;
  private boolean booksRead;
  private volatile long lag = -1;
  private volatile long waiting;
  /** System.nanoTime of the first failure of the current run of failures; 0 while writes succeed. */
  private volatile long failingSince;

  SinkMeters(MeterRegistry meters, KafkaConsumer<?, ?> consumer) {
    this.meters = meters;
    List.of(Topics.SALES, Topics.PURCHASE_OUTCOMES, Topics.PAYMENT_EVENTS, Topics.CORRECTIONS)
        .forEach(this::quarantinedCounter); // shown at zero from the start, so that an alert can watch them
    Gauge.builder(LAG_METER, this, m -> m.lag < 0 ? Double.NaN : m.lag)
        .description("Records of the sink's topics not yet written into the books").register(meters);
    Gauge.builder(FAILING_METER, this, m -> m.failingSince == 0 ? 0 : (System.nanoTime() - m.failingSince) / 1e9)
        .description("Seconds the sink has been failing to write (the database or the schema registry away)")
        .baseUnit("seconds").register(meters);
    Gauge.builder(WAITING_METER, this, m -> m.waiting)
        .description("Outcomes waiting in the sink behind a gap in their sale's sequence").register(meters);
    this.retries = Counter.builder(RETRIES_METER)
        .description("Writes that failed for the database's or the registry's sake and were retried").register(meters);
    this.books = MultiGauge.builder(BOOKS_METER).description("Units of each sale by state, as the books count them")
        .baseUnit("units").register(meters);
    new KafkaClientMetrics(consumer).bindTo(meters);
  }

  /** Records still to read, summed over the partitions; -1 while the consumer does not know. */
  long lag() {
    return lag;
  }

  /** A poll went through: its lag, and the end of any run of failures. */
  void written(long lag) {
    this.lag = lag;
    failingSince = 0;
  }

  /** A write failed and will be retried. */
  void failed() {
    retries.increment();
    if (failingSince == 0) {
      failingSince = System.nanoTime();
    }
  }

  void quarantined(String topic, long count) {
    quarantinedCounter(topic).increment(count);
  }

  /** Each sale's counts from the books for {@link OutcomeSink#BOOKS_METER}, at most once per {@link #BOOKS_REFRESH}. */
  void readBooksIfDue(Jdbi jdbi) {
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
}
