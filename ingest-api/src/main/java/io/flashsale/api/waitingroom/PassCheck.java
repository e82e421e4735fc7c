package io.flashsale.api.waitingroom;

import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;

/**
 * The purchase's side of a waiting room: a purchase in a sale with a waiting room needs a valid pass of its buyer,
 * signed by any instance ({@link WaitingRoomSigner}); nothing is written otherwise. The hidden order URL is no way in.
 */
public final class PassCheck {
  /** The request header that carries the pass an admission gave. */
  public static final String HEADER = "Flashsale-Pass";

  private final WaitingRoomSigner signer;
  private final Clock clock;

  public PassCheck(WaitingRoomSigner signer, Clock clock) {
    this.signer = signer;
    this.clock = clock;
  }

  /** PASS_REQUIRED or PASS_INVALID unless the request's pass admits its buyer to {@code sale} now. */
  public void require(Context ctx, Sale sale, Buyer buyer) {
    require(signer, ctx.header(HEADER), sale, buyer.userId(), clock.instant());
  }

  /** PASS_REQUIRED or PASS_INVALID unless {@code pass} admits {@code userId} to {@code sale} at {@code now}. */
  public static void require(WaitingRoomSigner signer, String pass, Sale sale, String userId, Instant now) {
    if (sale.getWaitingRoom() == null) {
      return;
    }
    if (pass == null) {
      throw new Problem(ErrorCode.PASS_REQUIRED, "This sale admits buyers through its waiting room: join it first");
    }
    if (!signer.passValid(pass, sale.getSaleId(), userId, now)) {
      throw new Problem(ErrorCode.PASS_INVALID, "The pass is not valid for this buyer and sale, or has expired");
    }
  }
}
