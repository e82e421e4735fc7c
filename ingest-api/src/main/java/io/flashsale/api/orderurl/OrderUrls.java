package io.flashsale.api.orderurl;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hidden order URL of a sale with {@code hiddenOrderUrl}: its purchases go to
 * {@code /api/sales/{saleId}/purchases/{secret}}, the secret being
 * {@code base64url(first 16 bytes of HMAC-SHA256(key, "order-url" LF saleId LF createdAt millis))}. Every API
 * instance computes the same path from the sale it has read and the key they share ({@link OrderUrlSettings}), so no
 * store is needed and none can lag; {@code createdAt} makes a sale id defined again (a new stack, a reset log) get a
 * new path. 128 bits: out of reach of guessing at any request rate, until {@link OrderUrlRoutes} reveals it at the
 * start. The public path of such a sale, a wrong secret and a secret on a sale without the option are all the same
 * 404 as an unknown sale, before anything is read or written.
 */
public final class OrderUrls {
  /** The path parameter that carries the secret. */
  public static final String SECRET_PARAM = "secret";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final int SECRET_BYTES = 16;

  /** A sale's secrets under the current and the previous key (null: no rotation under way). */
  private record Secrets(byte[] current, byte[] previous) {}

  private final byte[] key;
  private final byte[] previousKey;
  // One entry per sale defined (a few per day), keyed by id and creation, so never evicted; a click on an unknown
  // sale is refused before it gets here.
  private final Map<String, Secrets> secrets = new ConcurrentHashMap<>();

  public OrderUrls(OrderUrlSettings settings) {
    this.key = settings.secret().getBytes(StandardCharsets.UTF_8);
    this.previousKey = settings.previousSecret() == null ? null
        : settings.previousSecret().getBytes(StandardCharsets.UTF_8);
  }

  /** The path a purchase in {@code sale} goes to: its hidden one, or the public one for a sale without the option. */
  public String purchasePath(Sale sale) {
    String path = "/api/sales/" + sale.getSaleId() + "/purchases";
    return sale.getHiddenOrderUrl() ? path + "/" + secret(sale) : path;
  }

  /** The secret of {@code sale}'s hidden path under the current key. */
  public String secret(Sale sale) {
    return B64.encodeToString(secrets(sale).current());
  }

  /**
   * SALE_NOT_FOUND, as for an unknown sale, unless the request came the way {@code sale} takes purchases: its hidden
   * path (current or previous key) when it has one, the public path otherwise.
   */
  public void require(Context ctx, Sale sale) {
    String given = ctx.pathParamMap().get(SECRET_PARAM);
    if (sale.getHiddenOrderUrl() ? !matches(sale, given) : given != null) {
      throw new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + sale.getSaleId());
    }
  }

  /** Whether {@code given} is the secret of {@code sale}'s path under the current or the previous key. */
  boolean matches(Sale sale, String given) {
    if (given == null) {
      return false;
    }
    byte[] text = given.getBytes(StandardCharsets.UTF_8);
    Secrets expected = secrets(sale);
    // Constant time on both, so neither the answer's time nor which key matched tells a prober how close it came.
    boolean current = MessageDigest.isEqual(text, B64.encode(expected.current()));
    boolean previous = expected.previous() != null && MessageDigest.isEqual(text, B64.encode(expected.previous()));
    return current | previous;
  }

  private Secrets secrets(Sale sale) {
    String message = "order-url\n" + sale.getSaleId() + "\n" + sale.getCreatedAt().toEpochMilli();
    return secrets.computeIfAbsent(message, m -> new Secrets(derive(key, m),
        previousKey == null ? null : derive(previousKey, m)));
  }

  private static byte[] derive(byte[] key, String message) {
    return Arrays.copyOf(hmac(key, message), SECRET_BYTES);
  }

  /** The order URLs' own key drawn from another secret ({@code root}), so that neither key gives the other. */
  static String derivedKey(String root) {
    return B64.encodeToString(hmac(root.getBytes(StandardCharsets.UTF_8), "order-url-key"));
  }

  private static byte[] hmac(byte[] key, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
