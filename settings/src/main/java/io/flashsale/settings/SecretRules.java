package io.flashsale.settings;

/**
 * What a secret must be outside local mode, for every process that holds one: set, not the value local mode
 * publishes, and not a placeholder copied from {@code .env.example}.
 */
public final class SecretRules {
  /** What every placeholder of {@code .env.example} contains: a secret copied from there is no secret. */
  public static final String PLACEHOLDER = "change-me";

  private SecretRules() {
  }

  /** Refuses an unset secret or the published local-mode one. */
  public static void requireReal(String name, String value, String localValue) {
    if (value == null || value.isBlank()) {
      throw new SettingException(name, "is required outside local mode (FLASHSALE_LOCAL_MODE=true)");
    }
    if (value.equals(localValue)) {
      throw new SettingException(name, "must not be the published local-mode value outside local mode");
    }
  }

  /** Refuses a value that still holds an {@code .env.example} placeholder; an unset one (null) passes. */
  public static void refusePlaceholder(String name, String value) {
    if (value != null && value.contains(PLACEHOLDER)) {
      throw new SettingException(name, "still holds a placeholder of .env.example ('" + PLACEHOLDER
          + "…'): set a secret of your own outside local mode");
    }
  }
}
