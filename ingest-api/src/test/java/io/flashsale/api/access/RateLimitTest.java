package io.flashsale.api.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.ApiFixture.Response;
import io.flashsale.api.ApiFixture;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.Topics;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-client-address and per-sale limits over HTTP: 429 RATE_LIMITED with Retry-After, nothing written;
 * the address is the peer's unless the peer is a trusted proxy.
 */
class RateLimitTest {
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    // The tests' own address is the trusted proxy; a rate too low to refill during a test.
    fixture = ApiFixture.start(Map.of(
        "FLASHSALE_IP_RATE_LIMIT_PER_SECOND", "1",
        "FLASHSALE_SALE_RATE_LIMIT_PER_SECOND", "3",
        "FLASHSALE_RATE_LIMIT_PER_SECOND", "1000",
        "FLASHSALE_TRUSTED_PROXIES", "127.0.0.1"));
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void eachClientAddressBehindTheProxyHasItsOwnLimit() {
    String saleId = fixture.createSale(Map.of());
    // A burst of twice the rate per address, then 429; another address behind the same proxy is untouched.
    for (int i = 0; i < 2; i++) {
      assertThat(poll("198.51.100.1").status()).isEqualTo(404);
    }
    Map<?, Long> before = fixture.endOffsets(Topics.PURCHASE_REQUESTS);
    Response limited = fixture.call("POST", "/api/sales/" + saleId + "/purchases")
        .auth(fixture.buyer(ApiFixture.newUser())).header("X-Forwarded-For", "198.51.100.1").json("{\"quantity\": 1}").send()
        .assertProblem(429, ErrorCode.RATE_LIMITED);
    assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
    assertThat(fixture.endOffsets(Topics.PURCHASE_REQUESTS)).as("nothing written").isEqualTo(before);
    assertThat(poll("198.51.100.2").status()).isEqualTo(404);
  }

  @Test
  void aSaleTakesAtMostItsRateFromAllBuyers() {
    String saleId = fixture.createSale(Map.of("stock", 100, "perUserLimit", 1));
    for (int i = 0; i < 3; i++) {
      assertThat(purchase(saleId, "203.0.113." + i).status()).isEqualTo(202);
    }
    Map<?, Long> before = fixture.endOffsets(Topics.PURCHASE_REQUESTS);
    purchase(saleId, "203.0.113.50").assertProblem(429, ErrorCode.RATE_LIMITED);
    assertThat(fixture.endOffsets(Topics.PURCHASE_REQUESTS)).as("nothing written").isEqualTo(before);

    String other = fixture.createSale(Map.of());
    assertThat(purchase(other, "203.0.113.51").status()).as("another sale has its own budget").isEqualTo(202);
  }

  private static Response poll(String client) {
    return fixture.call("GET", "/api/purchases/" + UUID.randomUUID())
        .auth(fixture.buyer(ApiFixture.newUser())).header("X-Forwarded-For", client).send();
  }

  private static Response purchase(String saleId, String client) {
    return fixture.call("POST", "/api/sales/" + saleId + "/purchases").auth(fixture.buyer(ApiFixture.newUser()))
        .header("X-Forwarded-For", client).json("{\"quantity\": 1}").send();
  }
}
