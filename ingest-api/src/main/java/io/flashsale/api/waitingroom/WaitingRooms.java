package io.flashsale.api.waitingroom;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.sale.SaleView;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The waiting rooms as this instance reads them: how many joined, were admitted and still wait, the difficulty a join
 * needs now and what the admin has set. The room's routes, a sale's counters and the meters all ask here, so none of
 * them asks another's routes.
 */
public final class WaitingRooms {
  private final WaitingRoomView rooms;
  private final SaleView sales;
  private final int defaultRiseAbove;
  private final JoinRate joinRate = new JoinRate();
  private final Map<String, LongAdder> rejoins = new ConcurrentHashMap<>();

  public WaitingRooms(WaitingRoomView rooms, SaleView sales, int defaultRiseAbove) {
    this.rooms = rooms;
    this.sales = sales;
    this.defaultRiseAbove = defaultRiseAbove;
  }

  WaitingRoomView view() {
    return rooms;
  }

  /** The sale's joined, admitted and still waiting buyers at {@code now}; nobody waits once it is over. */
  public record Counts(long joined, long admitted, long waiting, int proofOfWorkBits) {}

  public Counts counts(Sale sale, Instant now) {
    QueueStats stats = sale.getWaitingRoom() == null ? null : rooms.stats(sale.getSaleId()).orElse(null);
    if (stats == null) {
      return new Counts(0, 0, 0, sale.getWaitingRoom() == null ? 0 : rooms.proofOfWorkBits(sale));
    }
    long admitted = Admission.admitted(sale, stats, rooms.rates(sale), now);
    SaleStatus status = sales.status(sale, now);
    boolean over = status == SaleStatus.SOLD_OUT || status == SaleStatus.ENDED;
    return new Counts(stats.getJoined(), admitted, over ? 0 : stats.getJoined() - admitted, proofOfWorkBits(sale, now));
  }

  /** A buyer who lost its place for being idle joined again, at the back (this instance's count). */
  void rejoined(String saleId) {
    rejoins.computeIfAbsent(saleId, id -> new LongAdder()).increment();
  }

  public long rejoins(String saleId) {
    LongAdder count = rejoins.get(saleId);
    return count == null ? 0 : count.sum();
  }

  /** How the sale's queue moves at {@code now}: its length, observed move rate and a new joiner's admission. */
  public QueueForecast forecast(Sale sale, Instant now) {
    QueueStats stats = rooms.stats(sale.getSaleId()).orElse(null);
    return QueueForecast.of(sale, sales.status(sale, now), stats, rooms.rates(sale), now);
  }

  /** The difficulty a join needs now: the admin's, raised while joins come faster than the room's threshold. */
  public int proofOfWorkBits(Sale sale, Instant now) {
    int configured = rooms.proofOfWorkBits(sale);
    QueueStats stats = rooms.stats(sale.getSaleId()).orElse(null);
    if (stats == null) {
      return configured;
    }
    double rate = joinRate.perSecond(sale.getSaleId(), stats.getJoined(), now);
    return ProofOfWork.effectiveBits(configured, rate, riseAbove(sale), InputRules.MAX_PROOF_OF_WORK_BITS);
  }

  private int riseAbove(Sale sale) {
    Integer set = rooms.proofOfWorkRiseAbove(sale);
    return set != null ? set : defaultRiseAbove;
  }

  /** What the admin has set of a waiting room, as this instance's view has merged the changes. */
  public record Settings(int admitPerSecond, int proofOfWorkBits, int proofOfWorkRiseAbove) {}

  public Settings settings(Sale sale, Instant now) {
    return new Settings(QueueOrder.rateAt(rooms.rates(sale), now), rooms.proofOfWorkBits(sale), riseAbove(sale));
  }

  /** The sale {@code saleId}, if it has a waiting room: SALE_NOT_FOUND or NOT_FOUND otherwise. */
  public Sale saleWithRoom(String saleId) {
    Sale sale = sales.sale(saleId).orElseThrow(() -> new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + saleId));
    WaitingRoom room = sale.getWaitingRoom();
    if (room == null) {
      throw new Problem(ErrorCode.NOT_FOUND, "Sale " + saleId + " has no waiting room");
    }
    return sale;
  }
}
