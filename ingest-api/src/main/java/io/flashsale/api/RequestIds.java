package io.flashsale.api;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Request ids. With an Idempotency-Key the id is a name-based UUID of (sale, user, key), so every retry
 * of the same click, on any instance and after any restart, carries the same id and the topology's
 * dedup by request id makes a second reservation impossible.
 */
public final class RequestIds {
  static final int MAX_KEY_LENGTH = 64;

  private RequestIds() {}

  /** The id for this purchase: derived when a key was given, random otherwise. */
  public static String requestId(String saleId, String userId, String idempotencyKey) {
    if (idempotencyKey == null) {
      return UUID.randomUUID().toString();
    }
    // NUL separates the parts: sale ids and keys cannot contain it, so distinct triples never share a name.
    String name = saleId + '\0' + userId + '\0' + idempotencyKey;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The Idempotency-Key header value, or null when absent; VALIDATION unless 1-64 printable ASCII. */
  public static String idempotencyKey(String header) {
    if (header == null) {
      return null;
    }
    if (header.isEmpty() || header.length() > MAX_KEY_LENGTH || !header.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
      throw new Problem(ErrorCode.VALIDATION, "Idempotency-Key must be 1-" + MAX_KEY_LENGTH + " printable ASCII characters");
    }
    return header;
  }
}
