package io.flashsale.api.purchase;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The long polls waiting for a purchase's decision, by request id: no thread waits, a future per request is
 * completed by the view's thread when the outcome is read. A waiter gone quiet is forgotten after the longest wait.
 */
final class DecisionWaiters {
  private final Cache<String, CompletableFuture<Purchase>> decisions;

  DecisionWaiters(Duration maxWait) {
    this.decisions = Caffeine.newBuilder().expireAfterAccess(maxWait.plusMinutes(1)).build();
  }

  /** Completes with the purchase once it is decided, or with its state as it is when the wait ends. */
  CompletableFuture<Purchase> await(String requestId, Duration wait, Function<String, Optional<Purchase>> lookUp) {
    CompletableFuture<Purchase> decided = decisions.get(requestId, id -> new CompletableFuture<>());
    // Looked up after registering: a decision applied in between is seen here, a later one completes the future.
    Purchase current = lookUp.apply(requestId).orElse(null);
    if (current != null && !current.pending()) {
      return CompletableFuture.completedFuture(current);
    }
    return decided.copy().completeOnTimeout(current, wait.toMillis(), TimeUnit.MILLISECONDS);
  }
  /** The purchase was decided: its waiters are answered. */
  void decided(Purchase purchase) {
    CompletableFuture<Purchase> waiting = decisions.asMap().remove(purchase.requestId());
    if (waiting != null) {
      waiting.complete(purchase);
    }
  }
}
