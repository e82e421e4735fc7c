package io.flashsale.api.fairness;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One sale's buyers as the outcomes tell them: when each first reached the decision (its join order: the topology
 * decides a sale's requests in log order, so for first-come-first-served this is the order of request time, and
 * behind a waiting room the order of admission, which is the queue's order) and the units each won (the units of
 * its ACCEPTED outcomes: a hold won, whether later paid or not). Updated per outcome at the cost of one map entry;
 * the Gini coefficient and the first joiners' share are computed from it at most once per {@link #RECOMPUTE}, on
 * the scrape's thread, and only when an outcome came since.
 */
final class SaleFairness {
  /** At most this often per sale: one computation sorts the sale's buyers (about 150 ms for a million here). */
  static final Duration RECOMPUTE = Duration.ofSeconds(5);

  /** A buyer: its first outcome's decision time and sequence (its join order), and the units it won. */
  private static final class Buyer {
    long firstAt;
    long firstSequence;
    long units;
  }

  /** The figures of a moment: Gini of units per buyer, share of the first 10 % of joiners, buyers counted. */
  record Figures(double gini, double firstJoinersShare, int buyers) {}

  private final int maxBuyers;
  private final Clock clock;
  private final Map<String, Buyer> buyers = new HashMap<>();
  private boolean changed;
  private Instant computedAt = Instant.MIN;
  private Figures figures = new Figures(0, 0, 0);

  SaleFairness(int maxBuyers, Clock clock) {
    this.maxBuyers = maxBuyers;
    this.clock = clock;
  }

  /** One more outcome of the sale; repeats (copies of an outcome already told) change nothing. */
  synchronized void seen(PurchaseOutcome outcome) {
    if (outcome.getRepeat()) {
      return;
    }
    Buyer buyer = buyers.get(outcome.getUserId());
    if (buyer == null) {
      if (buyers.size() >= maxBuyers) {
        return; // a sale beyond the bound is measured on its first maxBuyers buyers
      }
      buyer = new Buyer();
      buyer.firstAt = Long.MAX_VALUE;
      buyers.put(outcome.getUserId(), buyer);
    }
    long at = outcome.getDecidedAt().toEpochMilli();
    // Outcomes come from every partition in any interleaving: the earliest decision names the join, whatever came first.
    if (at < buyer.firstAt || (at == buyer.firstAt && outcome.getSaleSequence() < buyer.firstSequence)) {
      buyer.firstAt = at;
      buyer.firstSequence = outcome.getSaleSequence();
    }
    if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
      buyer.units += outcome.getQuantity();
    }
    changed = true;
  }

  synchronized Figures figures() {
    Instant now = clock.instant();
    if (changed && !now.isBefore(computedAt.plus(RECOMPUTE))) {
      figures = compute();
      computedAt = now;
      changed = false;
    }
    return figures;
  }

  private Figures compute() {
    List<Buyer> inOrder = new ArrayList<>(buyers.values());
    inOrder.sort(Comparator.<Buyer>comparingLong(b -> b.firstAt).thenComparingLong(b -> b.firstSequence));
    long[] units = new long[inOrder.size()];
    for (int i = 0; i < units.length; i++) {
      units[i] = inOrder.get(i).units;
    }
    return new Figures(Fairness.gini(units), Fairness.firstShare(units, Fairness.FIRST_JOINERS), units.length);
  }
}
