package io.flashsale.api.http;

import java.util.Locale;

/** The machine-readable {@code code} of every problem+json answer, with its HTTP status. */
public enum ErrorCode {
  VALIDATION(400, "Invalid request"),
  /** A request the HTTP server could not parse (request line, headers, framing), refused before any route. */
  BAD_REQUEST(400, "Bad request"),
  UNAUTHENTICATED(401, "Authentication required"),
  FORBIDDEN(403, "Not allowed"),
  /** A purchase in a sale with a waiting room without the pass its admission gives. */
  PASS_REQUIRED(403, "Purchase pass required"),
  /** A pass that is forged, expired, or another buyer's or another sale's. */
  PASS_INVALID(403, "Purchase pass invalid"),
  /** A join without the proof of work the waiting room asks, with a wrong one, or with a challenge used before. */
  PROOF_REQUIRED(403, "Proof of work required"),
  /** The sale requires a device and the buyer's token names none ({@code did}). */
  DEVICE_REQUIRED(403, "Device required"),
  NOT_FOUND(404, "No such resource"),
  SALE_NOT_FOUND(404, "Sale not found"),
  PURCHASE_NOT_FOUND(404, "Purchase not found"),
  /** No order of this buyer by that id: someone else's is none too. */
  ORDER_NOT_FOUND(404, "Order not found"),
  METHOD_NOT_ALLOWED(405, "Method not allowed"),
  SALE_EXISTS(409, "Sale already exists"),
  SALE_NOT_STARTED(409, "Sale has not started"),
  SALE_ENDED(409, "Sale has ended"),
  SOLD_OUT(409, "Sold out"),
  INVALID_STATE(409, "Invalid state"),
  PAYLOAD_TOO_LARGE(413, "Payload too large"),
  URI_TOO_LONG(414, "URI too long"),
  UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
  HEADERS_TOO_LARGE(431, "Request header fields too large"),
  RATE_LIMITED(429, "Too many requests"),
  INTERNAL(500, "Internal error"),
  UNAVAILABLE(503, "Service unavailable");

  public final int status;
  public final String title;

  ErrorCode(int status, String title) {
    this.status = status;
    this.title = title;
  }

  /**
   * The code of an answer the HTTP server gives on its own, by status: the generic code of that status, or
   * BAD_REQUEST / INTERNAL for a status without one.
   */
  public static ErrorCode ofServerStatus(int status) {
    return switch (status) {
      case 404 -> NOT_FOUND;
      case 405 -> METHOD_NOT_ALLOWED;
      case 413 -> PAYLOAD_TOO_LARGE;
      case 414 -> URI_TOO_LONG;
      case 415 -> UNSUPPORTED_MEDIA_TYPE;
      case 431 -> HEADERS_TOO_LARGE;
      case 503 -> UNAVAILABLE;
      default -> status < 500 ? BAD_REQUEST : INTERNAL;
    };
  }

  /** RFC 9457 {@code type}: a stable identifier per code, not meant to be dereferenced. */
  public String type() {
    return "urn:flashsale:problem:" + name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
