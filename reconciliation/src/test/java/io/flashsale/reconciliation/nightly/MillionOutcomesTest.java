package io.flashsale.reconciliation.nightly;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.embedded.ChildJvm;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.KafkaBroker;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.SaleStory;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A day of a million outcomes (a sale of 5,000 units that a million clicks ran into) reconciles in a small,
 * fixed heap: the command runs in a child JVM with {@value #HEAP} of heap, far less than a million outcomes
 * take as objects, so a run that loaded the day into memory would fail here. The database holds what the
 * sink would have written, generated in SQL, since writing it through the sink would take most of the suite.
 */
class MillionOutcomesTest {
  private static final String HEAP = "128m";
  private static final int OUTCOMES = 1_000_000;
  private static final int ACCEPTED = 5_000;
  private static final int PAID = 100;
  private static final int PARTITIONS = 4;
  private static final LocalDate DAY = LocalDate.ofInstant(SaleStory.OPENING, ZoneOffset.UTC);

  @TempDir
  Path reports;

  @Test
  void aMillionOutcomesReconcileInABoundedHeap() throws Exception {
    SaleStory story = new SaleStory("million-" + UUID.randomUUID(), ACCEPTED);
    Books books = Books.fresh(TestInfrastructure.postgres());
    try (KafkaBroker kafka = TestInfrastructure.newKafka();
         EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(null, 0);
         SimulatedProvider provider = new SimulatedProvider(SaleStory.OPENING.plusSeconds(7_200))) {
      List<String> payments = new ArrayList<>();
      for (int i = 0; i < PAID; i++) {
        Payment payment = provider.payment(story, i, 1, "a", true);
        payments.add(payment.paymentId());
      }
      Topics topics = Topics.using(SchemaRegistry.forUrl(registry.url()));
      long started = System.nanoTime();
      writeTheLog(kafka.bootstrapServers(), topics, story, payments);
      System.out.printf("Wrote %,d outcomes in %.1f s%n", OUTCOMES + PAID, (System.nanoTime() - started) / 1e9);
      started = System.nanoTime();
      writeTheBooks(books, kafka.bootstrapServers(), story, payments);
      System.out.printf("Wrote the books in %.1f s%n", (System.nanoTime() - started) / 1e9);

      Map<String, String> env = new HashMap<>(books.env(kafka.bootstrapServers(), registry.url(), Map.of()));
      env.put("FLASHSALE_PAYMENT_PROVIDER_URL", provider.url());
      env.put("FLASHSALE_REPORT_DIR", reports.toString());
      started = System.nanoTime();
      ChildJvm reconcile = ChildJvm.start(ReconcileCommand.class.getName(), HEAP, env, "Reconciling",
          "--date", DAY.toString());
      int exitCode = reconcile.awaitExit(Duration.ofMinutes(5));
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf("Reconciled %,d outcomes in %.1f s with %s of heap%n", OUTCOMES + PAID, seconds, HEAP);

      assertThat(exitCode).isZero();
      assertThat(books.rows("SELECT status, (summary -> 'parties' ->> 'logOutcomes')::bigint AS outcomes,"
          + " (summary -> 'parties' ->> 'providerSettlements')::bigint AS settlements FROM reconciliation_runs"))
          .containsExactly(Map.of("status", "CLEAN", "outcomes", (long) OUTCOMES + PAID, "settlements", (long) PAID));
    }
  }

  /** Request n is accepted below {@link #ACCEPTED}, rejected above; the first {@link #PAID} are then confirmed. */
  private static void writeTheLog(String bootstrap, Topics topics, SaleStory story, List<String> payments) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      TopicAdmin.ensureTopics(admin, topics, PARTITIONS, (short) 1);
    }
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // A busy two-core machine may take long to drain a million records.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
    // One request in flight per broker: on topics this fresh, a first batch refused (NOT_LEADER_OR_FOLLOWER) and
    // retried behind later batches that were taken is refused as out of sequence for as long as it retries.
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    var failed = new java.util.concurrent.atomic.AtomicReference<Exception>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      long at = SaleStory.OPENING.toEpochMilli();
      producer.send(new ProducerRecord<>(Topics.SALES, null, at, story.sku,
          topics.sales.valueSerde().serializer().serialize(Topics.SALES, story.sale())));
      var outcomes = topics.purchaseOutcomes.valueSerde().serializer();
      for (int n = 0; n < OUTCOMES + PAID; n++) {
        PurchaseOutcome outcome = n < ACCEPTED ? story.accepted(n, 1)
            : n < ACCEPTED + PAID ? story.paid(n - ACCEPTED, 1, OutcomeStatus.CONFIRMED, payments.get(n - ACCEPTED))
            : story.rejected(n, RejectReason.SOLD_OUT);
        // Partition n % 4 at offset n / 4: the books below are written from the same rule.
        producer.send(new ProducerRecord<>(Topics.PURCHASE_OUTCOMES, n % PARTITIONS, at + n / 1_000, outcome.getRequestId(),
            outcomes.serialize(Topics.PURCHASE_OUTCOMES, outcome)), (written, error) -> {
              if (error != null) {
                failed.compareAndSet(null, error);
              }
            });
      }
      StockLevel level = StockLevel.newBuilder().setSaleId(story.saleId).setSku(story.sku).setStock(ACCEPTED)
          .setAvailable(0).setReserved(ACCEPTED - PAID).setConfirmed(PAID).setRequests(OUTCOMES).setAccepted(ACCEPTED)
          .setRejected(Map.of(RejectReason.SOLD_OUT.name(), (long) OUTCOMES - ACCEPTED)).setExpired(0).setCancelled(0)
          .setRefundsDue(0).setUpdatedAt(SaleStory.OPENING.plusSeconds(3_000)).build();
      producer.send(new ProducerRecord<>(Topics.STOCK_LEVELS, null, at, story.saleId,
          topics.stockLevels.valueSerde().serializer().serialize(Topics.STOCK_LEVELS, level)));
    }
    assertThat(failed.get()).isNull();
  }

  /** What the sink would have written after reading the whole log, and its positions at the log's ends. */
  private static void writeTheBooks(Books books, String bootstrap, SaleStory story, List<String> payments)
      throws Exception {
    Flyway.configure().dataSource(books.url, books.user, books.password).load().migrate();
    Jdbi jdbi = Jdbi.create(books.url, books.user, books.password);
    jdbi.useTransaction(h -> {
      h.createUpdate("""
          INSERT INTO sales (sale_id, sku, name, stock, per_user_limit, price_cents, currency, allocation, starts_at,
                             ends_at, hold_seconds, created_at, reserved, confirmed)
          VALUES (:sale, :sku, 'kettle', :stock, 5, :price, :currency, 'FCFS', :opening, :opening, 600, :opening,
                  :reserved, :confirmed)""")
          .bind("sale", story.saleId).bind("sku", story.sku).bind("stock", ACCEPTED).bind("price", SaleStory.PRICE_CENTS)
          .bind("currency", SaleStory.CURRENCY).bind("opening", SaleStory.OPENING)
          .bind("reserved", ACCEPTED - PAID).bind("confirmed", PAID).execute();
      h.createUpdate("""
          INSERT INTO order_events (topic, kafka_partition, kafka_offset, request_id, sale_id, user_id, quantity, status,
                                    reason, decided_at)
          SELECT 'purchase-outcomes', n % 4, n / 4, :sale || '-req-' || (CASE WHEN n < :accepted + :paid AND n >= :accepted
                   THEN n - :accepted ELSE n END), :sale, 'user-' || n, 1,
                 CASE WHEN n < :accepted THEN 'ACCEPTED' WHEN n < :accepted + :paid THEN 'CONFIRMED' ELSE 'REJECTED' END,
                 CASE WHEN n >= :accepted + :paid THEN 'SOLD_OUT' END, :opening
          FROM generate_series(0, :outcomes - 1) AS n""")
          .bind("sale", story.saleId).bind("accepted", ACCEPTED).bind("paid", PAID).bind("outcomes", OUTCOMES + PAID)
          .bind("opening", SaleStory.OPENING).execute();
      h.createUpdate("""
          INSERT INTO orders (request_id, sale_id, sku, user_id, quantity, status, reason, decided_at, request_partition,
                              request_offset, last_outcome_offset)
          SELECT request_id, sale_id, :sku, user_id, 1, CASE WHEN status = 'REJECTED' THEN 'REJECTED' ELSE 'ACCEPTED' END,
                 reason, decided_at, 0, kafka_offset, kafka_offset
          FROM order_events WHERE status IN ('ACCEPTED', 'REJECTED')""")
          .bind("sku", story.sku).execute();
      var confirm = h.prepareBatch("""
          UPDATE orders SET status = 'CONFIRMED', payment_id = :payment, amount_cents = :amount, currency = :currency
          WHERE request_id = :request""");
      var event = h.prepareBatch("""
          UPDATE order_events SET payment_id = :payment, amount_cents = :amount, currency = :currency
          WHERE request_id = :request AND status = 'CONFIRMED'""");
      for (int i = 0; i < PAID; i++) {
        for (var batch : List.of(confirm, event)) {
          batch.bind("payment", payments.get(i)).bind("amount", SaleStory.PRICE_CENTS).bind("currency", SaleStory.CURRENCY)
              .bind("request", story.requestId(i)).add();
        }
      }
      confirm.execute();
      event.execute();
    });
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
      for (String topic : List.of(Topics.SALES, Topics.PURCHASE_OUTCOMES, Topics.PAYMENT_EVENTS)) {
        for (int p = 0; p < PARTITIONS; p++) {
          ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
      }
      var offsets = admin.listOffsets(ends).all().get();
      jdbi.useHandle(h -> offsets.forEach((partition, end) -> h.execute(
          "INSERT INTO sink_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES (?, ?, ?, ?)",
          "flashsale-sink", partition.topic(), partition.partition(), end.offset())));
    }
    assertThat(books.count("SELECT count(*) FROM order_events")).isEqualTo(OUTCOMES + PAID);
  }
}
