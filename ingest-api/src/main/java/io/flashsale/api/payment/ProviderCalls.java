package io.flashsale.api.payment;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.payments.PaymentProviderException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls that wait on the payment provider, made on a pool of their own: a provider answers in a few hundred
 * milliseconds, and the HTTP threads are few (JettySettings) so that they only parse and answer. A provider that
 * fails or cannot be reached is 503 UNAVAILABLE with Retry-After: the buyer's retry is safe, every call is
 * idempotent at the provider.
 */
public final class ProviderCalls {
  private static final Logger log = LoggerFactory.getLogger(ProviderCalls.class);

  private final PaymentProvider provider;
  private final Executor pool;

  public ProviderCalls(PaymentProvider provider, Executor pool) {
    this.provider = provider;
    this.pool = pool;
  }

  /** A payment for {@code order}; {@code what} names it in the log when the provider fails. */
  public CompletableFuture<Payment> createPayment(PaymentOrder order, String what) {
    return call(() -> provider.createPayment(order), what);
  }

  /** Any work that may ask the provider (reading a webhook may); its Problems are the route's answer. */
  public <T> CompletableFuture<T> call(Supplier<T> work, String what) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return work.get();
      } catch (PaymentProviderException e) {
        log.warn("{} needed the payment provider, which failed: {}", what, e.getMessage());
        throw new Problem(ErrorCode.UNAVAILABLE, "The payment provider is not available, please retry",
            Map.of("Retry-After", "1"), Map.of());
      }
    }, pool);
  }
}
