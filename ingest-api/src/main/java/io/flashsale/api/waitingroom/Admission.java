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
  public enum State { WAITING, ADMITTED, SOLD_OUT, ENDED, PLACE_LOST }

  /**
   * Admission counts from this long after the pre-queue's close (the start, or a moment later when nobody joined
   * at it): by then every instance knows the pre-queue's size, so nobody is let in by a burst when an instance
   * learns of the close late, and buyers come in one by one in their order.
   */
  public static final Duration LEAD = Duration.ofSeconds(2);
  /** How soon to look again while the pre-queue's size is not known yet (a moment after the start). */
  static final Duration UNKNOWN_SLOT_RECHECK = Duration.ofMillis(250);

  /**
   * The standing of {@code token}'s place at {@code now}. {@code status} is the sale's, {@code stats} the latest
   * of its waiting room (null: none yet), {@code rates} its admission rates over time.
   */
  public static Admission of(Sale sale, SaleStatus status, QueueToken token, QueueStats stats, List<QueueOrder.Rate> rates,
                      QueueOrder.Shuffle shuffle, Instant now) {
    if (status == SaleStatus.ENDED || status == SaleStatus.SOLD_OUT) {
      return new Admission(status == SaleStatus.ENDED ? State.ENDED : State.SOLD_OUT, null, now);
    }
    // Idle kick: not heard from (join or poll) for idleKickSeconds before its turn came, the place is lost.
    Instant deadline = token.seenAt() == null ? null : token.seenAt().plusSeconds(idleKickSeconds(sale));
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
   * True when the place's turn came more than idleKickSeconds before {@code now}: a join (which carries no proof of
   * the buyer's polls) cannot keep such a place, so a buyer who left cannot come back to a turn long past.
   */
  static boolean turnLongPast(Sale sale, QueueToken token, QueueStats stats, List<QueueOrder.Rate> rates,
                              QueueOrder.Shuffle shuffle, Instant now) {
    if (stats == null || !stats.getPreQueueClosed()) {
      return false;
    }
    long slot = QueueOrder.slot(token.place(), token.preQueue(), stats.getPreQueueSize(), shuffle);
    return QueueOrder.admitted(start(sale, stats), rates, now.minusSeconds(idleKickSeconds(sale))) > slot;
  }

  static long idleKickSeconds(Sale sale) {
    return sale.getWaitingRoom().getIdleKickSeconds();
  }

  private static Admission lost(Instant now) {
    return new Admission(State.PLACE_LOST, null, now);
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
