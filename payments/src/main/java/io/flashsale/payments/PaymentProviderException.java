package io.flashsale.payments;

/** The provider did not do what was asked: it answered with an error, or not at all. */
public final class PaymentProviderException extends RuntimeException {
  private final int status;
  private final String errorType;
  private final String errorCode;
  private final boolean retryable;

  public PaymentProviderException(String message, int status, Throwable cause) {
    this(message, status, null, null, retryableStatus(status), cause);
  }

  /**
   * An error the provider described: its {@code type} and {@code code} (either may be null), and whether the
   * provider says trying the same request again may succeed.
   */
  public PaymentProviderException(String message, int status, String errorType, String errorCode, boolean retryable,
                                  Throwable cause) {
    super(message, cause);
    this.status = status;
    this.errorType = errorType;
    this.errorCode = errorCode;
    this.retryable = retryable;
  }

  /** The provider's HTTP status, or 0 when it did not answer. */
  public int status() {
    return status;
  }

  /** True when trying again later may succeed: no answer, 429 or a 5xx. */
  public boolean unavailable() {
    return retryableStatus(status);
  }

  /**
   * True when the same request (with the same idempotency key) may succeed if sent again: the provider was
   * unavailable, or it said so. A declined card or a malformed request is not retryable.
   */
  public boolean retryable() {
    return retryable;
  }

  /** The provider's class of error (Stripe's {@code error.type}, e.g. card_error), or null. */
  public String errorType() {
    return errorType;
  }

  /** The provider's code for the error (Stripe's {@code error.code}, e.g. card_declined), or null. */
  public String errorCode() {
    return errorCode;
  }

  static boolean retryableStatus(int status) {
    return status == 0 || status == 429 || status >= 500;
  }
}
