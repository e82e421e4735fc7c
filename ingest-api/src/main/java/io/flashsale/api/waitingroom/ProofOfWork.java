package io.flashsale.api.waitingroom;

import io.flashsale.api.sale.ProofOfWorkBits;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The check of a join's proof of work: SHA-256(challenge + ":" + nonce) starts with {@code bits} zero bits.
 * One hash for the server, about 2^bits for the client. A waiting room asks for none (0) or at least
 * {@link ProofOfWorkBits#MIN}, and for more by itself while joins come faster than its threshold
 * ({@link #effectiveBits}).
 */
public final class ProofOfWork {
  private ProofOfWork() {}

  /**
   * The difficulty a join needs now: {@code configured} while joins come at most {@code riseAbove} a second (0: never
   * rises), else one bit more per doubling beyond it, counted from at least {@link ProofOfWorkBits#MIN}, so that a
   * crowd of bots joining ever faster pays ever more per join; at most {@code max}.
   */
  static int effectiveBits(int configured, double joinsPerSecond, int riseAbove, int max) {
    if (riseAbove <= 0 || joinsPerSecond <= riseAbove) {
      return configured;
    }
    int doublings = (int) Math.ceil(Math.log(joinsPerSecond / riseAbove) / Math.log(2));
    return Math.min(max, Math.max(configured, ProofOfWorkBits.MIN) + Math.max(1, doublings));
  }

  static boolean solves(String challenge, String nonce, int bits) {
    if (nonce == null || nonce.isEmpty() || nonce.length() > 64) {
      return false;
    }
    return leadingZeroBits(sha256(challenge + ":" + nonce)) >= bits;
  }

  /** A nonce that solves the challenge, found by counting up: for clients and tests. */
  public static String solve(String challenge, int bits) {
    for (long n = 0; ; n++) {
      String nonce = Long.toString(n);
      if (solves(challenge, nonce, bits)) {
        return nonce;
      }
    }
  }

  static int leadingZeroBits(byte[] hash) {
    int zeros = 0;
    for (byte b : hash) {
      if (b == 0) {
        zeros += 8;
        continue;
      }
      return zeros + Integer.numberOfLeadingZeros(b & 0xFF) - 24;
    }
    return zeros;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JVM has SHA-256", e);
    }
  }
}
