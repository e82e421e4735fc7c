package io.flashsale.api.http;

import io.flashsale.schemas.InputRules;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Request ids. With an Idempotency-Key the id is a name-based UUID of (sale, user, key), so every retry
 * of the same click, on any instance and after any restart, carries the same id and the topology's
 * dedup by request id makes a second reservation impossible.
 */
public final class RequestIds {
  static final int MAX_KEY_LENGTH = InputRules.MAX_IDEMPOTENCY_KEY_LENGTH;

  private RequestIds() {}

  /** The id for this purchase: derived when a key was given, random otherwise. */
  public static String requestId(String saleId, String userId, String idempotencyKey) {
    if (idempotencyKey == null) {
      return UUID.randomUUID().toString();
    }
    // NUL separates the parts: no id or key may contain it (InputRules), so distinct triples never share a name.
    String name = saleId + '\0' + userId + '\0' + idempotencyKey;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The Idempotency-Key header value, or null when absent; VALIDATION unless 1-64 printable ASCII. */
  public static String idempotencyKey(String header) {
    String error = InputRules.idempotencyKey("Idempotency-Key", header);
    if (error != null) {
      throw new Problem(ErrorCode.VALIDATION, error);
    }
    return header;
  }
}
