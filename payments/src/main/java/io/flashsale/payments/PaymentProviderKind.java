package io.flashsale.payments;

import java.util.Locale;
import java.util.Map;

/** Which provider the shop pays through: FLASHSALE_PAYMENT_PROVIDER, {@code simulator} (the default) or {@code stripe}. */
public enum PaymentProviderKind {
  /** {@link PaymentSimulator}, or anything serving its API, through {@link HttpPaymentProvider}. */
  SIMULATOR,
  /** Stripe, through {@link StripePaymentProvider}; see {@link StripeConfig}. */
  STRIPE;

  public static final String VARIABLE = "FLASHSALE_PAYMENT_PROVIDER";

  public static PaymentProviderKind fromEnv(Map<String, String> env) {
    String value = env.getOrDefault(VARIABLE, "simulator").trim();
    try {
      return value.isEmpty() ? SIMULATOR : valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(VARIABLE + " must be simulator or stripe, was '" + value + "'");
    }
  }
}
