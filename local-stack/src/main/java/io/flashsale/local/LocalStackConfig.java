package io.flashsale.local;

import java.nio.file.Path;
import java.util.Map;

/**
 * Settings of the one-machine stack. Everything else (ports, secrets, topology tuning) is read by the
 * modules' own config records from the same environment.
 *
 * @param dataDir where the broker log, schemas and topology state live, so a restart keeps the sales
 *     (FLASHSALE_DATA_DIR, default ./.flashsale)
 * @param schemaRegistryPort port of the in-memory schema registry (FLASHSALE_SCHEMA_REGISTRY_PORT,
 *     default 8081; 0 picks a free one)
 */
public record LocalStackConfig(Path dataDir, int schemaRegistryPort) {

  public static LocalStackConfig fromEnv(Map<String, String> env) {
    return new LocalStackConfig(
        Path.of(env.getOrDefault("FLASHSALE_DATA_DIR", ".flashsale")).toAbsolutePath(),
        Integer.parseInt(env.getOrDefault("FLASHSALE_SCHEMA_REGISTRY_PORT", "8081")));
  }
}
