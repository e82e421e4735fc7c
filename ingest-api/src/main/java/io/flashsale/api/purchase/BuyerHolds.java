package io.flashsale.api.purchase;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The request ids of the purchases each buyer holds stock for now (ACCEPTED), for the buyer's cart: kept with the
 * outcomes, so that a cart is read without going over every live purchase, and bounded like the live purchases by
 * the holds.
 */
final class BuyerHolds {
  private final Map<String, Set<String>> byUser = new ConcurrentHashMap<>();

  /** Keeps the index in step with the purchase's latest state; on the view's thread only. */
  void track(Purchase purchase) {
    if (purchase.held()) {
      byUser.computeIfAbsent(purchase.userId(), user -> ConcurrentHashMap.newKeySet()).add(purchase.requestId());
      return;
    }
    byUser.computeIfPresent(purchase.userId(), (user, held) -> {
      held.remove(purchase.requestId());
      return held.isEmpty() ? null : held;
    });
  }

  /** The purchases {@code userId} holds now, as {@code live} has them. */
  List<Purchase> of(String userId, Function<String, Purchase> live) {
    Set<String> held = byUser.get(userId);
    if (held == null) {
      return List.of();
    }
    return held.stream().map(live).filter(p -> p != null && p.held() && p.userId().equals(userId)).toList();
  }
}
