package io.flashsale.topology;

import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The rules of a last draw, as pure functions: who may claim a reserved unit, who wins a round, the hash chain over
 * the rounds, and (for anyone checking a closed draw) every round recomputed from the seed and the logs. The topology
 * ({@link LastDraws}) and a verifier walk the same rules, so they cannot disagree about what the rules are.
 *
 * <p>A last draw runs from the sale's sell-out (or a moment after its end) until its close, {@link #closeAt}. Every
 * unit available then is drawn among the candidates: the users who hold a place in the sale's queue and were never
 * given a unit of it (neither in the rush nor by an earlier round): those still waiting. The winners are the candidates of lowest score, one unit each; a
 * winner's unit is reserved until the round's {@code claimUntil} (the draw plus the waiting room's passSeconds, the
 * life of the pass the winner is given), then, unclaimed, it goes to the next round.
 */
public final class LastDrawRules {
  /** Units one winner is given. */
  public static final int UNITS_PER_WINNER = 1;
  /** How anyone recomputes a last draw, published with it. */
  public static final String ALGORITHM = """
      Check that SHA-256(seed) in lowercase hex is the sale's drawSeedHash, published when the sale was created. \
      Queue places: read queue-joins of the sale in log order; a valid join of a user without a place, or one whose \
      replacesPlace is the user's current place, takes the next place (0, 1, 2...). For each round of last-draws in \
      order: its candidates are the users with a place below placesUpTo who have no ACCEPTED outcome of the sale on \
      purchase-outcomes with a saleSequence up to outcomesUpTo (repeats skipped) and are not among an earlier \
      round's winners. A candidate's score is \
      SHA-256(seed + ":" + userId) in lowercase hex; the winners are the min(units, candidates) candidates of lowest \
      score (then userId), one unit each. digest starts as the seedHash and for each round's winner in order becomes \
      SHA-256(digest + "\\n" + round + ":" + userId); the closing record on lottery-draws carries the last digest \
      as entriesDigest and the number of winners.""";
  private static final Comparator<Scored> DRAW_ORDER =
      Comparator.comparing(Scored::score).thenComparing(Scored::userId);

  private LastDrawRules() {}

  /** A candidate with its score. */
  public record Scored(String userId, String score) {}

  /** A round's winners in draw order and the digest after them. */
  public record Round(List<String> winners, String digest) {}

  /** When the draw closes: its sale's end (or an admin's end before it) and the longest hold taken before it. */
  public static Instant closeAt(Sale sale, Instant endedAt) {
    return end(sale, endedAt).plusSeconds(sale.getHoldSeconds());
  }

  /** The sale's end: endsAt, or an admin's end before it. */
  public static Instant end(Sale sale, Instant endedAt) {
    return endedAt != null && endedAt.isBefore(sale.getEndsAt()) ? endedAt : sale.getEndsAt();
  }

  /** When a unit reserved by a round drawn at {@code drawnAt} stops waiting for its winner. */
  public static Instant claimUntil(Sale sale, Instant drawnAt) {
    return drawnAt.plusSeconds(sale.getWaitingRoom().getPassSeconds());
  }

  /**
   * A purchase of a user for whom the last draw reserves a unit until {@code claimUntil} (null: none): ACCEPTED from
   * the reserved unit if it was logged before then, within the quantity of one winner and the device's limit; null if
   * the request claims nothing (no reservation, or logged too late), so that it is decided as any other. The sale's
   * window does not apply: what is left at the end is drawn after it.
   */
  public static PurchaseDecision claim(Sale sale, Long claimUntil, int deviceQuantity, PurchaseRequest request,
      Instant loggedAt) {
    if (claimUntil == null || !sale.getLastDraw() || !sale.getSku().equals(request.getSku())
        || !loggedAt.isBefore(Instant.ofEpochMilli(claimUntil))) {
      return null;
    }
    if (request.getQuantity() > UNITS_PER_WINNER) {
      return PurchaseDecision.rejected(RejectReason.LIMIT_EXCEEDED);
    }
    Integer limit = sale.getPerDeviceLimit();
    if (limit != null && request.getDeviceId() != null && (long) deviceQuantity + request.getQuantity() > limit) {
      return PurchaseDecision.rejected(RejectReason.DEVICE_LIMIT_EXCEEDED);
    }
    return PurchaseDecision.ACCEPTED;
  }

  /** A candidate's score: lowercase hex SHA-256 of seed + ":" + userId, as a lottery ticket's. */
  public static String score(String seed, String userId) {
    return LotteryRules.score(seed, userId);
  }

  /** The digest after one more winner of round {@code round}. */
  public static String nextDigest(String digest, int round, String userId) {
    return LotteryRules.sha256Hex(digest + "\n" + round + ":" + userId);
  }

