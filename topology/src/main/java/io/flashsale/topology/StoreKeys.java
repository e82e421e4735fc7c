package io.flashsale.topology;

import java.time.Instant;

/**
 * Keys of stores that hold several entries per sale: the saleId, a separator, then the entry's own id.
 * The separator is the ASCII unit separator, which {@link Validation} refuses in ids, so the prefix of
 * one sale never matches the keys of another and a prefix range scan finds exactly one sale's entries.
 *
 * <p>The hold-expiry index is keyed by time instead: the expiry in epoch millis, zero-padded to 13 digits
 * (enough until the year 2286) so that the keys' byte order is time order, then the separator and the
 * requestId. A range scan from {@link #FIRST_HOLD_EXPIRY} to {@link #holdExpiriesAfter} finds exactly
 * the holds due by then. The purge indexes ({@link #timed}) use the same layout: a due time, the
 * separator, then the id of what is due.
 */
final class StoreKeys {
  static final char SEPARATOR = '\u001F';
  private static final int EXPIRY_DIGITS = 13;
  static final String FIRST_HOLD_EXPIRY = expiryMillis(0);

  private StoreKeys() {}

  static String saleScoped(String saleId, String id) {
    return saleId + SEPARATOR + id;
  }

  /** The id of a {@link #saleScoped} key: what follows the sale's separator. */
  static String idOfSaleScoped(String key) {
    return key.substring(key.indexOf(SEPARATOR) + 1);
  }

  static String salePrefix(String saleId) {
    return saleId + SEPARATOR;
  }

  /** The bound just above every key of one sale: no key of the sale reaches it, and no key of another sale lies below it. */
  static String saleEnd(String saleId) {
    return saleId + (char) (SEPARATOR + 1);
  }

  /**
   * A lottery ticket's key: the sale, its score (64 hex digits, so that byte order is score order), then the user,
   * which breaks a tie of scores.
   */
  static String ticket(String saleId, String score, String userId) {
    return saleId + SEPARATOR + score + SEPARATOR + userId;
  }

  static String holdExpiry(Instant expiresAt, String requestId) {
    return timed(expiresAt, requestId);
  }

  /** A key of a time index: {@code dueAt} as 13 zero-padded digits, the separator, then {@code id}. */
  static String timed(Instant dueAt, String id) {
    return expiryMillis(dueAt.toEpochMilli()) + SEPARATOR + id;
  }

  /** The id that a key of a time index names. */
  static String idOfTimed(String key) {
    return key.substring(key.indexOf(SEPARATOR) + 1);
  }

  /**
   * The bound just above every index key of holds expiring at or before {@code nowMs}: the next
   * millisecond alone. No key equals it (every key has a separator after the digits), and a key of a
   * later millisecond sorts above it.
   */
  static String holdExpiriesAfter(long nowMs) {
    return timedAfter(nowMs);
  }

  /** The bound just below every hold-expiry key of the millisecond {@code nowMs} and later ones. */
  static String holdExpiriesFrom(long nowMs) {
    return expiryMillis(nowMs);
  }

  /** The bound just above every key of a time index due at or before {@code nowMs}; see {@link #holdExpiriesAfter}. */
  static String timedAfter(long nowMs) {
    return expiryMillis(nowMs + 1);
  }

  // Not String.format: it is on the path of every accepted request, and costs a microsecond there.
  private static String expiryMillis(long epochMillis) {
    String digits = Long.toString(epochMillis);
    return "0".repeat(Math.max(0, EXPIRY_DIGITS - digits.length())) + digits;
  }
}
