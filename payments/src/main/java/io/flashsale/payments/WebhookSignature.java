package io.flashsale.payments;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stripe's webhook signatures: header {@code Flashsale-Signature} from the simulator ({@code Stripe-Signature} from
 * Stripe, see {@link WebhookScheme}) with {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">}.
 * Signing the timestamp with the body lets a receiver refuse replays outside a window.
 */
public final class WebhookSignature {
  public static final String HEADER = "Flashsale-Signature";
  private static final String ALGORITHM = "HmacSHA256";
  private static final String SCHEME = "v1";

  private WebhookSignature() {}

  /** The header value for {@code body} signed at {@code unixSeconds}. */
  public static String header(String secret, long unixSeconds, String body) {
    return "t=" + unixSeconds + "," + SCHEME + "=" + HexFormat.of().formatHex(hmac(secret, unixSeconds, body));
  }

  /**
   * True if {@code header} carries a v1 signature of {@code body} made with {@code secret} at a time within
   * {@code tolerance} of {@code now}. A missing or malformed header is simply not valid.
   */
  public static boolean verify(String secret, String header, String body, Instant now, Duration tolerance) {
    if (header == null || body == null) {
      return false;
    }
    Long timestamp = null;
    List<byte[]> signatures = new ArrayList<>(); // several v1 entries are allowed while a secret is rotated
    for (String part : header.split(",")) {
      String[] pair = part.trim().split("=", 2);
      if (pair.length != 2) {
        return false;
      }
      try {
        if (pair[0].equals("t")) {
          timestamp = Long.parseLong(pair[1]);
        } else if (pair[0].equals(SCHEME)) {
          signatures.add(HexFormat.of().parseHex(pair[1]));
        }
      } catch (IllegalArgumentException e) { // NumberFormatException included
        return false;
      }
    }
    if (timestamp == null || signatures.isEmpty()) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - timestamp) > tolerance.toSeconds()) {
      return false;
    }
    byte[] expected = hmac(secret, timestamp, body);
    boolean valid = false;
    for (byte[] signature : signatures) {
      valid |= MessageDigest.isEqual(expected, signature); // constant time: no guessing byte by byte
    }
    return valid;
  }

  private static byte[] hmac(String secret, long unixSeconds, String body) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
      return mac.doFinal((unixSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
