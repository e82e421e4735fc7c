package io.flashsale.api.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkout ends with its holds: when the purchase view reads that a hold ended unpaid (EXPIRED or CANCELLED), a
 * payment this instance opened for it at the provider is expired once none of the holds it pays is held any more, so
 * the buyer can no longer pay for stock that went back to the sale (Stripe's guide "Manage limited inventory"). A
 * checkout pays one hold; an order pays several, and stays open while any of them is held: paying it then confirms
 * what is still held, and an item whose hold ended first is confirmed late if stock allows or refunded alone (API
 * "Cart and orders"). A payment that still arrives late (it was under way, or this instance died first) is handled by
 * the topology in the same way.
 *
 * <p>Only the instance that created a payment expires it. It alone holds the payment's id, from the provider's
 * answer; the others would have to find it at the provider (Stripe lists sessions by PaymentIntent, not by the
 * shop's metadata; its search lags about a minute), and with every instance calling, each hold's end would cost as
 * many calls as there are instances. What an instance that died had opened still closes by itself: a session is
 * created to end 31 minutes after its (soonest) hold at the latest ({@code expires_at}). Expiring twice (a repeated
 * outcome, a retried call) is harmless at the provider.
 */
public final class CheckoutExpiry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckoutExpiry.class);
  /** Stripe's sessions live at most 24 hours: after that there is nothing left to expire. */
  private static final Duration REMEMBERED = Duration.ofHours(25);
  /**
   * Open payments remembered, at most, and as many holds: one per held purchase this instance checked out or
   * ordered, so the sales' stock bounds them; 1,000,000 entries of a few ids are about 300 MB at the very worst, far
   * above any stock held at once.
   */
  private static final long MAX_OPEN = 1_000_000;

  private final PaymentProvider payments;
  /** For each open payment this instance made, the request ids of the holds it pays that are still held. */
  private final Cache<String, Set<String>> heldByPayment = Caffeine.newBuilder().expireAfterWrite(REMEMBERED)
      .maximumSize(MAX_OPEN).build();
  /** For each hold still held, the open payments this instance made for it (a checkout of its own, orders). */
  private final Cache<String, Set<String>> paymentsByHold = Caffeine.newBuilder().expireAfterWrite(REMEMBERED)
      .maximumSize(MAX_OPEN).build();
  /** The provider is called off the view's thread, which must not wait for HTTP; two calls at a time. */
  private final ExecutorService calls = Executors.newFixedThreadPool(2, runnable -> {
    Thread thread = new Thread(runnable, "flashsale-checkout-expiry");
    thread.setDaemon(true);
    return thread;
  });

  public CheckoutExpiry(PaymentProvider payments) {
    this.payments = payments;
  }

  /** This instance opened {@code paymentId} for one held purchase (a checkout). */
  public void opened(String requestId, String paymentId, Predicate<String> stillHeld) {
    opened(List.of(requestId), paymentId, stillHeld);
  }

  /**
   * This instance opened {@code paymentId} for these held purchases (an order). The holds that ended meanwhile
   * ({@code stillHeld} false, their end read before this was known) count as ended now; if none is held, the payment
   * is expired at once.
   */
  public void opened(List<String> requestIds, String paymentId, Predicate<String> stillHeld) {
    Set<String> held = ConcurrentHashMap.newKeySet();
    held.addAll(requestIds);
    heldByPayment.put(paymentId, held);
    for (String requestId : requestIds) {
      paymentsByHold.asMap().compute(requestId, (id, open) -> {
        Set<String> ids = open == null ? ConcurrentHashMap.newKeySet() : open;
        ids.add(paymentId);
        return ids;
      });
    }
    requestIds.stream().filter(stillHeld.negate()).forEach(this::ended);
  }

  /**
   * Every outcome the purchase view reads, repeats included: an end of a hold counts against each payment open for
   * it; a confirmation means a payment open for the hold was paid (the outcome names the provider's payment, which
   * need not be the id the checkout got: Stripe confirms with a PaymentIntent, the checkout is a Session), so every
   * payment open for it is forgotten, none expired, as a payment already made cannot be.
   */
  public void outcomeSeen(PurchaseOutcome outcome) {
    OutcomeStatus status = outcome.getStatus();
    if (status == OutcomeStatus.EXPIRED || status == OutcomeStatus.CANCELLED) {
      ended(outcome.getRequestId());
    } else if (status == OutcomeStatus.CONFIRMED) {
      confirmed(outcome.getRequestId());
    }
  }

  private void confirmed(String requestId) {
    Set<String> open = paymentsByHold.asMap().remove(requestId);
    for (String paymentId : open == null ? Set.<String>of() : open) {
      Set<String> held = heldByPayment.asMap().remove(paymentId);
      for (String other : held == null ? Set.<String>of() : held) {
        paymentsByHold.asMap().computeIfPresent(other, (id, ids) -> {
          ids.remove(paymentId);
          return ids.isEmpty() ? null : ids;
        });
      }
    }
  }

  private void ended(String requestId) {
    Set<String> open = paymentsByHold.asMap().remove(requestId);
    if (open == null) {
      return;
    }
    for (String paymentId : open) {
      Set<String> held = heldByPayment.getIfPresent(paymentId);
      // Expired by whoever takes its last hold off: a hold ending twice, or two ending at once, expire it once.
      if (held != null && held.remove(requestId) && held.isEmpty() && heldByPayment.asMap().remove(paymentId, held)) {
        expire(paymentId, requestId);
      }
    }
  }

  private void expire(String paymentId, String lastRequestId) {
    calls.execute(() -> {
      try {
        payments.expirePayment(paymentId);
        log.debug("Expired payment {}: its last hold, {}, ended", paymentId, lastRequestId);
      } catch (RuntimeException e) { // PaymentProviderException, or anything else the call met
        // The provider retried what it could. The payment still ends by itself, and a late one is handled.
        log.warn("Could not expire payment {} whose last hold, {}, ended: {}", paymentId, lastRequestId,
            e.getMessage());
      }
    });
  }

  @Override
  public void close() throws InterruptedException {
    calls.shutdown();
    calls.awaitTermination(5, TimeUnit.SECONDS);
  }
}
