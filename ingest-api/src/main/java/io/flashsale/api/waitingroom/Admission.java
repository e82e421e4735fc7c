package io.flashsale.api.waitingroom;

import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Where one place of a waiting room stands at a moment: the pure decision behind every answer of the queue, made
 * from the place, the sale, the pre-queue's stats, the admission rates and the clock, and nothing kept per buyer.
 *
 * @param state what the buyer is told
 * @param position the buyer's position among those not yet admitted (1 is next); 0 once admitted; null while
 *     no position is known (before the start, or while the pre-queue's size is not known yet)
 * @param at when to look again: the start, the admission, or a moment later while the size is unknown
 */
public record Admission(State state, Long position, Instant at) {
  /**
   * EXPIRED: the place was lost for idleness. LAST_DRAW: the sale sold out (or ended) and the buyer waits in its last
   * draw (told as WAITING with {@code lastDraw: true}).
   */
  public enum State { WAITING, ADMITTED, SOLD_OUT, ENDED, EXPIRED, LAST_DRAW }

  /**
   * Admission counts from this long after the pre-queue's close (the start, or a moment later when nobody joined
   * at it): by then every instance knows the pre-queue's size, so nobody is let in by a burst when an instance
   * learns of the close late, and buyers come in one by one in their order.
   */
  public static final Duration LEAD = Duration.ofSeconds(2);
  /** How soon to look again while the pre-queue's size is not known yet (a moment after the start). */
  static final Duration UNKNOWN_SLOT_RECHECK = Duration.ofMillis(250);

  /** How soon a buyer in a last draw looks again: a round may come any second. */
  static final Duration LAST_DRAW_RECHECK = Duration.ofSeconds(2);

  /** Where a buyer stands in the sale's last draw, as the sale's view has read it. */
  public record LastDraw(Instant claimUntil, boolean closed) {
    /** For a sale without a last draw, or a buyer who won nothing while it is open. */
    static final LastDraw NONE = new LastDraw(null, false);
  }

  /**
   * The standing of {@code token}'s place at {@code now}. {@code status} is the sale's, {@code stats} the latest
   * of its waiting room (null: none yet), {@code rates} its admission rates over time.
   */
  public static Admission of(Sale sale, SaleStatus status, QueueToken token, QueueStats stats, List<QueueOrder.Rate> rates,
                      QueueOrder.Shuffle shuffle, Instant now) {
    return of(sale, status, token, stats, rates, shuffle, LastDraw.NONE, now);
  }

  /**
   * The same for a sale that may have a last draw: a winner is ADMITTED until its unit's {@code claimUntil} (the
   * pass runs out then), and SOLD_OUT after it; while the draw is open everyone else waits in it instead of being
   * told SOLD_OUT or ENDED. The topology, not idleness, decides who draws: a buyer in the draw loses no place.
   */
  public static Admission of(Sale sale, SaleStatus status, QueueToken token, QueueStats stats, List<QueueOrder.Rate> rates,
                      QueueOrder.Shuffle shuffle, LastDraw lastDraw, Instant now) {
    if (sale.getLastDraw()) {
      if (lastDraw.claimUntil() != null) {
        return now.isBefore(lastDraw.claimUntil()) ? new Admission(State.ADMITTED, 0L, lastDraw.claimUntil())
            : new Admission(status == SaleStatus.ENDED ? State.ENDED : State.SOLD_OUT, null, now);
      }
      if ((status == SaleStatus.ENDED || status == SaleStatus.SOLD_OUT) && !lastDraw.closed()) {
        return new Admission(State.LAST_DRAW, null, now.plus(LAST_DRAW_RECHECK));
      }
    }
    if (status == SaleStatus.ENDED || status == SaleStatus.SOLD_OUT) {
      return new Admission(status == SaleStatus.ENDED ? State.ENDED : State.SOLD_OUT, null, now);
    }
    // Idle: not heard from (join or poll) for idleSeconds before its turn came, the place is lost.
    Instant deadline = token.seenAt() == null ? null : token.seenAt().plusSeconds(idleSeconds(sale));
    boolean overdue = deadline != null && now.isAfter(deadline);
    if (now.isBefore(sale.getStartsAt())) { // the pre-queue is shuffled at the start
      return overdue ? lost(now) : new Admission(State.WAITING, null, sale.getStartsAt());
    }
    boolean closed = stats != null && stats.getPreQueueClosed();
    if (token.preQueue() && !closed) {
      return overdue ? lost(now) : new Admission(State.WAITING, null, now.plus(UNKNOWN_SLOT_RECHECK));
    }
    long slot = QueueOrder.slot(token.place(), token.preQueue(), stats == null ? 0 : stats.getPreQueueSize(), shuffle);
    Instant start = start(sale, stats);
    if (overdue && QueueOrder.admitted(start, rates, deadline) <= slot) {
      return lost(now); // its turn had not come by the deadline (an admission before it stays)
    }
    long admitted = QueueOrder.admitted(start, rates, now);
    if (slot < admitted) {
      return new Admission(State.ADMITTED, 0L, now);
    }
    return new Admission(State.WAITING, slot - admitted + 1, QueueOrder.admittedAt(start, rates, now, slot));
  }

  /**
   * True when the place's turn came more than idleSeconds before {@code now}: a join (which carries no proof of
   * the buyer's polls) cannot keep such a place, so a buyer who left cannot come back to a turn long past.
   */
  static boolean turnLongPast(Sale sale, QueueToken token, QueueStats stats, List<QueueOrder.Rate> rates,
                              QueueOrder.Shuffle shuffle, Instant now) {
    if (stats == null || !stats.getPreQueueClosed()) {
      return false;
    }
    long slot = QueueOrder.slot(token.place(), token.preQueue(), stats.getPreQueueSize(), shuffle);
    return QueueOrder.admitted(start(sale, stats), rates, now.minusSeconds(idleSeconds(sale))) > slot;
  }

  static long idleSeconds(Sale sale) {
    return sale.getWaitingRoom().getIdleKickSeconds();
  }

  private static Admission lost(Instant now) {
    return new Admission(State.EXPIRED, null, now);
  }

  /** How many of the sale's waiting buyers are admitted at {@code now}: none before the pre-queue's close. */
  static long admitted(Sale sale, QueueStats stats, List<QueueOrder.Rate> rates, Instant now) {
    return !stats.getPreQueueClosed() ? 0 : Math.min(stats.getJoined(), QueueOrder.admitted(start(sale, stats), rates, now));
  }

  /** When admission starts: {@link #LEAD} after the pre-queue's close. */
  static Instant start(Sale sale, QueueStats stats) {
    Instant closed = stats != null && stats.getClosedAt() != null && stats.getClosedAt().isAfter(sale.getStartsAt())
        ? stats.getClosedAt() : sale.getStartsAt();
    return closed.plus(LEAD);
  }
}
