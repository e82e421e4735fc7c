package io.flashsale.reconciliation.nightly;

import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code reconcile replay-quarantine [--record topic-partition-offset]}: hands the records the sink set aside back
 * to it, once their cause is fixed ({@link QuarantineReplay}). Configured from the environment as the nightly
 * job is. Exit codes: 0 when every record was handed back, {@value #LEFT} when some were left, 1 on failure.
 */
@Command(name = "replay-quarantine", mixinStandardHelpOptions = true,
    description = "Hand the records the sink set aside in sink_quarantine back to it, once their cause is fixed.")
public final class ReplayQuarantineCommand implements Callable<Integer> {
  public static final int LEFT = 3;

  @Option(names = "--record", paramLabel = "TOPIC-PARTITION-OFFSET",
      description = "Only this record, as the nightly report names it (for instance purchase-outcomes-3-1207). "
          + "Default: every record not replayed yet.")
  String record;

  @ParentCommand
  ReconcileCommand parent;

  @Override
  public Integer call() {
    try (QuarantineReplay replay = new QuarantineReplay(ReconciliationConfig.fromEnv(parent.env()),
        Clock.systemUTC())) {
      QuarantineReplay.Result result = replay.replay(record);
      result.replayed().forEach(subject -> System.out.println("replayed " + subject));
      result.left().forEach(reason -> System.out.println("left " + reason));
      System.out.printf("%d records handed back to the sink, %d left%n", result.replayed().size(),
          result.left().size());
      return result.left().isEmpty() ? 0 : LEFT;
    }
  }
}
