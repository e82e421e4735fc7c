package io.flashsale.local;

import io.flashsale.reconciliation.nightly.ReconcileCommand;
import io.flashsale.reconciliation.nightly.Reconciliation;
import io.flashsale.reconciliation.nightly.ReconciliationConfig;
import io.flashsale.reconciliation.nightly.RunResult;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's cron: reconciles the day before once a day at a fixed time (UTC), as an operator's
 * scheduler would run {@code ./flashsale reconcile} in production. A failed run is logged and tried again
 * the next night; the report says what needs a person.
 */
final class NightlyReconciliation implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NightlyReconciliation.class);

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "nightly-reconciliation");
    thread.setDaemon(true);
    return thread;
  });
  private final ReconciliationConfig config;
  private final Clock clock;

  private NightlyReconciliation(ReconciliationConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  static NightlyReconciliation schedule(LocalTime at, Map<String, String> env, Clock clock) {
    NightlyReconciliation nightly = new NightlyReconciliation(ReconciliationConfig.fromEnv(env), clock);
    long firstInMs = untilNext(at, clock).toMillis();
    nightly.timer.scheduleAtFixedRate(nightly::reconcileYesterday, firstInMs, Duration.ofDays(1).toMillis(),
        TimeUnit.MILLISECONDS);
    log.info("Nightly reconciliation at {} UTC, next in {} min", at, firstInMs / 60_000);
    return nightly;
  }

  /** The time until the next {@code at}, UTC: later today, or tomorrow if it has passed. */
  static Duration untilNext(LocalTime at, Clock clock) {
    ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
    ZonedDateTime next = now.with(at);
    return Duration.between(now, next.isAfter(now) ? next : next.plusDays(1));
  }

  private void reconcileYesterday() {
    LocalDate day = ReconcileCommand.yesterday(clock);
    try (Reconciliation reconciliation = Reconciliation.create(config, new PrintStream(System.out, true))) {
      RunResult result = reconciliation.run(day);
      log.info("Nightly reconciliation of {}: {}, report {}", day, result.status(), result.reportDir().resolve("report.html"));
    } catch (RuntimeException | Error e) {
      // A scheduled task's failure is otherwise silent.
      log.error("Nightly reconciliation of {} failed; it runs again tomorrow", day, e);
      if (e instanceof Error error) {
        throw error;
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
