package io.flashsale.api.access;

import io.flashsale.settings.SecretRules;
import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.nio.charset.StandardCharsets;

/**
 * Who may call the API, and how often.
 *
 * @param adminToken FLASHSALE_ADMIN_TOKEN, required outside local mode
 * @param jwtSecret FLASHSALE_JWT_SECRET (HS256, at least 32 bytes), required outside local mode
 * @param adminJwt FLASHSALE_ADMIN_JWT_*: the keys, issuer and audience of admin JWTs with roles (see {@link AdminJwt});
 *     the shared admin token is accepted beside them, as an operator
 * @param verifiedTokenCacheSize FLASHSALE_VERIFIED_TOKEN_CACHE_SIZE, default 100000: buyer tokens remembered after
 *     verification, so that a buyer's next clicks skip parsing and checking the signature; 0 verifies every request
 * @param rateLimitPerSecond FLASHSALE_RATE_LIMIT_PER_SECOND, default 20 requests per user and second
 * @param rateLimitBurst FLASHSALE_RATE_LIMIT_BURST, default twice the rate
 * @param ipRateLimitPerSecond FLASHSALE_IP_RATE_LIMIT_PER_SECOND, default 0 (off): requests per client address and
 *     second on the buyer routes, with a burst of twice that; off by default, as a carrier's NAT puts thousands
 *     of buyers behind one address
 * @param saleRateLimitPerSecond FLASHSALE_SALE_RATE_LIMIT_PER_SECOND, default 0 (off): purchase requests per sale and
 *     second, with a burst of one second's worth, on this instance: give each instance its share
 * @param trustedProxies FLASHSALE_TRUSTED_PROXIES, default none: comma-separated addresses and ranges
 *     ({@code 10.0.0.0/8}) whose {@code X-Forwarded-For} names the client (see {@link ClientAddress})
 * @param metricsToken FLASHSALE_METRICS_TOKEN, optional: the bearer token GET /metrics asks for; unset, /metrics is
 *     open like the health routes (then keep it off the public listener at the proxy)
 * @param abuseBounds the bounds per client address and in total of used challenges and event streams, see
 *     {@link AbuseBounds}
 */
public record AccessSettings(String adminToken, String jwtSecret, AdminJwt adminJwt, int verifiedTokenCacheSize,
                             int rateLimitPerSecond, int rateLimitBurst, int ipRateLimitPerSecond,
                             int saleRateLimitPerSecond, String trustedProxies, String metricsToken,
                             AbuseBounds abuseBounds) {
  /** Published so that local tools can authenticate; never accepted outside local mode. */
  public static final String LOCAL_ADMIN_TOKEN = "local-admin-token";
  public static final String LOCAL_JWT_SECRET = "local-dev-secret-change-me";
  /** HS256 keys shorter than the hash are guessable (RFC 7518, 3.2). */
  public static final int MIN_JWT_SECRET_BYTES = 32;
  /** Tokens of as many buyers as a large sale's rush has at once, at a few hundred bytes each. */
  public static final int DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 100_000;

  public AccessSettings {
    atLeastOne("FLASHSALE_RATE_LIMIT_PER_SECOND", rateLimitPerSecond);
    atLeastOne("FLASHSALE_RATE_LIMIT_BURST", rateLimitBurst);
    if (verifiedTokenCacheSize < 0) {
      throw new SettingException("FLASHSALE_VERIFIED_TOKEN_CACHE_SIZE", "must not be negative");
    }
    if (ipRateLimitPerSecond < 0 || saleRateLimitPerSecond < 0) {
      throw new IllegalArgumentException("FLASHSALE_IP_RATE_LIMIT_PER_SECOND and FLASHSALE_SALE_RATE_LIMIT_PER_SECOND "
          + "must not be negative (0 is off)");
    }
    ClientAddress.trusting(trustedProxies); // refuses a list it cannot read
  }

  /** In local mode the published token and secret; outside it real ones, none a placeholder of .env.example. */
  public static AccessSettings fromEnv(Settings env, boolean localMode) {
    String jwtSecret = localMode ? LOCAL_JWT_SECRET : env.text("FLASHSALE_JWT_SECRET", null);
    String adminToken = localMode ? LOCAL_ADMIN_TOKEN : env.text("FLASHSALE_ADMIN_TOKEN", null);
    if (!localMode) {
      SecretRules.requireReal("FLASHSALE_ADMIN_TOKEN", adminToken, LOCAL_ADMIN_TOKEN);
      SecretRules.requireReal("FLASHSALE_JWT_SECRET", jwtSecret, LOCAL_JWT_SECRET);
      if (jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
        throw new SettingException("FLASHSALE_JWT_SECRET", "must be at least " + MIN_JWT_SECRET_BYTES + " bytes");
      }
    }
    int rate = env.integer("FLASHSALE_RATE_LIMIT_PER_SECOND", 20);
    AccessSettings settings = new AccessSettings(adminToken, jwtSecret, AdminJwt.fromEnv(env, localMode, jwtSecret),
        env.integer("FLASHSALE_VERIFIED_TOKEN_CACHE_SIZE", DEFAULT_VERIFIED_TOKEN_CACHE_SIZE),
        rate,
        env.integer("FLASHSALE_RATE_LIMIT_BURST", 2 * rate),
        env.integer("FLASHSALE_IP_RATE_LIMIT_PER_SECOND", 0),
        env.integer("FLASHSALE_SALE_RATE_LIMIT_PER_SECOND", 0),
        env.text("FLASHSALE_TRUSTED_PROXIES", ""),
        env.text("FLASHSALE_METRICS_TOKEN", null),
        AbuseBounds.fromEnv(env));
    if (!localMode) {
      SecretRules.refusePlaceholder("FLASHSALE_ADMIN_TOKEN", adminToken);
      SecretRules.refusePlaceholder("FLASHSALE_JWT_SECRET", jwtSecret);
      SecretRules.refusePlaceholder("FLASHSALE_METRICS_TOKEN", settings.metricsToken());
      SecretRules.refusePlaceholder("FLASHSALE_ADMIN_JWT_SECRET", settings.adminJwt().secret());
    }
    return settings;
  }

  /** Whether a secret is one of the keys this holds: whoever holds it can sign buyer or admin tokens. */
  public boolean holds(String secret) {
    return secret.equals(jwtSecret) || secret.equals(adminJwt.secret()) || secret.equals(adminToken);
  }

  @Override
  public String toString() { // keeps the secrets out of logs
    return adminJwt.toString();
  }

  private static void atLeastOne(String name, long value) {
    if (value < 1) {
      throw new SettingException(name, "must be at least 1, was " + value);
    }
  }
}
