package io.flashsale.payments;

/** The provider did not do what was asked: it answered with an error, or not at all. */
public final class PaymentProviderException extends RuntimeException {
  private final int status;

  public PaymentProviderException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The provider's HTTP status, or 0 when it did not answer. */
  public int status() {
    return status;
  }

  /** True when trying again later may succeed: no answer, 429 or a 5xx. */
  public boolean unavailable() {
    return status == 0 || status == 429 || status >= 500;
  }
}
