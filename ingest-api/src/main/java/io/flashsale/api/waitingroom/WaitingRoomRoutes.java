package io.flashsale.api.waitingroom;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flashsale.api.access.AbuseBounds;
import io.flashsale.api.access.Access;
import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.FlowIds;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.LongPoll;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.sale.SaleStatus;
import io.flashsale.api.sale.SaleView;
import io.flashsale.api.waitingroom.WaitingRoomSigner.Challenge;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The waiting room of a sale that has one: joining (with a proof of work where asked), the buyer's place and
 * admission, the purchase pass, and the admin's changes. The topology gives each user one place per sale
 * (queue-places); everything else is computed from that place, the pre-queue's size and the clock
 * ({@link QueueOrder}), and signed ({@link WaitingRoomSigner}), so any instance answers any buyer and the API
 * holds nothing per waiting buyer.
 */
public final class WaitingRoomRoutes {
  /** How long a join waits for the topology to place it before answering 503 (a retry gets the same place). */
  static final Duration PLACE_TIMEOUT = Duration.ofSeconds(10);
  static final Duration CHALLENGE_TTL = Duration.ofMinutes(2);

  /** {@code queueToken}: the place the buyer lost for being idle, to join again at the back. */
  record JoinBody(String challenge, String nonce, String queueToken) {}

  record ChallengeBody(String challenge, int bits, Instant expiresAt) {}

  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final SaleView sales;
  private final WaitingRoomView rooms;
  private final WaitingRoomSigner signer;
  private final Clock clock;
  private final long maxWaitMs;
  private final Executor responses;
  private final SecureRandom random = new SecureRandom();
  /** Challenges used on this instance; another instance can take a challenge once more, for the same user only. */
  private final UsedChallenges usedChallenges;
  private final Access access;
  private final WaitingRooms state;

  public WaitingRoomRoutes(JsonBodies bodies, TopicWriter writer, Topics topics, SaleView sales, WaitingRooms state,
                    WaitingRoomSigner signer, Clock clock, long maxWaitMs, Executor responses,
                    Access access, AbuseBounds bounds) {
    this.usedChallenges = new UsedChallenges(bounds.usedChallenges(), bounds.usedChallengesPerAddress(), clock);
    this.access = access;
    this.state = state;
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.sales = sales;
    this.rooms = state.view();
    this.signer = signer;
    this.clock = clock;
    this.maxWaitMs = maxWaitMs;
    this.responses = responses;
  }

