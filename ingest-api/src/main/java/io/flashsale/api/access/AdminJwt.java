package io.flashsale.api.access;

import io.flashsale.settings.Settings;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How admin JWTs are checked: the keys an identity provider signs them with, and the issuer and audience they must
 * name. Neither key set: only the shared admin token is accepted.
 *
 * @param secret FLASHSALE_ADMIN_JWT_SECRET, an HS256 key of at least 32 bytes, never the buyers' secret; in local
 *     mode {@link #LOCAL_SECRET} unless set
 * @param publicKeyPem FLASHSALE_ADMIN_JWT_PUBLIC_KEY, a PEM public key ({@code -----BEGIN PUBLIC KEY-----}): RSA for
 *     RS256 tokens, EC P-256 for ES256
 * @param issuer FLASHSALE_ADMIN_JWT_ISSUER: the {@code iss} every admin token must carry; required outside local mode
 *     once any key is set, as a key shared with other applications would otherwise make their tokens valid here
 * @param audience FLASHSALE_ADMIN_JWT_AUDIENCE: a value the token's {@code aud} must contain; required like the issuer
 * @param jwksUrl FLASHSALE_ADMIN_JWKS_URL, optional: the identity provider's JSON Web Key Set (RS256 and ES256 keys by
 *     {@code kid}), fetched when a token names a key not known yet and cached (see {@link AdminTokens})
 */
public record AdminJwt(String secret, String publicKeyPem, String issuer, String audience, String jwksUrl) {
  /** Published so that local tools can sign admin tokens; never accepted outside local mode. */
  public static final String LOCAL_SECRET = "local-admin-jwt-secret-change-me!";

  public AdminJwt {
    if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < AccessSettings.MIN_JWT_SECRET_BYTES) {
      throw new IllegalArgumentException("FLASHSALE_ADMIN_JWT_SECRET must be at least " + AccessSettings.MIN_JWT_SECRET_BYTES
          + " bytes");
    }
    if (publicKeyPem != null) {
      AdminKeys.publicKey(publicKeyPem); // refuses a key it cannot use
    }
    if (jwksUrl != null && !(jwksUrl.startsWith("https://") || jwksUrl.startsWith("http://"))) {
      throw new IllegalArgumentException("FLASHSALE_ADMIN_JWKS_URL must be an http(s) URL, was " + jwksUrl);
    }
  }

  /** Without a JWKS URL. */
  public AdminJwt(String secret, String publicKeyPem, String issuer, String audience) {
    this(secret, publicKeyPem, issuer, audience, null);
  }

  /** True when some admin JWT can be accepted. */
  public boolean anyKey() {
    return secret != null || publicKeyPem != null || jwksUrl != null;
  }

  /** Read from the environment; {@code buyerSecret} is refused as the admin secret, which would let buyers mint admins. */
  public static AdminJwt fromEnv(Map<String, String> env, boolean localMode, String buyerSecret) {
    return fromEnv(Settings.of(env), localMode, buyerSecret);
  }

  /** Read from the environment; {@code buyerSecret} is refused as the admin secret, which would let buyers mint admins. */
  public static AdminJwt fromEnv(Settings env, boolean localMode, String buyerSecret) {
    String secret = env.text("FLASHSALE_ADMIN_JWT_SECRET", null);
    if (secret == null && localMode) {
      secret = LOCAL_SECRET;
    }
    if (secret != null && !localMode && secret.equals(LOCAL_SECRET)) {
      throw new IllegalArgumentException("FLASHSALE_ADMIN_JWT_SECRET must not be the published local-mode value outside"
          + " local mode");
    }
    if (secret != null && secret.equals(buyerSecret)) {
      throw new IllegalArgumentException("FLASHSALE_ADMIN_JWT_SECRET must differ from FLASHSALE_JWT_SECRET: whoever"
          + " signs buyer tokens could sign admin tokens");
    }
    AdminJwt config = new AdminJwt(secret, env.text("FLASHSALE_ADMIN_JWT_PUBLIC_KEY", null),
        env.text("FLASHSALE_ADMIN_JWT_ISSUER", null), env.text("FLASHSALE_ADMIN_JWT_AUDIENCE", null),
        env.text("FLASHSALE_ADMIN_JWKS_URL", null));
    if (!localMode && config.anyKey() && (config.issuer() == null || config.audience() == null)) {
      throw new IllegalArgumentException("Admin JWTs need FLASHSALE_ADMIN_JWT_ISSUER and FLASHSALE_ADMIN_JWT_AUDIENCE"
          + " outside local mode: without them a token the same key signed for another application would pass here");
    }
    return config;
  }

  /** No admin JWTs: only the shared token. */
  static AdminJwt none() {
    return new AdminJwt(null, null, null, null, null);
  }

  @Override
  public String toString() { // keeps the secret out of logs
    return "AdminJwt[hs256=" + (secret != null) + ", publicKey=" + (publicKeyPem != null) + ", jwks=" + jwksUrl
        + ", issuer=" + issuer + ", audience=" + audience + "]";
  }
}