  /**
   * The round {@code round} among {@code candidates} (each once) with {@code units} units: the lowest scores win. Only
   * {@code units} candidates are kept in memory at a time, so a queue of millions is walked, not held.
   */
  public static Round draw(String seed, String previousDigest, int round, Iterable<String> candidates, int units) {
    PriorityQueue<Scored> best = new PriorityQueue<>(DRAW_ORDER.reversed());
    int winners = Math.max(0, units / UNITS_PER_WINNER);
    if (winners > 0) {
      for (String userId : candidates) {
        Scored scored = new Scored(userId, score(seed, userId));
        if (best.size() < winners) {
          best.add(scored);
        } else if (DRAW_ORDER.compare(scored, best.peek()) < 0) {
          best.poll();
          best.add(scored);
        }
      }
    }
    List<Scored> ordered = new ArrayList<>(best);
    ordered.sort(DRAW_ORDER);
    List<String> won = new ArrayList<>(ordered.size());
    String digest = previousDigest;
    for (Scored scored : ordered) {
      won.add(scored.userId());
      digest = nextDigest(digest, round, scored.userId());
    }
    return new Round(won, digest);
  }

  /**
   * Checks a closed last draw against the logs by {@link #ALGORITHM}: {@code joins} are the sale's queue-joins in log
   * order, {@code outcomes} its purchase-outcomes (any order), {@code rounds} its last-draws records. Returns what
   * does not agree; empty when every round recomputes.
   */
  public static List<String> verify(Sale sale, String seed, List<QueueJoin> joins, List<PurchaseOutcome> outcomes,
      List<LastDrawRound> rounds, DrawResult closing) {
    List<String> problems = new ArrayList<>();
    String seedHash = LotteryRules.seedHash(seed);
    if (sale.getDrawSeedHash() != null && !sale.getDrawSeedHash().equals(seedHash)) {
      problems.add("SHA-256 of the seed is " + seedHash + ", the sale published " + sale.getDrawSeedHash());
    }
    Map<String, Long> firstPlace = places(sale.getSaleId(), joins);
    List<PurchaseOutcome> ordered = outcomes.stream()
        .filter(o -> o.getSaleId().equals(sale.getSaleId()) && !o.getRepeat() && o.getSaleSequence() > 0)
        .sorted(Comparator.comparingLong(PurchaseOutcome::getSaleSequence)).toList();
    Set<String> given = new HashSet<>();
    int applied = 0;
    Set<String> won = new HashSet<>();
    String digest = seedHash;
    List<LastDrawRound> inOrder = rounds.stream().sorted(Comparator.comparingInt(LastDrawRound::getRound)).toList();
    for (int i = 0; i < inOrder.size(); i++) {
      LastDrawRound round = inOrder.get(i);
      if (round.getRound() != i + 1) {
        problems.add("Round " + round.getRound() + " where round " + (i + 1) + " was due");
      }
      while (applied < ordered.size() && ordered.get(applied).getSaleSequence() <= round.getOutcomesUpTo()) {
        PurchaseOutcome outcome = ordered.get(applied++);
        if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
          given.add(outcome.getUserId());
        }
      }
      List<String> candidates = new ArrayList<>();
      firstPlace.forEach((user, place) -> {
        if (place < round.getPlacesUpTo() && !given.contains(user) && !won.contains(user)) {
          candidates.add(user);
        }
      });
      Round expected = draw(seed, digest, round.getRound(), candidates, round.getUnits());
      if (candidates.size() != round.getCandidates()) {
        problems.add("Round " + round.getRound() + ": " + candidates.size() + " candidates, the round says "
            + round.getCandidates());
      }
      if (!expected.winners().equals(round.getWinners())) {
        problems.add("Round " + round.getRound() + ": winners " + expected.winners() + ", the round says "
            + round.getWinners());
      }
      if (!expected.digest().equals(round.getDigest())) {
        problems.add("Round " + round.getRound() + ": digest " + expected.digest() + ", the round says "
            + round.getDigest());
      }
      for (String winner : round.getWinners()) {
        if (!won.add(winner)) {
          problems.add("Round " + round.getRound() + ": " + winner + " won twice");
        }
      }
      digest = round.getDigest();
    }
    if (closing != null) {
      if (!Objects.equals(closing.getEntriesDigest(), digest)) {
        problems.add("The closing digest is " + closing.getEntriesDigest() + ", the rounds end at " + digest);
      }
      if (closing.getWinners() != won.size()) {
        problems.add("The closing record counts " + closing.getWinners() + " winners, the rounds " + won.size());
      }
    }
    return problems;
  }

  /** Each user's first place in the sale's queue, by the placement rules of the queue ({@link QueueProcessor}). */
  static Map<String, Long> places(String saleId, List<QueueJoin> joins) {
    Map<String, Long> current = new HashMap<>();
    Map<String, Long> first = new HashMap<>();
    long next = 0;
    for (QueueJoin join : joins) {
      if (join == null || !join.getSaleId().equals(saleId) || !InputRules.violations(join).isEmpty()) {
        continue;
      }
      Long place = current.get(join.getUserId());
      if (place == null || (join.getReplacesPlace() != null && join.getReplacesPlace() == place.longValue())) {
        current.put(join.getUserId(), next);
        first.putIfAbsent(join.getUserId(), next);
        next++;
      }
    }
    return first;
  }
}
