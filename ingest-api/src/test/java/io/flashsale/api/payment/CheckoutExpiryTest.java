package io.flashsale.api.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.payments.PaymentProvider;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which payments a hold's end expires at the provider: a checkout's at once, an order's once none of its holds is
 * held, a paid one never; each once. The provider records the calls (the API's tests with the simulator and Stripe's
 * stub check the calls themselves: CartRoutesTest, StripeCheckoutTest).
 */
class CheckoutExpiryTest {
  private final List<String> expired = new CopyOnWriteArrayList<>();
  private final CheckoutExpiry expiry = new CheckoutExpiry((PaymentProvider) Proxy.newProxyInstance(
      getClass().getClassLoader(), new Class<?>[] {PaymentProvider.class}, (proxy, method, args) -> {
        if (!method.getName().equals("expirePayment")) {
          throw new UnsupportedOperationException(method.getName());
        }
        expired.add((String) args[0]);
        return null;
      }));

  @AfterEach
  void close() throws InterruptedException {
    expiry.close();
  }

  @Test
  void aCheckoutIsExpiredOnceWhenItsHoldEnds() {
    expiry.opened("r1", "pay-1", id -> true);
    expiry.opened("r2", "pay-2", id -> true);

    expiry.outcomeSeen(outcome("r1", OutcomeStatus.EXPIRED));
    expiry.outcomeSeen(outcome("r1", OutcomeStatus.EXPIRED)); // the same end read again
    expiry.outcomeSeen(outcome("r2", OutcomeStatus.CANCELLED));

    awaitExpired("pay-1", "pay-2");
  }

  @Test
  void anOrderStaysOpenWhileAnyOfItsHoldsIsHeld() {
    expiry.opened(List.of("a", "b", "c"), "order-pay", id -> true);

    expiry.outcomeSeen(outcome("a", OutcomeStatus.EXPIRED));
    expiry.outcomeSeen(outcome("b", OutcomeStatus.CANCELLED));
    expiry.outcomeSeen(outcome("b", OutcomeStatus.CANCELLED));
    assertNothingExpired();

    expiry.outcomeSeen(outcome("c", OutcomeStatus.EXPIRED));
    awaitExpired("order-pay");
  }

  @Test
  void anOrderWhoseHoldsEndedBeforeItWasKnownIsExpiredAtOnceOnlyIfNoneIsHeld() {
    expiry.opened(List.of("a", "b"), "late", id -> false);
    expiry.opened(List.of("c", "d"), "half", id -> id.equals("d"));

    awaitExpired("late");
    expiry.outcomeSeen(outcome("d", OutcomeStatus.EXPIRED));
    awaitExpired("late", "half");
  }

  @Test
  void aPaidPaymentIsNeverExpiredNorAreTheOtherPaymentsOfItsHolds() {
    expiry.opened(List.of("a", "b"), "order-pay", id -> true);
    expiry.opened("c", "checkout-pay", id -> true);

    // Stripe confirms with the PaymentIntent, not the Session the checkout got: any confirmation of a hold will do.
    expiry.outcomeSeen(outcome("a", OutcomeStatus.CONFIRMED));
    expiry.outcomeSeen(outcome("b", OutcomeStatus.EXPIRED));
    expiry.outcomeSeen(outcome("c", OutcomeStatus.CONFIRMED));
    expiry.outcomeSeen(outcome("c", OutcomeStatus.EXPIRED));

    assertNothingExpired();
  }

  @Test
  void aHoldCheckedOutAloneAndThenOrderedEndsBoth() {
    expiry.opened("a", "checkout-pay", id -> true);
    expiry.opened(List.of("a", "b"), "order-pay", id -> true);

    expiry.outcomeSeen(outcome("a", OutcomeStatus.EXPIRED));
    awaitExpired("checkout-pay");
    expiry.outcomeSeen(outcome("b", OutcomeStatus.EXPIRED));
    awaitExpired("checkout-pay", "order-pay");
  }

  private void awaitExpired(String... paymentIds) {
    await().atMost(Duration.ofSeconds(5)).until(() -> expired.size() >= paymentIds.length);
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> expired.size() == paymentIds.length);
    assertThat(Set.copyOf(expired)).containsExactlyInAnyOrder(paymentIds);
  }

  private void assertNothingExpired() {
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(expired::isEmpty);
  }

  private static PurchaseOutcome outcome(String requestId, OutcomeStatus status) {
    return PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId("sale").setSku("SKU-sale").setUserId("u")
        .setQuantity(1).setStatus(status).setDecidedAt(Instant.now())
        .setPaymentId(status == OutcomeStatus.CONFIRMED ? "pi_123" : null).build();
  }
}
