package io.flashsale.bench;

/**
 * The flash's arrival rate: it rises step by step while the edge keeps up and falls back to what the edge answered
 * when it does not, so the clicks arrive at the highest rate the edge takes. The edge keeps up while the POSTs it has
 * not answered yet are at most {@link #BACKLOG_SECONDS} of arrivals (at least {@link #MIN_BACKLOG}): by Little's law
 * a POST then waits about 100 ms at most. Each click's time is fixed when it is due, before it is sent, so a click
 * that waits for a connection or for the server still counts its wait from its intended start.
 *
 * <p>The generator itself may fall behind its schedule (one core sending, answering and long-polling), most of all
 * after the sell-out, when the edge answers 409 at once and seems to take any rate: when the generator is more than
 * {@link #GENERATOR_LAG_NANOS} behind at the end of a step, the rate falls to {@link #BACK_OFF} of what the generator
 * sent in that step, as it does for the edge. Before this, the ramp rose to its 200,000/s cap after the sell-out, the
 * generator's p99 lag behind schedule reached 24 s, and the flash's time to decision measured that. (Holding the rate
 * at the sell-out instead left a small flash, sold out within two seconds, at its starting rate.)
 */
final class FlashRamp {
  /** How often the rate is reconsidered. */
  static final long STEP_NANOS = 200_000_000L;
  /** Growth per step while the edge keeps up: doubles in about 1.3 s, so 1k/s reaches 50k/s in under 8 s. */
  static final double GROWTH = 1.12;
  /**
   * After a step the edge fell behind in, the rate is this share of what it answered during the step, but at least
   * {@link #MOST_FALL} of what it was: a pause of the server (a GC, a busy core) answers nothing for a moment, which
   * is not the edge's rate.
   */
  static final double BACK_OFF = 0.9;
  static final double MOST_FALL = 0.5;
  static final double BACKLOG_SECONDS = 0.1;
  static final long MIN_BACKLOG = 200;
  /** A click sent this much after its intended start means the generator, not the edge, sets the pace. */
  static final long GENERATOR_LAG_NANOS = 20_000_000L;

  private final double minRate;
  private final double maxRate;
  private final boolean ramps;
  private double rate;
  private double peak;

  private FlashRamp(double startRate, double maxRate, boolean ramps) {
    if (startRate <= 0 || maxRate < startRate) {
      throw new IllegalArgumentException("Rates must satisfy 0 < start <= max: " + startRate + ", " + maxRate);
    }
    this.minRate = startRate;
    this.maxRate = maxRate;
    this.ramps = ramps;
    this.rate = startRate;
    this.peak = startRate;
  }

  /** From {@code startRate} up to at most {@code maxRate}, as far as the edge takes it. */
  static FlashRamp rising(double startRate, double maxRate) {
    return new FlashRamp(startRate, maxRate, true);
  }

  /** A fixed rate, whatever the edge does (the idle figure: a few clicks a second). */
  static FlashRamp fixed(double rate) {
    return new FlashRamp(rate, rate, false);
  }

  /** Clicks per second now. */
  double rate() {
    return rate;
  }

  /** The highest rate offered so far. */
  double peak() {
    return peak;
  }

  /** The edge's answers only: a step in which the generator kept to its schedule. */
  double adjust(long unanswered, long answeredInStep, long stepNanos) {
    return adjust(new Step(unanswered, answeredInStep, stepNanos, 0, 0));
  }

  /**
   * What one step saw.
   *
   * @param unanswered POSTs still open at its end
   * @param answeredInStep POSTs answered during it
   * @param stepNanos its length
   * @param lagNanos how late the generator was at its end: the first click due after it, sent after its intended
   *     start
   * @param sentInStep clicks sent during it
   */
  record Step(long unanswered, long answeredInStep, long stepNanos, long lagNanos, long sentInStep) {}

  /** Returns the rate of the next step. */
  double adjust(Step step) {
    if (!ramps) {
      return rate;
    }
    double limit = Math.max(MIN_BACKLOG, rate * BACKLOG_SECONDS);
    if (step.lagNanos() > GENERATOR_LAG_NANOS) {
      fallTo(step.sentInStep() * 1e9 / step.stepNanos());
    } else if (step.unanswered() > limit) {
      fallTo(step.answeredInStep() * 1e9 / step.stepNanos());
    } else {
      rate = Math.min(maxRate, rate * GROWTH);
    }
    peak = Math.max(peak, rate);
    return rate;
  }

  private void fallTo(double achieved) {
    rate = Math.max(minRate, Math.max(rate * MOST_FALL, Math.min(rate, achieved) * BACK_OFF));
  }
}
