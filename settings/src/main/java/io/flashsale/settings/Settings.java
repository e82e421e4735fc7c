package io.flashsale.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one way every process reads its environment. A variable that is absent or blank ({@code FLASHSALE_X=}, as
 * compose and {@code .env} files leave an unset value) takes its documented default; a value that cannot be read
 * stops the process at start with a {@link SettingException} naming the variable, what it expected and what it got.
 * Numbers, flags and choices are read trimmed; text (secrets among them) is taken as it stands.
 */
public final class Settings {
  private final Map<String, String> env;

  private Settings(Map<String, String> env) {
    this.env = Objects.requireNonNull(env);
  }

  /** Reads through {@code env} itself, each variable when asked for (a recording map sees what a process reads). */
  public static Settings of(Map<String, String> env) {
    return new Settings(env);
  }

  /** The process's own environment. */
  public static Settings fromSystem() {
    return of(System.getenv());
  }

  /** The value, unless absent or blank. */
  public Optional<String> text(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  /** The value, or {@code fallback} (which may be null) when absent or blank. */
  public String text(String name, String fallback) {
    return text(name).orElse(fallback);
  }

  /** The value, or a named error saying why it is needed. */
  public String required(String name, String why) {
    return text(name).orElseThrow(() -> new SettingException(name, "is required " + why));
  }

  public int integer(String name, int fallback) {
    return (int) number(name, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE, "an integer");
  }

  public long longValue(String name, long fallback) {
    return number(name, fallback, Long.MIN_VALUE, Long.MAX_VALUE, "an integer");
  }

  /** A short, refused rather than wrapped when out of its range (70000 is not 4464). */
  public short shortValue(String name, short fallback) {
    return (short) number(name, fallback, Short.MIN_VALUE, Short.MAX_VALUE,
        "an integer " + Short.MIN_VALUE + ".." + Short.MAX_VALUE);
  }

  /** {@code true} or {@code false} in any case; anything else is refused, as {@code ture} is not "off". */
  public boolean flag(String name, boolean fallback) {
    Optional<String> value = text(name).map(String::trim);
    if (value.isEmpty()) {
      return fallback;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new SettingException(name, "must be true or false, was '" + value.get() + "'");
    };
  }

  /** A duration given in milliseconds ({@code FLASHSALE_*_MS}). */
  public Duration millis(String name, Duration fallback) {
    return Duration.ofMillis(longValue(name, fallback.toMillis()));
  }

  /** A duration given in seconds ({@code FLASHSALE_*_SECONDS}). */
  public Duration seconds(String name, Duration fallback) {
    return Duration.ofSeconds(longValue(name, fallback.toSeconds()));
  }

  /** A duration given in hours ({@code FLASHSALE_*_HOURS}). */
  public Duration hours(String name, Duration fallback) {
    return Duration.ofHours(longValue(name, fallback.toHours()));
  }

  public Path path(String name, String fallback) {
    String value = text(name, fallback);
    try {
      return Path.of(value);
    } catch (RuntimeException e) {
      throw new SettingException(name, "must be a path, was '" + value + "'");
    }
  }

  /** One of an enum's constants, named in any case; the error lists them. */
  public <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
    Optional<String> value = text(name).map(String::trim);
    if (value.isEmpty()) {
      return fallback;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value.get())) {
        return constant;
      }
    }
    String choices = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(" or "));
    throw new SettingException(name, "must be " + choices + ", was '" + value.get() + "'");
  }

  /**
   * A value of another kind ({@code LocalTime}, a URI...): {@code parser} reads the trimmed text and throws on a value
   * it cannot read, which becomes a named error saying what was {@code expected}.
   */
  public <T> T parsed(String name, T fallback, Function<String, T> parser, String expected) {
    Optional<String> value = text(name).map(String::trim);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return parser.apply(value.get());
    } catch (RuntimeException e) {
      throw new SettingException(name, "must be " + expected + ", was '" + value.get() + "'");
    }
  }

  private long number(String name, long fallback, long min, long max, String expected) {
    Optional<String> value = text(name).map(String::trim);
    if (value.isEmpty()) {
      return fallback;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value.get());
    } catch (NumberFormatException e) {
      throw new SettingException(name, "must be " + expected + ", was '" + value.get() + "'");
    }
    if (parsed < min || parsed > max) {
      throw new SettingException(name, "must be " + expected + " (" + min + ".." + max + "), was '" + value.get() + "'");
    }
    return parsed;
  }
}
