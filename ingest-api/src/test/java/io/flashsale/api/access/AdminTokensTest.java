package io.flashsale.api.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import com.sun.net.httpserver.HttpServer;
import io.flashsale.api.ApiConfig;
import io.flashsale.api.access.Identity.Admin;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.AdminRole;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Admin identities: the shared token and admin JWTs, their keys, claims and roles. */
class AdminTokensTest {
  private static final String ADMIN_SECRET = "an-admin-secret-of-at-least-32-bytes!";
  private static final String BUYER_SECRET = "a-buyer-secret-of-at-least-32-bytes!!";
  private static final String SHARED_TOKEN = "the-shared-admin-token";
  private static final KeyPair RSA = keyPair("RSA", null);
  private static final KeyPair EC = keyPair("EC", "secp256r1");

  private final Identity hs256 = identity(new AdminJwt(ADMIN_SECRET, null, null, null));

  @Test
  void theSharedTokenIsTheOperatorLocalToken() {
    Admin admin = hs256.admin("Bearer " + SHARED_TOKEN);

    assertThat(admin).isEqualTo(new Admin(Identity.LOCAL_TOKEN_ACTOR, null, AdminRole.OPERATOR));
    assertThat(admin.may(AdminRole.OPERATOR)).isTrue();
    assertUnauthenticated(() -> hs256.admin("Bearer " + SHARED_TOKEN + "x"));
    assertUnauthenticated(() -> hs256.admin(null));
  }

  @Test
  void aViewerReadsAndAnOperatorAlsoActs() {
    Admin viewer = hs256.admin(bearer(token("bob").withArrayClaim("roles", new String[] {"viewer"})));
    Admin operator = hs256.admin(bearer(token("alice").withClaim("role", "operator")));

    assertThat(viewer).isEqualTo(new Admin("bob", null, AdminRole.VIEWER));
    assertThat(viewer.may(AdminRole.VIEWER)).isTrue();
    assertThat(viewer.may(AdminRole.OPERATOR)).isFalse();
    assertThat(operator.role()).isEqualTo(AdminRole.OPERATOR);
    assertThat(operator.may(AdminRole.VIEWER)).isTrue();
    assertThat(operator.may(AdminRole.OPERATOR)).isTrue();
  }

  @Test
  void unknownRolesGrantNothingAndAreIgnoredBesideKnownOnes() {
    Admin unknownOnly = hs256.admin(bearer(token("carol").withArrayClaim("roles", new String[] {"superuser", "root"})));
    Admin noRole = hs256.admin(bearer(token("dave")));
    Admin mixed = hs256.admin(bearer(token("erin").withArrayClaim("roles", new String[] {"billing", "Viewer"})));

    assertThat(unknownOnly.role()).isEqualTo(AdminRole.NONE);
    assertThat(unknownOnly.may(AdminRole.VIEWER)).isFalse();
    assertThat(noRole.role()).isEqualTo(AdminRole.NONE);
    assertThat(mixed.role()).isEqualTo(AdminRole.VIEWER);
    assertUnauthenticated(() -> hs256.admin(bearer(token("frank").withClaim("roles", Map.of("operator", true)))));
    assertUnauthenticated(() -> hs256.admin(bearer(token("gina").withClaim("role", 7))));
  }

  @Test
  void expiredWrongKeyMissingExpiryOrSubjectAndAlgNoneAreUnauthenticated() {
    assertUnauthenticated(() -> hs256.admin(bearer(JWT.create().withSubject("alice").withClaim("role", "operator")
        .withExpiresAt(Instant.now().minusSeconds(1)), Algorithm.HMAC256(ADMIN_SECRET))));
    assertUnauthenticated(() -> hs256.admin(bearer(token("alice").withClaim("role", "operator"),
        Algorithm.HMAC256("another-secret-of-at-least-32-bytes!!"))));
    assertUnauthenticated(() -> hs256.admin(bearer(JWT.create().withSubject("alice").withClaim("role", "operator"),
        Algorithm.HMAC256(ADMIN_SECRET))));
    assertUnauthenticated(() -> hs256.admin(bearer(JWT.create().withClaim("role", "operator")
        .withExpiresAt(Instant.now().plusSeconds(60)), Algorithm.HMAC256(ADMIN_SECRET))));
    assertUnauthenticated(() -> hs256.admin(bearer(token("alice").withClaim("role", "operator"), Algorithm.none())));
    assertUnauthenticated(() -> hs256.admin(bearer(token("alice\u0000").withClaim("role", "operator"))));
    assertUnauthenticated(() -> hs256.admin("Bearer not-a-jwt"));
  }

