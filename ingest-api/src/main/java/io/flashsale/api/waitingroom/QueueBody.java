package io.flashsale.api.waitingroom;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import io.flashsale.schemas.Sale;
import java.time.Duration;
import java.time.Instant;

/**
 * The queue's answer to a buyer: where the place stands, or the pass once admitted. {@code lastDraw}: true while the
 * buyer waits in the sale's last draw, after its sell-out or end.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record QueueBody(String queueToken, String status, Long position, Long estimatedWaitSeconds,
                 Instant estimatedStartTime, String pollUrl, String purchasePass, Instant passExpiresAt,
                 Boolean lastDraw) {

  /** The answer for {@code admission} of the place in {@code token} (whose text is {@code tokenText}) now. */
  static QueueBody of(Sale sale, QueueToken token, String tokenText, Admission admission, WaitingRoomSigner signer,
                      Instant now) {
    String pollUrl = "/api/queue/" + tokenText;
    return switch (admission.state()) {
      case ENDED, SOLD_OUT, EXPIRED ->
          new QueueBody(tokenText, admission.state().name(), null, null, null, pollUrl, null, null, null);
      // A last draw's winner holds its pass until the unit reserved for it stops waiting.
      case ADMITTED -> {
        Instant expires = admission.at().isAfter(now) ? admission.at()
            : now.plusSeconds(sale.getWaitingRoom().getPassSeconds());
        yield new QueueBody(tokenText, "ADMITTED", 0L, 0L, now, pollUrl,
            signer.pass(sale.getSaleId(), token.userId(), expires), expires, null);
      }
      case LAST_DRAW -> new QueueBody(tokenText, "WAITING", null, null, null, pollUrl, null, null, true);
      // No wait is told while the pre-queue's size is not known yet, a moment after the start. The start told is the
      // place's admission at the rate in effect (QueueOrder.admittedAt), exact unless the admin changes the rate.
      case WAITING -> {
        boolean known = admission.position() != null || now.isBefore(sale.getStartsAt());
        yield new QueueBody(tokenText, "WAITING", admission.position(), known ? seconds(now, admission.at()) : null,
            known ? admission.at() : null, pollUrl, null, null, null);
      }
    };
  }

  private static long seconds(Instant from, Instant to) {
    return Math.max(0, (Duration.between(from, to).toMillis() + 999) / 1000);
  }
}
