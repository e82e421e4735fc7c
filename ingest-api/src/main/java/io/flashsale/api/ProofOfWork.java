package io.flashsale.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The check of a join's proof of work: SHA-256(challenge + ":" + nonce) starts with {@code bits} zero bits.
 * One hash for the server, about 2^bits for the client.
 */
final class ProofOfWork {
  private ProofOfWork() {}

  static boolean solves(String challenge, String nonce, int bits) {
    if (nonce == null || nonce.isEmpty() || nonce.length() > 64) {
      return false;
    }
    return leadingZeroBits(sha256(challenge + ":" + nonce)) >= bits;
  }

  /** A nonce that solves the challenge, found by counting up: for clients and tests. */
  static String solve(String challenge, int bits) {
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
