package io.flashsale.api.waitingroom;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.embedded.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A waiting room of ten million costs the API no memory per buyer: a place is in the buyer's signed token, the
 * pre-queue's order is computed ({@link QueueOrder}). A child JVM with 32 MiB of heap computes all ten million
 * slots of a pre-queue, each on its own, and finds each taken once.
 */
class WaitingRoomTenMillionTest {
  @Test
  void tenMillionSlotsInASmallHeap() throws Exception {
    ChildJvm child = ChildJvm.launch(QueueShuffleTenMillion.class.getName(), List.of("-Xmx32m"), Map.of(), "RESULT",
        "10000000");

    assertThat(child.awaitExit(Duration.ofMinutes(5))).as("0: every slot once; 1: a slot twice; 2: a crash").isZero();
  }
}
