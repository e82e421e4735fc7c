package io.flashsale.reconciliation.nightly;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.reconciliation.nightly.ReconciliationStatements.Candidate;
import io.flashsale.reconciliation.sink.SinkPositions;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * The nightly reconciliation of one day (UTC) between three parties: the Kafka log (outcomes and payment
 * events stamped on the day, the latest stock levels), the database the sink keeps (orders, payments,
 * refunds owed, sales) and the payment provider (the day's settlements, and a payment's state when asked).
 *
 * <p>The log and the settlements are streamed into temporary tables and compared in SQL; every discrepancy
 * is stored with what each party says, then {@link Corrections} corrects what is safe to correct. A day is
 * rerun as often as wanted: corrections are recorded by an id derived from what they correct, so a rerun
 * finds the same discrepancies, makes no correction twice, and says so.
 *
 * <p>A record of the day that is not a value of its topic (garbage bytes, a schema the registry does not know)
 * is skipped, counted and listed in the report by its position: one such record must not stop the books of a
 * whole day being checked (the sink has set it aside in its quarantine). A schema registry that cannot be
 * reached says nothing about the record, so it still fails the run, to be rerun.
 */
public final class Reconciliation implements AutoCloseable {
  /** The steps a run shows progress for. */
  private static final int STEPS = 8;
  /**
   * How long outcomes may wait behind a gap before a run that finds the sink behind the log reports them: longer
   * than any lag the sink catches up from (a 10,000-unit flash sale's outcomes take it well under a minute).
   */
  static final Duration STALL_PATIENCE = Duration.ofHours(1);

  private final ReconciliationConfig config;
  private final Topics topics;
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final PaymentProvider provider;
  private final Clock clock;
  private final PrintStream out;
  private final ObjectMapper json = Reports.JSON;

  private Reconciliation(ReconciliationConfig config, PaymentProvider provider, Clock clock, PrintStream out) {
    this.config = config;
    this.topics = Topics.using(config.sink().kafka().schemaRegistry());
    this.dataSource = new HikariDataSource(config.sink().poolConfig());
    this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
    this.provider = provider;
    this.clock = clock;
    this.out = out;
  }

  /** Ready to run: the topics and the tables exist (created if missing). Progress goes to {@code out}. */
  public static Reconciliation create(ReconciliationConfig config, PrintStream out) {
    return create(config, config.payments().client(), Clock.systemUTC(), out);
  }

  static Reconciliation create(ReconciliationConfig config, PaymentProvider provider, Clock clock, PrintStream out) {
    Reconciliation reconciliation = new Reconciliation(config, provider, clock, out);
    try (Admin admin = config.sink().kafka().connectAdmin("flashsale-reconciliation-admin")) {
      Topics topics = reconciliation.topics; // what it reads and writes, and nothing else
      config.sink().topics().ensure(admin, List.of(topics.purchaseOutcomes, topics.paymentEvents, topics.stockLevels,
          topics.corrections, topics.purchaseRequests, topics.queueJoins));
      Flyway.configure().dataSource(reconciliation.dataSource).load().migrate();
      return reconciliation;
    } catch (RuntimeException e) {
      reconciliation.close(); // the pool, opened by now
      throw e;
    }
  }

