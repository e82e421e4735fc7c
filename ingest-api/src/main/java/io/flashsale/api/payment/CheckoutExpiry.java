package io.flashsale.api.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkout ends with its hold: when the purchase view reads that a hold ended unpaid (EXPIRED or CANCELLED), the
 * payment this instance opened for it at the provider is expired at once, so the buyer can no longer pay for stock
 * that went back to the sale (Stripe's guide "Manage limited inventory"). A payment that still arrives late (it was
 * under way, or this instance died first) is handled by the topology: confirmed late if stock allows, else a refund
 * due.
 *
 * <p>Only the instance that created a payment expires it. It alone holds the payment's id, from the provider's
 * answer; the others would have to find it at the provider (Stripe lists sessions by PaymentIntent, not by the
 * shop's metadata; its search lags about a minute), and with every instance calling, each hold's end would cost as
 * many calls as there are instances. What an instance that died had opened still closes by itself: a session is
 * created to end 31 minutes after its hold at the latest ({@code expires_at}). Expiring twice (a repeated outcome,
 * a retried call) is harmless at the provider.
 */
public final class CheckoutExpiry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckoutExpiry.class);
  /** Stripe's sessions live at most 24 hours: after that there is nothing left to expire. */
  private static final Duration REMEMBERED = Duration.ofHours(25);
  /**
   * Open checkouts remembered, at most: one per held purchase this instance checked out, so a sale's stock bounds
   * it; 1,000,000 entries of two ids are about 200 MB at the very worst, far above any stock held at once.
   */
  private static final long MAX_OPEN = 1_000_000;

  private final PaymentProvider payments;
  /** Payment id by request id, for the checkouts this instance opened whose hold has not ended yet. */
  private final Cache<String, String> open = Caffeine.newBuilder().expireAfterWrite(REMEMBERED).maximumSize(MAX_OPEN)
      .build();
  /** The provider is called off the view's thread, which must not wait for HTTP; two calls at a time. */
  private final ExecutorService calls = Executors.newFixedThreadPool(2, runnable -> {
    Thread thread = new Thread(runnable, "flashsale-checkout-expiry");
    thread.setDaemon(true);
    return thread;
  });

  public CheckoutExpiry(PaymentProvider payments) {
    this.payments = payments;
  }

  /**
   * This instance opened {@code paymentId} for the held purchase. If the hold ended meanwhile ({@code stillHeld}
   * false, its end read before this was known), the payment is expired now.
   */
  public void opened(String requestId, String paymentId, BooleanSupplier stillHeld) {
    open.put(requestId, paymentId);
    if (!stillHeld.getAsBoolean()) {
      ended(requestId);
    }
  }

  /** Every outcome the purchase view reads, repeats included: an end of a hold expires its open checkout. */
  public void outcomeSeen(PurchaseOutcome outcome) {
    OutcomeStatus status = outcome.getStatus();
    if (status == OutcomeStatus.EXPIRED || status == OutcomeStatus.CANCELLED) {
      ended(outcome.getRequestId());
    } else if (status == OutcomeStatus.CONFIRMED) {
      open.invalidate(outcome.getRequestId()); // paid: nothing to close
    }
  }

  private void ended(String requestId) {
    String paymentId = open.asMap().remove(requestId);
    if (paymentId == null) {
      return;
    }
    calls.execute(() -> {
      try {
        payments.expirePayment(paymentId);
        log.debug("Expired payment {} of {}: its hold ended", paymentId, requestId);
      } catch (RuntimeException e) { // PaymentProviderException, or anything else the call met
        // The provider retried what it could. The payment still ends by itself, and a late one is handled.
        log.warn("Could not expire payment {} of {} whose hold ended: {}", paymentId, requestId, e.getMessage());
      }
    });
  }

  @Override
  public void close() throws InterruptedException {
    calls.shutdown();
    calls.awaitTermination(5, TimeUnit.SECONDS);
  }
}
