package io.flashsale.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SettingsTest {
  private enum Kind { SIMULATOR, STRIPE }

  @Test
  void absentAndBlankBothMeanTheDefault() {
    Settings blank = Settings.of(Map.of("A", "", "B", "  ", "C", "\t"));
    Settings none = Settings.of(Map.of());
    for (Settings s : new Settings[] {blank, none}) {
      assertThat(s.text("A")).isEmpty();
      assertThat(s.text("B", "fallback")).isEqualTo("fallback");
      assertThat(s.text("C", null)).isNull();
      assertThat(s.integer("A", 7)).isEqualTo(7);
      assertThat(s.longValue("B", 8L)).isEqualTo(8L);
      assertThat(s.shortValue("C", (short) 3)).isEqualTo((short) 3);
      assertThat(s.flag("A", true)).isTrue();
      assertThat(s.millis("B", Duration.ofMillis(250))).isEqualTo(Duration.ofMillis(250));
      assertThat(s.seconds("C", Duration.ofSeconds(15))).isEqualTo(Duration.ofSeconds(15));
      assertThat(s.hours("A", Duration.ofHours(2))).isEqualTo(Duration.ofHours(2));
      assertThat(s.path("B", "reports")).isEqualTo(Path.of("reports"));
      assertThat(s.choice("C", Kind.class, Kind.SIMULATOR)).isEqualTo(Kind.SIMULATOR);
      assertThat(s.parsed("A", LocalTime.of(3, 0), LocalTime::parse, "a time")).isEqualTo(LocalTime.of(3, 0));
    }
  }

  @Test
  void valuesAreReadNumbersTrimmedAndTextAsItStands() {
    Settings s = Settings.of(Map.of("PORT", " 8080 ", "LONG", "5000000000", "FLAG", "TRUE", "OFF", "False",
        "MS", "100", "SECONDS", "60", "HOURS", "24", "KIND", " Stripe", "SECRET", " spaced secret ", "AT", "04:30"));
    assertThat(s.integer("PORT", 1)).isEqualTo(8080);
    assertThat(s.longValue("LONG", 1)).isEqualTo(5_000_000_000L);
    assertThat(s.flag("FLAG", false)).isTrue();
    assertThat(s.flag("OFF", true)).isFalse();
    assertThat(s.millis("MS", Duration.ZERO)).isEqualTo(Duration.ofMillis(100));
    assertThat(s.seconds("SECONDS", Duration.ZERO)).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.hours("HOURS", Duration.ZERO)).isEqualTo(Duration.ofDays(1));
    assertThat(s.choice("KIND", Kind.class, Kind.SIMULATOR)).isEqualTo(Kind.STRIPE);
    assertThat(s.text("SECRET", null)).isEqualTo(" spaced secret ");
    assertThat(s.parsed("AT", (LocalTime) null, LocalTime::parse, "a time")).isEqualTo(LocalTime.of(4, 30));
  }

  @Test
  void aBadIntegerIsNamedWithWhatWasExpectedAndGiven() {
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_HTTP_PORT", "eighty")).integer("FLASHSALE_HTTP_PORT", 1))
        .isInstanceOf(SettingException.class)
        .hasMessage("FLASHSALE_HTTP_PORT must be an integer, was 'eighty'")
        .extracting(e -> ((SettingException) e).variable()).isEqualTo("FLASHSALE_HTTP_PORT");
    assertThatThrownBy(() -> Settings.of(Map.of("N", "3000000000")).integer("N", 1))
        .hasMessageStartingWith("N must be an integer").hasMessageContaining("3000000000");
    assertThatThrownBy(() -> Settings.of(Map.of("N", "1.5")).longValue("N", 1))
        .hasMessage("N must be an integer, was '1.5'");
  }

  @Test
  void aShortOutOfRangeIsRefusedNotWrapped() {
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_REPLICATION_FACTOR", "70000"))
        .shortValue("FLASHSALE_REPLICATION_FACTOR", (short) 3))
        .isInstanceOf(SettingException.class)
        .hasMessageStartingWith("FLASHSALE_REPLICATION_FACTOR must be an integer -32768..32767")
        .hasMessageContaining("'70000'");
  }

  @Test
  void aBadDurationIsNamed() {
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_SINK_RETRY_BACKOFF_MS", "1s"))
        .millis("FLASHSALE_SINK_RETRY_BACKOFF_MS", Duration.ofSeconds(1)))
        .isInstanceOf(SettingException.class)
        .hasMessage("FLASHSALE_SINK_RETRY_BACKOFF_MS must be an integer, was '1s'");
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_DEDUP_GRACE_HOURS", "a day"))
        .hours("FLASHSALE_DEDUP_GRACE_HOURS", Duration.ofHours(24)))
        .hasMessageStartingWith("FLASHSALE_DEDUP_GRACE_HOURS must be an integer");
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_READY_GRACE_SECONDS", "x"))
        .seconds("FLASHSALE_READY_GRACE_SECONDS", Duration.ofSeconds(15)))
        .hasMessageStartingWith("FLASHSALE_READY_GRACE_SECONDS must be an integer");
  }

  /** Before, {@code FLASHSALE_LOCAL_MODE=ture} silently meant production and {@code yes} meant false. */
  @Test
  void aFlagIsTrueOrFalseAndNothingElse() {
    for (String wrong : new String[] {"ture", "yes", "1", "on"}) {
      assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_LOCAL_MODE", wrong)).flag("FLASHSALE_LOCAL_MODE", false))
          .isInstanceOf(SettingException.class)
          .hasMessage("FLASHSALE_LOCAL_MODE must be true or false, was '" + wrong + "'");
    }
  }

  @Test
  void aBadChoiceListsTheChoicesAndABadParsedValueSaysWhatWasExpected() {
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_PAYMENT_PROVIDER", "paypal"))
        .choice("FLASHSALE_PAYMENT_PROVIDER", Kind.class, Kind.SIMULATOR))
        .hasMessage("FLASHSALE_PAYMENT_PROVIDER must be simulator or stripe, was 'paypal'");
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_RECONCILE_AT", "3am"))
        .parsed("FLASHSALE_RECONCILE_AT", (LocalTime) null, LocalTime::parse, "a time HH:MM or off"))
        .hasMessage("FLASHSALE_RECONCILE_AT must be a time HH:MM or off, was '3am'");
  }

  @Test
  void aRequiredValueSaysWhy() {
    assertThatThrownBy(() -> Settings.of(Map.of("FLASHSALE_STRIPE_API_KEY", " "))
        .required("FLASHSALE_STRIPE_API_KEY", "with FLASHSALE_PAYMENT_PROVIDER=stripe"))
        .hasMessage("FLASHSALE_STRIPE_API_KEY is required with FLASHSALE_PAYMENT_PROVIDER=stripe");
    assertThat(Settings.of(Map.of("K", "sk_1")).required("K", "")).isEqualTo("sk_1");
  }

  /** ComposeTest records which variables each process reads: the reader asks the map itself, one name at a time. */
  @Test
  void readsThroughTheGivenMapWhenAsked() {
    Set<String> asked = new TreeSet<>();
    Map<String, String> env = new HashMap<>(Map.of("A", "1", "B", "2")) {
      @Override
      public String get(Object key) {
        asked.add(String.valueOf(key));
        return super.get(key);
      }
    };
    Settings settings = Settings.of(env);
    assertThat(asked).isEmpty();
    assertThat(settings.integer("A", 0)).isEqualTo(1);
    assertThat(asked).containsExactly("A");
    env.put("C", "later");
    assertThat(settings.text("C", null)).isEqualTo("later");
  }

  @Test
  void secretsOutsideLocalModeAreRealAndNoPlaceholders() {
    assertThatThrownBy(() -> SecretRules.requireReal("FLASHSALE_JWT_SECRET", null, "local"))
        .hasMessage("FLASHSALE_JWT_SECRET is required outside local mode (FLASHSALE_LOCAL_MODE=true)");
    assertThatThrownBy(() -> SecretRules.requireReal("FLASHSALE_JWT_SECRET", "local", "local"))
        .hasMessageContaining("published local-mode value");
    SecretRules.requireReal("FLASHSALE_JWT_SECRET", "real", "local");
    assertThatThrownBy(() -> SecretRules.refusePlaceholder("FLASHSALE_METRICS_TOKEN", "change-me-metrics"))
        .hasMessageStartingWith("FLASHSALE_METRICS_TOKEN still holds a placeholder of .env.example");
    SecretRules.refusePlaceholder("FLASHSALE_METRICS_TOKEN", null);
  }
}
