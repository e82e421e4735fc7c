package io.flashsale.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicAdminTest {

  @Test
  void acksAllWaitsForASecondCopyWhereThereIsOne() {
    assertThat(TopicAdmin.minInsyncReplicas((short) 1)).isEqualTo(1);
    assertThat(TopicAdmin.minInsyncReplicas((short) 2)).isEqualTo(2);
    assertThat(TopicAdmin.minInsyncReplicas((short) 3)).isEqualTo(2);
    assertThat(TopicAdmin.minInsyncReplicas((short) 5)).isEqualTo(2);
  }

  @Test
  void fewerThanThreeCopiesOnlyInLocalMode() {
    assertThatThrownBy(() -> TopicAdmin.requireReplicationFactor((short) 1, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR").hasMessageContaining("at least 3")
        .hasMessageContaining("FLASHSALE_LOCAL_MODE=true");
    assertThatThrownBy(() -> TopicAdmin.requireReplicationFactor((short) 2, false))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR");
    assertThatCode(() -> TopicAdmin.requireReplicationFactor((short) 3, false)).doesNotThrowAnyException();
    assertThatCode(() -> TopicAdmin.requireReplicationFactor((short) 1, true)).doesNotThrowAnyException();
    assertThatThrownBy(() -> TopicAdmin.requireReplicationFactor((short) 0, true))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR");
    assertThat(TopicAdmin.defaultReplicationFactor(false)).isEqualTo((short) 3);
    assertThat(TopicAdmin.defaultReplicationFactor(true)).isEqualTo((short) 1);
  }
}
