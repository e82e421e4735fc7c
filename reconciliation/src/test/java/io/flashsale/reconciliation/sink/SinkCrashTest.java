package io.flashsale.reconciliation.sink;

import static io.flashsale.schemas.OutcomeStatus.CANCELLED;
import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.embedded.ChildJvm;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.RejectReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 6 for the sink: killed while it writes, and started again, it leaves every record in the books
 * exactly once. The sink runs in a child JVM, so the crash is a real SIGKILL. Each test has a broker of its
 * own, so the tables must hold exactly what the test wrote to the log, and a schema registry over HTTP, as
 * the child JVM must resolve the same schema ids.
 */
class SinkCrashTest {
  private static final int SALES = 25; // 20,000 outcomes, 5,000 payment events
  private static final int STOCK = 1_000;
  // Per sale: 400 holds, of which 200 are paid, 100 expire, 50 are cancelled and 50 still run; 50 rejections.
  private static final int HOLDS = 400;
  private static final int PAID = 200;
  private static final int EXPIRED_HOLDS = 100;
  private static final int CANCELLED_HOLDS = 50;
  private static final int REJECTED = 50;
  private static final int OUTCOMES_PER_SALE = HOLDS + PAID + EXPIRED_HOLDS + CANCELLED_HOLDS + REJECTED;
  private static final Duration WAIT = Duration.ofSeconds(90);

  private KafkaBroker kafka;
  private EmbeddedSchemaRegistry registry;
  private final Books books = Books.fresh(TestInfrastructure.postgres());

  @BeforeEach
  void startBrokerAndRegistry() {
    kafka = TestInfrastructure.newKafka();
    registry = EmbeddedSchemaRegistry.start(null, 0);
  }

  @AfterEach
  void stopBrokerAndRegistry() {
    registry.close();
    kafka.close();
  }

  @Test
  void aSinkKilledWhileWritingLeavesEveryRecordExactlyOnceAfterItsRestart() throws Exception {
    List<SaleStory> stories = writeBacklog(SALES);
    int outcomes = SALES * OUTCOMES_PER_SALE;
    Map<String, String> env = books.env(kafka.bootstrapServers(), registry.url(),
        Map.of("FLASHSALE_SINK_MAX_POLL_RECORDS", "50"));

    ChildJvm sink = startSink(env);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
        .until(() -> books.count("SELECT count(*) FROM order_events") >= outcomes / 5);
    sink.crash();
    long writtenBeforeCrash = books.count("SELECT count(*) FROM order_events");
    assertThat(writtenBeforeCrash).as("killed half way, not after the end").isLessThan(outcomes);

    ChildJvm restarted = startSink(env);
    try {
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM order_events") == outcomes
          && books.count("SELECT count(*) FROM payments") == SALES * PAID);
      assertThat(restarted.isAlive()).isTrue();
    } finally {
      restarted.stop();
    }

    assertBooksHoldTheBacklogOnce(stories);
  }

  /** SIGTERM lets the batch being written finish; the restart goes on from the positions in the database. */
  @Test
  void aSinkStoppedCleanlyGoesOnWhereItLeftOff() throws Exception {
    List<SaleStory> stories = writeBacklog(SALES / 5);
    Map<String, String> env = books.env(kafka.bootstrapServers(), registry.url(), Map.of());

    ChildJvm sink = startSink(env);
    await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM order_events") > 0);
    sink.stop();
    long writtenBeforeStop = books.count("SELECT count(*) FROM order_events");

    ChildJvm restarted = startSink(env);
    try {
      await().atMost(WAIT).until(() -> books.count("SELECT count(*) FROM order_events") == stories.size() * OUTCOMES_PER_SALE
          && books.count("SELECT count(*) FROM payments") == stories.size() * PAID);
    } finally {
      restarted.stop();
    }

    assertThat(writtenBeforeStop).isPositive();
    assertBooksHoldTheBacklogOnce(stories);
  }

  /**
   * Every sale's story, one transaction per sale, outcomes numbered in the sale's order as the topology numbers
   * them: keyed by request, they lie on every partition, so the sink's gate holds some back across the crash.
   */
  private List<SaleStory> writeBacklog(int sales) {
    List<SaleStory> stories = new ArrayList<>();
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), registry.url())) {
      for (int s = 0; s < sales; s++) {
        SaleStory story = new SaleStory("crash-" + s, STOCK);
        stories.add(story);
        log.begin();
        log.send(story.sale());
        for (int r = 0; r < HOLDS; r++) {
          log.send(story.next(story.accepted(r, 1)));
        }
        for (int r = HOLDS; r < HOLDS + REJECTED; r++) {
          log.send(story.next(story.rejected(r, RejectReason.LIMIT_EXCEEDED)));
        }
        for (int r = 0; r < PAID; r++) {
          log.send(story.payment("evt-" + r, r, 1, r, PaymentEventType.SUCCEEDED));
          log.send(story.next(story.paid(r, 1, CONFIRMED, r)));
        }
        for (int r = PAID; r < PAID + EXPIRED_HOLDS; r++) {
          log.send(story.next(story.ended(r, 1, EXPIRED)));
        }
        for (int r = PAID + EXPIRED_HOLDS; r < PAID + EXPIRED_HOLDS + CANCELLED_HOLDS; r++) {
          log.send(story.next(story.ended(r, 1, CANCELLED)));
        }
        log.commit();
      }
    }
    return stories;
  }

  private void assertBooksHoldTheBacklogOnce(List<SaleStory> stories) {
    int sales = stories.size();
    int runningHolds = HOLDS - PAID - EXPIRED_HOLDS - CANCELLED_HOLDS;
    assertThat(books.count("SELECT count(*) FROM order_events")).isEqualTo(sales * OUTCOMES_PER_SALE);
    // Each request reaches each state once in this backlog: a record written twice would show here.
    assertThat(books.count("SELECT count(DISTINCT (request_id, status)) FROM order_events"))
        .isEqualTo(sales * OUTCOMES_PER_SALE);
    assertThat(books.count("SELECT count(*) FROM orders")).isEqualTo(sales * (HOLDS + REJECTED));
    assertThat(books.count("SELECT count(*) FROM payments")).isEqualTo(sales * PAID);
    assertThat(books.count("SELECT count(*) FROM sales")).isEqualTo(sales);
    assertThat(books.count("SELECT count(*) FROM sink_pending_outcomes")).as("nothing left waiting").isZero();
    assertThat(books.count("SELECT count(*) FROM sink_sale_sequences WHERE applied = ?", (long) OUTCOMES_PER_SALE))
        .isEqualTo(sales);
    for (SaleStory story : stories) {
      assertThat(books.rows("SELECT reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
          .as(story.saleId)
          .containsExactly(Map.of("reserved", runningHolds, "confirmed", PAID));
    }
    assertThat(books.rows("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status"))
        .containsExactly(
            Map.of("status", "ACCEPTED", "n", (long) sales * runningHolds),
            Map.of("status", "CANCELLED", "n", (long) sales * CANCELLED_HOLDS),
            Map.of("status", "CONFIRMED", "n", (long) sales * PAID),
            Map.of("status", "EXPIRED", "n", (long) sales * EXPIRED_HOLDS),
            Map.of("status", "REJECTED", "n", (long) sales * REJECTED));
  }

  private static ChildJvm startSink(Map<String, String> env) throws Exception {
    return ChildJvm.start(OutcomeSink.class.getName(), "256m", env, OutcomeSink.RUNNING_LINE);
  }
}
