package io.flashsale.api.sale;

/**
 * The difficulties a waiting room may ask of a join's proof of work: none (0), or from {@link #MIN} to the most
 * the input rules allow. Checked where an admin defines a sale's room and where an admin changes it.
 */
public final class ProofOfWorkBits {
  /**
   * The least difficulty a waiting room with a proof of work may ask for. 12 bits are 4,096 hashes on average:
   * 2.4 ms of one core in Java on the project's 2-core build machine (mean of 2,000 challenges, measured once by
   * {@code ProofOfWorkTest} while other builds ran), more in a browser's Web Crypto, against one hash for the server:
   * a bot pays a thousand times the server's cost per join, a buyer does not notice. Below it (1 bit is 2 hashes) a
   * proof costs a bot nothing and only fills the used-challenge cache; the local stack's and the benchmark's sales
   * ask 12 and more.
   */
  public static final int MIN = 12;

  private ProofOfWorkBits() {}

  /** Null when {@code bits} may be asked for (0, or {@link #MIN} to {@code max}), else why not. */
  public static String invalid(String field, int bits, int max) {
    return bits == 0 || (bits >= MIN && bits <= max) ? null
        : field + " must be 0 (no proof of work) or from " + MIN + " to " + max + ", was " + bits;
  }
}
