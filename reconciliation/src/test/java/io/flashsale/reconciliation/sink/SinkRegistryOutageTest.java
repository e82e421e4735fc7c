package io.flashsale.reconciliation.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.flashsale.schemas.OutcomeStatus.CONFIRMED;
import static io.flashsale.schemas.OutcomeStatus.EXPIRED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.LogWriter;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.schemas.PurchaseOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schema registry answers 503 to everything for ten seconds while the sink has a sale's outcomes to read: the
 * sink retries, sets nothing aside, says how long it has been failing, and once the registry answers every row
 * lands exactly once. The registry is the embedded one behind a proxy that can be told to fail; the broker is the
 * test's own, so that no record written with another registry's ids is in its topics.
 */
class SinkRegistryOutageTest {
  private static final Duration OUTAGE = Duration.ofSeconds(10);
  private static final Duration WAIT = Duration.ofMinutes(1);
  private static final int BUYERS = 120;

  private EmbeddedKafka kafka;
  private EmbeddedSchemaRegistry registry;
  private final WireMockServer proxy = new WireMockServer(options().dynamicPort());

  @BeforeEach
  void start() {
    kafka = EmbeddedKafka.start(null);
    registry = EmbeddedSchemaRegistry.start(null, 0);
    proxy.start();
    proxy.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(registry.url())));
  }

  @AfterEach
  void stop() {
    proxy.stop();
    registry.close();
    kafka.close();
  }

  @Test
  void aRegistryAnswering503ForTenSecondsQuarantinesNothingAndEveryRowLandsOnce() throws Exception {
    Books books = Books.fresh(TestInfrastructure.postgres());
    SaleStory story = new SaleStory("registry-outage", BUYERS);
    List<PurchaseOutcome> outcomes = new ArrayList<>();
    long sequence = 0;
    for (int buyer = 1; buyer <= BUYERS; buyer++) {
      outcomes.add(sequenced(story.accepted(buyer, 1), ++sequence));
    }
    for (int buyer = 1; buyer <= BUYERS; buyer++) {
      outcomes.add(sequenced(buyer % 3 == 0 ? story.ended(buyer, 1, EXPIRED)
          : story.paid(buyer, 1, CONFIRMED, buyer), ++sequence));
    }
    try (LogWriter log = new LogWriter(kafka.bootstrapServers(), registry.url())) {
      log.begin();
      log.send(story.sale());
      outcomes.forEach(log::send); // keyed by request: spread over every partition
      log.commit();
    }

    StubMapping unavailable = proxy.stubFor(any(anyUrl()).atPriority(1)
        .willReturn(aResponse().withStatus(503).withBody("{\"error_code\": 50301, \"message\": \"busy\"}")));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), proxy.baseUrl(),
        Map.of("FLASHSALE_SINK_RETRY_BACKOFF_MS", "200", "FLASHSALE_SINK_RETRY_BACKOFF_MAX_MS", "1000",
            "FLASHSALE_SINK_MAX_POLL_RECORDS", "50")), meters)) {
      await().atMost(WAIT).until(() -> sink.status().failedBatches() >= 2);
      TimeUnit.NANOSECONDS.sleep(OUTAGE.toNanos()); // the outage itself, not a wait for something to happen
      assertThat(sink.status().batchesWritten()).as("nothing is written while the registry is away").isZero();
      assertThat(sink.status().recordsQuarantined()).isZero();
      assertThat(meters.get(OutcomeSink.FAILING_METER).gauge().value()).isGreaterThan(OUTAGE.toSeconds() - 1);
      assertThat(meters.get(OutcomeSink.RETRIES_METER).counter().count()).isGreaterThanOrEqualTo(5);

      proxy.removeStub(unavailable);
      await().atMost(WAIT).until(() -> sink.status().lag() == 0
          && books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId) == outcomes.size());
      assertThat(meters.get(OutcomeSink.FAILING_METER).gauge().value()).isZero();
      assertThat(sink.status().recordsQuarantined()).isZero();
    }

    assertThat(books.count("SELECT count(*) FROM sink_quarantine")).isZero();
    assertThat(books.count("SELECT count(*) FROM sink_pending_outcomes")).isZero();
    assertThat(books.count("SELECT count(*) FROM order_events WHERE sale_id = ?", story.saleId))
        .isEqualTo(outcomes.size());
    assertThat(books.count("SELECT count(DISTINCT (kafka_partition, kafka_offset)) FROM order_events WHERE sale_id = ?",
        story.saleId)).isEqualTo(outcomes.size());
    long expired = BUYERS / 3;
    assertThat(books.rows("SELECT stock, reserved, confirmed FROM sales WHERE sale_id = ?", story.saleId))
        .containsExactly(Map.of("stock", BUYERS, "reserved", 0, "confirmed", (int) (BUYERS - expired)));
    assertThat(books.rows("SELECT status, count(*) AS n FROM orders WHERE sale_id = ? GROUP BY status ORDER BY status",
        story.saleId)).containsExactly(Map.of("status", "CONFIRMED", "n", BUYERS - expired),
        Map.of("status", "EXPIRED", "n", expired));
    assertThat(books.count("SELECT applied FROM sink_sale_sequences WHERE sequence_key = ?", story.saleId))
        .isEqualTo(outcomes.size());
  }

  private static PurchaseOutcome sequenced(PurchaseOutcome outcome, long saleSequence) {
    outcome.setSaleSequence(saleSequence);
    return outcome;
  }
}
