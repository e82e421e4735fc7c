package io.flashsale.reconciliation.nightly;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress of a run on the terminal: one line per step, and while a long step runs, how far it is at most
 * every {@link #EVERY_NANOS} (so a log file of a nightly run stays short).
 */
final class RunProgress {
  private static final long EVERY_NANOS = 2_000_000_000L;

  private final PrintStream out;
  private final int steps;
  private int step;
  private String label;
  private long total;
  private long done;
  private long started;
  private long lastShown;

  RunProgress(PrintStream out, int steps) {
    this.out = out;
    this.steps = steps;
  }

  /** A new step of {@code total} units (0 if unknown). */
  void step(String label, long total) {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.started = System.nanoTime();
    this.lastShown = started;
    step++;
    out.printf(Locale.ROOT, "[%d/%d] %s%s%n", step, steps, label, total > 0 ? String.format(Locale.ROOT, " (%,d)", total) : "");
  }

  void advance() {
    done++;
    long now = System.nanoTime();
    if (now - lastShown >= EVERY_NANOS) {
      lastShown = now;
      out.printf(Locale.ROOT, "      %s: %,d%s, %,.0f/s%n", label, done,
          total > 0 ? String.format(Locale.ROOT, " of %,d (%d%%)", total, done * 100 / total) : "",
          done / ((now - started) / 1e9));
    }
  }

  /** The step is over; says how many units it handled and how long it took. */
  void done(String what) {
    out.printf(Locale.ROOT, "      %,d %s in %.1f s%n", done, what, (System.nanoTime() - started) / 1e9);
  }

  void note(String line) {
    out.println("      " + line);
  }
}
