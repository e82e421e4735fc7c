package io.flashsale.api.fairness;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One sale's buyers as the outcomes tell them: when each first reached the decision (its join order: the topology
 * decides a sale's requests in log order, so for first-come-first-served this is the order of request time, and
 * behind a waiting room the order of admission, which is the queue's order) and the units each won (the units of
 * its ACCEPTED outcomes: a hold won, whether later paid or not). Updated per outcome at the cost of one map lookup
 * and three array slots; the figures are computed from a copy of the arrays at most once per {@link #RECOMPUTE},
 * on the scrape's thread, only when an outcome came since, and without holding up the view's thread.
 */
final class SaleFairness {
  /** At most this often per sale: one computation took 80–230 ms for a million buyers on the loaded 2-core machine. */
  static final Duration RECOMPUTE = Duration.ofSeconds(5);

  /** The figures of a moment: Gini of units per buyer, share of the first 10 % of joiners, buyers counted. */
  record Figures(double gini, double firstJoinersShare, int buyers) {}

  private final int maxBuyers;
  private final Clock clock;
  private final Map<String, Integer> index = new HashMap<>();
  private long[] firstAt = new long[16];
  private long[] firstSequence = new long[16];
  private long[] units = new long[16];
  private int size;
  private boolean changed;
  private final Object computing = new Object();
  private Instant computedAt = Instant.MIN;
  private volatile Figures figures = new Figures(0, 0, 0);

  SaleFairness(int maxBuyers, Clock clock) {
    this.maxBuyers = maxBuyers;
    this.clock = clock;
  }

  /** One more outcome of the sale; repeats (copies of an outcome already told) change nothing. */
  synchronized void seen(PurchaseOutcome outcome) {
    if (outcome.getRepeat()) {
      return;
    }
    Integer known = index.get(outcome.getUserId());
    int i;
    if (known == null) {
      if (size >= maxBuyers) {
        return; // a sale beyond the bound is measured on its first maxBuyers buyers
      }
      if (size == units.length) {
        firstAt = Arrays.copyOf(firstAt, size * 2);
        firstSequence = Arrays.copyOf(firstSequence, size * 2);
        units = Arrays.copyOf(units, size * 2);
      }
      i = size++;
      index.put(outcome.getUserId(), i);
      firstAt[i] = Long.MAX_VALUE;
      firstSequence[i] = Long.MAX_VALUE;
      units[i] = 0;
    } else {
      i = known;
    }
    long at = outcome.getDecidedAt().toEpochMilli();
    // Outcomes come from every partition in any interleaving: the earliest decision names the join, whatever came first.
    if (at < firstAt[i] || (at == firstAt[i] && outcome.getSaleSequence() < firstSequence[i])) {
      firstAt[i] = at;
      firstSequence[i] = outcome.getSaleSequence();
    }
    if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
      units[i] += outcome.getQuantity();
    }
    changed = true;
  }

  Figures figures() {
    synchronized (computing) {
      Instant now = clock.instant();
      if (now.isBefore(computedAt.plus(RECOMPUTE))) {
        return figures;
      }
      long[] at;
      long[] sequence;
      long[] won;
      synchronized (this) {
        if (!changed) {
          return figures;
        }
        changed = false;
        at = Arrays.copyOf(firstAt, size);
        sequence = Arrays.copyOf(firstSequence, size);
        won = Arrays.copyOf(units, size);
      }
      figures = new Figures(Fairness.gini(won), Fairness.firstShare(at, sequence, won, Fairness.FIRST_JOINERS),
          won.length);
      computedAt = now;
      return figures;
    }
  }
}
