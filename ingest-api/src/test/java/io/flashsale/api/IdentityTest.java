package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.flashsale.api.Identity.Buyer;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class IdentityTest {
  private static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";
  private final Identity identity = new Identity(SECRET, "the-admin-token");

  @Test
  void validTokenNamesTheBuyerAndDevice() {
    String token = JWT.create().withSubject("user-7").withClaim("did", "phone-1")
        .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));

    assertThat(identity.buyer("Bearer " + token)).isEqualTo(new Buyer("user-7", "phone-1"));
  }

  @Test
  void deviceIsOptional() {
    String token = JWT.create().withSubject("user-8").sign(Algorithm.HMAC256(SECRET));

    assertThat(identity.buyer("bearer " + token)).isEqualTo(new Buyer("user-8", null));
  }

  @Test
  void expiredTokenIsRejected() {
    String token = JWT.create().withSubject("user-7").withExpiresAt(Instant.now().minusSeconds(5))
        .sign(Algorithm.HMAC256(SECRET));

    assertUnauthenticated("Bearer " + token);
  }

  @Test
  void tokenSignedWithAnotherSecretIsRejected() {
    String token = JWT.create().withSubject("user-7").sign(Algorithm.HMAC256("another-secret-just-as-long-as-the-first"));

    assertUnauthenticated("Bearer " + token);
  }

  @Test
  void unsignedTokenIsRejected() {
    String token = JWT.create().withSubject("user-7").sign(Algorithm.none());

    assertUnauthenticated("Bearer " + token);
  }

  @Test
  void tokenClaimingAnotherAlgorithmIsRejected() {
    String token = JWT.create().withSubject("user-7").sign(Algorithm.HMAC512(SECRET));

    assertUnauthenticated("Bearer " + token);
  }

  @Test
  void tokenWithoutSubjectIsRejected() {
    String token = JWT.create().withClaim("did", "phone").sign(Algorithm.HMAC256(SECRET));

    assertUnauthenticated("Bearer " + token);
  }

  @Test
  void malformedOrMissingCredentialsAreRejected() {
    String garbage = Base64.getUrlEncoder().encodeToString("not a token".getBytes());
    assertUnauthenticated("Bearer " + garbage);
    assertUnauthenticated("Bearer a.b.c");
    assertUnauthenticated("Bearer ");
    assertUnauthenticated("Basic dXNlcjpwYXNz");
    assertUnauthenticated(null);
  }

  @Test
  void adminNeedsExactlyTheAdminToken() {
    identity.admin("Bearer the-admin-token");

    assertThatThrownBy(() -> identity.admin("Bearer the-admin-token-x")).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> identity.admin("Bearer the-admin-toke")).isInstanceOf(Problem.class);
    assertThatThrownBy(() -> identity.admin(null)).isInstanceOf(Problem.class);
    String buyerToken = JWT.create().withSubject("user-7").sign(Algorithm.HMAC256(SECRET));
    assertThatThrownBy(() -> identity.admin("Bearer " + buyerToken))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(ErrorCode.UNAUTHENTICATED));
  }

  private void assertUnauthenticated(String authorization) {
    assertThatThrownBy(() -> identity.buyer(authorization))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(ErrorCode.UNAUTHENTICATED));
  }
}
