package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.sale.ProofOfWorkBits;
import org.junit.jupiter.api.Test;

class ProofOfWorkTest {
  @Test
  void theDifficultyRisesABitPerDoublingOfJoinsBeyondTheThresholdFromAtLeastTheFloor() {
    assertThat(ProofOfWork.effectiveBits(12, 100, 100, 32)).as("at the threshold").isEqualTo(12);
    assertThat(ProofOfWork.effectiveBits(12, 150, 100, 32)).isEqualTo(13);
    assertThat(ProofOfWork.effectiveBits(12, 200, 100, 32)).isEqualTo(13);
    assertThat(ProofOfWork.effectiveBits(12, 800, 100, 32)).isEqualTo(15);
    assertThat(ProofOfWork.effectiveBits(0, 150, 100, 32)).as("off rises to the floor and beyond").isEqualTo(13);
    assertThat(ProofOfWork.effectiveBits(0, 50, 100, 32)).as("off stays off below the threshold").isZero();
    assertThat(ProofOfWork.effectiveBits(20, 1e12, 100, 32)).as("capped").isEqualTo(32);
    assertThat(ProofOfWork.effectiveBits(12, 1e6, 0, 32)).as("threshold 0: never rises").isEqualTo(12);
  }

  @Test
  void aDifficultyBelowTheFloorIsRefusedButNoneIsAllowed() {
    assertThat(ProofOfWorkBits.invalid("bits", 0, 32)).isNull();
    assertThat(ProofOfWorkBits.invalid("bits", ProofOfWorkBits.MIN, 32)).isNull();
    assertThat(ProofOfWorkBits.invalid("bits", 32, 32)).isNull();
    assertThat(ProofOfWorkBits.invalid("bits", 1, 32)).contains("bits must be 0", "from " + ProofOfWorkBits.MIN);
    assertThat(ProofOfWorkBits.invalid("bits", ProofOfWorkBits.MIN - 1, 32)).isNotNull();
    assertThat(ProofOfWorkBits.invalid("bits", 33, 32)).isNotNull();
  }

  /**
   * The figure behind the floor: a proof at {@link ProofOfWork#MIN_BITS} takes the client 2^bits hashes on average
   * (the server checks with one), and what that costs in Java on this machine is printed.
   */
  @Test
  void aProofAtTheFloorCostsTheClient2PowBitsHashesOnAverage() {
    int challenges = 2_000;
    for (int i = 0; i < 200; i++) { // warm: the figure is of compiled code, as a bot's would be
      ProofOfWork.solve("warm-up-" + i, ProofOfWorkBits.MIN);
    }
    long hashes = 0;
    long started = System.nanoTime();
    for (int i = 0; i < challenges; i++) {
      String challenge = "challenge-" + i;
      String nonce = ProofOfWork.solve(challenge, ProofOfWorkBits.MIN);
      assertThat(ProofOfWork.solves(challenge, nonce, ProofOfWorkBits.MIN)).isTrue();
      hashes += Long.parseLong(nonce) + 1;
    }
    double meanMillis = (System.nanoTime() - started) / 1e6 / challenges;
    double meanHashes = (double) hashes / challenges;
    System.out.printf("A proof of %d bits: %.0f hashes and %.2f ms of one core on average (%d challenges)%n",
        ProofOfWorkBits.MIN, meanHashes, meanMillis, challenges);
    // The mean of 2,000 draws is within 4,096 ± 10 % with near certainty (its standard deviation is 2.2 %).
    assertThat(meanHashes).isBetween(0.9 * (1 << ProofOfWorkBits.MIN), 1.1 * (1 << ProofOfWorkBits.MIN));
  }
}
