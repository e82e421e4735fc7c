package io.flashsale.api.sale;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * A sale as clients see it: every field it was created with; {@code remainingSeconds} until the start while
 * SCHEDULED, until the end while LIVE (null otherwise); {@code endedAt} once an admin ended it before its endsAt;
 * {@code hiddenOrderUrl}: purchases go to the path {@code GET /api/sales/{saleId}/order-url} reveals from the start;
 * {@code lastDraw}: units that come back after the sell-out go by a draw among waiting buyers, whose latest round
 * {@code lastDrawRound} tells (its winners as tags, {@link LastDrawRoundBody#tag}, so that no user id is shown).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SaleBody(String saleId, String sku, String name, String description, int stock, int remaining,
                       int perUserLimit, Integer perDeviceLimit, boolean requireDevice, long priceCents,
                       Long originalPriceCents, String currency, Instant startsAt, Instant endsAt, int holdSeconds,
                       String allocation, WaitingRoomBody waitingRoom, String drawSeedHash, SaleStatus status,
                       Long remainingSeconds, Instant serverTime, Instant endedAt, int shards,
                       boolean hiddenOrderUrl, boolean lastDraw, LastDrawRoundBody lastDrawRound) {
  public record WaitingRoomBody(int admitPerSecond, int passSeconds, int preQueueSeconds, int proofOfWorkBits,
                                int idleSeconds) {}

  /** The latest round of a last draw: a buyer finds itself among {@code winnerTags} by its own tag. */
  public record LastDrawRoundBody(int round, Instant drawnAt, Instant claimUntil, int winners, List<String> winnerTags) {
    static LastDrawRoundBody of(LastDrawRound round) {
      return new LastDrawRoundBody(round.getRound(), round.getDrawnAt(), round.getClaimUntil(), round.getWinners().size(),
          round.getWinners().stream().map(userId -> tag(round.getSaleId(), userId)).toList());
    }

    /**
     * A winner's tag: the first 16 hex digits of SHA-256(saleId + ":" + userId), which the buyer page computes from
     * its own token's subject.
     */
    public static String tag(String saleId, String userId) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256")
            .digest((saleId + ":" + userId).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 8);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("Every JVM has SHA-256", e);
      }
    }
  }

  /** The body of {@code sale} at {@code now}, from what {@code sales} has read of it. */
  public static SaleBody of(Sale sale, SaleView sales, Instant now) {
    int remaining = sales.available(sale);
    Instant closesAt = sales.closesAt(sale);
    SaleStatus status = SaleStatus.of(sale, remaining, closesAt, now); // the remaining shown, not a later read
    WaitingRoom room = sale.getWaitingRoom();
    return new SaleBody(sale.getSaleId(), sale.getSku(), sale.getName(), sale.getDescription(), sale.getStock(),
        remaining, sale.getPerUserLimit(), sale.getPerDeviceLimit(), sale.getRequireDevice(), sale.getPriceCents(),
        sale.getOriginalPriceCents(), sale.getCurrency(), sale.getStartsAt(), sale.getEndsAt(), sale.getHoldSeconds(),
        sale.getAllocation().name(), room == null ? null : new WaitingRoomBody(room.getAdmitPerSecond(),
            room.getPassSeconds(), room.getPreQueueSeconds(), room.getProofOfWorkBits(), room.getIdleKickSeconds()),
        sale.getDrawSeedHash(), status, remainingSeconds(sale, status, closesAt, now), now,
        sales.endedAt(sale.getSaleId()).orElse(null), sale.getShards(),
        sale.getHiddenOrderUrl(), sale.getLastDraw(),
        sale.getLastDraw() ? sales.lastDrawRound(sale.getSaleId()).map(LastDrawRoundBody::of).orElse(null) : null);
  }

  /** Whole seconds, rounded up, until the start while SCHEDULED or until the close while LIVE; null otherwise. */
  private static Long remainingSeconds(Sale sale, SaleStatus status, Instant closesAt, Instant now) {
    Instant until = switch (status) {
      case SCHEDULED -> sale.getStartsAt();
      case LIVE -> closesAt;
      default -> null;
    };
    return until == null ? null : Math.max(0, (Duration.between(now, until).toMillis() + 999) / 1000);
  }
}
