package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.waitingroom.WaitingRoomSigner.Challenge;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
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

  /**
   * Rotation: while the old secret is kept as the previous one, what it signed (passes, places, challenges) is still
   * taken and everything new is signed with the new one; once it is removed, what it signed is refused.
   */
  @Test
  void aRetiringSecretIsAcceptedWhileItIsThePreviousOneAndRefusedOnceRemoved() {
    String oldSecret = "the-old-waiting-room-secret-32-bytes!";
    String newSecret = "the-new-waiting-room-secret-32-bytes!";
    WaitingRoomSigner before = new WaitingRoomSigner(oldSecret);
    WaitingRoomSigner during = new WaitingRoomSigner(newSecret, oldSecret);
    WaitingRoomSigner after = new WaitingRoomSigner(newSecret);
    String oldPass = before.pass("sale-1", "ann", NOW.plusSeconds(60));
    String oldToken = before.token(new QueueToken("sale-1", "ann", 3, false));
    String oldChallenge = before.challenge(new Challenge("sale-1", "ann", 12, NOW.plusSeconds(120)), "n");

    assertThat(during.passValid(oldPass, "sale-1", "ann", NOW)).as("the previous key's pass, during rotation").isTrue();
    assertThat(during.token(oldToken)).contains(new QueueToken("sale-1", "ann", 3, false));
    assertThat(during.challenge(oldChallenge)).isPresent();
    String newPass = during.pass("sale-1", "ann", NOW.plusSeconds(60));
    assertThat(before.passValid(newPass, "sale-1", "ann", NOW)).as("new passes are signed with the new key").isFalse();
    assertThat(after.passValid(newPass, "sale-1", "ann", NOW)).isTrue();

    assertThat(after.passValid(oldPass, "sale-1", "ann", NOW)).as("the previous key's pass, once removed").isFalse();
    assertThat(after.token(oldToken)).isEmpty();
    assertThat(after.challenge(oldChallenge)).isEmpty();
    assertThat(during.passValid(new WaitingRoomSigner("a-third-secret-of-at-least-32-bytes!").pass("sale-1", "ann",
        NOW.plusSeconds(60)), "sale-1", "ann", NOW)).as("neither key's").isFalse();
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
