package io.flashsale.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.settings.SettingException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reading of the topics' settings, which the API, the topology and the sink share. */
class TopicSettingsTest {

  @Test
  void productionDefaultsToThreeReplicasAndLocalModeToOne() {
    assertThat(TopicSettings.fromEnv(Map.of())).isEqualTo(new TopicSettings(8, (short) 3, false));
    assertThat(TopicSettings.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")))
        .isEqualTo(new TopicSettings(8, (short) 1, true));
    assertThat(TopicSettings.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "", "FLASHSALE_PARTITIONS", " ",
        "FLASHSALE_REPLICATION_FACTOR", ""))).as("blank is unset").isEqualTo(new TopicSettings(8, (short) 3, false));
    assertThat(TopicSettings.fromEnv(Map.of("FLASHSALE_PARTITIONS", "32", "FLASHSALE_REPLICATION_FACTOR", "5")))
        .isEqualTo(new TopicSettings(32, (short) 5, false));
  }

  @Test
  void fewerThanThreeReplicasAreRefusedOutsideLocalMode() {
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "1")))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 3 outside local mode");
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "2")))
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 3 outside local mode");
    assertThat(TopicSettings.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_REPLICATION_FACTOR", "1"))
        .replicationFactor()).isEqualTo((short) 1);
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true",
        "FLASHSALE_REPLICATION_FACTOR", "0"))).hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 1");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "70000")))
        .isInstanceOf(SettingException.class).hasMessageStartingWith("FLASHSALE_REPLICATION_FACTOR must be an integer");
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_PARTITIONS", "0")))
        .hasMessage("FLASHSALE_PARTITIONS must be at least 1, was 0");
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_PARTITIONS", "eight")))
        .hasMessage("FLASHSALE_PARTITIONS must be an integer, was 'eight'");
    assertThatThrownBy(() -> TopicSettings.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "ture")))
        .as("a misspelt local mode is not production by accident")
        .hasMessage("FLASHSALE_LOCAL_MODE must be true or false, was 'ture'");
  }
}
