package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.WaitingRoomSigner.Challenge;
import io.flashsale.api.WaitingRoomSigner.QueueToken;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WaitingRoomSignerTest {
  private static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");
  private final WaitingRoomSigner signer = new WaitingRoomSigner("a-secret-of-at-least-32-bytes-long!");

  @Test
  void aPassIsGoodForItsBuyerAndSaleUntilItExpires() {
    String pass = signer.pass("sale-1", "ann", NOW.plusSeconds(60));

    assertThat(signer.passValid(pass, "sale-1", "ann", NOW)).isTrue();
    assertThat(signer.passValid(pass, "sale-1", "ann", NOW.plusSeconds(60))).as("expired").isFalse();
    assertThat(signer.passValid(pass, "sale-1", "bob", NOW)).as("another buyer's").isFalse();
    assertThat(signer.passValid(pass, "sale-2", "ann", NOW)).as("another sale's").isFalse();
    assertThat(signer.passValid(pass.substring(0, pass.length() - 2) + "AA", "sale-1", "ann", NOW)).as("forged").isFalse();
    assertThat(signer.passValid(new WaitingRoomSigner("another-secret-of-at-least-32-bytes").pass("sale-1", "ann",
        NOW.plusSeconds(60)), "sale-1", "ann", NOW)).as("another key's").isFalse();
    assertThat(signer.passValid("not.a-pass", "sale-1", "ann", NOW)).isFalse();
  }

  /** Base64 leaves spare bits in a last character: a text that decodes like the pass is still not the pass. */
  @Test
  void everyOneCharacterChangeOfAPassIsRefused() {
    String pass = signer.pass("sale-1", "ann", NOW.plusSeconds(60));
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    int tried = 0;
    for (int at = 0; at < pass.length(); at++) {
      for (char c : alphabet.toCharArray()) {
        if (c != pass.charAt(at)) {
          String changed = pass.substring(0, at) + c + pass.substring(at + 1);
          assertThat(signer.passValid(changed, "sale-1", "ann", NOW)).as("%s", changed).isFalse();
          tried++;
        }
      }
    }
    assertThat(tried).isEqualTo(pass.length() * (alphabet.length() - 1));
  }

  @Test
  void textsOfOneKindNeverPassAsAnother() {
    String token = signer.token(new QueueToken("sale-1", "ann", 7, true));

    assertThat(signer.token(token)).contains(new QueueToken("sale-1", "ann", 7, true));
    assertThat(signer.passValid(token, "sale-1", "ann", NOW)).isFalse();
    assertThat(signer.challenge(token)).isEmpty();
  }

  @Test
  void aChallengeNamesItsSaleBuyerDifficultyAndExpiry() {
    Challenge challenge = new Challenge("sale-1", "ann", 12, NOW.plusSeconds(120));
    String text = signer.challenge(challenge, "random");

    assertThat(signer.challenge(text)).contains(challenge);
    assertThat(signer.challenge(text.replace('A', 'B'))).isEmpty();
    String nonce = ProofOfWork.solve(text, 12);
    assertThat(ProofOfWork.solves(text, nonce, 12)).isTrue();
    assertThat(ProofOfWork.leadingZeroBits(new byte[] {0, 0x10})).isEqualTo(11);
  }
}