  /** Reconciles {@code day} and writes its report; the result says whether a person is needed. */
  public RunResult run(LocalDate day) {
    Instant from = day.atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant to = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    String runId = day + "-" + UUID.randomUUID().toString().substring(0, 8);
    Instant startedAt = clock.instant();
    jdbi.useExtension(ReconciliationStatements.class, sql -> sql.startRun(runId, day, startedAt));
    out.printf("Reconciling %s (run %s)%n", day, runId);
    RunProgress progress = new RunProgress(out, STEPS);
    // One session for the whole run: the staged tables are temporary and live in it.
    try (Handle handle = jdbi.open(); DayLog log = new DayLog(config.consumerProperties())) {
      ReconciliationStatements sql = handle.attach(ReconciliationStatements.class);
      Staging.create(handle);
      sql.snapshotSinkPosition(config.sink().sinkGroup());
      Map<String, Object> parties = new LinkedHashMap<>();
      List<String> undecodable = new ArrayList<>();
      parties.put("logOutcomes", stageOutcomes(handle, log, from, to, undecodable, progress));
      parties.put("logPaymentEvents", stagePayments(handle, log, from, to, undecodable, progress));
      parties.put("logUndecodable", (long) undecodable.size());
      parties.put("logStockLevels", stageStockLevels(handle, log, progress));
      parties.put("providerSettlements", stageSettlements(handle, day, progress));
      progress.step("Comparing the log, the database and the provider", 0);
      Staging.index(handle);
      long sinkLag = sinkLag(log);
      long notSunk = sql.recordsOfTheDayNotSunk();
      progress.note(String.format("sink lag: %,d offsets behind the log, %,d records of them from %s", sinkLag, notSunk, day));
      findDiscrepancies(sql, runId, from, to, sinkLag == 0, progress);
      List<Reports.SaleSummary> sales = Reports.sales(handle, runId);
      progress.step("Correcting what is safe to correct", 0);
      new Corrections(config, topics, provider, sql, log, clock, progress).correct(runId, day);
      progress.step("Following the discrepancies' flows", 0);
      new FlowTrace(topics, provider, log, progress).trace(handle.attach(FlowStatements.class), runId, from, to);
      progress.step("Writing the report", 0);
      RunResult result = Reports.write(handle, config.reportDir(), runId, day, startedAt, clock.instant(),
          parties, Map.of("offsets", sinkLag, "recordsOfTheDay", notSunk), sales, undecodable);
      sql.finishRun(runId, result.status().name(), result.finishedAt(), json.writeValueAsString(result.summary()),
          result.reportDir().toString());
      progress.note("report: " + result.reportDir().resolve("report.html"));
      return result;
    } catch (Exception e) {
      jdbi.useExtension(ReconciliationStatements.class,
          sql -> sql.finishRun(runId, RunStatus.FAILED.name(), clock.instant(), null, null));
      throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }
  }

