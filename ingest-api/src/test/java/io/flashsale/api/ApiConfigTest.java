package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiConfigTest {
  private static final String REAL_SECRET = "0123456789abcdef0123456789abcdef";

  @Test
  void defaultsOfTheLocalStack() {
    ApiConfig config = ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true"));

    assertThat(config.httpHost()).isEqualTo("127.0.0.1");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(config.adminToken()).isEqualTo("local-admin-token");
    assertThat(config.jwtSecret()).isEqualTo("local-dev-secret-change-me");
    assertThat(config.maxBodyBytes()).isEqualTo(16384);
    assertThat(config.maxWaitMs()).isEqualTo(30_000);
    assertThat(config.rateLimitBurst()).isEqualTo(2 * config.rateLimitPerSecond());
    assertThat(config.topologyApplicationId()).isEqualTo("flashsale-topology");
  }

  @Test
  void outsideLocalModeRealSecretsAreRequired() {
    assertThatThrownBy(() -> ApiConfig.fromEnv(Map.of())).hasMessageContaining("FLASHSALE_ADMIN_TOKEN");
    assertThatThrownBy(() -> ApiConfig.fromEnv(Map.of("FLASHSALE_ADMIN_TOKEN", "admin")))
        .hasMessageContaining("FLASHSALE_JWT_SECRET");
    assertThatThrownBy(() -> ApiConfig.fromEnv(Map.of("FLASHSALE_ADMIN_TOKEN", "local-admin-token",
        "FLASHSALE_JWT_SECRET", REAL_SECRET))).hasMessageContaining("local-mode");
    assertThatThrownBy(() -> ApiConfig.fromEnv(Map.of("FLASHSALE_ADMIN_TOKEN", "admin",
        "FLASHSALE_JWT_SECRET", "short"))).hasMessageContaining("32 bytes");

    ApiConfig config = ApiConfig.fromEnv(Map.of("FLASHSALE_ADMIN_TOKEN", "admin", "FLASHSALE_JWT_SECRET", REAL_SECRET,
        "FLASHSALE_HTTP_PORT", "0"));
    assertThat(config.jwtSecret()).isEqualTo(REAL_SECRET);
    assertThat(config.httpPort()).isZero();
    assertThat(config.toString()).doesNotContain(REAL_SECRET);
  }

  @Test
  void malformedNumbersNameTheVariable() {
    assertThatThrownBy(() -> ApiConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_HTTP_PORT", "eighty")))
        .hasMessageContaining("FLASHSALE_HTTP_PORT");
  }
}
