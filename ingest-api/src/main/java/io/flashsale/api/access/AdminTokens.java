package io.flashsale.api.access;

import com.auth0.jwk.JwkProvider;
import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier.BaseVerification;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.ECDSAKeyProvider;
import com.auth0.jwt.interfaces.JWTVerifier;
import com.auth0.jwt.interfaces.RSAKeyProvider;
import com.auth0.jwt.interfaces.Verification;
import io.flashsale.api.access.Identity.Admin;
import io.flashsale.schemas.AdminRole;
import io.flashsale.schemas.InputRules;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin JWTs as an identity provider issues them: signed with the configured key (HS256 secret, RS256 or ES256
 * public key), {@code sub} = the operator's name, {@code exp} required, the role in {@code roles} (array) or
 * {@code role}, and {@code iss} / {@code aud} where configured. Each verifier is pinned to its algorithm and key:
 * a token is checked by the verifier of the algorithm its header names, and a header naming any other (none, or
 * HS256 with the public key as its secret) finds no verifier.
 *
 * <p>With a JWKS URL, a token whose header names a key id ({@code kid}) is checked with that key of the identity
 * provider's published set (auth0's jwks-rsa): keys are cached by id for {@link #JWKS_CACHE_HOURS} hours, and an id
 * not in the cache fetches the set once more, at most {@link #JWKS_FETCHES_PER_MINUTE} times a minute, so that a
 * rotation at the provider is picked up at its first token and tokens with made-up ids cannot hammer it.
 */
public final class AdminTokens {
  private static final Logger log = LoggerFactory.getLogger(AdminTokens.class);
  static final String ROLES_CLAIM = "roles";
  static final String ROLE_CLAIM = "role";
  /** Accepts no JWT at all. */
  static final AdminTokens NONE = new AdminTokens(Map.of(), Map.of());

  private final Map<String, JWTVerifier> byAlgorithm;
  /** Verifiers of tokens that name a key id, by algorithm: the key comes from the JWKS. */
  private final Map<String, JWTVerifier> byKeyId;

  private AdminTokens(Map<String, JWTVerifier> byAlgorithm, Map<String, JWTVerifier> byKeyId) {
    this.byAlgorithm = byAlgorithm;
    this.byKeyId = byKeyId;
  }

  static AdminTokens of(AdminJwt config, Clock clock) {
    Map<String, JWTVerifier> verifiers = new HashMap<>();
    if (config.secret() != null) {
      verifiers.put("HS256", verifier(Algorithm.HMAC256(config.secret()), config, clock));
    }
    if (config.publicKeyPem() != null) {
      PublicKey key = AdminKeys.publicKey(config.publicKeyPem());
      if (key instanceof RSAPublicKey rsa) {
        verifiers.put("RS256", verifier(Algorithm.RSA256(rsa, null), config, clock));
      } else {
        verifiers.put("ES256", verifier(Algorithm.ECDSA256((ECPublicKey) key, null), config, clock));
      }
    }
    Map<String, JWTVerifier> fromJwks = new HashMap<>();
    if (config.jwksUrl() != null) {
      JwkProvider jwks = AdminKeys.jwks(config.jwksUrl());
      fromJwks.put("RS256", verifier(Algorithm.RSA256(new RSAKeyProvider() {
        @Override
        public RSAPublicKey getPublicKeyById(String keyId) {
          return AdminKeys.published(jwks, keyId, "RS256") instanceof RSAPublicKey rsa ? rsa : null;
        }

        @Override
        public java.security.interfaces.RSAPrivateKey getPrivateKey() {
          return null;
        }

        @Override
        public String getPrivateKeyId() {
          return null;
        }
      }), config, clock));
      fromJwks.put("ES256", verifier(Algorithm.ECDSA256(new ECDSAKeyProvider() {
        @Override
        public ECPublicKey getPublicKeyById(String keyId) {
          return AdminKeys.published(jwks, keyId, "ES256") instanceof ECPublicKey ec ? ec : null;
        }

        @Override
        public java.security.interfaces.ECPrivateKey getPrivateKey() {
          return null;
        }

        @Override
        public String getPrivateKeyId() {
          return null;
        }
      }), config, clock));
    }
    return new AdminTokens(Map.copyOf(verifiers), Map.copyOf(fromJwks));
  }

  boolean acceptsAny() {
    return !byAlgorithm.isEmpty() || !byKeyId.isEmpty();
  }

  /** The admin a token names, with the highest role it grants (NONE if it grants none); else UNAUTHENTICATED. */
  Admin verify(String token) {
    try {
      DecodedJWT header = JWT.decode(token);
      String algorithm = header.getAlgorithm();
      JWTVerifier verifier = algorithm == null ? null
          : header.getKeyId() != null && byKeyId.containsKey(algorithm) ? byKeyId.get(algorithm)
          : byAlgorithm.get(algorithm);
      if (verifier == null) {
        throw Identity.unauthenticated("Admin tokens are not accepted with algorithm " + algorithm);
      }
      DecodedJWT jwt = verifier.verify(token);
      String invalid = InputRules.text("The token's sub", jwt.getSubject());
      if (invalid != null) {
        throw Identity.unauthenticated(invalid);
      }
      return new Admin(jwt.getSubject(), jwt.getIssuer(), role(jwt));
    } catch (JWTDecodeException e) {
      throw Identity.unauthenticated("Not a JWT: " + e.getMessage());
    } catch (JWTVerificationException e) {
      throw Identity.unauthenticated("Invalid admin token: " + e.getMessage());
    }
  }

  /**
   * The highest of the known roles the token grants; unknown ones (an identity provider lists many) are ignored,
   * and a token granting none is NONE, which no admin route accepts.
   */
  private static AdminRole role(DecodedJWT jwt) {
    List<String> names;
    Claim roles = jwt.getClaim(ROLES_CLAIM);
    Claim role = jwt.getClaim(ROLE_CLAIM);
    if (!roles.isMissing() && !roles.isNull()) {
      names = roles.asList(String.class);
      if (names == null || names.contains(null)) {
        throw Identity.unauthenticated("The token's " + ROLES_CLAIM + " must be an array of strings");
      }
    } else if (!role.isMissing() && !role.isNull()) {
      String name = role.asString();
      if (name == null) {
        throw Identity.unauthenticated("The token's " + ROLE_CLAIM + " must be a string");
      }
      names = List.of(name);
    } else {
      names = List.of();
    }
    AdminRole highest = AdminRole.NONE;
    for (String name : names) {
      AdminRole known = switch (name.toLowerCase(Locale.ROOT)) {
        case "operator" -> AdminRole.OPERATOR;
        case "viewer" -> AdminRole.VIEWER;
        default -> AdminRole.NONE;
      };
      if (known.ordinal() > highest.ordinal()) {
        highest = known;
      }
    }
    return highest;
  }

  private static JWTVerifier verifier(Algorithm algorithm, AdminJwt config, Clock clock) {
    // An admin token without an expiry would be a password for ever: exp is required, as for buyers.
    Verification verification = JWT.require(algorithm).withClaimPresence("sub").withClaimPresence("exp");
    if (config.issuer() != null) {
      verification = verification.withIssuer(config.issuer());
    }
    if (config.audience() != null) {
      verification = verification.withAudience(config.audience());
    }
    return ((BaseVerification) verification).build(clock);
  }
}
