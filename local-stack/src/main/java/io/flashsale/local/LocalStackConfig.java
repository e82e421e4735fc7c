package io.flashsale.local;

import io.flashsale.settings.Settings;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Map;

/**
 * Settings of the one-machine stack. Everything else (ports, secrets, topology tuning) is read by the
 * modules' own config records from the same environment.
 *
 * @param dataDir where the broker log, schemas and topology state live, so a restart keeps the sales
 *     (FLASHSALE_DATA_DIR, default ./.flashsale)
 * @param schemaRegistryPort port of the in-memory schema registry (FLASHSALE_SCHEMA_REGISTRY_PORT,
 *     default 8081; 0 picks a free one)
 * @param reconcileAt when the nightly reconciliation of the day before runs, UTC
 *     (FLASHSALE_RECONCILE_AT, default 03:00; "off" for never)
 */
public record LocalStackConfig(Path dataDir, int schemaRegistryPort, LocalTime reconcileAt) {

  public static LocalStackConfig fromEnv(Map<String, String> env) {
    Settings settings = Settings.of(env);
    return new LocalStackConfig(
        settings.path("FLASHSALE_DATA_DIR", ".flashsale").toAbsolutePath(),
        settings.integer("FLASHSALE_SCHEMA_REGISTRY_PORT", 8081),
        settings.parsed("FLASHSALE_RECONCILE_AT", LocalTime.of(3, 0),
            at -> "off".equals(at) ? null : LocalTime.parse(at), "a time of day (HH:MM, UTC) or off"));
  }

  /** A stack that never reconciles on its own, as tests and benchmarks want. */
  public LocalStackConfig(Path dataDir, int schemaRegistryPort) {
    this(dataDir, schemaRegistryPort, null);
  }

  /** Where a running stack writes the addresses of its parts, for commands run beside it. */
  public Path endpointsFile() {
    return dataDir.resolve("endpoints.properties");
  }
}
