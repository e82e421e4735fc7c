package io.flashsale.schemas.serde;

import io.flashsale.settings.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a process reaches the schema registry, read from the environment.
 *
 * @param url FLASHSALE_SCHEMA_REGISTRY_URL, default {@value #DEFAULT_URL}: {@code http(s)://host:port} or
 *     {@code mock://name} (in memory)
 * @param userInfo FLASHSALE_SCHEMA_REGISTRY_USER_INFO, optional: {@code user:password} for HTTP basic
 *     authentication, as Confluent's {@code basic.auth.user.info}
 * @param bearerToken FLASHSALE_SCHEMA_REGISTRY_BEARER_TOKEN, optional: sent as {@code Authorization: Bearer};
 *     not together with user info
 * @param trustStore FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE, optional: a PKCS12 or JKS file of the certificates an
 *     https registry is trusted by; without it the JDK's default trust store decides
 * @param trustStorePassword FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD, the trust store's password, if it has one
 * @param autoRegister FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER, default true: producers register their schema; false
 *     writes with the latest version registered under the subject (Confluent's {@code auto.register.schemas=false}
 *     with {@code use.latest.version=true}), so that production needs only read rights on the registry, see
 *     {@link LatestVersionRegistry}
 */
public record RegistrySettings(String url, String userInfo, String bearerToken, Path trustStore,
                               String trustStorePassword, boolean autoRegister) {
  public static final String DEFAULT_URL = "mock://flashsale";

  public RegistrySettings {
    if (url == null || !(url.startsWith(MockSchemaRegistry.SCHEME) || url.startsWith("http://")
        || url.startsWith("https://"))) {
      throw new IllegalArgumentException("FLASHSALE_SCHEMA_REGISTRY_URL must be http(s):// or mock://, was " + url);
    }
    userInfo = blankAsNull(userInfo);
    bearerToken = blankAsNull(bearerToken);
    trustStorePassword = blankAsNull(trustStorePassword);
    if (userInfo != null && !userInfo.contains(":")) {
      throw new IllegalArgumentException("FLASHSALE_SCHEMA_REGISTRY_USER_INFO must be user:password");
    }
    if (userInfo != null && bearerToken != null) {
      throw new IllegalArgumentException(
          "Set FLASHSALE_SCHEMA_REGISTRY_USER_INFO or FLASHSALE_SCHEMA_REGISTRY_BEARER_TOKEN, not both");
    }
    if (trustStore != null && !url.startsWith("https://")) {
      throw new IllegalArgumentException("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE is for an https:// registry, the URL is "
          + url);
    }
    if (trustStore != null && !Files.isReadable(trustStore)) {
      throw new IllegalArgumentException("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE " + trustStore + " cannot be read");
    }
  }

  /** Producers register their schemas. */
  public RegistrySettings(String url, String userInfo, String bearerToken, Path trustStore, String trustStorePassword) {
    this(url, userInfo, bearerToken, trustStore, trustStorePassword, true);
  }

  /** A registry without authentication, trusted by the JDK's defaults if it is https. */
  public static RegistrySettings of(String url) {
    return new RegistrySettings(url, null, null, null, null);
  }

  public static RegistrySettings fromEnv(Map<String, String> env) {
    return fromEnv(Settings.of(env));
  }

  public static RegistrySettings fromEnv(Settings env) {
    String trustStore = env.text("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE", null);
    return new RegistrySettings(
        env.text("FLASHSALE_SCHEMA_REGISTRY_URL", DEFAULT_URL),
        env.text("FLASHSALE_SCHEMA_REGISTRY_USER_INFO", null),
        env.text("FLASHSALE_SCHEMA_REGISTRY_BEARER_TOKEN", null),
        trustStore == null ? null : Path.of(trustStore),
        env.text("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD", null),
        env.flag("FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER", true));
  }

  /**
   * The registry client. A real registry is asked once now, so that refused credentials or an untrusted
   * certificate stop the process at start instead of failing its first record; a registry that does not answer
   * yet is only logged, as the serdes wait for it.
   */
  public SchemaRegistry connect() {
    SchemaRegistry registry;
    if (url.startsWith(MockSchemaRegistry.SCHEME)) {
      registry = MockSchemaRegistry.named(url.substring(MockSchemaRegistry.SCHEME.length()));
    } else {
      RestSchemaRegistry rest = new RestSchemaRegistry(URI.create(url), this);
      rest.checkAccess();
      registry = rest;
    }
    return autoRegister ? registry : new LatestVersionRegistry(registry);
  }

  @Override
  public String toString() { // keeps the secrets out of logs
    return "RegistrySettings[url=" + url + ", auth=" + (userInfo != null ? "basic " + userInfo.split(":", 2)[0]
        : bearerToken != null ? "bearer" : "none") + ", trustStore=" + (trustStore == null ? "JDK default" : trustStore)
        + (autoRegister ? "" : ", autoRegister=false") + "]";
  }

  private static String blankAsNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
