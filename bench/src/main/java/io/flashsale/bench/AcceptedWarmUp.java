package io.flashsale.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Warms the stack's JVM (this one: the bench runs the local stack in-process) with rounds of accepted clicks until
 * its JIT compilers go quiet, before a latency figure is measured. A round is {@link #CLICKS} clicks at
 * {@link #RATE}/s on unlimited stock, then the wait until the stack is quiet; the warm-up ends after the first round
 * in which the compilers took less than {@link #QUIET_SHARE} of the round's time, or after the most rounds allowed
 * ({@link BenchConfig#warmUpRounds()}).
 *
 * <p>Why: the broker, the topology, the API, the sink and their libraries are a lot of code for one JVM on 2 cores,
 * which gets one C2 compiler thread. After 60,000 accepted clicks it was still compiling most of the time (JFR: the
 * C2 thread at about 0.37 cores, a compilation over 100 ms every half second, 500 deoptimizations), and the stack
 * decided 1,000 clicks/s with p50 300 ms. Measured round by round on 2 cores: the compilers took 100-160 % of each
 * of the first eight rounds' time and went under 5 % after 14 to 24 rounds, three to five minutes in. A fixed warm-up is
 * either too short on a slow machine or wasted on a fast one.
 */
final class AcceptedWarmUp {
  static final int CLICKS = 10_000;
  static final double RATE = 1_000;
  static final double QUIET_SHARE = 0.05;

  /** What the stack does after each round before the next: wait until it is quiet. */
  interface Quiet {
    void await() throws Exception;
  }

  private AcceptedWarmUp() {}

  /** The plan's warm-up phases: {@code rounds} rounds on the sale, each with buyers of its own. */
  static List<FlashClicks.Phase> phases(String saleId, String buyerPrefix, int rounds) {
    List<FlashClicks.Phase> phases = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      phases.add(new FlashClicks.Phase(saleId, buyerPrefix + round + "-", CLICKS, RATE, RATE, false));
    }
    return phases;
  }

  /**
   * Runs the session's next {@code rounds} phases (those of {@link #phases}) until a round is quiet, skipping the
   * rest; returns the compilers' share of each round run.
   */
  static List<Double> run(FlashClicks.Session clicks, int rounds, Quiet quiet) throws Exception {
    List<Double> shares = new ArrayList<>();
    int round = 0;
    while (round < rounds) {
      round++;
      long compiledBefore = compileMillis();
      long startedAt = System.nanoTime();
      clicks.next();
      quiet.await();
      double share = (compileMillis() - compiledBefore) / ((System.nanoTime() - startedAt) / 1e6);
      shares.add(Math.round(share * 1000) / 1000.0);
      System.out.printf("  warm-up round %d (unmeasured): %,d accepted clicks at %,.0f/s; the JIT compilers took "
          + "%.1f %% of it%n", round, CLICKS, RATE, share * 100);
      if (settled(share)) {
        break;
      }
    }
    for (int rest = round; rest < rounds; rest++) {
      clicks.skip();
    }
    return shares;
  }

  static boolean settled(double compileShare) {
    return compileShare < QUIET_SHARE;
  }

  /** Milliseconds this JVM's JIT compilers have spent so far. */
  private static long compileMillis() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }
}
