package io.flashsale.api;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;

/** Who is calling: buyers by HS256 JWT ({@code sub} = user id, optional {@code did} = device id), admins by a shared token. */
public final class Identity {

  /** An authenticated buyer. */
  public record Buyer(String userId, String deviceId) {}

  public static final String DEVICE_CLAIM = "did";
  private static final String BEARER = "bearer ";

  private final JWTVerifier buyerTokens;
  private final byte[] adminToken;

  public Identity(String jwtSecret, String adminToken) {
    // The verifier is pinned to HS256: a token naming another algorithm, "none" included, fails.
    this.buyerTokens = JWT.require(Algorithm.HMAC256(jwtSecret)).withClaimPresence("sub").build();
    this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
  }

  /** The buyer behind an Authorization header, or UNAUTHENTICATED. */
  public Buyer buyer(String authorization) {
    String token = bearerToken(authorization);
    try {
      DecodedJWT jwt = buyerTokens.verify(token);
      if (jwt.getSubject().isBlank()) {
        throw unauthenticated("The token has no subject");
      }
      return new Buyer(jwt.getSubject(), jwt.getClaim(DEVICE_CLAIM).asString());
    } catch (JWTVerificationException e) {
      throw unauthenticated("Invalid token: " + e.getMessage());
    }
  }

  /** Passes for the admin token, else UNAUTHENTICATED. */
  public void admin(String authorization) {
    byte[] presented = bearerToken(authorization).getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(presented, adminToken)) { // constant time: no guessing byte by byte
      throw unauthenticated("Admin token required");
    }
  }

  private static String bearerToken(String authorization) {
    if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
      throw unauthenticated("Authorization: Bearer <token> required");
    }
    return authorization.substring(BEARER.length()).trim();
  }

  private static Problem unauthenticated(String detail) {
    return new Problem(ErrorCode.UNAUTHENTICATED, detail,
        Map.of("WWW-Authenticate", "Bearer"), Map.of());
  }
}
