package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.serde.RegistrySettings;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client against a registry that wants credentials over https: the right ones work, missing or wrong
 * ones and an untrusted certificate stop the client at once with a message naming the registry and the cause.
 */
class SecuredSchemaRegistryTest {
  private static final String USER_INFO = "flashsale:registry-secret";
  private static final String TOKEN = "registry-token";
  /** Well within the client's own 10 s request timeout: a refusal is an answer, not a wait. */
  private static final Duration PROMPTLY = Duration.ofSeconds(8);

  @TempDir static Path dir;
  static SelfSignedTls tls;
  static EmbeddedSchemaRegistry basic;
  static EmbeddedSchemaRegistry bearer;

  @BeforeAll
  static void start() {
    tls = SelfSignedTls.create(dir.resolve("tls"));
    basic = EmbeddedSchemaRegistry.start(null, 0, new EmbeddedSchemaRegistry.Access(USER_INFO, null, tls));
    bearer = EmbeddedSchemaRegistry.start(null, 0, new EmbeddedSchemaRegistry.Access(null, TOKEN, null));
  }

  @AfterAll
  static void stop() {
    basic.close();
    bearer.close();
  }

  @Test
  void theRightUserInfoOverTrustedTlsRegistersAndFetches() {
    assertThat(basic.url()).startsWith("https://");
    SchemaRegistry registry = settings(basic.url(), USER_INFO, null).connect();

    int id = registry.register("sales-value", Sale.getClassSchema());

    assertThat(registry.schemaById(id)).isEqualTo(Sale.getClassSchema());
  }

  @Test
  void theRightBearerTokenWorks() {
    SchemaRegistry registry = new RegistrySettings(bearer.url(), null, TOKEN, null, null).connect();

    assertThat(registry.schemaById(registry.register("sales-value", Sale.getClassSchema())))
        .isEqualTo(Sale.getClassSchema());
  }

  @Test
  void missingOrWrongCredentialsAreRefusedAtConnectNamingTheRegistryAnd401() {
    assertTimeoutPreemptively(PROMPTLY, () -> {
      assertThatThrownBy(() -> settings(basic.url(), null, null).connect())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Schema registry at " + basic.url())
          .hasMessageContaining("401 Unauthorized")
          .hasMessageContaining("without credentials");
      assertThatThrownBy(() -> settings(basic.url(), "flashsale:wrong", null).connect())
          .hasMessageContaining("Schema registry at " + basic.url())
          .hasMessageContaining("401 Unauthorized")
          .hasMessageContaining("FLASHSALE_SCHEMA_REGISTRY_USER_INFO");
      assertThatThrownBy(() -> new RegistrySettings(bearer.url(), null, "wrong-token", null, null).connect())
          .hasMessageContaining("Schema registry at " + bearer.url())
          .hasMessageContaining("401");
    });
  }

  @Test
  void aCertificateTheJdkDoesNotTrustIsRefusedAtConnect() {
    assertTimeoutPreemptively(PROMPTLY, () ->
        assertThatThrownBy(() -> new RegistrySettings(basic.url(), USER_INFO, null, null, null).connect())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("Schema registry at " + basic.url())
            .hasMessageContaining("not trusted over TLS"));
  }

  @Test
  void aRefusalAfterTheStartIsUnavailabilityNotABadRecord() {
    // Not answering at connect is only logged; a refusal met later must make the serdes wait, not dead-letter.
    EmbeddedSchemaRegistry first = EmbeddedSchemaRegistry.start(null, 0);
    int port = Integer.parseInt(first.url().substring(first.url().lastIndexOf(':') + 1));
    first.close();
    SchemaRegistry registry = new RegistrySettings(first.url(), null, "stale-token", null, null).connect();
    try (EmbeddedSchemaRegistry secured = EmbeddedSchemaRegistry.start(null, port,
        new EmbeddedSchemaRegistry.Access(null, TOKEN, null))) {
      assertThatThrownBy(() -> registry.register("sales-value", Sale.getClassSchema()))
          .matches(SchemaRegistry::isUnavailable, "is unavailability")
          .hasMessageContaining("Schema registry at " + secured.url())
          .hasMessageContaining("401");
    }
  }

  private static RegistrySettings settings(String url, String userInfo, String token) {
    return new RegistrySettings(url, userInfo, token, tls.trustStore(), tls.password());
  }
}
