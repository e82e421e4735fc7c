package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.flashsale.api.Identity.Buyer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

  @Test
  void aRememberedTokenStillExpires() {
    MovableClock clock = new MovableClock(Instant.parse("2026-11-24T10:00:00Z"));
    Identity remembering = new Identity(SECRET, "the-admin-token", 10, clock);
    String token = JWT.create().withSubject("user-9").withClaim("did", "phone-9")
        .withExpiresAt(clock.instant().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));

    assertThat(remembering.buyer("Bearer " + token)).isEqualTo(new Buyer("user-9", "phone-9"));
    assertThat(remembering.buyer("Bearer " + token)).as("remembered").isEqualTo(new Buyer("user-9", "phone-9"));
    clock.now = clock.now.plusSeconds(61);

    assertThatThrownBy(() -> remembering.buyer("Bearer " + token))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(ErrorCode.UNAUTHENTICATED));
  }

  @Test
  void aRejectedTokenIsNotRemembered() {
    Identity remembering = new Identity(SECRET, "the-admin-token", 10, Clock.systemUTC());
    String forged = JWT.create().withSubject("user-7").sign(Algorithm.HMAC256("another-secret-just-as-long-as-the-first"));

    for (int attempt = 0; attempt < 2; attempt++) {
      assertThatThrownBy(() -> remembering.buyer("Bearer " + forged))
          .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }
  }

  /** A clock the test moves by hand. */
  private static final class MovableClock extends Clock {
    Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
