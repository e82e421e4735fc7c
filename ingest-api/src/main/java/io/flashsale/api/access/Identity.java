package io.flashsale.api.access;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier.BaseVerification;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.AdminRole;
import io.flashsale.schemas.InputRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Who is calling: buyers by HS256 JWT ({@code sub} = user id, optional {@code did} = device id, {@code exp}
 * required), admins by the shared admin token (an operator, "local-token") or by an admin JWT with a role
 * ({@link AdminTokens}). The user and device ids follow the shared {@link InputRules}: they go
 * into every purchase request, and one the topology would refuse must be refused here, before a 202.
 */
public final class Identity {

  /** An authenticated buyer. */
  public record Buyer(String userId, String deviceId) {}

  /** An authenticated admin: the token's {@code sub} (or {@link #LOCAL_TOKEN_ACTOR}), its issuer, and its role. */
  public record Admin(String name, String issuer, AdminRole role) {
    /** Whether this admin may call a route that needs {@code needed}: an operator may do what a viewer may. */
    boolean may(AdminRole needed) {
      return role.ordinal() >= needed.ordinal() && role != AdminRole.UNKNOWN;
    }
  }

  /** The name the shared admin token acts under in the audit trail. */
  public static final String LOCAL_TOKEN_ACTOR = "local-token";
  private static final Admin SHARED_TOKEN_ADMIN = new Admin(LOCAL_TOKEN_ACTOR, null, AdminRole.OPERATOR);

  /** A token that passed verification, and until when it stays valid. */
  private record VerifiedToken(Buyer buyer, Instant expiresAt) {
    boolean validAt(Instant now) {
      return now.isBefore(expiresAt);
    }
  }

  public static final String DEVICE_CLAIM = "did";
  private static final String BEARER = "bearer ";

  private final JWTVerifier buyerTokens;
  private final byte[] adminToken;
  private final AdminTokens adminTokens;
  private final Clock clock;
  /**
   * Tokens that passed verification, or null when every request verifies. A buyer sends the same token
   * with every click, and parsing and checking it was about an eighth of the edge's CPU. A token's
   * signature, subject and device never change, so a hit needs only the expiry checked again; tokens that
   * fail are never kept, so only holders of the secret can fill it.
   */
  private final Cache<String, VerifiedToken> verifiedTokens;

  /** Verifies every token on every request. */
  public Identity(String jwtSecret, String adminToken) {
    this(jwtSecret, adminToken, 0, Clock.systemUTC());
  }

  /** Remembers up to {@code verifiedTokenCacheSize} verified tokens (0: none), judging expiry by {@code clock}. */
  public Identity(String jwtSecret, String adminToken, int verifiedTokenCacheSize, Clock clock) {
    this(jwtSecret, adminToken, AdminJwt.none(), verifiedTokenCacheSize, clock);
  }

  /** Also accepting admin JWTs as {@code adminJwt} says. */
  public Identity(String jwtSecret, String adminToken, AdminJwt adminJwt, int verifiedTokenCacheSize, Clock clock) {
    // The verifier is pinned to HS256: a token naming another algorithm, "none" included, fails.
    // A token without an expiry would be a password for ever: exp is required.
    this.buyerTokens = ((BaseVerification) JWT.require(Algorithm.HMAC256(jwtSecret))
        .withClaimPresence("sub").withClaimPresence("exp")).build(clock);
    this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
    this.adminTokens = AdminTokens.of(adminJwt, clock);
    this.clock = clock;
    this.verifiedTokens = verifiedTokenCacheSize > 0
        ? Caffeine.newBuilder().maximumSize(verifiedTokenCacheSize).build()
        : null;
  }

  /** The buyer behind an Authorization header, or UNAUTHENTICATED. */
  public Buyer buyer(String authorization) {
    String token = bearerToken(authorization);
    VerifiedToken known = verifiedTokens == null ? null : verifiedTokens.getIfPresent(token);
    if (known != null && known.validAt(clock.instant())) {
      return known.buyer();
    }
    VerifiedToken verified = verify(token); // an expired token fails here, with the verifier's reason
    if (verifiedTokens != null) {
      verifiedTokens.put(token, verified);
    }
    return verified.buyer();
  }

  private VerifiedToken verify(String token) {
    try {
      DecodedJWT jwt = buyerTokens.verify(token);
      String userId = jwt.getSubject();
      Claim device = jwt.getClaim(DEVICE_CLAIM);
      String deviceId = device.isMissing() || device.isNull() ? null : device.asString();
      if (deviceId == null && !device.isMissing() && !device.isNull()) {
        throw unauthenticated("The token's " + DEVICE_CLAIM + " must be a string");
      }
      String invalid = InputRules.text("The token's sub", userId);
      if (invalid == null) {
        invalid = InputRules.optionalText("The token's " + DEVICE_CLAIM, deviceId);
      }
      if (invalid != null) {
        throw unauthenticated(invalid);
      }
      return new VerifiedToken(new Buyer(userId, deviceId), jwt.getExpiresAtAsInstant());
    } catch (JWTVerificationException e) {
      throw unauthenticated("Invalid token: " + e.getMessage());
    }
  }

  /**
   * The admin behind an Authorization header: the shared admin token is an operator; any other token must be an
   * admin JWT (when admin keys are configured). UNAUTHENTICATED otherwise. The role is the caller's to check.
   */
  public Admin admin(String authorization) {
    String token = bearerToken(authorization);
    if (MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), adminToken)) { // constant time
      return SHARED_TOKEN_ADMIN;
    }
    if (!adminTokens.acceptsAny()) {
      throw unauthenticated("Admin token required");
    }
    return adminTokens.verify(token);
  }

  /** Passes for the bearer token {@code expected}, else UNAUTHENTICATED with {@code detail}. */
  void bearer(String authorization, byte[] expected, String detail) {
    byte[] presented = bearerToken(authorization).getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(presented, expected)) { // constant time: no guessing byte by byte
      throw unauthenticated(detail);
    }
  }

  private static String bearerToken(String authorization) {
    if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
      throw unauthenticated("Authorization: Bearer <token> required");
    }
    return authorization.substring(BEARER.length()).trim();
  }

  static Problem unauthenticated(String detail) {
    return new Problem(ErrorCode.UNAUTHENTICATED, detail,
        Map.of("WWW-Authenticate", "Bearer"), Map.of());
  }
}
