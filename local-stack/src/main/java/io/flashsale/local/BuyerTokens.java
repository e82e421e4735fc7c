package io.flashsale.local;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.time.Instant;

/** Mints buyer tokens (HS256 JWT: sub = user id, did = device id) for local use, tools and tests. */
public final class BuyerTokens {
  private BuyerTokens() {}

  public static String mint(String secret, String userId, String deviceId, Duration validFor) {
    var token = JWT.create().withSubject(userId).withExpiresAt(Instant.now().plus(validFor));
    if (deviceId != null) {
      token.withClaim("did", deviceId);
    }
    return token.sign(Algorithm.HMAC256(secret));
  }
}
