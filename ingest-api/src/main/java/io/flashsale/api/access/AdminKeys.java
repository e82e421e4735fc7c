package io.flashsale.api.access;

import com.auth0.jwk.Jwk;
import com.auth0.jwk.JwkException;
import com.auth0.jwk.JwkProvider;
import com.auth0.jwk.JwkProviderBuilder;
import java.net.MalformedURLException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The public keys admin JWTs are checked with: one configured in PEM, or those an identity provider publishes. */
final class AdminKeys {
  private static final Logger log = LoggerFactory.getLogger(AdminTokens.class);
  /** Keys remembered, by id: an identity provider publishes a handful (current, next, retiring). */
  static final int JWKS_CACHED_KEYS = 20;
  /** A key is used for a day after its fetch; a rotated-out key is no longer published, so it is refetched then. */
  static final int JWKS_CACHE_HOURS = 24;
  /** Fetches of the set a minute at most, whatever the tokens name. */
  static final int JWKS_FETCHES_PER_MINUTE = 10;

  private AdminKeys() {}

  /** The identity provider's key set at {@code url}, cached and rate limited. */
  static JwkProvider jwks(String url) {
    try {
      return new JwkProviderBuilder(URI.create(url).toURL())
          .cached(JWKS_CACHED_KEYS, JWKS_CACHE_HOURS, TimeUnit.HOURS)
          .rateLimited(JWKS_FETCHES_PER_MINUTE, 1, TimeUnit.MINUTES)
          .timeouts(5_000, 5_000)
          .build();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("FLASHSALE_ADMIN_JWKS_URL is not a URL: " + url, e);
    }
  }

  /** The published key of this id, if the set has one for this algorithm (a key naming another is not used). */
  static PublicKey published(JwkProvider jwks, String keyId, String algorithm) {
    if (keyId == null) {
      return null;
    }
    try {
      Jwk jwk = jwks.get(keyId);
      if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().equals(algorithm)) {
        return null;
      }
      return jwk.getPublicKey();
    } catch (JwkException e) {
      log.debug("No admin JWT key {} in the JWKS: {}", keyId, e.getMessage());
      return null;
    }
  }

  /** An RSA or EC P-256 public key from PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
  static PublicKey publicKey(String pem) {
    String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("FLASHSALE_ADMIN_JWT_PUBLIC_KEY is not a PEM public key");
    }
    for (String type : List.of("RSA", "EC")) {
      try {
        PublicKey key = KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() != 256) {
          throw new IllegalArgumentException("FLASHSALE_ADMIN_JWT_PUBLIC_KEY: an EC key must be on P-256 (ES256)");
        }
        return key;
      } catch (GeneralSecurityException e) {
        // not a key of this type: try the next
      }
    }
    throw new IllegalArgumentException("FLASHSALE_ADMIN_JWT_PUBLIC_KEY is neither an RSA nor an EC public key");
  }
}
