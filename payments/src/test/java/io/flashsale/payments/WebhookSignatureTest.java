package io.flashsale.payments;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookSignatureTest {
  private static final String SECRET = "local-webhook-secret";
  private static final String BODY = "{\"id\":\"evt_1\"}";
  private static final long SIGNED_AT = 1_700_000_000L;
  private static final Instant NOW = Instant.ofEpochSecond(SIGNED_AT);
  private static final Duration TOLERANCE = Duration.ofSeconds(300);

  @Test
  void signsTimestampDotBodyWithHmacSha256() {
    // Computed independently: printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac local-webhook-secret
    assertThat(WebhookSignature.header(SECRET, SIGNED_AT, BODY))
        .isEqualTo("t=1700000000,v1=259bf47b5d3bade4f0687cad35942ec8cb47252febae2e93f1893bf8e841021c");
  }

  @Test
  void acceptsItsOwnSignatureWithinTheWindow() {
    String header = WebhookSignature.header(SECRET, SIGNED_AT, BODY);

    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW, TOLERANCE)).isTrue();
    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW.plusSeconds(300), TOLERANCE)).isTrue();
    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW.minusSeconds(300), TOLERANCE)).isTrue();
  }

  @Test
  void rejectsAnotherSecret() {
    String header = WebhookSignature.header("some-other-secret", SIGNED_AT, BODY);

    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW, TOLERANCE)).isFalse();
  }

  @Test
  void rejectsATamperedBody() {
    String header = WebhookSignature.header(SECRET, SIGNED_AT, BODY);

    assertThat(WebhookSignature.verify(SECRET, header, "{\"id\":\"evt_2\"}", NOW, TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(SECRET, header, BODY + " ", NOW, TOLERANCE)).isFalse();
  }

  @Test
  void rejectsATamperedTimestamp() {
    String signature = WebhookSignature.header(SECRET, SIGNED_AT, BODY).split(",")[1];

    assertThat(WebhookSignature.verify(SECRET, "t=" + (SIGNED_AT + 1) + "," + signature, BODY, NOW, TOLERANCE)).isFalse();
  }

  @Test
  void rejectsStaleAndFutureTimestamps() {
    String header = WebhookSignature.header(SECRET, SIGNED_AT, BODY);

    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW.plusSeconds(301), TOLERANCE)).isFalse();
    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW.minusSeconds(301), TOLERANCE)).isFalse();
  }

  @Test
  void acceptsAnyOfSeveralSignaturesWhileASecretIsRotated() {
    String old = WebhookSignature.header("old-secret", SIGNED_AT, BODY).split(",")[1];
    String header = WebhookSignature.header(SECRET, SIGNED_AT, BODY) + "," + old;

    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW, TOLERANCE)).isTrue();
    assertThat(WebhookSignature.verify("old-secret", header, BODY, NOW, TOLERANCE)).isTrue();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
      "garbage",
      "t=1700000000",
      "v1=259bf47b5d3bade4f0687cad35942ec8cb47252febae2e93f1893bf8e841021c",
      "t=soon,v1=259bf47b5d3bade4f0687cad35942ec8cb47252febae2e93f1893bf8e841021c",
      "t=1700000000,v1=not-hex",
      "t=1700000000,v1=259b",
      "t=1700000000,v0=259bf47b5d3bade4f0687cad35942ec8cb47252febae2e93f1893bf8e841021c",
      "t=1700000000;v1=259bf47b5d3bade4f0687cad35942ec8cb47252febae2e93f1893bf8e841021c"})
  void rejectsMalformedHeaders(String header) {
    assertThat(WebhookSignature.verify(SECRET, header, BODY, NOW, TOLERANCE)).isFalse();
  }
}
