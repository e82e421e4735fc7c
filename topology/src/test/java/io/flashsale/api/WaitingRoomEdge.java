package io.flashsale.api;

import io.flashsale.api.http.Problem;
import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.waitingroom.Admission;
import io.flashsale.api.waitingroom.PassCheck;
import io.flashsale.api.waitingroom.QueueOrder;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The API's waiting-room decisions for one sale (the queue token, {@link Admission}, the pass and its check), opened
 * to the topology's tests in which the API and the topology meet: the API's classes are package-private, and the
 * topology's test driver cannot be used from the API's module.
 */
public final class WaitingRoomEdge {
  /** What a poll of the queue answers: {@code position} and {@code pass} as the route gives them. */
  public record Answer(String status, Long position, String pass) {}

  private final WaitingRoomSigner signer;
  private final Sale sale;
  private final List<QueueOrder.Rate> rates = new ArrayList<>();

  public WaitingRoomEdge(String secret, Sale sale) {
    this.signer = new WaitingRoomSigner(secret);
    this.sale = sale;
    rates.add(new QueueOrder.Rate(Instant.EPOCH, sale.getWaitingRoom().getAdmitPerSecond()));
  }

  /** How long after the pre-queue's close admission starts. */
  public static Duration admissionLead() {
    return Admission.LEAD;
  }

  /** The admin changed the admission rate; the broker appended the change at {@code at}. */
  public void rateChanged(Instant at, int admitPerSecond) {
    rates.add(new QueueOrder.Rate(at, admitPerSecond));
  }

  /** The queue token a join answers with, for the place the topology gave. */
  public String token(QueuePlace place) {
    return signer.token(new QueueToken(place.getSaleId(), place.getUserId(), place.getPlace(), place.getPreQueue()));
  }

  /** What {@code GET /api/queue/{token}} answers at {@code now}, with the topology's latest stock and queue stats. */
  public Answer poll(String token, int available, QueueStats stats, Instant now) {
    QueueToken place = signer.token(token).orElseThrow();
    Admission admission = Admission.of(sale, SaleStatus.of(sale, available, now), place, stats, rates,
        signer.shuffle(sale.getSaleId()), now);
    String pass = admission.state() == Admission.State.ADMITTED
        ? signer.pass(sale.getSaleId(), place.userId(), now.plusSeconds(sale.getWaitingRoom().getPassSeconds())) : null;
    return new Answer(admission.state().name(), admission.position(), pass);
  }

  /** A pass for {@code userId} as this edge's signer makes one, expiring at {@code expiresAt}. */
  public String pass(String userId, Instant expiresAt) {
    return signer.pass(sale.getSaleId(), userId, expiresAt);
  }

  /** Why the purchase route refuses a purchase of {@code userId} with header {@code pass} at {@code now}, if it does. */
  public Optional<String> refusal(String pass, String userId, Instant now) {
    try {
      PassCheck.require(signer, pass, sale, userId, now);
      return Optional.empty();
    } catch (Problem refused) {
      return Optional.of(refused.code.name());
    }
  }
}
