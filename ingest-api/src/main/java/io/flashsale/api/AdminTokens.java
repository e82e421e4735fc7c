package io.flashsale.api;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier.BaseVerification;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import com.auth0.jwt.interfaces.Verification;
import io.flashsale.api.Identity.Admin;
import io.flashsale.schemas.AdminRole;
import io.flashsale.schemas.InputRules;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Admin JWTs as an identity provider issues them: signed with the configured key (HS256 secret, RS256 or ES256
 * public key), {@code sub} = the operator's name, {@code exp} required, the role in {@code roles} (array) or
 * {@code role}, and {@code iss} / {@code aud} where configured. Each verifier is pinned to its algorithm and key:
 * a token is checked by the verifier of the algorithm its header names, and a header naming any other (none, or
 * HS256 with the public key as its secret) finds no verifier.
 */
final class AdminTokens {
  static final String ROLES_CLAIM = "roles";
  static final String ROLE_CLAIM = "role";

  /** Accepts no JWT at all. */
  static final AdminTokens NONE = new AdminTokens(Map.of());

  private final Map<String, JWTVerifier> byAlgorithm;

  private AdminTokens(Map<String, JWTVerifier> byAlgorithm) {
    this.byAlgorithm = byAlgorithm;
  }

  static AdminTokens of(AdminJwt config, Clock clock) {
    Map<String, JWTVerifier> verifiers = new HashMap<>();
    if (config.secret() != null) {
      verifiers.put("HS256", verifier(Algorithm.HMAC256(config.secret()), config, clock));
    }
    if (config.publicKeyPem() != null) {
      PublicKey key = publicKey(config.publicKeyPem());
      if (key instanceof RSAPublicKey rsa) {
        verifiers.put("RS256", verifier(Algorithm.RSA256(rsa, null), config, clock));
      } else {
        verifiers.put("ES256", verifier(Algorithm.ECDSA256((ECPublicKey) key, null), config, clock));
      }
    }
    return new AdminTokens(Map.copyOf(verifiers));
  }

  boolean acceptsAny() {
    return !byAlgorithm.isEmpty();
  }

  /** The admin a token names, with the highest role it grants (NONE if it grants none); else UNAUTHENTICATED. */
  Admin verify(String token) {
    try {
      String algorithm = JWT.decode(token).getAlgorithm();
      JWTVerifier verifier = algorithm == null ? null : byAlgorithm.get(algorithm);
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
