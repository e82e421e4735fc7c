package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.waitingroom.WaitingRoomSigner;
import io.flashsale.api.waitingroom.WaitingRoomSigner.QueueToken;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The fairness bench tells a pre-queue place from a later one by the queue tokens the API signs. */
class FairnessBenchTest {
  private final WaitingRoomSigner signer = new WaitingRoomSigner("bench-test-secret-of-32-bytes-at-least");

  /** Tokens carry when the buyer was last heard from since idle kicks; the bench read "no place in the pre-queue". */
  @Test
  void readsThePreQueueFlagOfTokensWithAndWithoutTheirLastSeenTime() {
    Instant seen = Instant.parse("2026-12-07T23:00:00Z");
    assertThat(FairnessBench.inPreQueue(signer.token(new QueueToken("sale-1", "user-1", 7, true, seen)))).isTrue();
    assertThat(FairnessBench.inPreQueue(signer.token(new QueueToken("sale-1", "user-1", 7, false, seen)))).isFalse();
    assertThat(FairnessBench.inPreQueue(signer.token(new QueueToken("sale-1", "user-1", 7, true)))).isTrue();
    assertThat(FairnessBench.inPreQueue(signer.token(new QueueToken("sale-1", "user-1", 7, false)))).isFalse();
  }
}
