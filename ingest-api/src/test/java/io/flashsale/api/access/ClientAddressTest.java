package io.flashsale.api.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientAddressTest {
  private final ClientAddress behindProxies = ClientAddress.trusting("10.0.0.0/8, 192.168.1.7, ::1");

  @Test
  void withoutTrustedProxiesTheHeaderIsIgnored() {
    assertThat(ClientAddress.trusting("").of("203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
  }

  @Test
  void aTrustedPeerNamesTheNearestUntrustedHop() {
    assertThat(behindProxies.of("10.1.2.3", "198.51.100.1")).isEqualTo("198.51.100.1");
    // The client wrote the first entry itself; only what the trusted proxies appended counts.
    assertThat(behindProxies.of("10.1.2.3", "1.1.1.1, 198.51.100.1, 192.168.1.7")).isEqualTo("198.51.100.1");
    assertThat(behindProxies.of("::1", "[2001:db8::5]")).isEqualTo("[2001:db8::5]");
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItSays() {
    assertThat(behindProxies.of("203.0.113.9", "10.0.0.1")).isEqualTo("203.0.113.9");
    assertThat(behindProxies.of("192.168.1.8", "198.51.100.1")).as("outside the single trusted address")
        .isEqualTo("192.168.1.8");
  }

  @Test
  void namesAreNeverLookedUpAndEndTheWalk() {
    assertThat(behindProxies.of("10.0.0.1", "localhost")).isEqualTo("localhost");
    assertThat(behindProxies.of("10.0.0.1", " , ")).isEqualTo("10.0.0.1");
  }

  @Test
  void aListThatCannotBeReadIsRefused() {
    assertThatThrownBy(() -> ClientAddress.trusting("proxy.internal")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClientAddress.trusting("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
  }
}
