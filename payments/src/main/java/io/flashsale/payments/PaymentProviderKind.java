package io.flashsale.payments;

import io.flashsale.settings.Settings;
import java.util.Map;

/** Which provider the shop pays through: FLASHSALE_PAYMENT_PROVIDER, {@code simulator} (the default) or {@code stripe}. */
public enum PaymentProviderKind {
  /** {@link PaymentSimulator}, or anything serving its API, through {@link HttpPaymentProvider}. */
  SIMULATOR,
  /** Stripe, through {@link StripePaymentProvider}; see {@link StripeConfig}. */
  STRIPE;

  public static final String VARIABLE = "FLASHSALE_PAYMENT_PROVIDER";

  public static PaymentProviderKind fromEnv(Map<String, String> env) {
    return fromEnv(Settings.of(env));
  }

  public static PaymentProviderKind fromEnv(Settings env) {
    return env.choice(VARIABLE, PaymentProviderKind.class, SIMULATOR);
  }
}