  @Test
  void aBuyerTokenIsNoAdminToken() {
    String buyer = JWT.create().withSubject("alice").withClaim("role", "operator")
        .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(BUYER_SECRET));

    assertThat(hs256.buyer("Bearer " + buyer).userId()).isEqualTo("alice");
    assertUnauthenticated(() -> hs256.admin("Bearer " + buyer));
  }

  @Test
  void withoutAdminKeysOnlyTheSharedTokenIsAccepted() {
    Identity sharedOnly = new Identity(BUYER_SECRET, SHARED_TOKEN);

    assertThat(sharedOnly.admin("Bearer " + SHARED_TOKEN).role()).isEqualTo(AdminRole.OPERATOR);
    assertUnauthenticated(() -> sharedOnly.admin(bearer(token("alice").withClaim("role", "operator"))));
  }

  @Test
  void rs256AndEs256TokensOfTheConfiguredKeyAreAcceptedAndNoOtherAlgorithm() {
    Identity rsa = identity(new AdminJwt(null, pem(RSA.getPublic()), null, null));
    Identity ec = identity(new AdminJwt(null, pem(EC.getPublic()), null, null));
    Algorithm rs256 = Algorithm.RSA256((RSAPublicKey) RSA.getPublic(), (RSAPrivateKey) RSA.getPrivate());
    Algorithm es256 = Algorithm.ECDSA256((ECPublicKey) EC.getPublic(), (ECPrivateKey) EC.getPrivate());

    assertThat(rsa.admin(bearer(token("alice").withClaim("role", "operator"), rs256)).role())
        .isEqualTo(AdminRole.OPERATOR);
    assertThat(ec.admin(bearer(token("bob").withArrayClaim("roles", new String[] {"viewer"}), es256)).role())
        .isEqualTo(AdminRole.VIEWER);
    KeyPair otherRsa = keyPair("RSA", null);
    assertUnauthenticated(() -> rsa.admin(bearer(token("mallory").withClaim("role", "operator"),
        Algorithm.RSA256((RSAPublicKey) otherRsa.getPublic(), (RSAPrivateKey) otherRsa.getPrivate()))));
    assertUnauthenticated(() -> rsa.admin(bearer(token("alice").withClaim("role", "operator"), es256)));
    // The public key is public: an HS256 token keyed with it must not pass where only RS256 is configured.
    assertUnauthenticated(() -> rsa.admin(bearer(token("mallory").withClaim("role", "operator"),
        Algorithm.HMAC256(pem(RSA.getPublic()).getBytes(StandardCharsets.UTF_8)))));
    assertUnauthenticated(() -> rsa.admin(bearer(token("mallory").withClaim("role", "operator"),
        Algorithm.HMAC256(RSA.getPublic().getEncoded()))));
  }

  @Test
  void issuerAndAudienceAreCheckedWhenConfigured() {
    Identity strict = identity(new AdminJwt(ADMIN_SECRET, null, "https://idp.example.com/", "flashsale-admin"));

    Admin admin = strict.admin(bearer(token("alice").withClaim("role", "operator")
        .withIssuer("https://idp.example.com/").withAudience("flashsale-admin", "other-app")));
    assertThat(admin).isEqualTo(new Admin("alice", "https://idp.example.com/", AdminRole.OPERATOR));
    assertUnauthenticated(() -> strict.admin(bearer(token("alice").withClaim("role", "operator")
        .withAudience("flashsale-admin"))));
    assertUnauthenticated(() -> strict.admin(bearer(token("alice").withClaim("role", "operator")
        .withIssuer("https://evil.example.com/").withAudience("flashsale-admin"))));
    assertUnauthenticated(() -> strict.admin(bearer(token("alice").withClaim("role", "operator")
        .withIssuer("https://idp.example.com/").withAudience("other-app"))));
    assertUnauthenticated(() -> strict.admin(bearer(token("alice").withClaim("role", "operator")
        .withIssuer("https://idp.example.com/"))));
  }

  @Test
  void theConfigurationRefusesKeysThatWouldNotProtect() {
    assertThatThrownBy(() -> new AdminJwt("too-short", null, null, null))
        .hasMessageContaining("FLASHSALE_ADMIN_JWT_SECRET").hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> AdminJwt.fromEnv(Map.of("FLASHSALE_ADMIN_JWT_SECRET", BUYER_SECRET), false, BUYER_SECRET))
        .hasMessageContaining("must differ from FLASHSALE_JWT_SECRET");
    assertThatThrownBy(() -> AdminJwt.fromEnv(Map.of("FLASHSALE_ADMIN_JWT_SECRET", AdminJwt.LOCAL_SECRET), false,
        BUYER_SECRET)).hasMessageContaining("published local-mode value");
    assertThatThrownBy(() -> new AdminJwt(null, "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----",
        null, null)).hasMessageContaining("FLASHSALE_ADMIN_JWT_PUBLIC_KEY");
    assertThatThrownBy(() -> new AdminJwt(null, pem(keyPair("EC", "secp384r1").getPublic()), null, null))
        .hasMessageContaining("P-256");

    assertThat(AdminJwt.fromEnv(Map.of(), false, BUYER_SECRET)).isEqualTo(AdminJwt.none());
    assertThat(AdminJwt.fromEnv(Map.of(), true, ApiConfig.LOCAL_JWT_SECRET).secret()).isEqualTo(AdminJwt.LOCAL_SECRET);
    AdminJwt configured = AdminJwt.fromEnv(Map.of("FLASHSALE_ADMIN_JWT_PUBLIC_KEY", pem(RSA.getPublic()),
        "FLASHSALE_ADMIN_JWT_ISSUER", "https://idp.example.com/", "FLASHSALE_ADMIN_JWT_AUDIENCE", "flashsale"), false,
        BUYER_SECRET);
    assertThat(configured).isEqualTo(new AdminJwt(null, pem(RSA.getPublic()), "https://idp.example.com/", "flashsale"));
    assertThat(new AdminJwt(ADMIN_SECRET, null, null, null).toString()).doesNotContain(ADMIN_SECRET);
  }

  @Test
  void outsideLocalModeAKeyWithoutIssuerAndAudienceIsRefused() {
    assertThatThrownBy(() -> AdminJwt.fromEnv(Map.of("FLASHSALE_ADMIN_JWT_SECRET", ADMIN_SECRET), false, BUYER_SECRET))
        .hasMessageContaining("FLASHSALE_ADMIN_JWT_ISSUER and FLASHSALE_ADMIN_JWT_AUDIENCE");
    assertThatThrownBy(() -> AdminJwt.fromEnv(Map.of("FLASHSALE_ADMIN_JWT_PUBLIC_KEY", pem(RSA.getPublic()),
        "FLASHSALE_ADMIN_JWT_ISSUER", "https://idp.example.com/"), false, BUYER_SECRET))
        .hasMessageContaining("FLASHSALE_ADMIN_JWT_AUDIENCE");
    assertThat(AdminJwt.fromEnv(Map.of("FLASHSALE_ADMIN_JWT_SECRET", ADMIN_SECRET), true, BUYER_SECRET).secret())
        .as("local mode").isEqualTo(ADMIN_SECRET);
  }

  /**
   * Keys from the identity provider's JWKS, served here by a small HTTP server on loopback: a token of a published
   * key verifies; after the provider rotates to a new key, the new key's tokens verify at once (its unknown id
   * fetches the set again); made-up key ids fetch it at most the rate limit's times; and the issuer and audience are
   * still checked.
   */
  @Test
  void keysFromAJwksVerifyAndARotationIsPickedUpAtTheNewKeysFirstToken() throws Exception {
    KeyPair first = keyPair("RSA", null);
    KeyPair second = keyPair("EC", "secp256r1");
    AtomicReference<String> published = new AtomicReference<>(jwks(jwk("key-1", first.getPublic())));
    AtomicInteger fetches = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/.well-known/jwks.json", exchange -> {
      fetches.incrementAndGet();
      byte[] body = published.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (exchange) {
        exchange.getResponseBody().write(body);
      }
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json";
      Identity fromJwks = identity(new AdminJwt(null, null, "https://idp.example.com/", "flashsale-admin", url));
      JWTCreator.Builder alice = token("alice").withClaim("roles", List.of("operator"))
          .withIssuer("https://idp.example.com/").withAudience("flashsale-admin");

      assertThat(fromJwks.admin(bearer(alice.withKeyId("key-1"),
          Algorithm.RSA256((RSAPublicKey) first.getPublic(), (RSAPrivateKey) first.getPrivate()))))
          .isEqualTo(new Admin("alice", "https://idp.example.com/", AdminRole.OPERATOR));
      assertThat(fetches).hasValue(1);
      assertUnauthenticated(() -> fromJwks.admin(bearer(token("alice").withClaim("roles", List.of("operator"))
          .withIssuer("https://idp.example.com/").withAudience("another-app").withKeyId("key-1"),
          Algorithm.RSA256((RSAPublicKey) first.getPublic(), (RSAPrivateKey) first.getPrivate()))));

      published.set(jwks(jwk("key-2", second.getPublic())));
      assertThat(fromJwks.admin(bearer(alice.withKeyId("key-2"),
          Algorithm.ECDSA256((ECPublicKey) second.getPublic(), (ECPrivateKey) second.getPrivate()))).name())
          .as("the rotated key's token").isEqualTo("alice");
      assertThat(fetches).as("one fetch for the new key id").hasValue(2);

      KeyPair mallory = keyPair("RSA", null);
      for (int i = 0; i < 30; i++) {
        String keyId = "made-up-" + i;
        assertUnauthenticated(() -> fromJwks.admin(bearer(token("mallory").withClaim("role", "operator")
            .withIssuer("https://idp.example.com/").withAudience("flashsale-admin").withKeyId(keyId),
            Algorithm.RSA256((RSAPublicKey) mallory.getPublic(), (RSAPrivateKey) mallory.getPrivate()))));
      }
      assertThat(fetches.get()).as("made-up key ids fetch the set at most the rate limit's times")
          .isLessThanOrEqualTo(AdminKeys.JWKS_FETCHES_PER_MINUTE);
      // A token signed by a published key's id but another key is refused.
      assertUnauthenticated(() -> fromJwks.admin(bearer(token("mallory").withClaim("role", "operator")
          .withIssuer("https://idp.example.com/").withAudience("flashsale-admin").withKeyId("key-1"),
          Algorithm.RSA256((RSAPublicKey) mallory.getPublic(), (RSAPrivateKey) mallory.getPrivate()))));
    } finally {
      server.stop(0);
    }
  }

  private static String jwks(String... keys) {
    return "{\"keys\":[" + String.join(",", keys) + "]}";
  }

  private static String jwk(String keyId, PublicKey key) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    if (key instanceof RSAPublicKey rsa) {
      return "{\"kty\":\"RSA\",\"kid\":\"" + keyId + "\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\""
          + b64.encodeToString(unsigned(rsa.getModulus())) + "\",\"e\":\""
          + b64.encodeToString(unsigned(rsa.getPublicExponent())) + "\"}";
    }
    ECPublicKey ec = (ECPublicKey) key;
    return "{\"kty\":\"EC\",\"kid\":\"" + keyId + "\",\"use\":\"sig\",\"alg\":\"ES256\",\"crv\":\"P-256\",\"x\":\""
        + b64.encodeToString(fixed(ec.getW().getAffineX())) + "\",\"y\":\""
        + b64.encodeToString(fixed(ec.getW().getAffineY())) + "\"}";
  }

  private static byte[] unsigned(java.math.BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  /** A P-256 coordinate in its 32 bytes, as JWK wants it. */
  private static byte[] fixed(java.math.BigInteger value) {
    byte[] bytes = unsigned(value);
    byte[] fixed = new byte[32];
    System.arraycopy(bytes, 0, fixed, 32 - bytes.length, bytes.length);
    return fixed;
  }

  private static Identity identity(AdminJwt adminJwt) {
    return new Identity(BUYER_SECRET, SHARED_TOKEN, adminJwt, 0, Clock.systemUTC());
  }

  private static JWTCreator.Builder token(String subject) {
    return JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(300));
  }

  private static String bearer(JWTCreator.Builder token) {
    return bearer(token, Algorithm.HMAC256(ADMIN_SECRET));
  }

  private static String bearer(JWTCreator.Builder token, Algorithm algorithm) {
    return "Bearer " + token.sign(algorithm);
  }

  private static void assertUnauthenticated(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(Problem.class,
        problem -> assertThat(problem.code).isEqualTo(ErrorCode.UNAUTHENTICATED));
  }

  static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
  }

  private static KeyPair keyPair(String algorithm, String curve) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (curve != null) {
        generator.initialize(new ECGenParameterSpec(curve));
      } else {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
