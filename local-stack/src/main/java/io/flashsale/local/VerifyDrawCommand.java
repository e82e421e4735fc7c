package io.flashsale.local;

import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Topics;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code verify-draw <saleId>}: recomputes a lottery's published draw from its seed and the logs
 * ({@link DrawVerification}). The broker and registry come from {@code FLASHSALE_BOOTSTRAP_SERVERS} and
 * {@code FLASHSALE_SCHEMA_REGISTRY_URL} (beside the local stack: its endpoints file), with any
 * {@code FLASHSALE_KAFKA_*} and registry settings ({@link KafkaSettings}). Exit codes: 0 when the draw
 * matches, {@value #MISMATCH} on a mismatch, {@value #NOTHING_TO_VERIFY} when the sale or its draw is not in the log.
 */
@Command(name = "verify-draw", mixinStandardHelpOptions = true,
    description = "Recompute a lottery's draw from its published seed and the purchase-requests log, and compare.")
public final class VerifyDrawCommand implements Callable<Integer> {
  public static final int MISMATCH = 1;
  public static final int NOTHING_TO_VERIFY = 4;

  @Parameters(index = "0", description = "The sale whose draw to verify.")
  String saleId;

  private final Map<String, String> env;
  private final PrintStream out;

  public VerifyDrawCommand(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.out = out;
  }

  @Override
  public Integer call() {
    KafkaSettings kafka = KafkaSettings.fromEnv(env); // the broker and registry the sink reads the log with
    Topics topics = Topics.using(kafka.schemaRegistry());
    DrawVerification.Result result;
    try {
      result = new DrawVerification(kafka, topics).verify(saleId);
    } catch (DrawVerification.NothingToVerify nothing) {
      out.println("Nothing to verify: " + nothing.getMessage());
      return NOTHING_TO_VERIFY;
    }
    if (result.matches()) {
      out.printf("The draw of %s matches its recomputation: %d tickets, %d winners%n", saleId, result.entries(),
          result.winners());
      return 0;
    }
    out.printf("The draw of %s does NOT match its recomputation from the seed and the log:%n", saleId);
    result.mismatches().forEach(mismatch -> out.println("  - " + mismatch));
    return MISMATCH;
  }
}
