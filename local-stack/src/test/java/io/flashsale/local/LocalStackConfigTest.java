package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-machine stack's own settings: documented defaults, blank as unset, a bad value named. */
class LocalStackConfigTest {

  @Test
  void defaultsAndBlankValuesAreTheDocumentedOnes() {
    LocalStackConfig expected = new LocalStackConfig(Path.of(".flashsale").toAbsolutePath(), 8081, LocalTime.of(3, 0));
    assertThat(LocalStackConfig.fromEnv(Map.of())).isEqualTo(expected);
    assertThat(LocalStackConfig.fromEnv(Map.of("FLASHSALE_DATA_DIR", "", "FLASHSALE_SCHEMA_REGISTRY_PORT", " ",
        "FLASHSALE_RECONCILE_AT", ""))).isEqualTo(expected);
  }

  @Test
  void readsEveryVariable() {
    LocalStackConfig config = LocalStackConfig.fromEnv(Map.of("FLASHSALE_DATA_DIR", "/tmp/flashsale-data",
        "FLASHSALE_SCHEMA_REGISTRY_PORT", "0", "FLASHSALE_RECONCILE_AT", "04:30"));
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/flashsale-data"));
    assertThat(config.schemaRegistryPort()).isZero();
    assertThat(config.reconcileAt()).isEqualTo(LocalTime.of(4, 30));
    assertThat(LocalStackConfig.fromEnv(Map.of("FLASHSALE_RECONCILE_AT", "off")).reconcileAt()).as("never").isNull();
  }

  @Test
  void aBadValueNamesItsVariable() {
    assertThatThrownBy(() -> LocalStackConfig.fromEnv(Map.of("FLASHSALE_SCHEMA_REGISTRY_PORT", "eighty-eighty-one")))
        .hasMessage("FLASHSALE_SCHEMA_REGISTRY_PORT must be an integer, was 'eighty-eighty-one'");
    assertThatThrownBy(() -> LocalStackConfig.fromEnv(Map.of("FLASHSALE_RECONCILE_AT", "3am")))
        .hasMessage("FLASHSALE_RECONCILE_AT must be a time of day (HH:MM, UTC) or off, was '3am'");
  }
}
