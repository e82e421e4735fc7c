package io.flashsale.api.orderurl;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Sale;
import io.flashsale.testing.Sales;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The derivation of a hidden order URL: the same on every instance that holds the key, different for another sale,
 * another creation of the same id and another key; the previous key's paths still taken during a rotation.
 */
class OrderUrlsTest {
  private static final String KEY = "an-order-url-key-of-at-least-32-bytes";
  private static final String OTHER_KEY = "another-order-url-key-of-32-bytes-too";
  private static final Instant CREATED = Instant.parse("2026-11-27T00:00:00Z");

  private static Sale sale(String saleId, Instant createdAt) {
    return Sales.live(saleId, "SKU-" + saleId, 10, 1, CREATED.plusSeconds(60)).setCreatedAt(createdAt)
        .setHiddenOrderUrl(true).build();
  }

  @Test
  void everyInstanceWithTheKeyDerivesTheSamePath() {
    Sale sale = sale("bf-2026", CREATED);
    OrderUrls one = new OrderUrls(new OrderUrlSettings(KEY, null));
    OrderUrls two = new OrderUrls(new OrderUrlSettings(KEY, null));

    String path = one.purchasePath(sale);
    assertThat(path).isEqualTo(two.purchasePath(Sale.newBuilder(sale).build()))
        .isEqualTo("/api/sales/bf-2026/purchases/" + one.secret(sale));
    assertThat(one.secret(sale)).matches("[A-Za-z0-9_-]{22}"); // 16 bytes, base64url
    assertThat(two.matches(sale, one.secret(sale))).isTrue();
  }

  @Test
  void anotherSaleAnotherCreationOrAnotherKeyGivesAnotherSecret() {
    OrderUrls urls = new OrderUrls(new OrderUrlSettings(KEY, null));
    String secret = urls.secret(sale("bf-2026", CREATED));

    assertThat(urls.secret(sale("bf-2027", CREATED))).isNotEqualTo(secret);
    assertThat(urls.secret(sale("bf-2026", CREATED.plusMillis(1)))).isNotEqualTo(secret);
    assertThat(new OrderUrls(new OrderUrlSettings(OTHER_KEY, null)).secret(sale("bf-2026", CREATED)))
        .isNotEqualTo(secret);
  }

  @Test
  void onlyTheSecretItselfMatches() {
    OrderUrls urls = new OrderUrls(new OrderUrlSettings(KEY, null));
    Sale sale = sale("bf-2026", CREATED);
    String secret = urls.secret(sale);

    assertThat(urls.matches(sale, secret)).isTrue();
    assertThat(urls.matches(sale, null)).isFalse();
    assertThat(urls.matches(sale, "")).isFalse();
    assertThat(urls.matches(sale, secret.substring(1))).isFalse();
    assertThat(urls.matches(sale, secret + "A")).isFalse();
    assertThat(urls.matches(sale, secret.toLowerCase().equals(secret) ? secret.toUpperCase() : secret.toLowerCase()))
        .isFalse();
    assertThat(urls.matches(sale("bf-2027", CREATED), secret)).as("another sale's").isFalse();
  }

  @Test
  void duringARotationThePreviousKeysPathsAreTakenAndTheNewOnesGiven() {
    Sale sale = sale("bf-2026", CREATED);
    OrderUrls before = new OrderUrls(new OrderUrlSettings(OTHER_KEY, null));
    OrderUrls rotating = new OrderUrls(new OrderUrlSettings(KEY, OTHER_KEY));
    OrderUrls after = new OrderUrls(new OrderUrlSettings(KEY, null));

    assertThat(rotating.matches(sale, before.secret(sale))).as("a path revealed before the rotation").isTrue();
    assertThat(rotating.secret(sale)).isEqualTo(after.secret(sale)).isNotEqualTo(before.secret(sale));
    assertThat(after.matches(sale, before.secret(sale))).as("once the previous key is removed").isFalse();
  }

  @Test
  void aSaleWithoutTheOptionKeepsItsPublicPath() {
    Sale sale = Sale.newBuilder(sale("bf-2026", CREATED)).setHiddenOrderUrl(false).build();

    assertThat(new OrderUrls(new OrderUrlSettings(KEY, null)).purchasePath(sale))
        .isEqualTo("/api/sales/bf-2026/purchases");
  }

  @Test
  void theKeyDrawnFromAnotherSecretGivesItNotAway() {
    String derived = OrderUrls.derivedKey(KEY);

    assertThat(derived).isEqualTo(OrderUrls.derivedKey(KEY)).isNotEqualTo(KEY)
        .isNotEqualTo(OrderUrls.derivedKey(OTHER_KEY)).doesNotContain(KEY);
  }
}