  /** POST /api/sales/{saleId}/queue: a place, the same for every join of the user. */
  public void join(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    Sale sale = state.saleWithRoom(ctx.pathParam("saleId"));
    Instant now = clock.instant();
    Instant opens = sale.getStartsAt().minusSeconds(sale.getWaitingRoom().getPreQueueSeconds());
    if (now.isBefore(opens)) {
      throw new Problem(ErrorCode.SALE_NOT_STARTED, "The waiting room opens at " + opens);
    }
    refuseClosed(sale, now);
    Access.requireDevice(sale, buyer);
    String flowId = FlowIds.of(ctx);
    JoinBody body = bodies.read(ctx, JoinBody.class);
    int bits = state.proofOfWorkBits(sale, now);
    if (bits > 0) {
      requireProof(body, sale, buyer, bits, now, access.clientAddress(ctx));
    }
    Long lostPlace = lostPlace(body.queueToken(), sale, buyer, now);
    CompletableFuture<QueuePlace> placed = rooms.awaitPlace(sale.getSaleId(), buyer.userId());
    QueueJoin join = new QueueJoin(sale.getSaleId(), buyer.userId(), buyer.deviceId(), lostPlace, flowId);
    ctx.future(() -> writer.write(topics.queueJoins, sale.getSku(), join)
        .thenCompose(written -> placed.copy().completeOnTimeout(null, PLACE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        .thenAccept(place -> {
          if (place == null) {
            rooms.stopAwaiting(sale.getSaleId(), buyer.userId());
            throw new Problem(ErrorCode.UNAVAILABLE, "Not placed in time, please retry: a retry keeps your place",
                Map.of("Retry-After", "1"), Map.of());
          }
          Instant at = clock.instant();
          QueueToken token = new QueueToken(sale.getSaleId(), buyer.userId(), place.getPlace(), place.getPreQueue(), at);
          if (lostPlace != null && place.getPlace() != lostPlace) {
            state.rejoined(sale.getSaleId());
          }
          // A join proves the buyer is here, but not that it was while its turn came: a turn long past is lost.
          QueueToken told = turnLongPast(sale, token, at) ? token.seen(Instant.EPOCH) : token;
          ctx.status(HttpStatus.ACCEPTED).json(answer(sale, told, signer.token(told), at));
        }));
  }

  /** GET /api/queue/{queueToken}?waitMs: where the buyer stands, waiting up to waitMs for the admission. */
  public void show(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    String text = ctx.pathParam("queueToken");
    QueueToken token = signer.token(text).filter(t -> t.userId().equals(buyer.userId()))
        .orElseThrow(() -> new Problem(ErrorCode.NOT_FOUND, "No such place in a waiting room"));
    Sale sale = state.saleWithRoom(token.saleId());
    long waitMs = LongPoll.waitMs(ctx.queryParam("waitMs"), maxWaitMs);
    Instant arrived = clock.instant();
    if (admission(sale, token, arrived).state() != Admission.State.EXPIRED) {
      token = token.seen(arrived); // heard from now: the long-poll and its answer count from here
      text = signer.token(token);
    }
    QueueBody now = answer(sale, token, text, arrived);
    if (waitMs == 0 || !now.status().equals("WAITING")) {
      ctx.json(now);
      return;
    }
    // Answered again at the admission, to the millisecond, or when the wait ends; no thread waits meanwhile.
    Instant checked = clock.instant();
    Instant next = admission(sale, token, checked).at();
    QueueToken polled = token;
    String polledText = text;
    // Rounded up, and a millisecond on: woken a moment early, the answer would still say WAITING.
    long untilAdmitted = Math.max(0, (Duration.between(checked, next).toNanos() + 999_999) / 1_000_000) + 1;
    Executor later = CompletableFuture.delayedExecutor(Math.min(waitMs, untilAdmitted), TimeUnit.MILLISECONDS, responses);
    ctx.future(() -> CompletableFuture.supplyAsync(() -> answer(sale, polled, polledText, clock.instant()), later)
        .thenAccept(ctx::json));
  }

  /** GET /api/sales/{saleId}/challenge: a challenge for this buyer's join, at the difficulty of now. */
  public void challenge(Context ctx) {
    Buyer buyer = access.buyer(ctx);
    Sale sale = state.saleWithRoom(ctx.pathParam("saleId"));
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    Instant now = clock.instant();
    Challenge challenge = new Challenge(sale.getSaleId(), buyer.userId(), state.proofOfWorkBits(sale, now),
        now.plus(CHALLENGE_TTL));
    ctx.json(new ChallengeBody(signer.challenge(challenge, Base64.getUrlEncoder().withoutPadding().encodeToString(nonce)),
        challenge.bits(), challenge.expiresAt()));
  }

  /** What the admin has set of the room of {@code saleId}, as this instance's view has merged the changes. */
  public WaitingRooms.Settings settings(String saleId, Instant now) {
    return state.settings(state.saleWithRoom(saleId), now);
  }

  /** The used challenges of this instance, for tests and measurements. */
  public UsedChallenges usedChallenges() {
    return usedChallenges;
  }

  private Admission admission(Sale sale, QueueToken token, Instant now) {
    Admission.LastDraw lastDraw = !sale.getLastDraw() ? Admission.LastDraw.NONE : new Admission.LastDraw(
        sales.lastDrawClaim(sale.getSaleId(), token.userId()).orElse(null), sales.draw(sale.getSaleId()).isPresent());
    return Admission.of(sale, sales.status(sale, now), token,
        rooms.stats(sale.getSaleId()).orElse(null), rooms.rates(sale), signer.shuffle(sale.getSaleId()), lastDraw, now);
  }

  private QueueBody answer(Sale sale, QueueToken token, String tokenText, Instant now) {
    return QueueBody.of(sale, token, tokenText, admission(sale, token, now), signer, now);
  }

  private boolean turnLongPast(Sale sale, QueueToken token, Instant now) {
    return Admission.turnLongPast(sale, token, rooms.stats(sale.getSaleId()).orElse(null), rooms.rates(sale),
        signer.shuffle(sale.getSaleId()), now);
  }

  /** The place of {@code lostToken} if it is the buyer's place in this sale and it was lost for idleness, else null. */
  private Long lostPlace(String lostToken, Sale sale, Buyer buyer, Instant now) {
    QueueToken lost = lostToken == null ? null : signer.token(lostToken)
        .filter(t -> t.userId().equals(buyer.userId()) && t.saleId().equals(sale.getSaleId())).orElse(null);
    return lost != null && admission(sale, lost, now).state() == Admission.State.EXPIRED ? lost.place() : null;
  }

  private void requireProof(JoinBody body, Sale sale, Buyer buyer, int bits, Instant now, String address) {
    Challenge challenge = body.challenge() == null ? null : signer.challenge(body.challenge()).orElse(null);
    if (challenge == null || !challenge.saleId().equals(sale.getSaleId()) || !challenge.userId().equals(buyer.userId())
        || !now.isBefore(challenge.expiresAt()) || challenge.bits() < bits) {
      throw new Problem(ErrorCode.PROOF_REQUIRED, "Join with a fresh challenge of GET /api/sales/"
          + sale.getSaleId() + "/challenge (" + bits + " bits) and its nonce");
    }
    if (!ProofOfWork.solves(body.challenge(), body.nonce(), challenge.bits())) {
      throw new Problem(ErrorCode.PROOF_REQUIRED, "The nonce does not solve the challenge");
    }
    usedChallenges.use(body.challenge(), challenge.expiresAt(), address);
  }

  private void refuseClosed(Sale sale, Instant now) {
    SaleStatus status = sales.status(sale, now);
    if (status == SaleStatus.SOLD_OUT && sale.getLastDraw() && sales.draw(sale.getSaleId()).isEmpty()) {
      return; // a buyer who comes after the sell-out waits for units that come back, in the last draw
    }
    if (status == SaleStatus.ENDED) {
      throw new Problem(ErrorCode.SALE_ENDED, "Sale " + sale.getSaleId() + " has ended");
    }
    if (status == SaleStatus.SOLD_OUT) {
      throw new Problem(ErrorCode.SOLD_OUT, "Sale " + sale.getSaleId() + " is sold out");
    }
  }
}
