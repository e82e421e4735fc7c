package io.flashsale.local;

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
    String reconcileAt = env.getOrDefault("FLASHSALE_RECONCILE_AT", "03:00");
    return new LocalStackConfig(
        Path.of(env.getOrDefault("FLASHSALE_DATA_DIR", ".flashsale")).toAbsolutePath(),
        Integer.parseInt(env.getOrDefault("FLASHSALE_SCHEMA_REGISTRY_PORT", "8081")),
        "off".equals(reconcileAt) ? null : LocalTime.parse(reconcileAt));
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