  private long stageOutcomes(Handle handle, DayLog log, Instant from, Instant to, List<String> undecodable,
      RunProgress progress) {
    progress.step("Reading purchase-outcomes of the day", log.size(Topics.PURCHASE_OUTCOMES, from, to));
    var outcomes = topics.purchaseOutcomes.valueSerde().deserializer();
    try (Staging.Copy copy = Staging.copy(handle, config.batch(), "log_outcomes", "kafka_partition", "kafka_offset",
        "logged_at", "request_id", "sale_id", "user_id", "quantity", "status", "payment_id", "amount_cents", "currency",
        "flow_id", "request_partition", "request_offset")) {
      log.read(Topics.PURCHASE_OUTCOMES, from, to, record -> {
        PurchaseOutcome decoded = decodeOrSkip(outcomes, record, undecodable, progress);
        if (decoded == null) {
          return;
        }
        if (decoded.getRepeat()) {
          progress.advance();
          return; // a copy of an outcome sent again: it changes nothing, and the books do not keep it
        }
        PurchaseOutcome o = Shards.ofSale(decoded); // as the books keep it
        copy.row(record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()), o.getRequestId(),
            o.getSaleId(), o.getUserId(), o.getQuantity(), o.getStatus().name(), o.getPaymentId(), o.getAmountCents(),
            o.getCurrency(), o.getFlowId(), o.getRequestPartition() < 0 ? null : o.getRequestPartition(),
            o.getRequestOffset() < 0 ? null : o.getRequestOffset());
        progress.advance();
      });
      copy.close();
      progress.done("outcomes");
      return copy.copied();
    }
  }

  private long stagePayments(Handle handle, DayLog log, Instant from, Instant to, List<String> undecodable,
      RunProgress progress) {
    progress.step("Reading payment-events of the day", log.size(Topics.PAYMENT_EVENTS, from, to));
    var payments = topics.paymentEvents.valueSerde().deserializer();
    try (Staging.Copy copy = Staging.copy(handle, config.batch(), "log_payments", "kafka_partition", "kafka_offset",
        "logged_at", "event_id", "payment_id", "request_id", "sale_id", "type", "amount_cents", "currency", "flow_id",
        "order_id")) {
      log.read(Topics.PAYMENT_EVENTS, from, to, record -> {
        PaymentEvent decoded = decodeOrSkip(payments, record, undecodable, progress);
        if (decoded == null) {
          return;
        }
        PaymentEvent e = Shards.ofSale(decoded);
        copy.row(record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()), e.getEventId(),
            e.getPaymentId(), e.getRequestId(), e.getSaleId(), e.getType().name(), e.getAmountCents(), e.getCurrency(),
            e.getFlowId(), e.getOrderId());
        progress.advance();
      });
      copy.close();
      progress.done("payment events");
      return copy.copied();
    }
  }

  /**
   * A record's value, or null for a record to skip: a tombstone, or bytes that are not a value of the topic,
   * whose position ({@code topic-partition@offset}) then goes into {@code undecodable}. An unreachable schema
   * registry is rethrown: it fails the run instead of skipping records that are fine.
   */
  private static <T> T decodeOrSkip(Deserializer<T> values, ConsumerRecord<String, byte[]> record,
      List<String> undecodable, RunProgress progress) {
    try {
      return values.deserialize(record.topic(), record.headers(), record.value());
    } catch (SerializationException e) {
      if (SchemaRegistry.isUnavailable(e)) {
        throw e;
      }
      String position = record.topic() + "-" + record.partition() + "@" + record.offset();
      undecodable.add(position);
      progress.note("skipped " + position + ", not a value of its topic: " + e.getMessage());
      progress.advance();
      return null;
    }
  }

  private static StockLevel sum(StockLevel a, StockLevel b) {
    return StockLevel.newBuilder(a).setStock(a.getStock() + b.getStock()).setAvailable(a.getAvailable() + b.getAvailable())
        .setReserved(a.getReserved() + b.getReserved()).setConfirmed(a.getConfirmed() + b.getConfirmed())
        .setDrawReserved(a.getDrawReserved() + b.getDrawReserved())
        .setUpdatedAt(a.getUpdatedAt().isAfter(b.getUpdatedAt()) ? a.getUpdatedAt() : b.getUpdatedAt()).build();
  }

  /** The latest level of every sale: the whole compacted topic, keeping one level per sale in memory. */
  private long stageStockLevels(Handle handle, DayLog log, RunProgress progress) {
    Instant everything = clock.instant().plus(Duration.ofDays(1));
    progress.step("Reading the latest stock levels", log.size(Topics.STOCK_LEVELS, Instant.EPOCH, everything));
    var levels = topics.stockLevels.valueSerde().deserializer();
    Map<String, StockLevel> latest = new LinkedHashMap<>();
    log.read(Topics.STOCK_LEVELS, Instant.EPOCH, everything, record -> {
      StockLevel level = levels.deserialize(record.topic(), record.headers(), record.value());
      if (level != null) {
        latest.put(level.getSaleId(), level);
      }
      progress.advance();
    });
    try (Staging.Copy copy = Staging.copy(handle, config.batch(), "log_stock_levels", "sale_id", "stock", "available",
        "reserved", "confirmed", "updated_at", "levels")) {
      // A sharded sale's books are whole: its shards' levels are summed, since stock moves between them; the sum
      // of their stock is then judged against the sale's (findBrokenStock).
      Map<String, StockLevel> bySale = new LinkedHashMap<>();
      Map<String, Integer> levelCount = new HashMap<>();
      latest.values().forEach(l -> {
        String saleId = Shards.parentSaleId(l.getSaleId());
        bySale.merge(saleId, StockLevel.newBuilder(l).setSaleId(saleId).build(), Reconciliation::sum);
        levelCount.merge(saleId, 1, Integer::sum);
      });
      // Units a last draw holds for its winners have no outcome yet: the books, kept from outcomes, hold the rest.
      bySale.values().forEach(l -> copy.row(l.getSaleId(), l.getStock(), l.getAvailable() + l.getDrawReserved(),
          l.getReserved() - l.getDrawReserved(), l.getConfirmed(), l.getUpdatedAt(), levelCount.get(l.getSaleId())));
      copy.close();
      progress.done("stock levels");
      return copy.copied();
    }
  }

  private long stageSettlements(Handle handle, LocalDate day, RunProgress progress) {
    progress.step("Reading the provider's settlements of the day", 0);
    try (Staging.Copy copy = Staging.copy(handle, config.batch(), "provider_settlements", "settlement_id",
        "payment_id", "request_id", "type", "amount_cents", "currency", "settled_at", "order_id")) {
      provider.settlements(day).forEach(s -> {
        copy.row(s.settlementId(), s.paymentId(), s.requestId(), s.type().name(), s.amountCents(), s.currency(),
            s.settledAt(), s.orderId());
        progress.advance();
      });
      copy.close();
      progress.done("settlements");
      return copy.copied();
    }
  }

  /** Offsets the sink has yet to write, over its topics: the log's ends against the positions it stored. */
  private long sinkLag(DayLog log) {
    Map<TopicPartition, Long> stored = SinkPositions.committed(jdbi, config.sink().sinkGroup());
    long lag = 0;
    for (String topic : List.of(Topics.SALES, Topics.PURCHASE_OUTCOMES, Topics.PAYMENT_EVENTS)) {
      for (var end : log.endOffsets(topic).entrySet()) {
        lag += Math.max(0, end.getValue() - stored.getOrDefault(end.getKey(), 0L));
      }
    }
    return lag;
  }

  private void findDiscrepancies(ReconciliationStatements sql, String runId, Instant from, Instant to,
                                 boolean sinkCaughtUp, RunProgress progress) {
    progress.note("missing in the database: " + (sql.findOutcomesMissingInDatabase(runId)
        + sql.findPaymentsMissingInDatabase(runId)));
    progress.note("stock invariant broken: " + sql.findBrokenStock(runId, sinkCaughtUp));
    progress.note("outcomes stalled behind a gap: "
        + sql.findStalledOutcomes(runId, sinkCaughtUp, clock.instant().minus(STALL_PATIENCE)));
    progress.note("quarantined by the sink: " + sql.findQuarantined(runId, to));
    progress.note("paid but not confirmed: " + sql.findPaidNotConfirmed(runId));
    progress.note("amount or currency mismatch: " + (sql.findAmountMismatches(runId)
        + sql.findOrderAmountMismatches(runId)));
    progress.note("order paid but not confirmed: " + sql.findOrdersPaidNotConfirmed(runId));
    // The rest depends on what the provider says about each payment now.
    progress.note("charged twice: " + askProvider(sql, runId, DiscrepancyClass.CHARGED_TWICE,
        sql::chargedTwiceCandidates, status -> status == PaymentStatus.SUCCEEDED));
    progress.note("refund owed but not made: " + askProvider(sql, runId, DiscrepancyClass.REFUND_OWED,
        (after, limit) -> sql.refundOwedCandidates(runId, from, to, after, limit),
        status -> status != PaymentStatus.REFUNDED));
    progress.note("confirmed but not paid: " + askProvider(sql, runId, DiscrepancyClass.CONFIRMED_NOT_PAID,
        sql::confirmedWithoutSettlement, status -> status != PaymentStatus.SUCCEEDED));
  }

  /**
   * Asks the provider about each candidate, page by page, and records those whose payment is in a state
   * that makes them a discrepancy (an unknown payment always is). Answers how many were recorded.
   */
  private int askProvider(ReconciliationStatements sql, String runId, DiscrepancyClass discrepancyClass,
                          BiFunction<String, Integer, List<Candidate>> candidates,
                          Predicate<PaymentStatus> isDiscrepancy) {
    int found = 0;
    String after = "";
    for (List<Candidate> page; !(page = candidates.apply(after, config.batch())).isEmpty(); ) {
      for (Candidate c : page) {
        Optional<Payment> payment = provider.payment(c.paymentId());
        if (payment.isEmpty() || isDiscrepancy.test(payment.get().status())) {
          sql.insertDiscrepancy(runId, discrepancyClass.name(), c.paymentId(), c.saleId(), c.requestId(),
              c.paymentId(), c.logEvidence(), c.databaseEvidence(), providerEvidence(discrepancyClass, c, payment));
          found++;
        }
      }
      after = page.get(page.size() - 1).paymentId();
    }
    return found;
  }

  /**
   * What the provider says: the settlement behind the candidate, if any, and the payment as it is now. For a refund
   * owed, {@code amountCents} (what the correction refunds) is what is owed, at most the payment: an order's payment
   * owes back only the items it could not buy ({@code paymentAmountCents} is the whole charge).
   */
  private String providerEvidence(DiscrepancyClass discrepancyClass, Candidate candidate, Optional<Payment> payment) {
    try {
      Map<String, Object> evidence = new LinkedHashMap<>();
      if (candidate.providerEvidence() != null) {
        evidence.putAll(json.readValue(candidate.providerEvidence(), Map.class));
      }
      evidence.put("paymentStatus", payment.map(p -> p.status().name()).orElse("UNKNOWN_TO_PROVIDER"));
      payment.ifPresent(p -> {
        boolean owedPart = discrepancyClass == DiscrepancyClass.REFUND_OWED && candidate.amountCents() != null
            && candidate.amountCents() < p.amountCents();
        evidence.put("amountCents", owedPart ? candidate.amountCents() : p.amountCents());
        if (owedPart) {
          evidence.put("paymentAmountCents", p.amountCents());
        }
        evidence.put("currency", p.currency());
      });
      return json.writeValueAsString(evidence);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
