package io.flashsale.reconciliation.sink;

import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.schemas.PaymentEventType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A COMMIT whose answer is lost: the connection dies right after the database committed, so the sink cannot know
 * whether its batch landed. It must recognise its own positions in sink_offsets rather than take them for another
 * sink's, go on after the batch, and count it once. A COMMIT that never reached the database is written again. A
 * broker of its own, so the sink's counters must match the log exactly.
 */
class SinkLostCommitTest {
  private static final String REGISTRY = "mock://sink-lost-commit-test";
  private static final int HOLDS = 300;
  private static final int PAID = 150;
  private static final int EXPIRED_HOLDS = 100;
  private static final Duration WAIT = Duration.ofSeconds(90);

  private KafkaBroker kafka;
  private final Books books = Books.fresh(TestInfrastructure.postgres());

  @BeforeEach
  void startBroker() {
    kafka = TestInfrastructure.newKafka();
  }

  @AfterEach
  void stopBroker() {
    kafka.close();
  }

  @Test
  void aCommitWhoseAnswerIsLostIsRecognisedAsTheSinksOwnAndEveryRowLandsOnce() {
    SaleStory story = new SaleStory("lost-commit", 1_000);
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY)) {
      log.begin();
      log.send(story.sale());
      log.commit();
      for (int from = 0; from < HOLDS; from += 50) {
        log.begin();
        for (int r = from; r < from + 50; r++) {
          log.send(story.accepted(r, 1));
        }
        log.commit();
      }
      log.begin();
      for (int r = 0; r < PAID; r++) {
        log.send(story.payment("evt-" + r, r, 1, r, PaymentEventType.SUCCEEDED));
        log.send(story.paid(r, 1, CONFIRMED, r));
      }
      for (int r = PAID; r < PAID + EXPIRED_HOLDS; r++) {
        log.send(story.ended(r, 1, EXPIRED));
      }
      log.commit();
    }
    int records = 1 + HOLDS + 2 * PAID + EXPIRED_HOLDS;

    // Commit 3 lands and its answer is lost; commit 6 (counting the retries) never reaches the database.
    LosingConnections connections = new LosingConnections(books, Set.of(3, 9), Set.of(6));
    SinkConfig config = books.sinkConfig(kafka.bootstrapServers(), REGISTRY,
        Map.of("FLASHSALE_SINK_MAX_POLL_RECORDS", "40", "FLASHSALE_SINK_RETRY_BACKOFF_MS", "100"));
    try (OutcomeSink sink = OutcomeSink.start(config, new SimpleMeterRegistry(), connections)) {
      await().atMost(WAIT).until(() -> sink.status().fenced()
          || (sink.status().lag() == 0 && sink.status().recordsWritten() >= records));
      assertThat(sink.status().fenced()).as("its own commit taken for another sink's").isFalse();
      assertThat(connections.lost()).isEqualTo(3);
      assertThat(sink.status().failedBatches()).isGreaterThanOrEqualTo(3);
      assertThat(sink.status().recordsWritten()).as("the batch that landed unanswered counted once").isEqualTo(records);
      assertThat(sink.status().recordsQuarantined()).isZero();
    }

    assertThat(books.count("SELECT count(*) FROM order_events")).isEqualTo(HOLDS + PAID + EXPIRED_HOLDS);
    assertThat(books.count("SELECT count(DISTINCT (request_id, status)) FROM order_events"))
        .isEqualTo(HOLDS + PAID + EXPIRED_HOLDS);
    assertThat(books.count("SELECT count(*) FROM orders")).isEqualTo(HOLDS);
    assertThat(books.count("SELECT count(*) FROM payments")).isEqualTo(PAID);
    assertThat(books.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
        .containsExactly(Map.of("reserved", HOLDS - PAID - EXPIRED_HOLDS, "confirmed", PAID));
    assertThat(books.count("SELECT count(*) FROM sink_quarantine")).isZero();
  }

  /** Two sinks writing the same books: the one whose positions were moved by the other stops. */
  @Test
  void aSinkWhosePositionsAnotherSinkMovedStops() {
    SaleStory story = new SaleStory("two-sinks", 1_000);
    SinkConfig config = books.sinkConfig(kafka.bootstrapServers(), REGISTRY, Map.of());
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), REGISTRY)) {
      log.begin();
      log.send(story.sale());
      log.commit();
      try (OutcomeSink first = OutcomeSink.start(config)) {
        await().atMost(WAIT).until(() -> first.status().lag() == 0 && first.status().recordsWritten() == 1);
        try (OutcomeSink second = OutcomeSink.start(config)) {
          for (int r = 0; r < 20; r++) {
            log.begin();
            log.send(story.accepted(r, 1));
            log.commit();
          }
          await().atMost(WAIT).until(() -> first.status().fenced() || second.status().fenced());
          OutcomeSink survivor = first.status().fenced() ? second : first;
          await().atMost(WAIT).until(() -> survivor.status().lag() == 0
              && books.count("SELECT count(*) FROM order_events") == 20);
          assertThat(first.status().fenced() && second.status().fenced()).isFalse();
        }
      }
    }
    assertThat(books.count("SELECT count(*) FROM orders")).isEqualTo(20);
    assertThat(books.count("SELECT reserved FROM sales WHERE sale_id = ?", story.saleId)).isEqualTo(20);
  }
}
