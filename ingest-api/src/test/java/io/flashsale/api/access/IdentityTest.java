package io.flashsale.api.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    String token = JWT.create().withSubject("user-8").withExpiresAt(Instant.now().plusSeconds(60))
        .sign(Algorithm.HMAC256(SECRET));

    assertThat(identity.buyer("bearer " + token)).isEqualTo(new Buyer("user-8", null));
  }

  @Test
  void tokenWithoutExpiryIsRejected() {
    String token = JWT.create().withSubject("user-8").withClaim("did", "phone").sign(Algorithm.HMAC256(SECRET));

    assertUnauthenticated("Bearer " + token);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nul\u0000", "line\nbreak", "del\u007f", "c1\u0085", "non\uffff", " "})
  void subjectsAndDevicesTheTopologyWouldRefuseAreRejected(String bad) {
    Instant exp = Instant.now().plusSeconds(60);
    assertUnauthenticated("Bearer " + JWT.create().withSubject(bad).withExpiresAt(exp).sign(Algorithm.HMAC256(SECRET)));
    if (!bad.isBlank()) { // a blank device id is no harm; a blank user id is none
      assertUnauthenticated("Bearer " + JWT.create().withSubject("user-1").withClaim("did", bad).withExpiresAt(exp)
          .sign(Algorithm.HMAC256(SECRET)));
    }
  }

  @Test
  void aSurrogateHalfEscapedInTheTokensJsonIsRejected() throws Exception {
    // Only a JSON escape can carry half a surrogate pair: UTF-8 has no bytes for it.
    long exp = Instant.now().plusSeconds(60).getEpochSecond();
    assertUnauthenticated("Bearer " + signed("{\"sub\":\"half\\ud800\",\"exp\":" + exp + "}"));
    assertUnauthenticated("Bearer " + signed("{\"sub\":\"user-1\",\"did\":\"\\udc00\",\"exp\":" + exp + "}"));
    assertThat(identity.buyer("Bearer " + signed("{\"sub\":\"user-1\",\"did\":\"\\ud83c\\udfa7\",\"exp\":" + exp + "}")))
        .isEqualTo(new Buyer("user-1", "\ud83c\udfa7"));
  }

  /** An HS256 token with exactly this payload. */
  private static String signed(String payloadJson) throws Exception {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String unsigned = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
        + "." + base64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return unsigned + "." + base64.encodeToString(mac.doFinal(unsigned.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void overlongOrMistypedIdsAreRejected() {
    Instant exp = Instant.now().plusSeconds(60);
    assertUnauthenticated("Bearer " + JWT.create().withSubject("u".repeat(257)).withExpiresAt(exp)
        .sign(Algorithm.HMAC256(SECRET)));
    assertUnauthenticated("Bearer " + JWT.create().withSubject("user-1").withClaim("did", "d".repeat(257))
        .withExpiresAt(exp).sign(Algorithm.HMAC256(SECRET)));
    assertUnauthenticated("Bearer " + JWT.create().withSubject("user-1").withClaim("did", 42).withExpiresAt(exp)
        .sign(Algorithm.HMAC256(SECRET)));
    assertThat(identity.buyer("Bearer " + JWT.create().withSubject("u".repeat(256)).withClaim("did", "\u00e9t\u00e9 \ud83d\ude00")
        .withExpiresAt(exp).sign(Algorithm.HMAC256(SECRET)))).isEqualTo(new Buyer("u".repeat(256), "\u00e9t\u00e9 \ud83d\ude00"));
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
    SettableClock clock = new SettableClock(Instant.parse("2026-11-24T10:00:00Z"));
    Identity remembering = new Identity(SECRET, "the-admin-token", 10, clock);
    String token = JWT.create().withSubject("user-9").withClaim("did", "phone-9")
        .withExpiresAt(clock.instant().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));

    assertThat(remembering.buyer("Bearer " + token)).isEqualTo(new Buyer("user-9", "phone-9"));
    assertThat(remembering.buyer("Bearer " + token)).as("remembered").isEqualTo(new Buyer("user-9", "phone-9"));
    clock.advance(Duration.ofSeconds(61));

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
}
