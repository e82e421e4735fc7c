package io.flashsale.api.sale;

import io.flashsale.schemas.LastDrawRound;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The rounds of last draws as read from {@code last-draws}: the latest of each sale, and each winner's claim. */
final class LastDrawRounds {
  /** The latest round of each last draw, by saleId. */
  private final Map<String, LastDrawRound> latest = new ConcurrentHashMap<>();
  /** saleId + newline + userId -> until when the last draw reserves a unit for the user: one entry per winner. */
  private final Map<String, Instant> claims = new ConcurrentHashMap<>();

  void read(LastDrawRound round) {
    round.getWinners().forEach(userId -> claims.putIfAbsent(round.getSaleId() + '\n' + userId, round.getClaimUntil()));
    latest.merge(round.getSaleId(), round, (known, read) -> read.getRound() > known.getRound() ? read : known);
  }

  Optional<LastDrawRound> latest(String saleId) {
    return Optional.ofNullable(latest.get(saleId));
  }

  Optional<Instant> claim(String saleId, String userId) {
    return Optional.ofNullable(claims.get(saleId + '\n' + userId));
  }
}
