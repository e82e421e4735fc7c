package io.flashsale.api.waitingroom;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The check of a join's proof of work: SHA-256(challenge + ":" + nonce) starts with {@code bits} zero bits.
 * One hash for the server, about 2^bits for the client. A waiting room asks for none (0) or at least
 * {@link #MIN_BITS}, and for more by itself while joins come faster than its threshold ({@link #effectiveBits}).
 */
public final class ProofOfWork {
  /**
   * The least difficulty a waiting room with a proof of work may ask for. 12 bits are 4,096 hashes on average:
   * 2.4 ms of one core in Java on the project's 2-core build machine (mean of 2,000 challenges, measured once by
   * {@code ProofOfWorkTest} while other builds ran), more in a browser's Web Crypto, against one hash for the server:
   * a bot pays a thousand times the server's cost per join, a buyer does not notice. Below it (1 bit is 2 hashes) a
   * proof costs a bot nothing and only fills the used-challenge cache; the local stack's and the benchmark's sales
   * ask 12 and more.
   */
  public static final int MIN_BITS = 12;

  private ProofOfWork() {}

  /**
   * The difficulty a join needs now: {@code configured} while joins come at most {@code riseAbove} a second (0: never
   * rises), else one bit more per doubling beyond it, counted from at least {@link #MIN_BITS}, so that a crowd of
   * bots joining ever faster pays ever more per join; at most {@code max}.
   */
  static int effectiveBits(int configured, double joinsPerSecond, int riseAbove, int max) {
    if (riseAbove <= 0 || joinsPerSecond <= riseAbove) {
      return configured;
    }
    int doublings = (int) Math.ceil(Math.log(joinsPerSecond / riseAbove) / Math.log(2));
    return Math.min(max, Math.max(configured, MIN_BITS) + Math.max(1, doublings));
  }

  /** Null when {@code bits} may be asked for (0, or {@link #MIN_BITS} to {@code max}), else why not. */
  public static String invalidBits(String field, int bits, int max) {
    return bits == 0 || (bits >= MIN_BITS && bits <= max) ? null
        : field + " must be 0 (no proof of work) or from " + MIN_BITS + " to " + max + ", was " + bits;
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
