package io.flashsale.reconciliation.nightly;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reconcile --date YYYY-MM-DD}: the nightly reconciliation of one day, configured from the environment
 * ({@link ReconciliationConfig}). Exit codes: 0 when nobody needs to act (clean, corrected, or corrected
 * before), {@value #NEEDS_PERSON} when a discrepancy needs a person, 1 when the run failed, 2 on a bad command line.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true, subcommands = ReplayQuarantineCommand.class,
    description = "Reconcile a day (UTC) between the Kafka log, the database and the payment provider; "
        + "correct what is safe to correct and report the rest.")
public final class ReconcileCommand implements Callable<Integer> {
  public static final int NEEDS_PERSON = 3;

  @Option(names = "--date", description = "The day to reconcile, YYYY-MM-DD (UTC). Default: yesterday.")
  LocalDate date;

  private final Map<String, String> env;

  public ReconcileCommand() {
    this(System.getenv());
  }

  /** With the environment given, for launchers that fill in where the parts of the system are. */
  public ReconcileCommand(Map<String, String> env) {
    this.env = env;
  }

  /** The environment the command and its subcommands are configured from. */
  Map<String, String> env() {
    return env;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ReconcileCommand()).execute(args));
  }

  @Override
  public Integer call() {
    LocalDate day = date != null ? date : yesterday(Clock.systemUTC());
    try (Reconciliation reconciliation = Reconciliation.create(ReconciliationConfig.fromEnv(env), System.out)) {
      RunResult result = reconciliation.run(day);
      System.out.printf("%s: %d discrepancies, %d corrected now, %d corrected before, %d need a person%n",
          result.status(), result.found(), result.corrected(), result.alreadyCorrected(), result.needsPerson());
      System.out.println("Report: " + result.reportDir().toAbsolutePath().resolve("report.html"));
      return result.status() == RunStatus.NEEDS_PERSON ? NEEDS_PERSON : 0;
    }
  }

  /** The day a nightly run reconciles: the one before today, UTC. */
  public static LocalDate yesterday(Clock clock) {
    return LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(1);
  }
}
