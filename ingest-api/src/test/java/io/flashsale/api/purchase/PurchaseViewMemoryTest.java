package io.flashsale.api.purchase;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.embedded.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ten million requests through a purchase view in a 64 MiB heap (see {@link PurchaseViewFlood}): a view that
 * remembered its history would need gigabytes and die; one bounded by count alone would forget the live
 * purchases that came first.
 */
class PurchaseViewMemoryTest {
  @Test
  void tenMillionRequestsInASmallHeapKeepEveryLivePurchase() throws Exception {
    ChildJvm flood = ChildJvm.launch(PurchaseViewFlood.class.getName(), List.of("-Xmx64m", "-XX:+UseSerialGC"),
        Map.of(), "READY", "10000000");

    assertThat(flood.awaitExit(Duration.ofMinutes(6)))
        .as("exit code: 0 when every live purchase is answered within the bound, 1 when one is not, 2 on OOM")
        .isZero();
  }
}
