package io.flashsale.api.waitingroom;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The waiting room's signed texts, so that every instance can check what any instance issued without shared
 * state: a queue token (a user's place in a sale), a purchase pass (admitted to buy in a sale until a time) and a
 * proof-of-work challenge. Each is {@code base64url(fields) "." base64url(HMAC-SHA256)} under a key derived from
 * the waiting room's own secret for its kind, so a text of one kind never passes as another. Fields are joined by a
 * line feed, which the input rules refuse in ids.
 *
 * <p>The secret is the waiting room's alone (FLASHSALE_WAITING_ROOM_SECRET), never the buyers' JWT secret: whoever
 * issues buyer tokens (the shop's sign-in) must not be able to forge a pass, a place or the pre-queue's order. For
 * rotation a previous secret is accepted for verification while it is retired; everything new is signed with the
 * current one. The pre-queue's order is drawn from the current secret, so rotate between sales' pre-queues.
 */
public final class WaitingRoomSigner {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /**
   * A user's place, as the topology gave it, and when the buyer was last heard from (its join or poll that got this
   * token; null on a token issued before idle kicks, never kicked).
   */
  public record QueueToken(String saleId, String userId, long place, boolean preQueue, Instant seenAt) {
    public QueueToken(String saleId, String userId, long place, boolean preQueue) {
      this(saleId, userId, place, preQueue, null);
    }

    /** The same place, heard from at {@code at}. */
    public QueueToken seen(Instant at) {
      return new QueueToken(saleId, userId, place, preQueue, at);
    }
  }

  /** A challenge for one user's join. */
  record Challenge(String saleId, String userId, int bits, Instant expiresAt) {}

  /** The keys of one secret, one per kind of text. */
  private record Keys(byte[] token, byte[] pass, byte[] challenge, byte[] order) {
    static Keys of(String secret) {
      byte[] root = secret.getBytes(StandardCharsets.UTF_8);
      return new Keys(hmac(root, "queue-token"), hmac(root, "purchase-pass"), hmac(root, "challenge"),
          hmac(root, "pre-queue-order"));
    }
  }

  private final Keys current;
  private final Keys previous; // null: no rotation under way
  private final Map<String, QueueOrder.Shuffle> shuffles = new ConcurrentHashMap<>();

  public WaitingRoomSigner(String secret) {
    this(secret, null);
  }

  /** Signs with {@code current}; accepts what {@code previous} (null: none) signed too, while it is retired. */
  public WaitingRoomSigner(String current, String previous) {
    this.current = Keys.of(current);
    this.previous = previous == null ? null : Keys.of(previous);
  }

  public String token(QueueToken token) {
    String place = Long.toString(token.place());
    String preQueue = Boolean.toString(token.preQueue());
    return token.seenAt() == null ? sign(current.token(), token.saleId(), token.userId(), place, preQueue)
        : sign(current.token(), token.saleId(), token.userId(), place, preQueue,
            Long.toString(token.seenAt().toEpochMilli()));
  }

  public Optional<QueueToken> token(String text) {
    return verify(Keys::token, text, 4, 5).flatMap(f -> parse(() ->
        new QueueToken(f.get(0), f.get(1), Long.parseLong(f.get(2)), Boolean.parseBoolean(f.get(3)),
            f.size() == 5 ? Instant.ofEpochMilli(Long.parseLong(f.get(4))) : null)));
  }

  public String pass(String saleId, String userId, Instant expiresAt) {
    return sign(current.pass(), saleId, userId, Long.toString(expiresAt.toEpochMilli()));
  }

  /** True when the pass is this key's, for this sale and user, and not expired at {@code now}. */
  boolean passValid(String pass, String saleId, String userId, Instant now) {
    return verify(Keys::pass, pass, 3).flatMap(f -> parse(() -> f.get(0).equals(saleId) && f.get(1).equals(userId)
        && now.isBefore(Instant.ofEpochMilli(Long.parseLong(f.get(2)))))).orElse(false);
  }

  String challenge(Challenge challenge, String nonce) {
    return sign(current.challenge(), challenge.saleId(), challenge.userId(), Integer.toString(challenge.bits()),
        Long.toString(challenge.expiresAt().toEpochMilli()), nonce);
  }

  Optional<Challenge> challenge(String text) {
    return verify(Keys::challenge, text, 5).flatMap(f -> parse(() -> new Challenge(f.get(0), f.get(1),
        Integer.parseInt(f.get(2)), Instant.ofEpochMilli(Long.parseLong(f.get(3))))));
  }

  /** The shuffle of a sale's pre-queue: its key unknown to buyers, the same on every instance. */
  public QueueOrder.Shuffle shuffle(String saleId) {
    return shuffles.computeIfAbsent(saleId, id -> new QueueOrder.Shuffle(hmac(current.order(), id)));
  }

  private static String sign(byte[] key, String... fields) {
    return signed(key, String.join("\n", fields).getBytes(StandardCharsets.UTF_8));
  }

  private static String signed(byte[] key, byte[] payload) {
    return B64.encodeToString(payload) + "." + B64.encodeToString(hmac(key, payload));
  }

  /** The fields of {@code text} if the current key or, during a rotation, the previous one signed it. */
  private Optional<List<String>> verify(java.util.function.Function<Keys, byte[]> kind, String text, int fields) {
    return verify(kind, text, fields, fields);
  }

  private Optional<List<String>> verify(java.util.function.Function<Keys, byte[]> kind, String text, int minFields,
                                        int maxFields) {
    Optional<List<String>> found = verify(kind.apply(current), text, minFields, maxFields);
    return found.isPresent() || previous == null ? found : verify(kind.apply(previous), text, minFields, maxFields);
  }

  /**
   * The fields of {@code text} if it is exactly what this key signed. The whole text is compared with its
   * signing, not the decoded bytes: base64 lets several texts decode alike, and only one of them was issued.
   */
  private static Optional<List<String>> verify(byte[] key, String text, int minFields, int maxFields) {
    if (text == null || text.length() > 2048) {
      return Optional.empty();
    }
    int dot = text.indexOf('.');
    if (dot < 0) {
      return Optional.empty();
    }
    try {
      byte[] payload = B64D.decode(text.substring(0, dot));
      if (!MessageDigest.isEqual(text.getBytes(StandardCharsets.US_ASCII),
          signed(key, payload).getBytes(StandardCharsets.US_ASCII))) {
        return Optional.empty();
      }
      List<String> parts = List.of(new String(payload, StandardCharsets.UTF_8).split("\n", -1));
      return parts.size() >= minFields && parts.size() <= maxFields ? Optional.of(parts) : Optional.empty();
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
  }

  private static <T> Optional<T> parse(Supplier<T> parser) {
    try {
      return Optional.of(parser.get());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static byte[] hmac(byte[] key, String text) {
    return hmac(key, text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Every JVM has HmacSHA256", e);
    }
  }
}
